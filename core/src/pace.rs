//! The run's pace, learned from its own answers (docs/verdicts.md, "Pace"): how long a
//! fetch may hang before it counts as no answer, and how many probes to keep in flight.
//!
//! - **Timeouts** follow the slow tail of the answers seen so far: [`TAIL_MULTIPLE`] × the
//!   90th percentile of recent answer times, never under [`TIMEOUT_FLOOR_MS`] (a lost SYN
//!   costs a healthy distant site a second or more) nor over the larger of
//!   [`TIMEOUT_CEILING_MS`] and the configured timeout; the configured timeout until
//!   [`MIN_SAMPLES`] answers are in (the controls answer first). A site's first look may
//!   give up sooner, at [`FIRST_LOOK_FLOOR_MS`]: a hang there only calls for a second look,
//!   which has the full floor and decides.
//! - **Probes in flight** start at the configured number and move like TCP Vegas: an answer
//!   about as fast as the run's usual (within 3× its first quartile + 300 ms) adds half a
//!   probe (a whole one until the first slow answer, as TCP's slow start), a slower one (the
//!   link is queueing) takes a fifth away, between
//!   [`MIN_IN_FLIGHT`] and the configured ceiling. A probe hanging past twice the slow tail
//!   uses no bandwidth: it does not count against the limit (a list with many blackholed
//!   sites does not stall behind them), and while the link is unhurried (the limit at the
//!   ceiling) hanging probes may take the total to twice the ceiling; on a busy link the
//!   ceiling holds (a probe waiting its turn there looks hanging too).

use std::collections::VecDeque;

pub const MIN_SAMPLES: usize = 3;
pub const TAIL_MULTIPLE: u32 = 4;
pub const TIMEOUT_FLOOR_MS: u32 = 4_000;
/// The floor of a site's first look, when the slow tail allows it: a healthy site that takes
/// longer (a lost SYN and a distant server) answers its second look, the browser joining it
/// to the connection the first look began.
pub const FIRST_LOOK_FLOOR_MS: u32 = 2_000;
pub const TIMEOUT_CEILING_MS: u32 = 30_000;
pub const MIN_IN_FLIGHT: f32 = 4.0;
/// Answers remembered (the most recent).
const WINDOW: usize = 64;
/// A probe this long past the slow tail counts as hanging, whatever the tail.
const HANGING_FLOOR_MS: u64 = 1_000;
/// On an unhurried link, hanging probes may stand beside working ones up to this many times
/// the ceiling in all (a hang holds a socket, not bandwidth).
const HANGING_ROOM: usize = 2;
/// A link is unhurried only while its slow tail of answers is this short or shorter: a few
/// round trips of a wired or good mobile link, never a distant or congested one.
pub const UNHURRIED_TAIL_MS: u32 = 1_000;

#[derive(Debug, Clone)]
pub struct Pace {
    /// Answer times (ms) of the most recent fetches that answered, oldest first.
    answers: VecDeque<u32>,
    /// Start time of each probe running, by id.
    running: Vec<(u32, u64)>,
    limit: f32,
    ceiling: f32,
    /// No answer has been slow yet: the limit grows a whole probe an answer, not half.
    slow_start: bool,
    adaptive_timeouts: bool,
    adaptive_in_flight: bool,
}

impl Pace {
    /// `in_flight`: where the limit starts; `ceiling`: the most it may reach (equal to
    /// `in_flight` for a fixed number).
    pub fn new(in_flight: u32, ceiling: u32, adaptive_timeouts: bool) -> Pace {
        let start = in_flight.max(1) as f32;
        Pace {
            answers: VecDeque::new(),
            running: Vec::new(),
            limit: start,
            ceiling: (ceiling as f32).max(start),
            slow_start: true,
            adaptive_timeouts,
            adaptive_in_flight: ceiling > in_flight,
        }
    }

    /// The answer time at quantile `q` (0..=1) of the recent answers.
    fn quantile(&self, q: f32) -> Option<u32> {
        if self.answers.len() < MIN_SAMPLES {
            return None;
        }
        let mut sorted: Vec<u32> = self.answers.iter().copied().collect();
        sorted.sort_unstable();
        let at = ((sorted.len() - 1) as f32 * q).round() as usize;
        sorted.get(at).copied()
    }

    /// The slow tail of answers (90th percentile); `None` before [`MIN_SAMPLES`] answers.
    pub fn slow_tail(&self) -> Option<u32> {
        self.quantile(0.9)
    }

