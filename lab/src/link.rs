//! An emulated network path between the browser and the lab, in userspace (kernel `netem` is
//! not available on these machines): round-trip time, loss and a rate cap applied to every
//! byte in both directions of every connection the lab accepts — pages, TLS handshakes, DoH,
//! the app's collector behind the lab's front.
//!
//! How faithful (docs/lab-network.md says more): the connection's handshake is felt as one
//! extra round trip before the first request is read; each chunk the lab reads is held half a
//! round trip, each chunk it writes is delivered half a round trip later by a delay line that
//! keeps order and paces at the rate cap; a lost segment costs a fast retransmission (one
//! round trip, at least 20 ms) on the chunk it falls in, and everything behind it waits
//! (head-of-line blocking, as TCP does). Not emulated: loss of the SYN itself, retransmission
//! timeouts, congestion control's ramp-up, UDP (STUN).

use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{channel, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The path's character; all zero: no emulation (the bytes pass straight through).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkProfile {
    pub rtt_ms: u32,
    /// Share of segments lost, 0..1.
    pub loss: f64,
    /// Bits per second the lab sends at most; 0: no cap.
    pub rate_bps: u64,
}

impl LinkProfile {
    pub fn is_direct(&self) -> bool {
        self.rtt_ms == 0 && self.loss <= 0.0 && self.rate_bps == 0
    }
    fn half(&self) -> Duration {
        Duration::from_micros(u64::from(self.rtt_ms) * 500)
    }
    /// What a lost segment costs: a fast retransmission, one round trip (at least 20 ms).
    fn retransmission(&self) -> Duration {
        Duration::from_millis(u64::from(self.rtt_ms).max(20))
    }
}

/// When the shared link is next free to send (with a rate cap).
static RATE_CLOCK: std::sync::Mutex<Option<Instant>> = std::sync::Mutex::new(None);

/// A TCP segment's worth of bytes: loss is drawn per segment.
const SEGMENT: usize = 1448;

/// One accepted connection seen through the emulated path.
pub struct Link {
    stream: TcpStream,
    profile: LinkProfile,
    /// Writes go here, to be delivered in order at their time; `None` when direct.
    line: Option<Line>,
    /// When the last queued chunk leaves (writes never overtake each other).
    last_delivery: Instant,
    first_read: bool,
    rng: u64,
}

/// The delay line: a thread writing each queued chunk at its time, in order.
/// Chunks to write, each with its delivery time.
type Chunk = (Instant, Vec<u8>);
/// The queue into the delay line, and its thread.
type Line = (Sender<Chunk>, JoinHandle<()>);

fn spawn_line(stream: &TcpStream) -> Option<Line> {
    let mut out = stream.try_clone().ok()?;
    let (tx, rx) = channel::<Chunk>();
    let handle = thread::spawn(move || {
        for (at, bytes) in rx {
            let now = Instant::now();
            if at > now {
                thread::sleep(at - now);
            }
            if out.write_all(&bytes).is_err() {
                return;
            }
        }
    });
    Some((tx, handle))
}

impl Link {
    pub fn new(stream: TcpStream, profile: LinkProfile) -> Link {
        let seed = stream.peer_addr().map_or(1, |a| u64::from(a.port())) ^ 0x9E37_79B9_7F4A_7C15;
        let line = if profile.is_direct() { None } else { spawn_line(&stream) };
        Link { stream, profile, line, last_delivery: Instant::now(), first_read: true, rng: seed | 1 }
    }

    /// A distant server: this connection's round trip grows by `ms`, known once the host is
    /// (from the SNI, or from the request's Host header, when the first read has passed: its
    /// share of the handshake and the request is made up for at once).
    pub fn add_rtt(&mut self, ms: u32) {
        if ms == 0 {
            return;
        }
        self.profile.rtt_ms += ms;
        if self.line.is_none() {
            self.line = spawn_line(&self.stream);
        }
        if !self.first_read {
            thread::sleep(Duration::from_micros(u64::from(ms) * 1500));
        }
    }

    pub fn tcp(&self) -> &TcpStream {
        &self.stream
    }

