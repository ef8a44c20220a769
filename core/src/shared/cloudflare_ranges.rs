//! Cloudflare's published address ranges (<https://www.cloudflare.com/ips/>, as listed on
//! 2026-12-01). A Worker on Cloudflare may not open a TCP socket to them (Cloudflare's TCP
//! sockets documentation, "Considerations"), so the control reaches sites served from there
//! with the runtime's `fetch` instead of a socket to the address it checked.

use std::net::IpAddr;

const V4: [([u8; 4], u32); 15] = [
    ([173, 245, 48, 0], 20),
    ([103, 21, 244, 0], 22),
    ([103, 22, 200, 0], 22),
    ([103, 31, 4, 0], 22),
    ([141, 101, 64, 0], 18),
    ([108, 162, 192, 0], 18),
    ([190, 93, 240, 0], 20),
    ([188, 114, 96, 0], 20),
    ([197, 234, 240, 0], 22),
    ([198, 41, 128, 0], 17),
    ([162, 158, 0, 0], 15),
    ([104, 16, 0, 0], 13),
    ([104, 24, 0, 0], 14),
    ([172, 64, 0, 0], 13),
    ([131, 0, 72, 0], 22),
];

const V6: [([u16; 2], u32); 7] = [
    ([0x2400, 0xcb00], 32),
    ([0x2606, 0x4700], 32),
    ([0x2803, 0xf800], 32),
    ([0x2405, 0xb500], 32),
    ([0x2405, 0x8100], 32),
    ([0x2a06, 0x98c0], 29),
    ([0x2c0f, 0xf248], 32),
];

/// Whether `address` is in one of Cloudflare's published ranges.
pub fn is_cloudflare(address: &IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let a = u32::from(*v4);
            V4.iter().any(|(net, len)| {
                let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
                a & mask == u32::from_be_bytes(*net) & mask
            })
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let top = (u32::from(s[0]) << 16) | u32::from(s[1]);
            V6.iter().any(|([hi, lo], len)| {
                let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
                top & mask == ((u32::from(*hi) << 16) | u32::from(*lo)) & mask
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cf(a: &str) -> bool {
        is_cloudflare(&a.parse().unwrap())
    }

    #[test]
    fn cloudflare_addresses_and_their_neighbours() {
        assert!(cf("104.16.132.229") && cf("172.67.1.1") && cf("162.159.255.255") && cf("2606:4700::6810:84e5"));
        assert!(cf("2a06:98c7::1"), "a /29");
        assert!(!cf("104.32.0.1") && !cf("172.72.0.1") && !cf("162.160.0.0") && !cf("2a06:98c8::1"));
        assert!(!cf("93.184.216.34") && !cf("8.8.8.8") && !cf("2001:4860::8888"));
    }
}
