//! no-cors fetch: did anything answer over HTTP, and how fast? A HEAD request: the answer's
//! head is all a page may see of another origin anyway, and Firefox resolves a no-cors GET
//! only once much of the body has arrived (a large page on a slow link timed out there).

use super::timer::{now_ms, race, since, timeout_marker};
use ajar_core::observation::Observation;
use web_sys::{AbortController, ReferrerPolicy, RequestCache, RequestCredentials, RequestInit, RequestMode};

pub async fn run(url: &str, timeout_ms: u32) -> Observation {
    let Some(window) = web_sys::window() else {
        return Observation::FetchError { ms: 0 };
    };
    let abort = AbortController::new().ok();
    let init = RequestInit::new();
    init.set_method("HEAD");
    init.set_mode(RequestMode::NoCors);
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init.set_referrer_policy(ReferrerPolicy::NoReferrer);
    if let Some(a) = &abort {
        init.set_signal(Some(&a.signal()));
    }
    let start = now_ms();
    let promise = window.fetch_with_str_and_init(url, &init);
    let outcome = race(&promise, timeout_ms).await;
    let ms = since(start);
    match outcome {
        Ok(v) if v == timeout_marker() => {
            if let Some(a) = abort {
                a.abort();
            }
            // It waited its whole timeout: a clock read a hair early (timers and the page's
            // clock are not the same clock) does not make it shorter.
            Observation::FetchTimeout { ms: ms.max(timeout_ms) }
        }
        Ok(_) => {
            // The outcome is known: stop the body (no page downloads in the background on a
            // visitor's data plan).
            if let Some(a) = abort {
                a.abort();
            }
            Observation::FetchOk { ms }
        }
        // A browser that gives up waiting (Chromium's own 30 s connect and handshake limits)
        // fails the request as it fails a reset: a failure this late is the browser's
        // timeout, a hang, not a refusal.
        Err(_) if u64::from(ms) * 10 >= u64::from(timeout_ms) * 9 => Observation::FetchTimeout { ms },
        Err(_) => Observation::FetchError { ms },
    }
}