    /// How long a fetch may hang before it counts as no answer.
    pub fn timeout(&self, configured: u32) -> u32 {
        self.timeout_above(configured, TIMEOUT_FLOOR_MS)
    }

    /// How long a site's first look may hang: as [`Pace::timeout`], with the lower floor
    /// [`FIRST_LOOK_FLOOR_MS`].
    pub fn first_look_timeout(&self, configured: u32) -> u32 {
        self.timeout_above(configured, FIRST_LOOK_FLOOR_MS)
    }

    fn timeout_above(&self, configured: u32, floor: u32) -> u32 {
        match self.slow_tail() {
            Some(tail) if self.adaptive_timeouts => {
                tail.saturating_mul(TAIL_MULTIPLE).clamp(floor, TIMEOUT_CEILING_MS.max(configured))
            }
            _ => configured,
        }
    }

    /// How many probes may be in flight at `now_ms`: the limit, plus those hanging.
    pub fn allowed(&self, now_ms: u64) -> usize {
        // The slow tail sorts the recent answers: found once for both uses.
        let tail = self.slow_tail();
        let hanging = match tail {
            Some(tail) if self.adaptive_in_flight => {
                let after = (u64::from(tail) * 2).max(HANGING_FLOOR_MS);
                self.running.iter().filter(|(_, at)| now_ms.saturating_sub(*at) > after).count()
            }
            _ => 0,
        };
        // Past the ceiling only while the link is unhurried: on a busy link a probe may look
        // hanging while it waits its turn, and more probes would make every answer later.
        let most = if self.unhurried_at(tail) { self.most_in_flight() } else { self.ceiling as usize };
        (self.limit as usize + hanging).min(most)
    }

    /// The most probes this pace may ever allow in flight at once: hanging ones beside a full
    /// set when it adapts, the fixed number when it does not (a driver needs no more workers).
    pub fn most_in_flight(&self) -> usize {
        if self.adaptive_in_flight {
            self.ceiling as usize * HANGING_ROOM
        } else {
            self.ceiling as usize
        }
    }

    /// The link shows no sign of queueing: the limit has grown to the ceiling on answers about
    /// as fast as the run's usual, none since has been slower (which cuts the limit), and the
    /// slow tail of answers is within [`UNHURRIED_TAIL_MS`]. A phone's answers are all slow
    /// alike at first (300 ms away, 1 Mbit/s), so the limit reaches the ceiling there too,
    /// before its link fills: with room for hanging probes, the slow-phone scan then called 61
    /// healthy sites `blackhole` (probes waiting their turn looked hanging).
    pub fn unhurried(&self) -> bool {
        self.unhurried_at(self.slow_tail())
    }

    fn unhurried_at(&self, slow_tail: Option<u32>) -> bool {
        self.adaptive_in_flight && self.limit >= self.ceiling && slow_tail.is_some_and(|tail| tail <= UNHURRIED_TAIL_MS)
    }

    pub fn started(&mut self, id: u32, now_ms: u64) {
        self.running.push((id, now_ms));
    }