    /// A lossier path to this connection's host (a distant server): `share` of its segments
    /// lost, if more than the path's own.
    pub fn add_loss(&mut self, share: f64) {
        if share <= self.profile.loss {
            return;
        }
        self.profile.loss = share;
        if self.line.is_none() {
            self.line = spawn_line(&self.stream);
        }
    }

    fn lost(&mut self) -> bool {
        if self.profile.loss <= 0.0 {
            return false;
        }
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let x = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        (x as f64 / (1u64 << 53) as f64) < self.profile.loss
    }

    /// Extra delay for `n` bytes from lost segments among them.
    fn loss_delay(&mut self, n: usize) -> Duration {
        let segments = n.div_ceil(SEGMENT).max(1);
        let lost = (0..segments).filter(|_| self.lost()).count() as u32;
        self.profile.retransmission() * lost
    }
}

impl Read for Link {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.stream.read(buf)?;
        if n > 0 && !self.profile.is_direct() {
            let mut hold = self.profile.half() + self.loss_delay(n);
            if std::mem::take(&mut self.first_read) {
                // The handshake's round trip, which the kernel here completed at once.
                hold += self.profile.half() * 2;
            }
            thread::sleep(hold);
        }
        Ok(n)
    }
}

impl Write for Link {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.line.is_none() {
            return self.stream.write(buf);
        }
        let now = Instant::now();
        let mut at = (now + self.profile.half()).max(self.last_delivery);
        at += self.loss_delay(buf.len());
        if let Some(us) = (buf.len() as u64 * 8 * 1_000_000).checked_div(self.profile.rate_bps) {
            // One link for all connections, as a phone's: its rate is shared.
            let mut free = RATE_CLOCK.lock().unwrap_or_else(|e| e.into_inner());
            let start = free.map_or(at, |f| f.max(at));
            at = start + Duration::from_micros(us);
            *free = Some(at);
        }
        self.last_delivery = at;
        match &self.line {
            Some((tx, _)) if tx.send((at, buf.to_vec())).is_ok() => Ok(buf.len()),
            _ => Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the emulated path is closed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // Deliver what is queued before the connection closes.
        if let Some((tx, handle)) = self.line.take() {
            drop(tx);
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn pair(profile: LinkProfile) -> (Link, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (Link::new(server, profile), client)
    }

    #[test]
    fn a_round_trip_is_felt_in_both_directions_and_order_is_kept() {
        let (mut link, mut client) = pair(LinkProfile { rtt_ms: 100, ..LinkProfile::default() });
        let t0 = Instant::now();
        client.write_all(b"ping").unwrap();
        let mut buf = [0u8; 4];
        link.read_exact(&mut buf).unwrap();
        // First read: the handshake's round trip and half of this one.
        assert!(t0.elapsed() >= Duration::from_millis(150), "{:?}", t0.elapsed());
        let t1 = Instant::now();
        link.write_all(b"one").unwrap();
        link.write_all(b"two").unwrap();
        drop(link);
        let mut got = Vec::new();
        client.read_to_end(&mut got).unwrap();
        assert!(t1.elapsed() >= Duration::from_millis(50));
        assert_eq!(got, b"onetwo");
    }

    #[test]
    fn the_rate_cap_paces_what_is_sent() {
        let (mut link, mut client) = pair(LinkProfile { rate_bps: 800_000, ..LinkProfile::default() });
        let t0 = Instant::now();
        link.write_all(&[7u8; 20_000]).unwrap(); // 160 kbit at 800 kbit/s: 200 ms
        drop(link);
        let mut got = Vec::new();
        client.read_to_end(&mut got).unwrap();
        assert_eq!(got.len(), 20_000);
        assert!(t0.elapsed() >= Duration::from_millis(190), "{:?}", t0.elapsed());
    }

    #[test]
    fn direct_links_pass_bytes_straight_through() {
        let (mut link, mut client) = pair(LinkProfile::default());
        link.write_all(b"x").unwrap();
        drop(link);
        let mut got = Vec::new();
        client.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"x");
    }
}
