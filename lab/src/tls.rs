//! Reading the server name (SNI) out of a TLS ClientHello, as a DPI box does; and the
//! lab's real TLS server configuration for the canaries.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

/// The lab certificate (`*.canary.test`, `*.test`). Chromium trusts it in tests through
/// `--ignore-certificate-errors-spki-list` with this key's hash (the one copy of it, which the
/// test flags and `make run` read too; a test below checks it against the certificate):
pub const SPKI_SHA256_BASE64: &str = include_str!("../certs/canary.spki");
const CERT_PEM: &[u8] = include_bytes!("../certs/canary.pem");
const KEY_PEM: &[u8] = include_bytes!("../certs/canary.key");

/// TLS 1.2/1.3 over ring, HTTP/1.1 only (so a browser never coalesces two canary names
/// onto one connection).
pub fn server_config() -> Arc<rustls::ServerConfig> {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(CERT_PEM).collect::<Result<_, _>>().expect("the lab certificate parses");
    let key = PrivateKeyDer::from_pem_slice(KEY_PEM).expect("the lab key parses");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("the lab key matches its certificate");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// The SNI host name in a ClientHello record, if there is one.
pub fn client_hello_sni(buf: &[u8]) -> Option<String> {
    // record header(5) handshake type(1) len(3) version(2) random(32)
    if buf.len() < 43 || buf[0] != 0x16 || buf[5] != 0x01 {
        return None;
    }
    let mut p = 43;
    let take = |p: &mut usize, n: usize| -> Option<usize> {
        let at = *p;
        *p = p.checked_add(n)?;
        (*p <= buf.len()).then_some(at)
    };
    let sid = usize::from(buf[take(&mut p, 1)?]);
    take(&mut p, sid)?;
    let at = take(&mut p, 2)?;
    let suites = usize::from(u16::from_be_bytes([buf[at], buf[at + 1]]));
    take(&mut p, suites)?;
    let comp = usize::from(buf[take(&mut p, 1)?]);
    take(&mut p, comp)?;
    let at = take(&mut p, 2)?;
    let ext_end = p + usize::from(u16::from_be_bytes([buf[at], buf[at + 1]]));
    while p + 4 <= ext_end.min(buf.len()) {
        let at = take(&mut p, 4)?;
        let kind = u16::from_be_bytes([buf[at], buf[at + 1]]);
        let len = usize::from(u16::from_be_bytes([buf[at + 2], buf[at + 3]]));
        let body = take(&mut p, len)?;
        if kind == 0 {
            // server_name_list length(2) type(1) name length(2) name
            let name_len = usize::from(u16::from_be_bytes([*buf.get(body + 3)?, *buf.get(body + 4)?]));
            let name = buf.get(body + 5..body + 5 + name_len)?;
            return String::from_utf8(name.to_vec()).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::client_hello_sni;

    /// A minimal ClientHello carrying `name` as SNI.
    pub fn hello(name: &str) -> Vec<u8> {
        let n = name.as_bytes();
        let mut sni = vec![0, 0];
        let list_len = (n.len() + 3) as u16;
        sni.extend_from_slice(&(list_len + 2).to_be_bytes());
        sni.extend_from_slice(&list_len.to_be_bytes());
        sni.push(0);
        sni.extend_from_slice(&(n.len() as u16).to_be_bytes());
        sni.extend_from_slice(n);
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(0);
        body.extend_from_slice(&[0, 2, 0x13, 0x01, 1, 0]);
        body.extend_from_slice(&(sni.len() as u16).to_be_bytes());
        body.extend_from_slice(&sni);
        let mut hs = vec![1, 0];
        hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
        hs.extend_from_slice(&body);
        let mut rec = vec![0x16, 3, 1];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hs);
        rec
    }

    #[test]
    fn the_lab_certificate_loads_and_matches_its_pinned_hash() {
        use rustls::pki_types::pem::PemObject;
        super::server_config();
        let der = super::CertificateDer::pem_slice_iter(super::CERT_PEM).next().unwrap().unwrap();
        // The SubjectPublicKeyInfo of a P-256 key is the 91 bytes starting 0x30 0x59 0x30 0x13.
        let at = der.windows(4).position(|w| w == [0x30, 0x59, 0x30, 0x13]).unwrap();
        let spki = &der[at..at + 91];
        let hash = ajar_core::digest::sha256(spki);
        assert_eq!(base64(&hash), super::SPKI_SHA256_BASE64);
    }

    fn base64(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in bytes.chunks(3) {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for i in 0..4 {
                out.push(if i <= c.len() { A[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
            }
        }
        out
    }

    #[test]
    fn reads_sni_and_rejects_garbage() {
        assert_eq!(client_hello_sni(&hello("twimg.com.canary.test")).as_deref(), Some("twimg.com.canary.test"));
        assert_eq!(client_hello_sni(b"GET / HTTP/1.1\r\n"), None);
        let h = hello("x.test");
        assert_eq!(client_hello_sni(&h[..h.len() - 3]), None);
    }
}
