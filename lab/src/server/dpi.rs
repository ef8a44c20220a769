//! The TLS listener and the DPI box in front of it: the ClientHello's server name, read with
//! rustls' `Acceptor`, decides whether a connection is reset, dropped, throttled, passed on to
//! the collector or answered with a certificate good or broken.
//! The hello is peeked at, not read: it stays in the socket for the path chosen, which reads
//! it through the emulated link (lab/src/link.rs) as a browser's bytes always are.

use super::conn::{hold, reset};
use super::http::{cors, respond, Request};
use super::pacing::Paced;
use super::Lab;
use crate::canary::{ProviderState, SniAction};
use crate::link::Link;
use crate::scenario::{Technique, API_HOST, CONTROL_HOST, DOH_HOST, PARTNER_HOST, THROTTLE_BPS};
use crate::tls::Cert;
use rustls::server::Acceptor;
use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

impl Lab {
    /// The TLS listener, behind a DPI box that reads the ClientHello's server name: canary
    /// names are throttled, reset, dropped or served as the canary rules say; the app's name
    /// is passed on to the collector; lab hosts behave as their technique says, before the
    /// handshake (dropped, reset, closed) or after it, with the certificate they have.
    pub(super) fn serve_tls(&self, mut stream: Link) {
        let sni = peek_sni(stream.tcp());
        if let Some(h) = self.scenario.host(&sni) {
            stream.add_rtt(h.latency_ms);
            stream.add_loss(h.loss());
        }
        if let Some((_, upstream)) = self.fronts.iter().find(|(name, _)| *name == sni) {
            if let Ok(config) = self.tls.get(&sni, Cert::Valid) {
                crate::front::serve(config, stream, upstream);
            }
            return;
        }
        match self.scenario.canary.sni_action(&sni) {
            Some(SniAction::Reset) => return reset(stream.tcp()),
            Some(SniAction::Drop) => {
                hold(&mut stream);
                return;
            }
            Some(SniAction::Throttle) => return self.serve_canary_tls(&sni, Paced::new(stream, Some(THROTTLE_BPS))),
            Some(_) => return self.serve_canary_tls(&sni, Paced::new(stream, None)),
            None => {}
        }
        let special = [API_HOST, DOH_HOST, CONTROL_HOST, PARTNER_HOST].contains(&sni.as_str());
        let provider = self.scenario.canary.provider_state(&sni);
        let cert = match self.scenario.host(&sni).map(|h| h.technique) {
            _ if special || provider == Some(ProviderState::Reachable) => Cert::Valid,
            // A provider whose range is dropped (the others never resolve or reach here).
            _ if provider.is_some() => {
                hold(&mut stream);
                return;
            }
            // A redirect's later hop: reset on its name (SNI), as a DPI box does.
            None if self.scenario.blocked_hop(&sni).is_some() => return reset(stream.tcp()),
            None => {
                // Not a name this TLS server has: an honest handshake failure alert.
                let _ = stream.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
                return;
            }
            Some(Technique::Blackhole | Technique::IpRange | Technique::Silent | Technique::SynDrop) => {
                hold(&mut stream);
                return;
            }
            Some(Technique::Reset | Technique::TlsSni | Technique::Refuse | Technique::Down) => {
                return reset(stream.tcp())
            }
            Some(Technique::Fin) => {
                // Read the ClientHello first: closing with unread data would send an RST.
                let _ = stream.read(&mut [0u8; 16 * 1024]);
                let _ = stream.tcp().shutdown(std::net::Shutdown::Both);
                return;
            }
            Some(Technique::CertExpired) => Cert::Expired,
            Some(Technique::CertWrongName) => Cert::WrongName,
            // A block-page box cannot show the site's certificate: it shows its own.
            Some(Technique::CertUnknownCa | Technique::Blockpage | Technique::DnsBlockpage) => Cert::UnknownCa,
            Some(_) => Cert::Valid,
        };
        let Some(conn) = self.tls_connection(&sni, cert) else {
            return;
        };
        self.serve_requests(BufReader::new(rustls::StreamOwned::new(conn, stream)), true);
    }

