//! The system resolver inside `scripts/netns.sh`: a DNS server on 127.0.0.1:53 (the
//! namespace's `/etc/resolv.conf` points here) that answers every query "no such name",
//! except the queries for [`Technique::DnsDrop`](crate::scenario::Technique) names, which
//! it reads and drops, as a censor dropping DNS queries does. Browsers reach it only for
//! the names their own rules send to the system (Chromium's `EXCLUDE`, Firefox's names
//! outside `network.dns.localDomains`).

use std::net::UdpSocket;

/// Set by `scripts/netns.sh` once the namespace's resolver is this lab's.
pub const MARKER_VAR: &str = "AJAR_LAB_RESOLVER";

/// Whether the system resolver is the lab's: inside the namespace that says so, with
/// `/etc/resolv.conf` naming 127.0.0.1 only. Elsewhere no name may go to the system
/// resolver (it would leave the machine).
pub fn system_resolver_is_lab() -> bool {
    std::env::var_os(MARKER_VAR).is_some()
        && std::fs::read_to_string("/etc/resolv.conf").is_ok_and(|conf| only_loopback(&conf))
}

fn only_loopback(conf: &str) -> bool {
    let servers: Vec<&str> = conf.lines().filter_map(|l| l.trim().strip_prefix("nameserver")).map(str::trim).collect();
    !servers.is_empty() && servers.iter().all(|s| *s == "127.0.0.1")
}

/// The question's name (lowercase, dotted, no trailing dot) and where the question ends.
fn question(query: &[u8]) -> Option<(String, usize)> {
    let mut at = 12usize;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*query.get(at)?);
        at = at.checked_add(1)?;
        if len == 0 {
            break;
        }
        // Compression pointers do not occur in a question of one.
        if len > 63 {
            return None;
        }
        let label = query.get(at..at.checked_add(len)?)?;
        labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
        at = at.checked_add(len)?;
    }
    let end = at.checked_add(4)?;
    (end <= query.len()).then(|| (labels.join("."), end))
}

/// "No such name" for `query` (a standard query with one question); `None` if it is not one.
pub fn nxdomain(query: &[u8]) -> Option<Vec<u8>> {
    let header = query.get(..12)?;
    let is_query = header.get(2).is_some_and(|f| f & 0x80 == 0);
    if !is_query || header.get(4..6)? != [0, 1] {
        return None;
    }
    let (_, end) = question(query)?;
    let rd = header.get(2)? & 0x01;
    let mut out = Vec::with_capacity(end);
    out.extend_from_slice(header.get(..2)?);
    out.extend_from_slice(&[0x80 | rd, 0x80 | 3, 0, 1, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(query.get(12..end)?);
    Some(out)
}

/// Serves forever: drops the queries for `dropped` names, answers the rest "no such name".
pub fn serve(socket: UdpSocket, dropped: Vec<String>) {
    let mut buf = [0u8; 1500];
    while let Ok((n, from)) = socket.recv_from(&mut buf) {
        let query = buf.get(..n).unwrap_or_default();
        let Some((name, _)) = question(query) else { continue };
        if dropped.iter().any(|d| d.eq_ignore_ascii_case(&name)) {
            continue;
        }
        if let Some(answer) = nxdomain(query) {
            let _ = socket.send_to(&answer, from);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str) -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in name.split('.') {
            q.push(label.len() as u8);
            q.extend_from_slice(label.as_bytes());
        }
        q.extend_from_slice(&[0, 0, 1, 0, 1]);
        q
    }

    #[test]
    fn answers_no_such_name_echoing_the_question() {
        let q = query("Dns-Drop.test");
        assert_eq!(question(&q).map(|(n, _)| n).as_deref(), Some("dns-drop.test"));
        let a = nxdomain(&q).expect("an answer");
        assert_eq!(&a[..2], &[0x12, 0x34]);
        assert_eq!(a[2] & 0x80, 0x80, "a response");
        assert_eq!(a[3] & 0x0f, 3, "NXDOMAIN");
        assert_eq!(&a[12..], &q[12..]);
    }

    #[test]
    fn malformed_queries_get_nothing() {
        for bad in [&b""[..], &[0u8; 11], &[0x12, 0x34, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1][..]] {
            assert!(nxdomain(bad).is_none());
        }
        let mut cut = query("a.test");
        cut.truncate(cut.len() - 2);
        assert!(nxdomain(&cut).is_none());
        let mut pointer = query("a.test");
        pointer[12] = 0xc0;
        assert!(nxdomain(&pointer).is_none());
    }

    #[test]
    fn only_a_loopback_resolver_is_the_labs() {
        assert!(only_loopback("# lab\nnameserver 127.0.0.1\n"));
        assert!(!only_loopback("nameserver 127.0.0.1\nnameserver 8.8.8.8\n"));
        assert!(!only_loopback("nameserver 127.0.0.53\n"));
        assert!(!only_loopback(""));
    }
}
