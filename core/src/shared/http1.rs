//! HTTP/1.1 for the control's own client, which speaks it over a socket opened to the very
//! address it checked (so no second lookup can send it elsewhere): the request it writes, the
//! response head it reads (`httparse`), and the body's framing and chunked decoding, each
//! bounded. Pure: the Worker feeds it bytes as they arrive.

/// A response head larger than this is not read.
pub const MAX_HEAD: usize = 64 * 1024;
/// At most this many header lines.
const MAX_HEADERS: usize = 100;

/// Why a response could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Http1Error {
    #[error("the response head is not HTTP/1.x: {0}")]
    BadHead(String),
    #[error("the response head is larger than {MAX_HEAD} bytes")]
    HeadTooLarge,
    #[error("the response names its body's length twice, differently")]
    ConflictingLength,
    #[error("the response's content-length is not a number")]
    BadLength,
    #[error("a chunk of the body is malformed")]
    BadChunk,
    #[error("a request header carries a line break")]
    HeaderInjection,
}

/// A response's status line and headers (names lowercased), and where its body starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Bytes of the buffer the head took.
    pub len: usize,
}

impl Head {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// How the body is delimited (RFC 9112 §6.3): none for 1xx, 204 and 304; chunked if the
    /// last transfer coding says so; else one content-length (several equal ones allowed);
    /// else until the connection closes.
    pub fn framing(&self) -> Result<Framing, Http1Error> {
        if (100..200).contains(&self.status) || self.status == 204 || self.status == 304 {
            return Ok(Framing::Length(0));
        }
        let codings = self.headers.iter().filter(|(k, _)| k == "transfer-encoding").flat_map(|(_, v)| v.split(','));
        if let Some(last) = codings.map(str::trim).rfind(|c| !c.is_empty()) {
            return Ok(if last.eq_ignore_ascii_case("chunked") { Framing::Chunked } else { Framing::UntilClose });
        }
        let mut length: Option<u64> = None;
        for (_, v) in self.headers.iter().filter(|(k, _)| k == "content-length") {
            for part in v.split(',').map(str::trim) {
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Http1Error::BadLength);
                }
                let n: u64 = part.parse().map_err(|_| Http1Error::BadLength)?;
                if length.is_some_and(|l| l != n) {
                    return Err(Http1Error::ConflictingLength);
                }
                length = Some(n);
            }
        }
        Ok(length.map_or(Framing::UntilClose, Framing::Length))
    }
}

/// How a response body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

/// A GET of `target` (origin form: path and query) naming `host` (with its port where not the
/// scheme's), asking for no content coding and no kept connection; `extra` headers after.
pub fn get_request(host: &str, target: &str, extra: &[(&str, &str)]) -> Result<Vec<u8>, Http1Error> {
    let clean = |s: &str| !s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0);
    if !clean(host) || !clean(target) || target.contains(' ') || !extra.iter().all(|(k, v)| clean(k) && clean(v)) {
        return Err(Http1Error::HeaderInjection);
    }
    let mut out =
        format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: identity\r\nConnection: close\r\n");
    for (k, v) in extra {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    Ok(out.into_bytes())
}

/// The response head at the start of `buf`, if it is all there (`Ok(None)`: read more).
/// Interim 1xx responses other than 101 are skipped by the caller (their framing is empty).
pub fn parse_head(buf: &[u8]) -> Result<Option<Head>, Http1Error> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(buf) {
        Ok(httparse::Status::Complete(len)) => Ok(Some(Head {
            status: resp.code.unwrap_or_default(),
            headers: resp
                .headers
                .iter()
                .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).trim().to_string()))
                .collect(),
            len,
        })),
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => Err(Http1Error::HeadTooLarge),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(e) => Err(Http1Error::BadHead(e.to_string())),
    }
}

/// A body as it arrives, kept up to a limit: whether it is complete, and whether more was
/// sent than kept.
#[derive(Debug)]
pub struct Body {
    framing: Framing,
    limit: usize,
    kept: Vec<u8>,
    cut: bool,
    done: bool,
    /// Chunked: raw bytes not yet decoded, and what the decoder expects next.
    pending: Vec<u8>,
    chunk: ChunkState,
    /// Length framing: body bytes still due.
    due: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    Size,
    Data(u64),
    DataEnd,
    Trailers,
}

