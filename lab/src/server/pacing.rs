//! Throttling: a stream whose writes leave at a set rate.

use std::io::{Read, Write};
use std::thread;
use std::time::Duration;

/// A stream whose writes leave at `bps` bits per second (1 kB at a time), as a throttling box does.
pub(super) struct Paced<S> {
    inner: S,
    pause: Option<Duration>,
}

impl<S> Paced<S> {
    pub(super) fn new(inner: S, bps: Option<u64>) -> Self {
        Paced { inner, pause: bps.map(|bps| Duration::from_micros(1024 * 8 * 1_000_000 / bps.max(1))) }
    }
}

impl<S: Read> Read for Paced<S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<S: Write> Write for Paced<S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.pause {
            None => self.inner.write(buf),
            Some(pause) => {
                thread::sleep(pause);
                self.inner.write(&buf[..buf.len().min(1024)])
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