    /// A server side of TLS presenting `cert` for `sni`; `None` if it cannot be made.
    fn tls_connection(&self, sni: &str, cert: Cert) -> Option<rustls::ServerConnection> {
        rustls::ServerConnection::new(self.tls.get(sni, cert).ok()?).ok()
    }

    fn serve_canary_tls<S: Read + Write>(&self, sni: &str, sock: S) {
        let Some(conn) = self.tls_connection(sni, Cert::Valid) else {
            return;
        };
        let mut tls = BufReader::new(rustls::StreamOwned::new(conn, sock));
        while let Some(req) = Request::read(&mut tls) {
            let keep = if req.path.starts_with("/v1/nel") {
                self.forward_nel(tls.get_mut(), &req)
            } else if req.method == "OPTIONS" {
                respond(tls.get_mut(), 204, "text/plain", b"", &cors())
            } else {
                self.canary(tls.get_mut(), &req)
            };
            if tls.get_mut().flush().is_err() || !keep {
                return;
            }
        }
    }
}

/// The most a ClientHello can take (a handshake message's length is 16 bits, plus headers).
const MAX_HELLO: usize = 1 << 17;

/// The server name of the ClientHello waiting on `stream` ("" without one or after 250 ms
/// without a whole hello), peeked at without consuming it.
fn peek_sni(stream: &TcpStream) -> String {
    let mut buf = vec![0u8; MAX_HELLO];
    for _ in 0..50 {
        match stream.peek(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => match client_hello(&buf[..n]) {
                Hello::Sni(name) => return name,
                Hello::NotTls => break,
                Hello::Incomplete => {}
            },
        }
        thread::sleep(Duration::from_millis(5));
    }
    String::new()
}

/// What the DPI box makes of the bytes a connection opened with.
#[derive(Debug, PartialEq)]
enum Hello {
    /// A whole ClientHello and its server name ("" without one).
    Sni(String),
    /// The start of one: more bytes are needed.
    Incomplete,
    /// Not a ClientHello.
    NotTls,
}

/// Reads the ClientHello in `bytes` with rustls' [`Acceptor`].
fn client_hello(mut bytes: &[u8]) -> Hello {
    let mut acceptor = Acceptor::default();
    while !bytes.is_empty() {
        match acceptor.read_tls(&mut bytes) {
            Ok(0) => break,
            Ok(_) => {}
            Err(_) => return Hello::NotTls,
        }
    }
    match acceptor.accept() {
        Ok(Some(accepted)) => Hello::Sni(accepted.client_hello().server_name().unwrap_or_default().to_string()),
        Ok(None) => Hello::Incomplete,
        Err(_) => Hello::NotTls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::sync::Arc;

    /// The ClientHello a rustls client sends to `name`.
    fn hello(name: &str) -> Vec<u8> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(name.to_string()).unwrap();
        let mut client = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let mut out = Vec::new();
        client.write_tls(&mut out).unwrap();
        out
    }

    #[test]
    fn reads_sni_and_rejects_garbage() {
        assert_eq!(client_hello(&hello("twimg.com.canary.test")), Hello::Sni("twimg.com.canary.test".into()));
        assert_eq!(client_hello(b"GET / HTTP/1.1\r\n"), Hello::NotTls);
        let h = hello("x.test");
        assert_eq!(client_hello(&h[..h.len() - 3]), Hello::Incomplete);
    }

    #[test]
    fn the_peeked_hello_stays_in_the_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let h = hello("sni.test");
        client.write_all(&h).unwrap();
        assert_eq!(peek_sni(&server), "sni.test");
        let mut read = vec![0u8; h.len()];
        server.read_exact(&mut read).unwrap();
        assert_eq!(read, h, "the whole hello is still there for the TLS server to read");
    }
}
