//! Verdicts, and the clues that led to them. Clues are structured so that
//! the app can word them in the visitor's language.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Reachable, and where it could be checked, genuine and at normal speed.
    Ok,
    /// Does not resolve here, though it does through an outside resolver.
    Dns,
    /// Times out here while controls work: packets to it are dropped.
    Blackhole,
    /// Fails fast though the name resolves: connection refused or reset.
    Reset,
    /// Fails during the TLS handshake (only tellable on hosts ajar runs).
    Tls,
    /// Something answers, but not the real site.
    Blockpage,
    /// Works, but far slower than a control of the same size.
    Throttled,
    /// The site's WebSocket or a STUN/TURN server is blocked while the web works.
    BlockedProtocol,
    /// Fails from outside too, does not exist, or the visitor's connection is down.
    Down,
    /// The evidence does not support a verdict.
    Inconclusive,
}

impl Verdict {
    pub const ALL: [Verdict; 10] = [
        Verdict::Ok,
        Verdict::Dns,
        Verdict::Blackhole,
        Verdict::Reset,
        Verdict::Tls,
        Verdict::Blockpage,
        Verdict::Throttled,
        Verdict::BlockedProtocol,
        Verdict::Down,
        Verdict::Inconclusive,
    ];

    /// A verdict that says someone interferes with the target.
    pub fn is_blocked(self) -> bool {
        !matches!(self, Verdict::Ok | Verdict::Down | Verdict::Inconclusive)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Dns => "dns",
            Verdict::Blackhole => "blackhole",
            Verdict::Reset => "reset",
            Verdict::Tls => "tls",
            Verdict::Blockpage => "blockpage",
            Verdict::Throttled => "throttled",
            Verdict::BlockedProtocol => "blocked_protocol",
            Verdict::Down => "down",
            Verdict::Inconclusive => "inconclusive",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// One piece of evidence, worded by the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "clue", rename_all = "snake_case")]
pub enum Clue {
    Loaded {
        ms: u32,
    },
    FailedFast {
        ms: u32,
    },
    TimedOut {
        ms: u32,
    },
    DohResolves,
    DohNoSuchName,
    DohUnavailable,
    /// The name exists (NOERROR) but has neither an IPv4 nor an IPv6 address.
    DohNoAddress,
    /// One outside resolver knows the name and another does not: a clue, not a decision.
    DohResolversDisagree,
    /// The target is `http://` or `ws://` and the page is https: a browser refuses plain
    /// HTTP from it (mixed content), so the same host was measured over https / wss.
    UpgradedToHttps,
    /// The same, but the target's port has no https equivalent: not measured.
    InsecureNotMeasurable,
    ResolvesLocally,
    NotResolvedLocally,
    ResolveUnsupported,
    /// The browser did not report even a name that exists nowhere as not resolving: its
    /// resolver cannot be asked here, so DNS removal and a reset cannot be told apart.
    ResolverSilent,
    /// A content blocker in this browser refused ajar's bait (a request shaped like an
    /// advert): a request that fails at once may be its refusal, not the network's.
    ContentBlocker,
    ImageGenuine,
    ImageWrongSize {
        width: u32,
        height: u32,
    },
    ImageNotAnImage,
    ImageTimedOut {
        ms: u32,
    },
    ContentNotChecked,
    /// The known image is too small to measure a rate (a favicon), or no control's image
    /// was measured to compare with: speed not judged.
    SpeedNotMeasured,
    /// Throughput here against the control's, as a ratio (control / here).
    SlowerThanControl {
        ratio: f32,
    },
    SocketOpened,
    SocketFailed,
    IceReached,
    IceFailed,
    /// ajar's STUN control answered: STUN gets through here.
    IceControlReached,
    /// ajar's STUN control did not answer either: no STUN gets through for anyone here.
    IceControlsFailed,
    /// No STUN control was measured: a silent STUN server cannot be called blocked.
    NoIceControl,
    HostReachable,
    OutsideReachable,
    OutsideUnreachable,
    OutsideNoSuchName,
    /// No outside view of this target: a failure here cannot be told from a site down
    /// everywhere, or from the browser's own refusal.
    NoOutsideView,
    /// From outside, the site forbids other sites to load it (Cross-Origin-Resource-Policy):
    /// the browser refused its answer; that is not the network failing.
    OutsideCrossOriginBlocked,
    /// From outside too the site answers with a server error (5xx).
    OutsideServerError,
    /// From outside the site answered, but only after `ms`: a hang here may be its own
    /// slowness.
    OutsideSlow {
        ms: u32,
    },
    ControlsFailed,
    NoControls,
    SkippedUnsupported,
    NotMeasured,
    /// ajar's SNI A/B canary found this verdict for a name the target's host falls under.
    SniCanary {
        name: String,
        verdict: Verdict,
    },
    /// Many targets sharing its address prefix failed the same way.
    SharedPrefixFailing {
        prefix: String,
        count: u32,
    },
}

/// A verdict with how sure ajar is of it, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub verdict: Verdict,
    /// 0..=1: how sure ajar is of the verdict, set by hand for each rule (see `infer`),
    /// not fitted to measurements; the lab's accuracy benchmark reports the share of
    /// verdicts at 0.9 or more that are right (`calibration` in its output).
    pub confidence: f32,
    pub clues: Vec<Clue>,
}

impl Finding {
    pub fn new(verdict: Verdict, confidence: f32, clues: Vec<Clue>) -> Self {
        Finding { verdict, confidence: confidence.clamp(0.0, 1.0), clues }
    }
}
