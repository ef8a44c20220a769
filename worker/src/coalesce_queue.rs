//! What [`crate::coalesce`] decides, without D1 or a clock (times are given in ms): which
//! queued reports go into a batch, when a write is held too long and taken over, and how a
//! batch's outcomes reach the requests waiting for them. Tested natively.

use crate::error::StorageError;
use std::future::Future;
use std::ops::Range;

/// Reports per transaction at most.
pub const MAX_BATCH: usize = 64;
/// A waiting request gives up (503, the client retries) after this long.
pub const MAX_WAIT_MS: f64 = 15_000.0;
/// A write held this long (its writer neither finished nor was dropped) is taken over.
pub const TAKEOVER: f64 = 10_000.0;
/// Outcomes whose requests were cancelled are never collected: only the newest are kept.
const MAX_DONE: usize = 4096;

/// A report's outcome: stored (true) or already there (false).
pub type Outcome = Result<bool, StorageError>;

/// This isolate's queue of reports (`R`), the outcomes not yet collected, and the write under way.
pub struct Queue<R> {
    next_ticket: u64,
    queue: Vec<(u64, R)>,
    done: Vec<(u64, Outcome)>,
    /// The write under way: its generation and when it started.
    writing: Option<(u64, f64)>,
    next_generation: u64,
}

impl<R> Default for Queue<R> {
    fn default() -> Self {
        Queue { next_ticket: 0, queue: Vec::new(), done: Vec::new(), writing: None, next_generation: 0 }
    }
}

impl<R> Queue<R> {
    /// Queues `row`; its ticket is how its request finds its outcome.
    pub fn enqueue(&mut self, row: R) -> u64 {
        let t = self.next_ticket;
        self.next_ticket += 1;
        self.queue.push((t, row));
        t
    }

    pub fn take_outcome(&mut self, ticket: u64) -> Option<Outcome> {
        let at = self.done.iter().position(|(t, _)| *t == ticket)?;
        Some(self.done.swap_remove(at).1)
    }

    /// Becomes the writer if there is something to write and no write under way, or the one
    /// under way has been held past [`TAKEOVER`]; returns the new write's generation.
    pub fn start_writing(&mut self, now_ms: f64) -> Option<u64> {
        if self.queue.is_empty() || self.writing.is_some_and(|(_, since)| now_ms - since < TAKEOVER) {
            return None;
        }
        let generation = self.next_generation;
        self.next_generation += 1;
        self.writing = Some((generation, now_ms));
        Some(generation)
    }

    /// The oldest queued rows, up to [`MAX_BATCH`], taken out of the queue.
    pub fn take_batch(&mut self) -> Vec<(u64, R)> {
        let n = self.queue.len().min(MAX_BATCH);
        self.queue.drain(..n).collect()
    }

    /// A request that waited too long withdraws its row if it is still queued (else its
    /// outcome, when it comes, is never collected).
    pub fn withdraw(&mut self, ticket: u64) {
        self.queue.retain(|(t, _)| *t != ticket);
    }

    /// Posts write `generation`'s outcomes, one per ticket in order (a ticket past the
    /// outcomes given: interrupted), and ends that write unless it was taken over.
    pub fn post(&mut self, generation: u64, tickets: &[u64], outcomes: Vec<Outcome>) {
        let mut outcomes = outcomes.into_iter();
        for t in tickets {
            let one = outcomes.next().unwrap_or(Err(StorageError::Interrupted));
            self.done.push((*t, one));
        }
        let excess = self.done.len().saturating_sub(MAX_DONE);
        self.done.drain(..excess);
        // A writer that was taken over leaves the write it lost alone.
        if self.writing.is_some_and(|(g, _)| g == generation) {
            self.writing = None;
        }
    }
}

/// Has a request that started waiting at `start_ms` waited long enough at `now_ms`?
pub fn waited_too_long(start_ms: f64, now_ms: f64) -> bool {
    now_ms - start_ms > MAX_WAIT_MS
}

/// Which rows of a batch were stored: the changes of each row's first statement (`heads`),
/// as `changes` reads them from the batch's results (none read: not stored).
pub fn stored(heads: &[usize], changes: impl Fn(usize) -> Option<usize>) -> Vec<bool> {
    heads.iter().map(|&i| changes(i).unwrap_or(0) > 0).collect()
}

/// One transaction for all `n` rows (`together` writes the rows in a range of them and says
/// which were stored); if it fails, each row alone, so that one report the database refuses
/// cannot take the others down with it (they would fail again on retry). One outcome per
/// row, in order.
pub async fn write<F, Fut>(n: usize, mut together: F) -> Vec<Outcome>
where
    F: FnMut(Range<usize>) -> Fut,
    Fut: Future<Output = Result<Vec<bool>, StorageError>>,
{
    match together(0..n).await {
        Ok(stored) => stored.into_iter().map(Ok).collect(),
        Err(e) if n == 1 => vec![Err(e)],
        Err(_) => {
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                out.push(together(i..i + 1).await.map(|s| s.first().copied().unwrap_or(false)));
            }
            out
        }
    }
}

#[cfg(test)]
#[path = "coalesce_queue_tests.rs"]
mod tests;