    /// Probe `id` ended; `answered_ms`: the time a fetch took to answer, if it did.
    pub fn finished(&mut self, id: u32, answered_ms: Option<u32>) {
        self.running.retain(|(r, _)| *r != id);
        let Some(ms) = answered_ms else {
            return;
        };
        if self.adaptive_in_flight {
            if let Some(usual) = self.quantile(0.25) {
                if ms <= usual.saturating_mul(3).saturating_add(300) {
                    let step = if self.slow_start { 1.0 } else { 0.5 };
                    self.limit = (self.limit + step).min(self.ceiling);
                } else {
                    self.slow_start = false;
                    self.limit = (self.limit * 0.8).max(MIN_IN_FLIGHT.min(self.ceiling));
                }
            }
        }
        if self.answers.len() == WINDOW {
            self.answers.pop_front();
        }
        self.answers.push_back(ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_answers(pace: &mut Pace, answers: &[u32]) {
        for (i, ms) in answers.iter().enumerate() {
            pace.started(i as u32, 0);
            pace.finished(i as u32, Some(*ms));
        }
    }

    #[test]
    fn the_configured_timeout_holds_until_answers_come_in() {
        let mut pace = Pace::new(8, 32, true);
        assert_eq!(pace.timeout(8_000), 8_000);
        with_answers(&mut pace, &[120, 150]);
        assert_eq!(pace.timeout(8_000), 8_000);
        with_answers(&mut pace, &[180]);
        assert_eq!(pace.timeout(8_000), TIMEOUT_FLOOR_MS, "fast answers: the floor");
        assert_eq!(pace.first_look_timeout(8_000), FIRST_LOOK_FLOOR_MS);
        with_answers(&mut pace, &[900; 10]);
        assert_eq!(pace.first_look_timeout(8_000), 3_600, "the slow tail's multiple when above the floor");
        assert_eq!(pace.timeout(8_000), TIMEOUT_FLOOR_MS);
    }

    #[test]
    fn a_slow_network_waits_longer_than_the_default_and_a_fixed_one_never_moves() {
        let mut pace = Pace::new(8, 32, true);
        with_answers(&mut pace, &[2_500, 3_000, 4_000, 2_800, 3_500]);
        assert_eq!(pace.timeout(8_000), 16_000);
        with_answers(&mut pace, &[20_000; 10]);
        assert_eq!(pace.timeout(8_000), TIMEOUT_CEILING_MS);
        let mut fixed = Pace::new(8, 8, false);
        with_answers(&mut fixed, &[2_500, 3_000, 4_000]);
        assert_eq!(fixed.timeout(8_000), 8_000);
        assert_eq!(fixed.allowed(100_000), 8);
    }

    #[test]
    fn in_flight_grows_on_steady_answers_and_shrinks_when_they_queue() {
        let mut pace = Pace::new(8, 32, true);
        with_answers(&mut pace, &[200; 60]);
        assert_eq!(pace.allowed(0), 32, "steady answers: up to the ceiling");
        with_answers(&mut pace, &[5_000; 20]);
        assert!(pace.allowed(0) < 8, "answers queueing: back off, got {}", pace.allowed(0));
        assert!(pace.allowed(0) >= MIN_IN_FLIGHT as usize);
    }

    #[test]
    fn in_flight_grows_a_probe_an_answer_until_one_is_slow_then_half() {
        let mut pace = Pace::new(8, 32, true);
        with_answers(&mut pace, &[200; 3]);
        let first = pace.allowed(0);
        with_answers(&mut pace, &[200; 4]);
        assert_eq!(pace.allowed(0), first + 4, "slow start: one more per answer");
        with_answers(&mut pace, &[5_000]);
        let cut = pace.limit;
        with_answers(&mut pace, &[200; 4]);
        assert!((pace.limit - (cut + 2.0)).abs() < 1e-3, "after a slow answer: half a probe each");
    }

    #[test]
    fn probes_hanging_past_the_slow_tail_do_not_hold_places() {
        let mut pace = Pace::new(8, 32, true);
        with_answers(&mut pace, &[200, 210, 220]);
        let base = pace.allowed(0);
        for id in 100..110 {
            pace.started(id, 0);
        }
        assert_eq!(pace.allowed(500), base, "not hanging yet");
        assert_eq!(pace.allowed(5_000), base + 10);
        pace.finished(100, None);
        assert_eq!(pace.allowed(5_000), base + 9);
        for id in 200..260 {
            pace.started(id, 0);
        }
        assert_eq!(pace.allowed(5_000), 32, "a busy link: never past the ceiling");
    }

    #[test]
    fn on_an_unhurried_link_hanging_probes_may_stand_beside_a_full_set() {
        let mut pace = Pace::new(8, 32, true);
        with_answers(&mut pace, &[200; 60]);
        assert!(pace.unhurried());
        for id in 100..164 {
            pace.started(id, 0);
        }
        assert_eq!(pace.allowed(500), 32, "not hanging yet");
        assert_eq!(pace.allowed(5_000), 64, "hanging ones beside working ones, up to twice the ceiling");
        with_answers(&mut pace, &[5_000]);
        assert!(!pace.unhurried(), "one slow answer: the link may be queueing");
        assert_eq!(pace.allowed(5_000), 32);
        let fixed = Pace::new(8, 8, true);
        assert!(!fixed.unhurried(), "a fixed number in flight never grows");
        assert_eq!((pace.most_in_flight(), fixed.most_in_flight()), (64, 8));
    }

    #[test]
    fn a_phone_whose_answers_are_all_slow_alike_is_never_unhurried() {
        // 300 ms away on a shared 1 Mbit/s link: every answer takes about as long as the
        // others, so the limit grows to the ceiling, but the link is a slow one.
        let mut pace = Pace::new(8, 32, true);
        with_answers(&mut pace, &[1_300; 60]);
        assert_eq!(pace.allowed(0), 32);
        assert!(!pace.unhurried());
        for id in 100..164 {
            pace.started(id, 0);
        }
        assert_eq!(pace.allowed(10_000), 32, "no room beyond the ceiling");
    }
}
