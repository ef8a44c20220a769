//! What the plan takes from a vantage point outside the visitor's network: which pages to
//! ask it about, what it saw of them, and the known images it found on them.

use super::{Pending, Plan};
use crate::list::ImageSpec;
use crate::observation::{Observation, OutsideView, ProbeKind};
use crate::url::Scheme;

impl Plan {
    /// The web URL to ask an outside vantage point about, per list target (controls
    /// excluded), in list order: what the page itself fetches (an `http://` target's https
    /// equivalent on an https page); `None` for targets with no web page to fetch.
    pub fn outside_urls(&self) -> Vec<Option<String>> {
        (self.controls..self.targets.len()).map(|i| self.fetch_url(i)).collect()
    }

    /// The web controls' pages, for the outside view to learn their known images too (the
    /// rate a throttled target is compared with).
    pub fn control_outside_urls(&self) -> Vec<String> {
        (0..self.controls).filter_map(|i| self.fetch_url(i)).collect()
    }

    /// What a vantage point outside the visitor's network saw of `url` (as given by
    /// [`Plan::outside_urls`] or [`Plan::control_outside_urls`]).
    pub fn set_outside(&mut self, url: &str, view: OutsideView) {
        for s in &mut self.states {
            if s.fetch_url.as_deref() == Some(url) {
                s.evidence.outside = Some(view);
            }
        }
    }

    /// The known image the outside view found on the site of `url`: the browser loads it
    /// too (at once if the page has answered already) to check content and speed. A target
    /// whose list gives an image keeps its own.
    pub fn set_outside_image(&mut self, url: &str, image: ImageSpec) {
        for i in 0..self.states.len() {
            if self.states[i].fetch_url.as_deref() != Some(url) || self.targets[i].image.is_some() {
                continue;
            }
            let s = &mut self.states[i];
            s.evidence.learned_image = Some(image.clone());
            let fetched = s.evidence.observations.iter().any(|o| matches!(o, Observation::FetchOk { .. }));
            let imaged = s.evidence.observations.iter().any(|o| {
                matches!(
                    o,
                    Observation::ImageDecoded { .. }
                        | Observation::ImageError { .. }
                        | Observation::ImageTimeout { .. }
                )
            }) || s.pending.contains(&Pending::Probe(ProbeKind::Image))
                || self.running.iter().any(|r| r.1 == i && r.2 == Pending::Probe(ProbeKind::Image));
            // A socket target's page is fetched only when its socket failed: no image then.
            let web = matches!(self.targets[i].parsed().scheme, Scheme::Http | Scheme::Https);
            if fetched && !imaged && web && !s.released && !self.out_of_budget {
                let was_idle = s.pending.is_empty();
                s.pending.push_back(Pending::Probe(ProbeKind::Image));
                s.finished = false;
                if was_idle && !self.ready.contains(&i) {
                    self.ready.push_back(i);
                }
            }
        }
    }
}
