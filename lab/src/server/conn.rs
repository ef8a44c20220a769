//! A connection the lab answers on (plain, or TLS, over the emulated path) and what a censor
//! does to one: hold it in silence, or close it with an RST.

use crate::link::Link;
use socket2::SockRef;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A connection the lab answers on: plain, or TLS, over the emulated path.
pub(super) trait Conn: Read + Write {
    fn link(&mut self) -> &mut Link;
    fn tcp(&self) -> &TcpStream;
}

impl Conn for Link {
    fn link(&mut self) -> &mut Link {
        self
    }
    fn tcp(&self) -> &TcpStream {
        Link::tcp(self)
    }
}

impl Conn for rustls::StreamOwned<rustls::ServerConnection, Link> {
    fn link(&mut self) -> &mut Link {
        &mut self.sock
    }
    fn tcp(&self) -> &TcpStream {
        self.sock.tcp()
    }
}

/// Writes through, but for a HEAD request only the first write: [`respond`] writes an
/// answer's head in one write, its body in the next.
pub(super) struct HeadOnly<'a, S> {
    pub(super) inner: &'a mut S,
    pub(super) head: bool,
    pub(super) written: bool,
}

impl<S: Read> Read for HeadOnly<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<S: Write> Write for HeadOnly<'_, S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.head && std::mem::replace(&mut self.written, true) {
            return Ok(buf.len());
        }
        self.inner.write_all(buf).map(|()| buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<S: Conn> Conn for HeadOnly<'_, S> {
    fn link(&mut self) -> &mut Link {
        self.inner.link()
    }
    fn tcp(&self) -> &TcpStream {
        self.inner.tcp()
    }
}

/// Holds the connection and says nothing until the browser gives up (dropped packets).
pub(super) fn hold(stream: &mut impl Read) -> bool {
    let mut sink = [0u8; 1024];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
    false
}

/// Makes the connection close with an RST instead of a FIN (when it is dropped).
pub(super) fn reset(stream: &TcpStream) {
    let _ = SockRef::from(stream).set_linger(Some(Duration::ZERO));
}
