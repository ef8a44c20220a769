//! What one control request may spend: the subrequests the runtime allows it (Workers Free
//! 50, Workers Paid 10,000), shared out among the targets it checks. Per request, unlike the
//! deployment's settings ([`super::Config`]).

use std::cell::Cell;
use std::rc::Rc;

/// Subrequests that may still be made. A request that would go past it is not made (the
/// runtime would throw, and the site would read as unreachable from outside).
#[derive(Debug, Default)]
pub struct Allowance(Cell<u32>);

impl Allowance {
    pub fn new(n: u32) -> Allowance {
        Allowance(Cell::new(n))
    }
    /// Spends one; false if none is left.
    pub fn take(&self) -> bool {
        self.take_n(1)
    }
    /// Spends `n` at once, or nothing if fewer are left.
    pub fn take_n(&self, n: u32) -> bool {
        let left = self.0.get();
        if left < n {
            return false;
        }
        self.0.set(left - n);
        true
    }
}

/// Subrequests a target's check needs at the least: its A and AAAA lookups, its page, the
/// edge cache asked and told about its image, and one image from the page's own host.
pub const PER_TARGET: u32 = 6;
/// The most one target's check may spend (the image search stops there).
const PER_TARGET_MAX: u32 = 40;
/// Subrequests kept for the request itself (the list that scopes it).
const OVERHEAD: u32 = 2;

/// What each of `n` targets' checks may spend of a request's `total` subrequests: an equal
/// part, at least [`PER_TARGET`] (then only so many targets are checked; the others are
/// answered `{"retry": true}`, for the app to ask again) and at most [`PER_TARGET_MAX`].
fn share(total: u32, n: usize) -> u32 {
    let n = u32::try_from(n).unwrap_or(u32::MAX).max(1);
    (total.saturating_sub(OVERHEAD) / n).clamp(PER_TARGET, PER_TARGET_MAX)
}

/// A request's subrequests (`CONTROL_SUBREQUESTS`), to be shared among the targets it checks.
#[derive(Debug)]
pub struct RequestBudget {
    /// The request's subrequests not yet given to a target's check.
    pool: Rc<Allowance>,
    /// What a target's check takes from the pool.
    share: u32,
}

impl RequestBudget {
    /// A request that may make `subrequests` in all and checks `targets` targets.
    pub fn new(subrequests: u32, targets: usize) -> RequestBudget {
        RequestBudget {
            pool: Rc::new(Allowance::new(subrequests.saturating_sub(OVERHEAD))),
            share: share(subrequests, targets),
        }
    }

    /// A budget for one target's check: nothing to spend until it is admitted.
    pub fn for_target(&self) -> Budget {
        Budget { pool: self.pool.clone(), share: self.share, allowance: Allowance::default() }
    }
}

/// What one target's check may still spend: its share of the request's pool, taken when it
/// makes its first subrequest ([`Budget::admit`]).
#[derive(Debug)]
pub struct Budget {
    pool: Rc<Allowance>,
    share: u32,
    allowance: Allowance,
}

impl Budget {
    /// Takes this target's share from the request's pool before its first subrequest; false if
    /// the pool cannot give it (the target is answered `{"retry": true}`). A target refused
    /// before making any (a private address, a bad URL) takes nothing.
    pub fn admit(&self) -> bool {
        let admitted = self.pool.take_n(self.share);
        if admitted {
            self.allowance.0.set(self.share);
        }
        admitted
    }

    /// Spends one subrequest of the check's share; false if none is left.
    pub fn take(&self) -> bool {
        self.allowance.take()
    }
}
