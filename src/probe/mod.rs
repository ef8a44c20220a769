//! Browser adapters: each runs one [`ProbeTask`] and reports an [`Observation`].
//! Thin on purpose: every decision lives in `ajar_core`.

pub mod canary;
mod doh;
mod fetch;
mod ice;
mod image;
pub mod timer;
mod websocket;

use ajar_core::observation::{Observation, ProbeKind};
use ajar_core::plan::ProbeTask;

/// Runs a probe to completion (each adapter enforces the task's timeout).
pub async fn run(task: &ProbeTask) -> Observation {
    let unsupported = Observation::Unsupported { probe: task.kind };
    match task.kind {
        ProbeKind::Fetch => fetch::run(&task.url, task.timeout_ms).await,
        ProbeKind::Doh => doh::run(&task.url, task.timeout_ms).await,
        ProbeKind::Image => image::run(&task.url, task.timeout_ms).await,
        ProbeKind::WebSocket => websocket::run(&task.url, task.timeout_ms).await.unwrap_or(unsupported),
        ProbeKind::Resolve => match ice::gather(&task.url, task.timeout_ms).await {
            Some(g) if g.lookup_failed => Observation::DoesNotResolve { ms: g.ms },
            Some(g) => Observation::Resolves { ms: g.ms },
            None => unsupported,
        },
        ProbeKind::Ice => match ice::gather(&task.url, task.timeout_ms).await {
            Some(g) if g.reached => Observation::IceReached { ms: g.ms },
            Some(g) => Observation::IceFailed { ms: g.ms },
            None => unsupported,
        },
    }
}

/// Does the local resolver know the host of `stun_url` (`stun:<name>:<port>`)?
/// None: the browser has no WebRTC to ask with.
pub async fn resolve(stun_url: &str, timeout_ms: u32) -> Option<bool> {
    ice::gather(stun_url, timeout_ms).await.map(|g| !g.lookup_failed)
}
