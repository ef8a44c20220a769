//! A STUN server (RFC 5389 Binding only), and a silent one that drops every
//! request, as a network blocking calls would.

use std::net::{SocketAddr, UdpSocket};

const MAGIC: u32 = 0x2112_A442;

/// The Binding success response to `req`, as seen from `from`, or `None` if `req` is not a Binding request.
pub fn binding_response(req: &[u8], from: SocketAddr) -> Option<Vec<u8>> {
    if req.len() < 20 || req[0..2] != [0x00, 0x01] || req[4..8] != MAGIC.to_be_bytes() {
        return None;
    }
    let mut attr = Vec::new();
    match from {
        SocketAddr::V4(a) => {
            attr.extend_from_slice(&[0x00, 0x20, 0x00, 0x08, 0x00, 0x01]);
            attr.extend_from_slice(&(a.port() ^ (MAGIC >> 16) as u16).to_be_bytes());
            attr.extend_from_slice(&(u32::from(*a.ip()) ^ MAGIC).to_be_bytes());
        }
        SocketAddr::V6(a) => {
            attr.extend_from_slice(&[0x00, 0x20, 0x00, 0x14, 0x00, 0x02]);
            attr.extend_from_slice(&(a.port() ^ (MAGIC >> 16) as u16).to_be_bytes());
            let mut key = MAGIC.to_be_bytes().to_vec();
            key.extend_from_slice(&req[8..20]);
            for (b, k) in a.ip().octets().iter().zip(key) {
                attr.push(b ^ k);
            }
        }
    }
    let mut out = vec![0x01, 0x01];
    out.extend_from_slice(&(attr.len() as u16).to_be_bytes());
    out.extend_from_slice(&req[4..20]);
    out.extend_from_slice(&attr);
    Some(out)
}

/// The public address a client on the namespace's own network (not loopback) is seen from,
/// as behind a NAT: a server-reflexive candidate that is not one of its host candidates
/// (browsers drop a reflexive candidate equal to a host one). A documentation address.
const NAT_ADDR: std::net::Ipv4Addr = std::net::Ipv4Addr::new(203, 0, 113, 7);

fn behind_nat(from: SocketAddr) -> SocketAddr {
    if from.ip().is_loopback() {
        from
    } else {
        SocketAddr::new(NAT_ADDR.into(), from.port())
    }
}

/// Answers Binding requests forever (`answer`), or reads and drops them.
pub fn serve(socket: UdpSocket, answer: bool) {
    let mut buf = [0u8; 1500];
    while let Ok((n, from)) = socket.recv_from(&mut buf) {
        if let (true, Some(resp)) = (answer, binding_response(&buf[..n], behind_nat(from))) {
            let _ = socket.send_to(&resp, from);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_binding_with_the_xored_address() {
        let mut req = vec![0x00, 0x01, 0x00, 0x00];
        req.extend_from_slice(&MAGIC.to_be_bytes());
        req.extend_from_slice(&[9; 12]);
        let resp = binding_response(&req, "127.0.0.1:5000".parse().unwrap()).unwrap();
        assert_eq!(&resp[0..2], &[0x01, 0x01]);
        assert_eq!(&resp[8..20], &[9; 12]);
        let port = u16::from_be_bytes([resp[26], resp[27]]) ^ 0x2112;
        assert_eq!(port, 5000);
        assert!(binding_response(b"junk", "127.0.0.1:1".parse().unwrap()).is_none());
        assert_eq!(behind_nat("10.99.0.1:7".parse().unwrap()), "203.0.113.7:7".parse().unwrap());
        assert_eq!(behind_nat("127.0.0.1:7".parse().unwrap()), "127.0.0.1:7".parse().unwrap());
    }
}
