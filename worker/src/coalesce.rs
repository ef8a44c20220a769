//! Reports arriving together are written together: one D1 transaction for many requests.
//!
//! Each D1 call is a round trip to the database object; with one per request it was half of
//! the collector's cost (`docs/report.md`, "Storage"). Here a request queues its report and the
//! first request that finds no write under way writes everything queued, in one batch; the
//! others wait for their own outcome by polling this isolate's memory on their own timers (a
//! request may not be woken from another request's context in workerd, which is why an
//! earlier attempt with shared promises failed). A report is answered "stored" only once the
//! transaction holding it has committed; if the writer's request is cancelled mid-write, the
//! reports of that batch are answered with an error and their clients retry (ids make retries
//! idempotent), so nothing is accepted and lost. If the database refuses a batch, its reports
//! are written one by one, so a report it refuses fails alone.
//!
//! Nothing waits forever. A write that has not answered within [`WRITE_TIMEOUT`] is given up:
//! its reports are answered 503 (it may still commit: the clients' retries then find their
//! ids stored and are answered as duplicates, which the app counts as delivered), and the next
//! request takes over the queue. A writer that stops being run at all (neither finishing nor
//! dropped) is taken over once it has held the write for [`TAKEOVER`]; and a waiting request
//! answers 503 after [`MAX_WAIT_MS`] whether its report is still queued or being written.

use crate::error::{ApiError, StorageError};
use crate::store::{self, Origin};
use ajar_core::report::Report;
use std::cell::RefCell;
use std::time::Duration;
use worker::{D1Database, Delay};

/// Reports per transaction at most.
const MAX_BATCH: usize = 64;
/// How often a waiting request looks for its outcome: first after `POLL_FIRST_MS`, then at
/// twice the previous pause, up to `POLL_MAX_MS` (every wake-up costs the isolate CPU that the
/// requests arriving meanwhile need; a D1 write takes tens of milliseconds).
const POLL_FIRST_MS: u64 = 2;
const POLL_MAX_MS: u64 = 8;
/// A waiting request gives up (503, the client retries) after this long.
const MAX_WAIT_MS: f64 = 15_000.0;
/// A D1 batch not answered in this long is given up (its reports answered 503).
const WRITE_TIMEOUT: Duration = Duration::from_secs(8);
/// A write held this long (its writer neither finished nor was dropped) is taken over.
const TAKEOVER: f64 = 10_000.0;

/// A validated report on its way into D1.
pub struct Row {
    pub report: Report,
    pub raw: String,
    pub origin: Origin,
}

#[derive(Default)]
struct State {
    next_ticket: u64,
    queue: Vec<(u64, Row)>,
    /// Outcomes not yet collected by their requests: stored (true) or already there (false).
    done: Vec<(u64, Result<bool, StorageError>)>,
    /// The write under way: its generation and when it started.
    writing: Option<(u64, f64)>,
    next_generation: u64,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Stores the report (whole, with its canary results) in a transaction shared with the
/// reports queued beside it. Returns false if a report with this id was already stored.
pub async fn insert(db: &D1Database, row: Row, faults: Faults) -> Result<bool, ApiError> {
    let ticket = STATE.with(|s| {
        let mut s = s.borrow_mut();
        let t = s.next_ticket;
        s.next_ticket += 1;
        s.queue.push((t, row));
        t
    });
    let start = js_sys::Date::now();
    let mut pause = POLL_FIRST_MS;
    loop {
        if let Some(outcome) = take_outcome(ticket) {
            return outcome.map_err(ApiError::Storage);
        }
        if let Some(generation) = start_writing() {
            write_queued(db, generation, faults).await;
            continue;
        }
        if js_sys::Date::now() - start > MAX_WAIT_MS {
            // Queued or being written, it has waited long enough: withdraw it if still queued
            // (else its outcome, when it comes, is never collected) and let the client retry;
            // ids make the retry idempotent.
            STATE.with(|s| s.borrow_mut().queue.retain(|(t, _)| *t != ticket));
            return Err(ApiError::Storage(StorageError::Timeout));
        }
        Delay::from(Duration::from_millis(pause)).await;
        pause = (pause * 2).min(POLL_MAX_MS);
    }
}

fn take_outcome(ticket: u64) -> Option<Result<bool, StorageError>> {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let at = s.done.iter().position(|(t, _)| *t == ticket)?;
        Some(s.done.swap_remove(at).1)
    })
}

