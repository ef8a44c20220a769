//! What an adapter saw when it ran one probe. Durations are milliseconds
//! measured by the adapter; nothing here identifies the visitor (a STUN
//! answer's address, for one, never makes it past the adapter).

use serde::{Deserialize, Serialize};

/// The kinds of probe a browser can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeKind {
    /// no-cors fetch of the URL.
    Fetch,
    /// DNS-over-HTTPS lookup of the host through a resolver outside the visitor's network.
    Doh,
    /// Does the *local* resolver know the name? (A STUN URL naming the host: the
    /// browser reports a host-lookup error if not.)
    Resolve,
    /// A known image on the host: decodes, at its known size, in how long.
    Image,
    /// WebSocket handshake.
    WebSocket,
    /// WebRTC ICE against a STUN/TURN server.
    Ice,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Observation {
    /// The fetch promise resolved (opaque or not): something answered over HTTP.
    FetchOk {
        ms: u32,
    },
    /// The fetch promise rejected (TypeError): DNS failure, refused, reset, TLS failure.
    FetchError {
        ms: u32,
    },
    /// Our own timeout fired first.
    FetchTimeout {
        ms: u32,
    },
    /// DoH answered with addresses (kept as text; only prefixes reach a report).
    DohAddresses {
        addresses: Vec<String>,
    },
    /// DoH says the name does not exist (NXDOMAIN).
    DohNoSuchName,
    /// DoH says the name exists (NOERROR) but has no address of the type asked for
    /// (A, then AAAA): not the same as a name that does not exist.
    DohNoAddress,
    /// The DoH resolver itself could not be reached or answered garbage.
    DohFailed,
    /// The local resolver knows the name.
    Resolves {
        ms: u32,
    },
    /// The local resolver does not know the name.
    DoesNotResolve {
        ms: u32,
    },
    ImageDecoded {
        width: u32,
        height: u32,
        ms: u32,
        /// The body's transfer time from Resource Timing (`responseEnd − responseStart`),
        /// where the browser exposes it (same origin or `Timing-Allow-Origin`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transfer_ms: Option<u32>,
    },
    ImageError {
        ms: u32,
    },
    ImageTimeout {
        ms: u32,
    },
    SocketOpen {
        ms: u32,
    },
    SocketFailed {
        ms: u32,
    },
    SocketTimeout {
        ms: u32,
    },
    /// The STUN/TURN server answered (a server-reflexive or relay candidate arrived,
    /// or gathering completed without an error for it).
    IceReached {
        ms: u32,
    },
    /// ICE reported an error for this server, or our timeout fired.
    IceFailed {
        ms: u32,
    },
    /// The browser lacks the API this probe needs: the probe was skipped.
    Unsupported {
        probe: ProbeKind,
    },
}

impl Observation {
    pub fn ms(&self) -> Option<u32> {
        use Observation::*;
        match self {
            FetchOk { ms }
            | FetchError { ms }
            | FetchTimeout { ms }
            | Resolves { ms }
            | DoesNotResolve { ms }
            | ImageDecoded { ms, .. }
            | ImageError { ms }
            | ImageTimeout { ms }
            | SocketOpen { ms }
            | SocketFailed { ms }
            | SocketTimeout { ms }
            | IceReached { ms }
            | IceFailed { ms } => Some(*ms),
            DohAddresses { .. } | DohNoSuchName | DohNoAddress | DohFailed | Unsupported { .. } => None,
        }
    }
}

/// The collector's `/v1/control` answers for at most this many targets per request.
pub const OUTSIDE_BATCH: usize = 20;

/// What a vantage point outside the visitor's network saw of the same target
/// (the collector's `/v1/control`, or the lab's ground truth in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutsideView {
    /// The name resolves from outside.
    pub resolves: bool,
    /// The site answered from outside.
    pub reachable: bool,
    /// The site answers with `Cross-Origin-Resource-Policy: same-origin` or `same-site`:
    /// a browser refuses to hand ajar's page that answer, so a failed fetch here is the
    /// browser's own refusal, not evidence of a network failure.
    #[serde(default)]
    pub cross_origin_blocked: bool,
    /// The site answers from outside, but with a server error (5xx): down everywhere.
    #[serde(default)]
    pub server_error: bool,
    /// How long the site took to answer from outside (its response's headers), in ms: a site
    /// that is slow everywhere may hang here for no one's doing.
    #[serde(default)]
    pub answer_ms: Option<u32>,
}

/// What the app asks the collector's `/v1/control` (at most [`OUTSIDE_BATCH`] URLs).
#[derive(Debug, Serialize)]
pub struct OutsideQuery<'a> {
    pub urls: Vec<&'a str>,
    pub list: &'a str,
    /// The campaign whose list puts these URLs in the control's scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign: Option<&'a str>,
}

impl OutsideView {
    /// The collector's answer for one URL; an entry with an `"error"` is not a view.
    pub fn from_json(v: &crate::json::Json) -> Option<OutsideView> {
        let corp = v.get("corp").as_str().map(str::to_ascii_lowercase);
        Some(OutsideView {
            resolves: v.get("resolves").as_bool()?,
            reachable: v.get("reachable").as_bool()?,
            cross_origin_blocked: matches!(corp.as_deref(), Some("same-origin" | "same-site")),
            server_error: v.get("status").as_u64().is_some_and(|s| s >= 500),
            answer_ms: v.get("ms").as_u64().and_then(|ms| u32::try_from(ms).ok()),
        })
    }

    /// The known image the outside view found on the site (its favicon, an icon or the
    /// `og:image` the page links), with the size its header gives and its length in bytes;
    /// `None` if it found none, or one whose size a browser may show differently.
    pub fn image_from_json(v: &crate::json::Json) -> Option<crate::list::ImageSpec> {
        let image = v.get("image");
        let url = image.get("url").as_str()?;
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || image.get("ambiguous").as_bool() == Some(true)
        {
            return None;
        }
        let side = |k: &str| image.get(k).as_u64().and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0);
        Some(crate::list::ImageSpec {
            url: url.to_string(),
            width: side("width")?,
            height: side("height")?,
            bytes: side("bytes"),
        })
    }
}
