//! Throttling: a known image's transfer time and whether its rate, against the controls',
//! makes its site throttled ([`throttled`], [`image_throttled`]).

/// Throughput this many times below the control's counts as throttling.
pub const THROTTLE_RATIO: f32 = 10.0;
/// ... and only when the known image's transfer took at least this long: a busy machine
/// can make a small image ten times slower than the control without any cap on the rate
/// (a 60 kB image at the 2021 Twitter slowdown's 130 kbit/s takes ~4 s).
pub const THROTTLE_MIN_MS: u32 = 1_000;

/// ... and at least this many times the page's first byte (see [`throttled`]).
pub const THROTTLE_FIRST_BYTES: u32 = 3;

/// The transfer time of a control's known image, without the round trips: its whole load
/// time less the time the same host took to answer the page fetch (connection, TLS and the
/// first byte on a connection of its own). Without Timing-Allow-Origin a page cannot see the
/// phases. For a control, taking off the least makes its rate the lowest it can be: the
/// cautious side when targets are compared with it.
pub fn transfer_ms(load_ms: u32, first_byte_ms: u32) -> u32 {
    load_ms.saturating_sub(first_byte_ms)
}

/// The same for a target's image, on the cautious side for a target: the page fetch may have
/// reused a warm connection (one round trip) while the image opened its own (connection, TLS,
/// request: three), so three times the page's first byte comes off. A site ajar fetched a
/// minute ago, 300 ms away, is then not taken for a slow one.
pub fn target_transfer_ms(load_ms: u32, first_byte_ms: u32) -> u32 {
    load_ms.saturating_sub(first_byte_ms.saturating_mul(3))
}

/// Is a target's known image of `bytes`, decoded in `load_ms` (its body in `timed` ms where
/// Resource Timing says), throttled after a page fetch that answered in `first_byte_ms`? The
/// ratio if so. The plan asks this too, to load a slow image once more before it counts.
pub fn image_throttled(bytes: u32, load_ms: u32, timed: Option<u32>, first_byte_ms: u32, control: f32) -> Option<f32> {
    let transfer = timed.unwrap_or_else(|| target_transfer_ms(load_ms, first_byte_ms));
    throttled(bytes, transfer, first_byte_ms, control)
}

/// Is a known image of `bytes` that took `transfer` ms (its body alone, or its load less the
/// page's first byte) throttled, against the controls' rate in bytes per ms? The ratio if so.
///
/// Rate, not distance: a long path costs round trips (TCP's slow start needs about
/// log2(bytes / 14.6 kB) + 1 of them, each lost segment one more), never a steady rate. So
/// besides being [`THROTTLE_RATIO`] times slower than the controls, the transfer must outlast
/// [`THROTTLE_MIN_MS`] and three times the page's first byte (which took two round trips or
/// more: connection, TLS, request), so six round trips or more: a 256 kB image's slow start
/// (five) or a 60 kB one's (three) with a lost segment and a retransmission timeout. A healthy
/// server 300 ms away with 2 % loss stays under it; a 128 kbit/s cap does not (60 kB take
/// ~4 s at any distance).
pub fn throttled(bytes: u32, transfer: u32, first_byte_ms: u32, control: f32) -> Option<f32> {
    let here = bytes as f32 / transfer.max(1) as f32;
    let ratio = control / here.max(f32::MIN_POSITIVE);
    let floor = THROTTLE_MIN_MS.max(first_byte_ms.saturating_mul(THROTTLE_FIRST_BYTES));
    (ratio >= THROTTLE_RATIO && transfer >= floor).then_some(ratio)
}
