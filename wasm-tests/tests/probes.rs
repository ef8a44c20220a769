//! Each browser probe against the lab's demo hosts, in real headless Chromium.
//! Run by scripts/test.sh inside a network namespace, with the lab running and
//! Chromium's resolver rules from `ajar-lab rules` (webdriver.json).
#![cfg(target_arch = "wasm32")]

use ajar::probe;
use ajar_core::observation::{Observation, ProbeKind};
use ajar_core::plan::ProbeTask;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn probe(kind: ProbeKind, url: &str, timeout_ms: u32) -> Observation {
    probe::run(&ProbeTask { id: 0, target: 0, kind, url: url.into(), timeout_ms }).await
}

#[wasm_bindgen_test]
async fn fetch_tells_answer_failure_and_silence_apart() {
    assert!(matches!(probe(ProbeKind::Fetch, "http://ok.test:8470/", 5000).await, Observation::FetchOk { .. }));
    let removed = probe(ProbeKind::Fetch, "http://nxdomain.test:8470/", 5000).await;
    assert!(matches!(removed, Observation::FetchError { ms } if ms < 1000), "{removed:?}");
    assert!(matches!(probe(ProbeKind::Fetch, "http://reset.test:8470/", 5000).await, Observation::FetchError { .. }));
    assert!(matches!(probe(ProbeKind::Fetch, "http://refused.test:8470/", 5000).await, Observation::FetchError { .. }));
    assert!(matches!(probe(ProbeKind::Fetch, "https://sni.test:8471/", 5000).await, Observation::FetchError { .. }));
    let hole = probe(ProbeKind::Fetch, "http://blackhole.test:8470/", 600).await;
    assert!(matches!(hole, Observation::FetchTimeout { ms } if ms >= 600), "{hole:?}");
}

/// The lab CA is trusted the way a public CA is (an NSS database, no flag): valid
/// certificates load and broken ones fail as they do on the real web.
#[wasm_bindgen_test]
async fn certificates_are_judged_as_on_the_real_web() {
    let ok = probe(ProbeKind::Fetch, "https://secure.test:8471/", 5000).await;
    assert!(matches!(ok, Observation::FetchOk { .. }), "{ok:?}");
    for broken in ["https://expired.test:8471/", "https://wrong-name.test:8471/", "https://unknown-ca.test:8471/"] {
        let seen = probe(ProbeKind::Fetch, broken, 5000).await;
        assert!(matches!(seen, Observation::FetchError { .. }), "{broken}: {seen:?}");
    }
}

#[wasm_bindgen_test]
async fn image_checks_content() {
    let ok = probe(ProbeKind::Image, "http://ok.test:8470/logo.bmp", 5000).await;
    assert!(matches!(ok, Observation::ImageDecoded { width: 150, height: 140, .. }), "{ok:?}");
    assert!(matches!(
        probe(ProbeKind::Image, "http://blockpage.test:8470/logo.bmp", 5000).await,
        Observation::ImageError { .. }
    ));
    let slow = probe(ProbeKind::Image, "http://slow.test:8470/logo.bmp", 500).await;
    assert!(matches!(slow, Observation::ImageTimeout { .. }), "128 kbit/s cannot bring 63 kB in 0.5 s: {slow:?}");
}

#[wasm_bindgen_test]
async fn doh_resolves_names_the_local_resolver_lost() {
    let removed = probe(ProbeKind::Doh, "http://doh.test:8470/dns-query?name=nxdomain.test&type=A", 5000).await;
    assert!(matches!(removed, Observation::DohAddresses { ref addresses } if !addresses.is_empty()), "{removed:?}");
    assert_eq!(
        probe(ProbeKind::Doh, "http://doh.test:8470/dns-query?name=nowhere.test&type=A", 5000).await,
        Observation::DohNoSuchName
    );
    assert_eq!(probe(ProbeKind::Doh, "http://nxdomain.test:8470/dns-query?name=x", 2000).await, Observation::DohFailed);
}

#[wasm_bindgen_test]
async fn webrtc_asks_the_local_resolver() {
    assert!(matches!(probe(ProbeKind::Resolve, "stun:ok.test:3478", 3000).await, Observation::Resolves { .. }));
    assert!(matches!(probe(ProbeKind::Resolve, "stun:refused.test:3478", 3000).await, Observation::Resolves { .. }));
    let gone = probe(ProbeKind::Resolve, "stun:nxdomain.test:3478", 3000).await;
    assert!(matches!(gone, Observation::DoesNotResolve { .. }), "{gone:?}");
}

#[wasm_bindgen_test]
async fn stun_and_websocket_reachability() {
    assert!(matches!(probe(ProbeKind::Ice, "stun:stun.test:3478", 4000).await, Observation::IceReached { .. }));
    assert!(matches!(probe(ProbeKind::Ice, "stun:calls.test:3479", 1500).await, Observation::IceFailed { .. }));
    assert!(matches!(
        probe(ProbeKind::WebSocket, "ws://socket.test:8470/socket", 4000).await,
        Observation::SocketOpen { .. }
    ));
    assert!(matches!(
        probe(ProbeKind::WebSocket, "ws://chat.test:8470/socket", 4000).await,
        Observation::SocketFailed { .. }
    ));
}
