//! Reading the server name (SNI) out of a TLS ClientHello, as a DPI box does.

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
    fn reads_sni_and_rejects_garbage() {
        assert_eq!(client_hello_sni(&hello("twimg.com.canary.test")).as_deref(), Some("twimg.com.canary.test"));
        assert_eq!(client_hello_sni(b"GET / HTTP/1.1\r\n"), None);
        let h = hello("x.test");
        assert_eq!(client_hello_sni(&h[..h.len() - 3]), None);
    }
}
