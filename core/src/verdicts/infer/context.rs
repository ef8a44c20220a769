//! What the run as a whole learned from its controls and checks ([`RunContext`]), which
//! every target's verdict is read against.

/// What the run as a whole learned from its control targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunContext {
    pub controls_total: u32,
    pub controls_ok: u32,
    /// Bytes per millisecond of the control image, when one was measured.
    pub control_throughput: Option<f32>,
    /// The browser reported a name that exists nowhere as not resolving (the plan's resolver
    /// check): its silence about a target's name can be read as "resolves".
    pub resolver_reports_failures: bool,
    /// STUN controls measured, and how many answered: a STUN server that does not answer is
    /// blocked only if one that always answers did.
    pub ice_controls_total: u32,
    pub ice_controls_ok: u32,
    /// A content blocker refused the plan's bait: a fast failure or an image that does not
    /// load may be its refusal, not the network's.
    pub content_blocker: bool,
    /// A quarter of the fastest control page's load: a failure faster than this cannot have
    /// made a round trip to any site (a page load takes several), so the browser answered it
    /// from memory (a failed lookup it cached).
    pub no_round_trip_ms: Option<u32>,
}

impl Default for RunContext {
    fn default() -> Self {
        RunContext {
            controls_total: 0,
            controls_ok: 0,
            control_throughput: None,
            resolver_reports_failures: true,
            ice_controls_total: 0,
            ice_controls_ok: 0,
            content_blocker: false,
            no_round_trip_ms: None,
        }
    }
}

impl RunContext {
    /// Most controls failed: the visitor's own connection is not working.
    pub fn connection_down(&self) -> bool {
        self.controls_total > 0 && self.controls_ok * 2 < self.controls_total
    }
}
