//! From one target's evidence to a verdict. Pure: the caller gathers the
//! observations (in any order) and the run's context.
//!
//! - `context`: what the run learned from its controls ([`RunContext`]);
//! - `evidence`: what was observed of one target ([`Evidence`], [`DohView`]);
//! - `throttle`: transfer times and the throttling rule ([`throttled`]);
//! - `web`, `socket`, `ice`: the rules for each kind of target, entered through [`infer`].

mod context;
mod evidence;
mod ice;
mod socket;
mod throttle;
mod web;

pub use context::RunContext;
pub use evidence::{DohView, Evidence};
pub use throttle::{
    image_throttled, target_transfer_ms, throttled, transfer_ms, THROTTLE_FIRST_BYTES, THROTTLE_MIN_MS, THROTTLE_RATIO,
};

use crate::list::Target;
use crate::url::Scheme;
use crate::verdict::Finding;

/// The verdict for one target.
pub fn infer(target: &Target, ev: &Evidence, ctx: &RunContext) -> Finding {
    match target.parsed().scheme {
        Scheme::Ws | Scheme::Wss => socket::infer_socket(target, ev, ctx),
        Scheme::Stun | Scheme::Turn | Scheme::Turns => ice::infer_ice(ev, ctx),
        Scheme::Http | Scheme::Https => web::infer_web(target, ev, ctx),
    }
}

#[cfg(test)]
#[path = "../infer_tests.rs"]
mod tests;
