//! The report queue (`ajar::collector`): no report queued while a flush is under way is lost
//! (issue 13, item 8). In headless Chromium, against the lab and the e2e collector.
#![cfg(target_arch = "wasm32")]

use ajar::collector;
use futures_util::future::join;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The e2e collector (scripts/e2e.sh), reachable from the test page.
const COLLECTOR: &str = "http://127.0.0.1:8787";
/// A lab host that refuses connections: the collector cannot be reached.
const UNREACHABLE: &str = "http://refused.test:8470";

fn clear() {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.remove_item("ajar.queue");
    }
}

fn report(n: u32) -> String {
    let id = format!("{:032x}", u128::from(n) << 64 | u128::from(js_sys_now()));
    let hour = {
        let d = js_sys::Date::new_0();
        format!(
            "{:04}-{:02}-{:02}T{:02}:00:00Z",
            d.get_utc_full_year(),
            d.get_utc_month() + 1,
            d.get_utc_date(),
            d.get_utc_hours()
        )
    };
    format!(
        r#"{{"schema":"ajar.report/1","id":"{id}","created_hour":"{hour}","software":"ajar/0.1.0","browser":"chromium","list":"custom","results":[{{"url":"https://queue-{n}.example/","category":"COMT","verdict":"ok","confidence":0.9}}]}}"#
    )
}

fn js_sys_now() -> u64 {
    js_sys::Date::now() as u64
}

/// A report queued while a flush awaits the collector is still queued after the flush
/// (the flush used to write back the queue it had read before its posts).
#[wasm_bindgen_test]
async fn a_report_queued_during_a_failing_flush_is_kept() {
    clear();
    collector::enqueue(report(1));
    let (_, _) = join(collector::flush(UNREACHABLE, true), async { collector::enqueue(report(2)) }).await;
    assert_eq!(collector::pending(), 2, "both reports still wait");
    clear();
}

/// The flush removes only what the collector acknowledged: the report it delivered leaves
/// the queue, the one queued meanwhile stays.
#[wasm_bindgen_test]
async fn a_delivered_report_leaves_the_queue_and_one_queued_meanwhile_stays() {
    clear();
    collector::enqueue(report(3));
    let (delivered, _) = join(collector::flush(COLLECTOR, true), async { collector::enqueue(report(4)) }).await;
    assert_eq!(delivered, 1, "the first report reached the collector");
    assert_eq!(collector::pending(), 1, "the second still waits");
    assert_eq!(collector::flush(COLLECTOR, true).await, 1, "and is delivered by the next flush");
    assert_eq!(collector::pending(), 0);
}

/// Two flushes at once (the retry loop and a page start) do not post the same report twice,
/// and leave nothing behind.
#[wasm_bindgen_test]
async fn concurrent_flushes_deliver_each_report_once() {
    clear();
    collector::enqueue(report(5));
    collector::enqueue(report(6));
    let (a, b) = join(collector::flush(COLLECTOR, true), collector::flush(COLLECTOR, true)).await;
    assert_eq!(a + b, 2, "{a} + {b}");
    assert_eq!(collector::pending(), 0);
}
