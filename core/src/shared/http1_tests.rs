use super::*;

fn head(text: &str) -> Head {
    parse_head(text.as_bytes()).expect("parses").expect("complete")
}

#[test]
fn a_request_names_the_host_asks_for_no_coding_and_refuses_line_breaks() {
    let req =
        String::from_utf8(get_request("example.org:8080", "/a?b=c", &[("x-ajar-host", "site.test")]).unwrap()).unwrap();
    assert!(req.starts_with("GET /a?b=c HTTP/1.1\r\nHost: example.org:8080\r\n"), "{req}");
    assert!(req.contains("Accept-Encoding: identity\r\n") && req.contains("Connection: close\r\n"));
    assert!(req.ends_with("x-ajar-host: site.test\r\n\r\n"));
    assert_eq!(get_request("a\r\nEvil: 1", "/", &[]), Err(Http1Error::HeaderInjection));
    assert_eq!(get_request("a", "/ HTTP/1.0\r\n", &[]), Err(Http1Error::HeaderInjection));
    assert_eq!(get_request("a", "/", &[("k", "v\n")]), Err(Http1Error::HeaderInjection));
}

#[test]
fn a_head_is_read_when_whole_and_not_before() {
    let text = "HTTP/1.1 301 Moved\r\nLocation: /b\r\nContent-Length: 0\r\n\r\nrest";
    assert_eq!(parse_head(&text.as_bytes()[..20]), Ok(None));
    let h = head(text);
    assert_eq!((h.status, h.header("location"), h.len), (301, Some("/b"), text.len() - 4));
    assert!(matches!(parse_head(b"SSH-2.0-OpenSSH\r\n\r\n"), Err(Http1Error::BadHead(_))));
    let endless = format!("HTTP/1.1 200 OK\r\nX: {}", "a".repeat(MAX_HEAD + 1));
    assert_eq!(parse_head(endless.as_bytes()), Err(Http1Error::HeadTooLarge));
}

#[test]
fn framing_follows_rfc_9112() {
    assert_eq!(head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n").framing(), Ok(Framing::Length(5)));
    assert_eq!(head("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n").framing(), Ok(Framing::Length(5)));
    assert_eq!(
        head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n").framing(),
        Err(Http1Error::ConflictingLength)
    );
    assert_eq!(head("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").framing(), Err(Http1Error::BadLength));
    // Chunked wins over a length (a smuggling classic), whatever their order.
    assert_eq!(
        head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").framing(),
        Ok(Framing::Chunked)
    );
    assert_eq!(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").framing(), Ok(Framing::UntilClose));
    assert_eq!(head("HTTP/1.1 200 OK\r\n\r\n").framing(), Ok(Framing::UntilClose));
    assert_eq!(head("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n").framing(), Ok(Framing::Length(0)));
}

fn read(framing: Framing, limit: usize, pieces: &[&[u8]]) -> (Vec<u8>, bool, bool) {
    let mut body = Body::new(framing, limit);
    for p in pieces {
        body.feed(p).expect("feeds");
    }
    let done = body.finished() || body.close();
    let (kept, cut) = body.into_parts();
    (kept, cut, done)
}

#[test]
fn a_length_body_ends_at_its_length_and_a_short_one_is_not_complete() {
    assert_eq!(read(Framing::Length(5), 100, &[b"hel", b"lo and more"]), (b"hello".to_vec(), false, true));
    let mut short = Body::new(Framing::Length(5), 100);
    short.feed(b"hel").unwrap();
    assert!(!short.finished() && !short.close(), "closed before its length: not complete");
}

#[test]
fn chunks_are_decoded_across_any_split_with_extensions_and_trailers() {
    let wire = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
    for split in 0..wire.len() {
        let (a, b) = wire.split_at(split);
        assert_eq!(read(Framing::Chunked, 100, &[a, b]), (b"hello world".to_vec(), false, true), "split at {split}");
    }
    let mut bad = Body::new(Framing::Chunked, 100);
    assert_eq!(bad.feed(b"zz\r\n"), Err(Http1Error::BadChunk));
    let mut no_crlf = Body::new(Framing::Chunked, 100);
    assert_eq!(no_crlf.feed(b"2\r\nabXY"), Err(Http1Error::BadChunk));
}

#[test]
fn a_body_past_its_limit_is_cut_there_whatever_its_framing() {
    assert_eq!(read(Framing::UntilClose, 4, &[b"abcdef"]), (b"abcd".to_vec(), true, true));
    assert_eq!(read(Framing::Length(6), 4, &[b"abc", b"def"]), (b"abcd".to_vec(), true, true));
    assert_eq!(read(Framing::Chunked, 4, &[b"6\r\nabcdef\r\n0\r\n\r\n"]), (b"abcd".to_vec(), true, true));
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// A chunked encoding of any data, cut anywhere, decodes to the data.
        #[test]
        fn chunked_round_trips(data in proptest::collection::vec(any::<u8>(), 0..400), size in 1usize..50,
                               split in 0usize..1000) {
            let mut wire = Vec::new();
            for c in data.chunks(size) {
                wire.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
                wire.extend_from_slice(c);
                wire.extend_from_slice(b"\r\n");
            }
            wire.extend_from_slice(b"0\r\n\r\n");
            let (a, b) = wire.split_at(split.min(wire.len()));
            prop_assert_eq!(read(Framing::Chunked, 1000, &[a, b]), (data, false, true));
        }
    }
}
