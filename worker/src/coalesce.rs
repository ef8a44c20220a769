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
//!
//! Those decisions are [`Queue`]'s (`coalesce_queue`, no D1 and no clock, tested natively);
//! this module runs them on D1 and on workerd's timers.

use crate::coalesce_queue::{self as decide, Outcome, Queue};
#[cfg(doc)]
use crate::coalesce_queue::{MAX_WAIT_MS, TAKEOVER};
use crate::error::{ApiError, StorageError};
use crate::store::{self, Origin};
use ajar_core::report::Report;
use std::cell::RefCell;
use std::time::Duration;
use worker::{D1Database, Delay};

/// How often a waiting request looks for its outcome: first after `POLL_FIRST_MS`, then at
/// twice the previous pause, up to `POLL_MAX_MS` (every wake-up costs the isolate CPU that the
/// requests arriving meanwhile need; a D1 write takes tens of milliseconds).
const POLL_FIRST_MS: u64 = 2;
const POLL_MAX_MS: u64 = 8;
/// A D1 batch not answered in this long is given up (its reports answered 503).
const WRITE_TIMEOUT: Duration = Duration::from_secs(8);

/// A validated report on its way into D1.
pub struct Row {
    pub report: Report,
    pub raw: String,
    pub origin: Origin,
}

thread_local! {
    static STATE: RefCell<Queue<Row>> = RefCell::new(Queue::default());
}

/// Stores the report (whole, with its canary results) in a transaction shared with the
/// reports queued beside it. Returns false if a report with this id was already stored.
pub async fn insert(db: &D1Database, row: Row, faults: Faults) -> Result<bool, ApiError> {
    let ticket = STATE.with(|s| s.borrow_mut().enqueue(row));
    let start = js_sys::Date::now();
    let mut pause = POLL_FIRST_MS;
    loop {
        if let Some(outcome) = STATE.with(|s| s.borrow_mut().take_outcome(ticket)) {
            return outcome.map_err(ApiError::Storage);
        }
        if let Some(generation) = STATE.with(|s| s.borrow_mut().start_writing(js_sys::Date::now())) {
            write_queued(db, generation, faults).await;
            continue;
        }
        if decide::waited_too_long(start, js_sys::Date::now()) {
            // Queued or being written, it has waited long enough: withdraw it if still queued
            // and let the client retry; ids make the retry idempotent.
            STATE.with(|s| s.borrow_mut().withdraw(ticket));
            return Err(ApiError::Storage(StorageError::Timeout));
        }
        Delay::from(Duration::from_millis(pause)).await;
        pause = (pause * 2).min(POLL_MAX_MS);
    }
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
    let rows: Vec<(u64, Row)> = STATE.with(|s| s.borrow_mut().take_batch());
    let mut writing = Writing { tickets: rows.iter().map(|(t, _)| *t).collect(), generation, posted: false };
    let stall = faults.stall_write_every > 0 && generation % faults.stall_write_every == faults.stall_write_every - 1;
    let written = async {
        // The ranges are the batch's own: never outside it.
        let outcomes = decide::write(rows.len(), |range| write_together(db, rows.get(range).unwrap_or(&[]))).await;
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

/// The rows' statements in one D1 batch: which rows were stored.
async fn write_together(db: &D1Database, rows: &[(u64, Row)]) -> Result<Vec<bool>, StorageError> {
    let mut statements = Vec::new();
    let mut heads = Vec::with_capacity(rows.len());
    for (_, row) in rows {
        heads.push(statements.len());
        statements.extend(store::statements(db, &row.report, &row.raw, &row.origin).map_err(StorageError::Runtime)?);
    }
    let results = db.batch(statements).await.map_err(StorageError::Runtime)?;
    Ok(decide::stored(&heads, |i| results.get(i).and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes)))
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
    fn post(&mut self, outcomes: Vec<Outcome>) {
        STATE.with(|s| s.borrow_mut().post(self.generation, &self.tickets, outcomes));
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
