//! From the plan's evidence to verdicts: the run's context from its controls and checks
//! ([`Plan::context`]), and each target's finding once it may be released
//! ([`Plan::take_findings`]).

use super::{Check, Plan};
use crate::infer::{infer, RunContext};
use crate::observation::Observation;
use crate::url::Scheme;
use crate::verdict::{Clue, Finding, Verdict};

impl Plan {
    fn controls_running(&self) -> bool {
        self.states[..self.controls].iter().any(|s| !s.finished) || self.checks_running() > 0
    }

    /// The run's context from the controls measured so far.
    pub fn context(&self) -> RunContext {
        let mut ctx = RunContext {
            // Not asked (no web target, out of budget): nothing to distrust.
            resolver_reports_failures: !matches!(self.resolver_check, Check::Done(false)),
            content_blocker: self.bait_check == Check::Done(true),
            ..RunContext::default()
        };
        let mut rates: Vec<f32> = Vec::new();
        for (i, (t, s)) in self.targets[..self.controls].iter().zip(&self.states).enumerate() {
            // A STUN control tells about STUN only; the web controls about the connection.
            if matches!(t.parsed().scheme, Scheme::Stun | Scheme::Turn | Scheme::Turns) {
                ctx.ice_controls_total += 1;
                let reached = s.evidence.observations.iter().any(|o| matches!(o, Observation::IceReached { .. }));
                ctx.ice_controls_ok += u32::from(reached);
                continue;
            }
            ctx.controls_total += 1;
            let fastest = s
                .evidence
                .observations
                .iter()
                .filter_map(|o| match o {
                    Observation::FetchOk { ms } => Some(*ms),
                    _ => None,
                })
                .min();
            ctx.controls_ok += u32::from(fastest.is_some());
            if let Some(floor) = fastest.map(|ms| ms / 4) {
                ctx.no_round_trip_ms = Some(ctx.no_round_trip_ms.map_or(floor, |f| f.min(floor)));
            }
            let bytes = self.image(i).and_then(|image| image.bytes);
            let first_byte = s.evidence.observations.iter().find_map(|o| match o {
                Observation::FetchOk { ms } => Some(*ms),
                _ => None,
            });
            // A control's favicon measures its round trip, not a rate: only images that
            // can measure one count.
            let bytes = bytes.filter(|b| *b >= crate::image_header::RATE_BYTES);
            for o in &s.evidence.observations {
                if let (Observation::ImageDecoded { ms, transfer_ms, .. }, Some(bytes)) = (o, bytes) {
                    let transfer =
                        transfer_ms.unwrap_or_else(|| crate::infer::transfer_ms(*ms, first_byte.unwrap_or(0)));
                    rates.push(bytes as f32 / transfer.max(1) as f32);
                }
            }
        }
        // The controls' median rate (on several networks, the fastest is no fair measure).
        rates.sort_by(f32::total_cmp);
        ctx.control_throughput = match rates.len() {
            0 => None,
            n if n % 2 == 1 => rates.get(n / 2).copied(),
            n => Some((rates[n / 2 - 1] + rates[n / 2]) / 2.0),
        };
        ctx
    }

    /// Verdicts that became final since the last call: (index among non-control targets, finding).
    /// While verdicts are held for the outside view, a target is released as soon as the
    /// outside view of its page has come (a 1,000-site list then shows its first verdicts
    /// after the first batches, not after the last).
    pub fn take_findings(&mut self) -> Vec<(usize, Finding)> {
        if self.controls_running() {
            return Vec::new();
        }
        let ctx = self.context();
        let mut out = Vec::new();
        for i in self.controls..self.targets.len() {
            let s = &self.states[i];
            if s.finished && !s.released && (!self.hold || s.evidence.outside.is_some()) {
                let finding = if s.started {
                    infer(&self.targets[i], &s.evidence, &ctx)
                } else {
                    Finding::new(Verdict::Inconclusive, 0.0, vec![Clue::NotMeasured])
                };
                out.push((i - self.controls, finding));
                self.states[i].released = true;
            }
        }
        out
    }
}