/// Becomes the writer if there is something to write and no write under way, or the one
/// under way has been held past [`TAKEOVER`]; returns the new write's generation.
fn start_writing() -> Option<u64> {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let now = js_sys::Date::now();
        if s.queue.is_empty() || s.writing.is_some_and(|(_, since)| now - since < TAKEOVER) {
            return None;
        }
        let generation = s.next_generation;
        s.next_generation += 1;
        s.writing = Some((generation, now));
        Some(generation)
    })
}

/// Fault injection for the load test of issue 13 (`FAULT_STALL_WRITE_EVERY`, never set in a
/// deployment): every n-th write, once D1 has answered, hangs instead of posting the outcomes,
/// as a writer whose answer never comes back does.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    pub stall_write_every: u64,
}

/// Writes up to `MAX_BATCH` queued reports in one transaction and posts each one's outcome,
/// or, past [`WRITE_TIMEOUT`], an error for each.
async fn write_queued(db: &D1Database, generation: u64, faults: Faults) {
    let rows: Vec<(u64, Row)> = STATE.with(|s| {
        let mut s = s.borrow_mut();
        let n = s.queue.len().min(MAX_BATCH);
        s.queue.drain(..n).collect()
    });
    let mut writing = Writing { tickets: rows.iter().map(|(t, _)| *t).collect(), generation, posted: false };
    let stall = faults.stall_write_every > 0 && generation % faults.stall_write_every == faults.stall_write_every - 1;
    let written = async {
        let outcomes = write(db, &rows).await;
        if stall {
            futures_util::future::pending::<()>().await;
        }
        outcomes
    };
    let timeout = Delay::from(WRITE_TIMEOUT);
    futures_util::pin_mut!(written);
    futures_util::pin_mut!(timeout);
    match futures_util::future::select(written, timeout).await {
        futures_util::future::Either::Left((outcomes, _)) => writing.post(outcomes),
        // Given up: each report of the batch is answered 503 (dropping `writing`).
        futures_util::future::Either::Right(_) => {}
    }
}

/// One transaction for all the rows; if it fails, each row alone, so that one report the
/// database refuses cannot take the others down with it (they would fail again on retry).
async fn write(db: &D1Database, rows: &[(u64, Row)]) -> Vec<Result<bool, StorageError>> {
    match write_together(db, rows).await {
        Ok(stored) => stored.into_iter().map(Ok).collect(),
        Err(e) if rows.len() == 1 => vec![Err(e)],
        Err(_) => {
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push(
                    write_together(db, std::slice::from_ref(row)).await.map(|s| s.first().copied().unwrap_or(false)),
                );
            }
            out
        }
    }
}

async fn write_together(db: &D1Database, rows: &[(u64, Row)]) -> Result<Vec<bool>, StorageError> {
    let mut statements = Vec::new();
    let mut heads = Vec::with_capacity(rows.len());
    for (_, row) in rows {
        heads.push(statements.len());
        statements.extend(store::statements(db, &row.report, &row.raw, &row.origin).map_err(StorageError::Runtime)?);
    }
    let results = db.batch(statements).await.map_err(StorageError::Runtime)?;
    Ok(heads
        .iter()
        .map(|&i| results.get(i).and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0) > 0)
        .collect())
}

/// The batch being written: its outcomes are posted when the write ends, or, if the request
/// doing it is cancelled first, an error for each (dropping this), so no one waits forever.
struct Writing {
    tickets: Vec<u64>,
    generation: u64,
    posted: bool,
}

impl Writing {
    /// One outcome per ticket, in order (a ticket past the outcomes given: interrupted).
    fn post(&mut self, outcomes: Vec<Result<bool, StorageError>>) {
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            let mut outcomes = outcomes.into_iter();
            for t in &self.tickets {
                let one = outcomes.next().unwrap_or(Err(StorageError::Interrupted));
                s.done.push((*t, one));
            }
            // Outcomes whose requests were cancelled are never collected: keep the newest.
            let excess = s.done.len().saturating_sub(4096);
            s.done.drain(..excess);
            // A writer that was taken over leaves the write it lost alone.
            if s.writing.is_some_and(|(g, _)| g == self.generation) {
                s.writing = None;
            }
        });
        self.posted = true;
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        if !self.posted {
            self.post(Vec::new());
        }
    }
}
