//! Sending reports, and never losing one: if the collector cannot be reached the
//! report waits in localStorage and is retried, with backoff, on later visits.

use crate::net::{request, NetError};
use crate::probe::timer::wall_ms;
use ajar_core::json::Json;
use serde::Serialize;

const QUEUE_KEY: &str = "ajar.queue";

/// As JSON (the embed's summary): `{"stored": id}`, `"queued"`, `{"refused": why}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sent {
    /// Stored (or already stored: a retry) with this id.
    Stored(String),
    /// Could not reach the collector; queued for later.
    Queued,
    /// The collector refused it (the message says why); not queued.
    Refused(String),
}

#[derive(Debug, Clone, Serialize)]
struct Queued {
    report: String,
    attempts: u32,
    next_try_ms: u64,
}

impl Queued {
    /// A stored queue entry; entries that do not read back (another version's) are dropped.
    fn from_json(v: &Json) -> Option<Queued> {
        Some(Queued {
            report: v.get("report").as_str()?.to_string(),
            attempts: v.get("attempts").as_u64()?.try_into().ok()?,
            next_try_ms: v.get("next_try_ms").as_u64()?,
        })
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn load() -> Vec<Queued> {
    // No storage or no queue: nothing queued.
    let text = storage().and_then(|s| s.get_item(QUEUE_KEY).ok()?).unwrap_or_default();
    // A queue that no longer parses cannot be sent: it reads as empty (and is replaced on the next save).
    Json::parse(&text).map(|v| v.items().iter().filter_map(Queued::from_json).collect()).unwrap_or_default()
}

fn save(queue: &[Queued]) {
    if let Some(s) = storage() {
        let _ = if queue.is_empty() {
            s.remove_item(QUEUE_KEY)
        } else {
            match serde_json::to_string(queue) {
                Ok(text) => s.set_item(QUEUE_KEY, &text),
                // Never overwrite the stored queue with nothing (plain data: it does not fail).
                Err(_) => Ok(()),
            }
        };
    }
}

/// How many reports wait to be sent.
pub fn pending() -> usize {
    load().len()
}

async fn post(base: &str, report: &str) -> Result<Sent, NetError> {
    let (status, text) = request(&format!("{base}/v1/reports"), Some(report)).await?;
    let body = Json::parse(&text).unwrap_or(Json::Null);
    Ok(match status {
        // Stored is what the status says; the collector always names the id, and the app only shows it.
        200 | 201 => Sent::Stored(body.get("id").as_str().unwrap_or_default().to_string()),
        400..=499 => Sent::Refused(body.get("error").as_str().unwrap_or(&text).to_string()),
        // 5xx: the collector is there but not storing: keep the report.
        _ => return Err(NetError::Unreachable(base.to_string())),
    })
}

/// Sends one report; queues it if the collector is unreachable, and keeps retrying with
/// backoff while the page stays open (and on the next visit).
pub async fn send(base: &str, report: String) -> Sent {
    match post(base, &report).await {
        Ok(sent) => sent,
        Err(_) => {
            enqueue(report);
            let base = base.to_string();
            wasm_bindgen_futures::spawn_local(async move {
                for attempt in 1..=8 {
                    crate::probe::timer::sleep(backoff_ms(attempt) as u32).await;
                    flush(&base, false).await;
                    if pending() == 0 {
                        break;
                    }
                }
            });
            Sent::Queued
        }
    }
}

/// Adds a report to the queue (to be retried from the first backoff on). Synchronous: no
/// other task of this page runs between the queue's read and its write.
pub fn enqueue(report: String) {
    let mut q = load();
    if q.iter().any(|item| item.report == report) {
        return;
    }
    q.push(Queued { report, attempts: 1, next_try_ms: wall_ms() + backoff_ms(1) });
    save(&q);
}

/// 30 s, 1 min, 2 min … capped at a day.
fn backoff_ms(attempts: u32) -> u64 {
    (30_000u64 << attempts.min(12)).min(86_400_000) / 2
}

thread_local! {
    /// A flush of this page is under way: a second one (the retry loop, a page start) waits
    /// for the next turn instead of posting the same reports again.
    static FLUSHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Clears [`FLUSHING`] when the flush ends, however it ends.
struct FlushGuard;

impl Drop for FlushGuard {
    fn drop(&mut self) {
        FLUSHING.with(|f| f.set(false));
    }
}

/// What became of one queued report this flush tried.
enum Tried {
    /// Delivered or refused for good: leaves the queue.
    Done,
    /// Still unreachable: stays, with this many attempts and its next try.
    Again { attempts: u32, next_try_ms: u64 },
}

/// Retries queued reports: all of them on a new visit (`every`), else those whose backoff
/// has passed. Returns how many were delivered.
///
/// The posts are awaited, and meanwhile this page (or another tab) may queue more reports:
/// the queue is read again after the posts and only the reports tried here are changed in
/// it (removed once acknowledged or refused, their backoff advanced otherwise), so a report
/// queued during the flush is kept.
pub async fn flush(base: &str, every: bool) -> usize {
    if FLUSHING.with(|f| f.replace(true)) {
        return 0;
    }
    let _guard = FlushGuard;
    let now = wall_ms();
    let due: Vec<Queued> = load().into_iter().filter(|item| every || item.next_try_ms <= now).collect();
    if due.is_empty() {
        return 0;
    }
    let mut tried: Vec<(String, Tried)> = Vec::with_capacity(due.len());
    let mut delivered = 0;
    for item in due {
        let outcome = match post(base, &item.report).await {
            Ok(Sent::Stored(_)) => {
                delivered += 1;
                Tried::Done
            }
            // Refused on retry: the collector will never take it; keeping it would retry forever.
            Ok(Sent::Refused(_)) | Ok(Sent::Queued) => Tried::Done,
            Err(_) => {
                let attempts = item.attempts.saturating_add(1);
                Tried::Again { attempts, next_try_ms: wall_ms() + backoff_ms(attempts) }
            }
        };
        tried.push((item.report, outcome));
    }
    // The queue as it is now, not as it was before the awaits.
    let mut queue = load();
    queue.retain_mut(|item| match tried.iter().find(|(report, _)| *report == item.report) {
        None => true,
        Some((_, Tried::Done)) => false,
        Some((_, Tried::Again { attempts, next_try_ms })) => {
            item.attempts = item.attempts.max(*attempts);
            item.next_try_ms = item.next_try_ms.max(*next_try_ms);
            true
        }
    });
    save(&queue);
    delivered
}