impl Body {
    pub fn new(framing: Framing, limit: usize) -> Self {
        let due = if let Framing::Length(n) = framing { n } else { 0 };
        Self {
            framing,
            limit,
            kept: Vec::new(),
            cut: false,
            done: matches!(framing, Framing::Length(0)),
            pending: Vec::new(),
            chunk: ChunkState::Size,
            due,
        }
    }

    /// Whether the body has ended (by its framing) or the limit was passed: read no more.
    pub fn finished(&self) -> bool {
        self.done || self.cut
    }

    /// The connection closed: a body read until close is complete; any other is not.
    pub fn close(&mut self) -> bool {
        if self.framing == Framing::UntilClose {
            self.done = true;
        }
        self.done
    }

    /// The bytes kept, and whether more was sent than kept.
    pub fn into_parts(self) -> (Vec<u8>, bool) {
        (self.kept, self.cut)
    }

    fn keep(&mut self, bytes: &[u8]) {
        let room = self.limit.saturating_sub(self.kept.len());
        if bytes.len() > room {
            self.kept.extend_from_slice(bytes.get(..room).unwrap_or_default());
            self.cut = true;
        } else {
            self.kept.extend_from_slice(bytes);
        }
    }

    /// Bytes of the body as they arrived.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), Http1Error> {
        if self.finished() {
            return Ok(());
        }
        match self.framing {
            Framing::UntilClose => self.keep(bytes),
            Framing::Length(_) => {
                let take = usize::try_from(self.due).unwrap_or(usize::MAX).min(bytes.len());
                self.keep(bytes.get(..take).unwrap_or_default());
                self.due = self.due.saturating_sub(take as u64);
                self.done = self.due == 0;
            }
            Framing::Chunked => {
                self.pending.extend_from_slice(bytes);
                self.decode_chunks()?;
            }
        }
        Ok(())
    }

    fn decode_chunks(&mut self) -> Result<(), Http1Error> {
        let mut at = 0usize;
        loop {
            let rest = self.pending.get(at..).unwrap_or_default();
            match self.chunk {
                ChunkState::Size => match httparse::parse_chunk_size(rest) {
                    Ok(httparse::Status::Complete((used, 0))) => {
                        at += used;
                        self.chunk = ChunkState::Trailers;
                    }
                    Ok(httparse::Status::Complete((used, size))) => {
                        at += used;
                        self.chunk = ChunkState::Data(size);
                    }
                    Ok(httparse::Status::Partial) if rest.len() > 1024 => return Err(Http1Error::BadChunk),
                    Ok(httparse::Status::Partial) => break,
                    Err(_) => return Err(Http1Error::BadChunk),
                },
                ChunkState::Data(left) => {
                    if rest.is_empty() {
                        break;
                    }
                    let take = usize::try_from(left).unwrap_or(usize::MAX).min(rest.len());
                    let data = rest.get(..take).unwrap_or_default().to_vec();
                    self.keep(&data);
                    at += take;
                    let left = left.saturating_sub(take as u64);
                    self.chunk = if left == 0 { ChunkState::DataEnd } else { ChunkState::Data(left) };
                    if self.cut {
                        break;
                    }
                }
                ChunkState::DataEnd => {
                    if rest.len() < 2 {
                        break;
                    }
                    if rest.get(..2) != Some(b"\r\n") {
                        return Err(Http1Error::BadChunk);
                    }
                    at += 2;
                    self.chunk = ChunkState::Size;
                }
                ChunkState::Trailers => {
                    // Trailer lines, then an empty line: the body is over.
                    match rest.windows(2).position(|w| w == b"\r\n") {
                        Some(0) => {
                            at += 2;
                            self.done = true;
                            break;
                        }
                        Some(end) => at += end + 2,
                        None if rest.len() > MAX_HEAD => return Err(Http1Error::BadChunk),
                        None => break,
                    }
                }
            }
        }
        self.pending.drain(..at.min(self.pending.len()));
        Ok(())
    }
}

#[cfg(test)]
#[path = "http1_tests.rs"]
mod tests;
