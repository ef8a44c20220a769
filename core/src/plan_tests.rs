use super::*;
use crate::list::{ImageSpec, Target};
use crate::observation::{Observation, OutsideView, ProbeKind};
use crate::verdict::{Clue, Verdict};

/// Runs the plan's resolver check first, as a browser that reports names that do not resolve.
fn pass_resolver_check(plan: &mut Plan) {
    let Step::Run(check) = plan.next(0) else { panic!("the resolver check comes first") };
    assert_eq!((check.target, check.url.as_str()), (RESOLVER_CHECK_TARGET, "stun:resolver-check.invalid:3478"));
    plan.record(check.id, Observation::DoesNotResolve { ms: 3 }, 3);
}

fn t(url: &str) -> Target {
    Target { url: url.into(), category: "NEWS".into(), image: None }
}

/// A fake network: each probe's answer and how long it takes, on a virtual clock.
fn drive(plan: &mut Plan, answer: impl Fn(&ProbeTask) -> (Observation, u64)) -> (Vec<ProbeTask>, usize, u64) {
    let mut now = 0u64;
    let mut inflight: Vec<(u64, ProbeTask, Observation)> = Vec::new();
    let mut log = Vec::new();
    let mut max_inflight = 0;
    loop {
        match plan.next(now) {
            // The plan's own resolver check: this fake browser reports a name that does not
            // resolve, as Chromium does (tests of the check itself drive the plan by hand).
            Step::Run(task) if task.target == RESOLVER_CHECK_TARGET => {
                inflight.push((now + 3, task, Observation::DoesNotResolve { ms: 3 }));
            }
            Step::Run(task) => {
                let (obs, took) = answer(&task);
                log.push(task.clone());
                inflight.push((now + took, task, obs));
                max_inflight = max_inflight.max(inflight.len());
            }
            Step::Wait => {
                inflight.sort_by_key(|(at, ..)| *at);
                let (at, task, obs) = inflight.remove(0);
                now = at;
                plan.record(task.id, obs, now);
            }
            Step::Done => return (log, max_inflight, now),
        }
    }
}

/// What the outside view says of a site that resolves there, and answers or not.
fn outside(reachable: bool) -> OutsideView {
    OutsideView { resolves: true, reachable, cross_origin_blocked: false, server_error: false, answer_ms: None }
}

#[test]
fn controls_run_first_and_concurrency_is_capped() {
    let config = PlanConfig { concurrency: 4, max_concurrency: 4, ..PlanConfig::default() };
    let targets: Vec<Target> = (0..40).map(|i| t(&format!("https://t{i}.test/"))).collect();
    let mut plan = Plan::new(config, vec![t("https://control.test/")], targets);
    let (log, max_inflight, _) = drive(&mut plan, |_| (Observation::FetchOk { ms: 10 }, 10));
    assert_eq!(log[0].url, "https://control.test/");
    assert_eq!(max_inflight, 4);
    let findings = plan.take_findings();
    assert_eq!(findings.len(), 40);
    assert!(findings.iter().all(|(_, f)| f.verdict == Verdict::Ok));
    assert!(plan.take_findings().is_empty(), "each finding is released once");
}

#[test]
fn steady_answers_raise_the_number_in_flight_and_shorten_the_timeout() {
    let targets: Vec<Target> = (0..300).map(|i| t(&format!("https://t{i}.test/"))).collect();
    let mut plan = Plan::new(PlanConfig::default(), vec![t("https://control.test/")], targets);
    let (log, max_inflight, _) = drive(&mut plan, |_| (Observation::FetchOk { ms: 100 }, 100));
    assert_eq!(max_inflight, crate::config::MAX_CONCURRENCY as usize, "from 8 up to the ceiling");
    assert_eq!(log[0].timeout_ms, 8_000, "the configured timeout before any answer");
    assert_eq!(log.last().map(|l| l.timeout_ms), Some(crate::pace::FIRST_LOOK_FLOOR_MS), "a first look's floor");
    // A fixed number in flight and fixed timeouts when asked for.
    let targets: Vec<Target> = (0..100).map(|i| t(&format!("https://t{i}.test/"))).collect();
    let fixed = PlanConfig { max_concurrency: 8, adaptive_timeouts: false, ..PlanConfig::default() };
    let mut plan = Plan::new(fixed, vec![], targets);
    let (log, max_inflight, _) = drive(&mut plan, |_| (Observation::FetchOk { ms: 100 }, 100));
    assert_eq!(max_inflight, 8);
    assert!(log.iter().all(|l| l.timeout_ms == 8_000));
}

#[test]
fn a_first_look_gives_up_at_its_own_floor_and_the_second_look_at_the_full_one() {
    let targets: Vec<Target> = (0..100).map(|i| t(&format!("https://t{i}.test/"))).collect();
    let mut plan = Plan::new(PlanConfig::default(), vec![t("https://control.test/")], targets);
    let (log, _, _) = drive(&mut plan, |task| match task.kind {
        ProbeKind::Fetch if task.url == "https://t50.test/" => {
            (Observation::FetchTimeout { ms: task.timeout_ms }, u64::from(task.timeout_ms))
        }
        ProbeKind::Fetch => (Observation::FetchOk { ms: 150 }, 150),
        _ => (Observation::DohAddresses { addresses: vec!["10.1.2.3".into()] }, 60),
    });
    let looks: Vec<u32> = log.iter().filter(|l| l.url == "https://t50.test/").map(|l| l.timeout_ms).collect();
    assert_eq!(looks, vec![crate::pace::FIRST_LOOK_FLOOR_MS, crate::pace::TIMEOUT_FLOOR_MS]);
}

#[test]
fn slow_servers_answering_their_second_look_do_not_lengthen_the_others_timeouts() {
    // One site in five is a server that takes 3.4 s: its first look gives up, its second
    // answers. The others answer in 150 ms, but the last ten, which hang.
    let targets: Vec<Target> = (0..200).map(|i| t(&format!("https://t{i}.test/"))).collect();
    let mut plan = Plan::new(PlanConfig::default(), vec![t("https://control.test/")], targets);
    let (log, _, _) = drive(&mut plan, |task| match task.kind {
        // Indices count the control first: the last ten sites.
        ProbeKind::Fetch if task.target > 190 => {
            (Observation::FetchTimeout { ms: task.timeout_ms }, u64::from(task.timeout_ms))
        }
        ProbeKind::Fetch if task.target % 5 == 3 && task.timeout_ms < 3_400 => {
            (Observation::FetchTimeout { ms: task.timeout_ms }, u64::from(task.timeout_ms))
        }
        ProbeKind::Fetch if task.target % 5 == 3 => (Observation::FetchOk { ms: 3_400 }, 3_400),
        ProbeKind::Fetch => (Observation::FetchOk { ms: 150 }, 150),
        _ => (Observation::DohAddresses { addresses: vec!["10.1.2.3".into()] }, 60),
    });
    let last_looks: Vec<u32> =
        log.iter().filter(|l| l.kind == ProbeKind::Fetch && l.target > 190).map(|l| l.timeout_ms).collect();
    assert_eq!(last_looks.len(), 20, "each hang asked twice");
    assert!(last_looks.iter().all(|ms| *ms <= crate::pace::TIMEOUT_FLOOR_MS), "{last_looks:?}");
}

#[test]
fn blackholed_sites_cost_a_multiple_of_the_slow_tail_and_hold_no_places() {
    let scan = |config: PlanConfig| {
        let targets: Vec<Target> = (0..1000).map(|i| t(&format!("https://t{i}.test/"))).collect();
        let mut plan = Plan::new(config, vec![t("https://control.test/")], targets);
        let (_, _, took) = drive(&mut plan, |task| match task.kind {
            ProbeKind::Fetch if task.target % 10 == 5 => {
                (Observation::FetchTimeout { ms: task.timeout_ms }, u64::from(task.timeout_ms))
            }
            ProbeKind::Fetch => (Observation::FetchOk { ms: 150 }, 150),
            _ => (Observation::DohAddresses { addresses: vec!["10.1.2.3".into()] }, 60),
        });
        took
    };
    let fixed = scan(PlanConfig { max_concurrency: 8, adaptive_timeouts: false, ..PlanConfig::default() });
    let paced = scan(PlanConfig::default());
    // 100 timeouts of 8 s, each asked twice, 8 at a time, is 200 s at least; paced, the hangs
    // (4 s, each asked twice) share the 32 places with the rest: about 32 s on this model.
    assert!(fixed >= 200_000, "{fixed}");
    assert!(paced <= 35_000 && paced * 6 < fixed, "paced {paced} fixed {fixed}");
}

#[test]
fn a_site_that_hung_once_and_answers_when_asked_again_is_not_a_blackhole() {
    let targets = vec![t("https://slow.test/"), t("https://b.test/")];
    let mut plan = Plan::new(PlanConfig::default(), vec![], targets);
    let (log, _, _) = drive(&mut plan, |task| match task.kind {
        // The first look at slow.test came while the link was busy; the second answers.
        ProbeKind::Fetch if task.url.contains("slow") && task.id < 3 => (Observation::FetchTimeout { ms: 8000 }, 8000),
        ProbeKind::Fetch => (Observation::FetchOk { ms: 200 }, 200),
        _ => (Observation::DohAddresses { addresses: vec!["10.0.0.1".into()] }, 50),
    });
    let urls: Vec<&str> = log.iter().filter(|l| l.kind == ProbeKind::Fetch).map(|l| l.url.as_str()).collect();
    assert_eq!(urls, ["https://slow.test/", "https://b.test/", "https://slow.test/"], "asked again last");
    let mut f = plan.take_findings();
    f.sort_by_key(|(i, _)| *i);
    assert_eq!(f[0].1.verdict, Verdict::Ok);
    assert_eq!(f[0].1.clues[0], Clue::TimedOut { ms: 8000 }, "the hang is said");
}

#[test]
fn on_an_unhurried_link_a_hang_is_asked_again_before_the_list_ends() {
    // 1,000 sites answering steadily: the pace reaches its ceiling, and the hang at site 150
    // is no busy link's doing. Its second look goes while the list goes on (in the 4 s of
    // the hang, 32 at a time, about 600 more sites are asked).
    let targets: Vec<Target> = (0..1000).map(|i| t(&format!("https://t{i}.test/"))).collect();
    let mut plan = Plan::new(PlanConfig::default(), vec![], targets);
    let (log, _, _) = drive(&mut plan, |task| match task.kind {
        ProbeKind::Fetch if task.url == "https://t150.test/" => (Observation::FetchTimeout { ms: 4000 }, 4000),
        ProbeKind::Fetch => (Observation::FetchOk { ms: 200 }, 200),
        _ => (Observation::DohAddresses { addresses: vec!["10.0.0.1".into()] }, 50),
    });
    let fetches: Vec<&str> = log.iter().filter(|l| l.kind == ProbeKind::Fetch).map(|l| l.url.as_str()).collect();
    let looks: Vec<usize> =
        fetches.iter().enumerate().filter(|(_, u)| **u == "https://t150.test/").map(|(i, _)| i).collect();
    assert_eq!(looks.len(), 2, "looked at twice: {looks:?}");
    assert!(looks[1] < 900, "the second look came well before the list's end: {looks:?}");
    // On a link that is not (yet) unhurried, the second look waits for the list's end.
    let mut plan =
        Plan::new(PlanConfig::default(), vec![], (0..20).map(|i| t(&format!("https://t{i}.test/"))).collect());
    let (log, _, _) = drive(&mut plan, |task| match task.kind {
        ProbeKind::Fetch if task.url == "https://t3.test/" => (Observation::FetchTimeout { ms: 4000 }, 4000),
        ProbeKind::Fetch => (Observation::FetchOk { ms: 200 }, 200),
        _ => (Observation::DohAddresses { addresses: vec!["10.0.0.1".into()] }, 50),
    });
    let fetches: Vec<&str> = log.iter().filter(|l| l.kind == ProbeKind::Fetch).map(|l| l.url.as_str()).collect();
    assert_eq!(fetches.last(), Some(&"https://t3.test/"), "asked again last");
}

#[test]
fn a_hang_then_a_fast_failure_is_looked_at_a_third_time_and_that_look_decides() {
    // The second look at a hung site failed fast: the first look's own lookup or connection,
    // still under way in the browser, failing at last. A third look, on its own, decides.
    for (third, verdict) in [
        (Observation::FetchTimeout { ms: 8000 }, Verdict::Inconclusive),
        (Observation::FetchError { ms: 120 }, Verdict::Inconclusive),
    ] {
        let mut plan = Plan::new(PlanConfig::default(), vec![], vec![t("https://hole.test/"), t("https://b.test/")]);
        let looks = std::cell::Cell::new(0);
        let (log, _, _) = drive(&mut plan, |task| match task.kind {
            ProbeKind::Fetch if task.url.contains("hole") => {
                looks.set(looks.get() + 1);
                match looks.get() {
                    1 => (Observation::FetchTimeout { ms: 8000 }, 8000),
                    2 => (Observation::FetchError { ms: 900 }, 900),
                    _ => (third.clone(), 100),
                }
            }
            ProbeKind::Fetch => (Observation::FetchOk { ms: 200 }, 200),
            _ => (Observation::DohAddresses { addresses: vec!["10.0.0.1".into()] }, 50),
        });
        let urls: Vec<&str> = log.iter().filter(|l| l.kind == ProbeKind::Fetch).map(|l| l.url.as_str()).collect();
        assert_eq!(urls, ["https://hole.test/", "https://b.test/", "https://hole.test/", "https://hole.test/"]);
        let mut f = plan.take_findings();
        f.sort_by_key(|(i, _)| *i);
        // No outside view in this plan: a hang or a failure is not called blocked.
        assert_eq!(f[0].1.verdict, verdict);
        let clues = &f[0].1.clues;
        match third {
            Observation::FetchTimeout { .. } => assert_eq!(clues[0], Clue::TimedOut { ms: 8000 }),
            // The failure that decides, after the hang it followed.
            _ => assert_eq!(clues[..2], [Clue::TimedOut { ms: 8000 }, Clue::FailedFast { ms: 120 }]),
        }
    }
}

#[test]
fn a_slow_image_is_loaded_once_more_alone_before_throttling_is_called() {
    let spec = |u: &str| Some(ImageSpec { url: u.into(), width: 120, height: 90, bytes: Some(60_000) });
    let judge = |second_ms: u32| {
        let control = Target { image: spec("https://control.test/og.png"), ..t("https://control.test/") };
        let site = Target { image: spec("https://s.test/og.png"), ..t("https://s.test/") };
        let mut plan = Plan::new(PlanConfig::default(), vec![control], vec![site]);
        let images = std::cell::Cell::new(0);
        let (log, _, _) = drive(&mut plan, |task| match task.kind {
            ProbeKind::Fetch => (Observation::FetchOk { ms: 50 }, 50),
            ProbeKind::Image if task.url.contains("control") => {
                (Observation::ImageDecoded { width: 120, height: 90, ms: 80, transfer_ms: None }, 80)
            }
            ProbeKind::Image => {
                images.set(images.get() + 1);
                // First shared with the rest of the list: slow; then alone.
                let ms = if images.get() == 1 { 6_000 } else { second_ms };
                (Observation::ImageDecoded { width: 120, height: 90, ms, transfer_ms: None }, u64::from(ms))
            }
            _ => (Observation::DohAddresses { addresses: vec!["10.0.0.1".into()] }, 50),
        });
        assert_eq!(log.iter().filter(|l| l.url == "https://s.test/og.png").count(), 2, "loaded twice");
        plan.take_findings().remove(0).1.verdict
    };
    assert_eq!(judge(400), Verdict::Ok, "fast alone: the link was shared, not capped");
    assert_eq!(judge(6_000), Verdict::Throttled, "slow alone too: capped");
}

#[test]
fn an_image_that_timed_out_is_loaded_once_more_alone_and_that_load_decides() {
    // On a slow link shared with the whole list, a healthy site's image waited its turn.
    let image = ImageSpec { url: "https://a.test/i.png".into(), width: 64, height: 32, bytes: Some(40_000) };
    let target = Target { image: Some(image), ..t("https://a.test/") };
    let mut plan = Plan::new(PlanConfig::default(), vec![], vec![target, t("https://b.test/")]);
    let (log, _, _) = drive(&mut plan, |task| match task.kind {
        ProbeKind::Image if task.id < 4 => (Observation::ImageTimeout { ms: 12_000 }, 12_000),
        ProbeKind::Image => (Observation::ImageDecoded { ms: 300, width: 64, height: 32, transfer_ms: Some(100) }, 300),
        _ => (Observation::FetchOk { ms: 100 }, 100),
    });
    assert_eq!(log.iter().filter(|l| l.kind == ProbeKind::Image).count(), 2);
    assert_eq!(log.last().map(|l| l.kind), Some(ProbeKind::Image), "loaded again last");
    let mut f = plan.take_findings();
    f.sort_by_key(|(i, _)| *i);
    assert_ne!(f[0].1.verdict, Verdict::Throttled);
}

#[test]
fn requested_concurrency_is_bounded() {
    let config = PlanConfig { concurrency: 500, ..PlanConfig::default() };
    let targets: Vec<Target> = (0..100).map(|i| t(&format!("https://t{i}.test/"))).collect();
    let mut plan = Plan::new(config, vec![], targets);
    let (_, max_inflight, _) = drive(&mut plan, |_| (Observation::FetchTimeout { ms: 100 }, 100));
    assert_eq!(max_inflight, crate::config::MAX_CONCURRENCY as usize);
}

#[test]
fn failures_call_for_doh_and_local_resolution() {
    let mut plan =
        Plan::new(PlanConfig::default(), vec![t("https://control.test/")], vec![t("https://gone.test:8080/x")]);
    let (log, _, _) = drive(&mut plan, |task| match task.kind {
        ProbeKind::Fetch if task.url.contains("gone") => (Observation::FetchError { ms: 5 }, 5),
        ProbeKind::Fetch => (Observation::FetchOk { ms: 5 }, 5),
        ProbeKind::Doh => (Observation::DohAddresses { addresses: vec!["10.1.2.3".into()] }, 30),
        ProbeKind::Resolve => (Observation::DoesNotResolve { ms: 3 }, 3),
        _ => unreachable!(),
    });
    let kinds: Vec<ProbeKind> = log.iter().map(|t| t.kind).collect();
    assert_eq!(kinds, vec![ProbeKind::Fetch, ProbeKind::Fetch, ProbeKind::Doh, ProbeKind::Resolve]);
    assert_eq!(log[2].url, "https://dns.google/resolve?name=gone.test&type=A", "target 1 of the run uses resolver 1");
    assert_eq!(log[3].url, "stun:gone.test:3478");
    let f = plan.take_findings();
    assert_eq!(f[0].1.verdict, Verdict::Dns);
}

#[test]
fn findings_wait_for_the_controls() {
    let mut plan = Plan::new(PlanConfig::default(), vec![t("https://slow-control.test/")], vec![t("https://a.test/")]);
    pass_resolver_check(&mut plan);
    let Step::Run(control) = plan.next(0) else { panic!() };
    let Step::Run(target) = plan.next(0) else { panic!() };
    plan.record(target.id, Observation::FetchOk { ms: 5 }, 5);
    assert!(plan.take_findings().is_empty(), "the control has not answered yet");
    plan.record(control.id, Observation::FetchOk { ms: 50 }, 50);
    assert_eq!(plan.take_findings().len(), 1);
    assert_eq!(plan.next(50), Step::Done);
}

#[test]
fn control_image_sets_the_throughput_baseline() {
    let control = Target {
        url: "https://control.test/".into(),
        category: "CTRL".into(),
        image: Some(ImageSpec { url: "https://control.test/i.png".into(), width: 8, height: 8, bytes: Some(50_000) }),
    };
    let mut plan = Plan::new(PlanConfig::default(), vec![control], vec![]);
    drive(&mut plan, |task| match task.kind {
        ProbeKind::Fetch => (Observation::FetchOk { ms: 5 }, 5),
        _ => (Observation::ImageDecoded { width: 8, height: 8, ms: 25, transfer_ms: None }, 25),
    });
    // 50 kB over the image's 25 ms less the 5 ms the host took to answer the page fetch.
    assert_eq!(plan.context().control_throughput, Some(2500.0));
    assert_eq!(plan.context().controls_ok, 1);
}

#[test]
fn budget_stops_new_probes_and_marks_the_rest_not_measured() {
    let config = PlanConfig { concurrency: 1, budget_ms: 1000, ..PlanConfig::default() };
    let targets: Vec<Target> = (0..10).map(|i| t(&format!("https://t{i}.test/"))).collect();
    let mut plan = Plan::new(config, vec![], targets);
    let (log, _, end) = drive(&mut plan, |_| (Observation::FetchOk { ms: 400 }, 400));
    assert!(log.len() <= 4, "ran {} probes", log.len());
    assert!(end <= 2000);
    let findings = plan.take_findings();
    assert_eq!(findings.len(), 10);
    let unmeasured = findings.iter().filter(|(_, f)| f.clues == vec![Clue::NotMeasured]).count();
    assert_eq!(unmeasured, 10 - log.len());
}

#[test]
fn websocket_failure_checks_the_host_over_http() {
    let mut plan = Plan::new(PlanConfig::default(), vec![], vec![t("wss://chat.test/ws")]);
    let (log, _, _) = drive(&mut plan, |task| match task.kind {
        ProbeKind::WebSocket => (Observation::SocketFailed { ms: 3 }, 3),
        _ => (Observation::FetchOk { ms: 5 }, 5),
    });
    assert_eq!(log[1].url, "https://chat.test/ws");
    let kinds: Vec<ProbeKind> = log.iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == ProbeKind::WebSocket).count(),
        1,
        "a failure is not asked again: {kinds:?}"
    );
    assert_eq!(plan.take_findings()[0].1.verdict, Verdict::BlockedProtocol);
}

#[test]
fn a_socket_that_timed_out_once_and_opens_at_the_end_is_ok() {
    let mut plan = Plan::new(PlanConfig::default(), vec![], vec![t("wss://chat.test/ws"), t("https://b.test/")]);
    let (log, _, _) = drive(&mut plan, |task| match task.kind {
        ProbeKind::WebSocket if task.id < 3 => {
            (Observation::SocketTimeout { ms: task.timeout_ms }, u64::from(task.timeout_ms))
        }
        ProbeKind::WebSocket => (Observation::SocketOpen { ms: 40 }, 40),
        _ => (Observation::FetchOk { ms: 5 }, 5),
    });
    assert_eq!(log.last().map(|l| l.kind), Some(ProbeKind::WebSocket), "asked again last");
    let mut f = plan.take_findings();
    f.sort_by_key(|(i, _)| *i);
    assert_eq!(f[0].1.verdict, Verdict::Ok);
}

#[test]
fn sockets_open_one_at_a_time_while_other_probes_go_on() {
    let targets: Vec<Target> = (0..6)
        .map(|i| t(&format!("wss://chat{i}.test/ws")))
        .chain((0..6).map(|i| t(&format!("https://web{i}.test/"))))
        .collect();
    let mut plan = Plan::new(PlanConfig::default(), vec![], targets);
    let (mut now, mut inflight, mut most_sockets, mut most) = (0u64, Vec::<(u64, ProbeTask)>::new(), 0, 0);
    loop {
        match plan.next(now) {
            Step::Run(task) => {
                inflight.push((now + 100, task));
                most_sockets =
                    most_sockets.max(inflight.iter().filter(|(_, t)| t.kind == ProbeKind::WebSocket).count());
                most = most.max(inflight.len());
            }
            Step::Wait => {
                inflight.sort_by_key(|(at, _)| *at);
                let (at, task) = inflight.remove(0);
                now = at;
                let seen = match task.kind {
                    ProbeKind::WebSocket => Observation::SocketOpen { ms: 100 },
                    ProbeKind::Resolve => Observation::DoesNotResolve { ms: 100 },
                    _ => Observation::FetchOk { ms: 100 },
                };
                plan.record(task.id, seen, now);
            }
            Step::Done => break,
        }
    }
    assert_eq!(most_sockets, 1);
    assert!(most >= 6, "the web probes did not wait for the sockets: at most {most} in flight");
    let f = plan.take_findings();
    assert_eq!(f.len(), 12);
    assert!(f.iter().all(|(_, f)| f.verdict == Verdict::Ok));
}

/// A browser that opens one socket at a time per address and delays a socket after failed
/// handshakes there, as Firefox does: 400 ms after the first failure, ×1.5 for each further
/// one, up to 60 s, cleared by a socket that opens. Every socket here shares the address (a
/// CDN's, or the lab's). Before ajar ran sockets one at a time with this allowance, the
/// working socket spent its 8 s in the browser's queue and was called `blocked_protocol`.
#[test]
fn a_working_socket_after_many_blocked_ones_at_its_address_is_ok() {
    let blocked = 14;
    let targets: Vec<Target> =
        (0..blocked).map(|i| t(&format!("wss://blocked{i}.test/ws"))).chain([t("wss://works.test/ws")]).collect();
    let mut plan = Plan::new(PlanConfig::default(), vec![], targets);
    // The browser's side, worked out when each socket is created (the queue is in order).
    let (mut failures, mut last_failure, mut free_at) = (0i32, 0u64, 0u64);
    let mut now = 0u64;
    let mut inflight: Vec<(u64, ProbeTask, Observation)> = Vec::new();
    loop {
        match plan.next(now) {
            Step::Run(task) if task.kind == ProbeKind::WebSocket => {
                let delay = if failures == 0 { 0 } else { (400.0 * 1.5f64.powi(failures - 1)).min(60_000.0) as u64 };
                let connects = now.max(free_at).max(last_failure + delay);
                let deadline = now + u64::from(task.timeout_ms);
                let ends = connects + if task.url.contains("blocked") { 3 } else { 40 };
                let (at, seen) = if ends > deadline {
                    if connects < deadline {
                        (failures, last_failure, free_at) = (failures.max(1), deadline, deadline);
                    }
                    (deadline, Observation::SocketTimeout { ms: task.timeout_ms })
                } else if task.url.contains("blocked") {
                    (failures, last_failure, free_at) = (failures + 1, ends, ends);
                    (ends, Observation::SocketFailed { ms: (ends - now) as u32 })
                } else {
                    (failures, free_at) = (0, ends);
                    (ends, Observation::SocketOpen { ms: (ends - now) as u32 })
                };
                inflight.push((at, task, seen));
            }
            Step::Run(task) => {
                let seen = match task.kind {
                    ProbeKind::Resolve => Observation::DoesNotResolve { ms: 5 },
                    _ => Observation::FetchOk { ms: 5 },
                };
                inflight.push((now + 5, task, seen));
            }
            Step::Wait => {
                inflight.sort_by_key(|(at, ..)| *at);
                let (at, task, seen) = inflight.remove(0);
                now = at;
                plan.record(task.id, seen, now);
            }
            Step::Done => break,
        }
    }
    let mut f = plan.take_findings();
    f.sort_by_key(|(i, _)| *i);
    assert!(f[..blocked].iter().all(|(_, f)| f.verdict == Verdict::BlockedProtocol));
    assert_eq!(f[blocked].1.verdict, Verdict::Ok, "{:?}", f[blocked].1);
}

#[test]
fn unknown_ids_are_ignored() {
    let mut plan = Plan::new(PlanConfig::default(), vec![], vec![t("https://a.test/")]);
    plan.record(99, Observation::FetchOk { ms: 1 }, 1);
    assert!(matches!(plan.next(0), Step::Run(_)));
}

#[test]
fn held_verdicts_wait_for_the_outside_view() {
    let mut plan = Plan::new(PlanConfig::default(), vec![], vec![t("https://a.test/")]);
    plan.set_hold(true);
    pass_resolver_check(&mut plan);
    let Step::Run(task) = plan.next(0) else { panic!() };
    plan.record(task.id, Observation::FetchTimeout { ms: 8000 }, 8000);
    let Step::Run(doh) = plan.next(8000) else { panic!() };
    plan.record(doh.id, Observation::DohAddresses { addresses: vec!["10.0.0.1".into()] }, 8010);
    // A fetch that hung is asked once more when the rest of the list is done; no more DoH.
    let Step::Run(again) = plan.next(8010) else { panic!() };
    assert_eq!((again.kind, again.url.as_str()), (ProbeKind::Fetch, "https://a.test/"));
    plan.record(again.id, Observation::FetchTimeout { ms: 8000 }, 16010);
    assert!(matches!(plan.next(16010), Step::Wait), "held, nothing more to ask");
    assert!(plan.take_findings().is_empty(), "held");
    plan.set_outside("https://a.test/", outside(false));
    plan.set_hold(false);
    assert_eq!(plan.take_findings()[0].1.verdict, Verdict::Down, "the late outside view counts");
}

#[test]
fn while_held_a_target_is_released_once_its_own_outside_view_has_come() {
    let mut plan = Plan::new(PlanConfig::default(), vec![], vec![t("https://a.test/"), t("https://b.test/")]);
    plan.set_hold(true);
    pass_resolver_check(&mut plan);
    for at in [0, 1] {
        let Step::Run(task) = plan.next(at) else { panic!() };
        plan.record(task.id, Observation::FetchOk { ms: 100 }, 100 + at);
    }
    assert!(plan.take_findings().is_empty(), "held: no outside view yet");
    let seen = outside(true);
    plan.set_outside("https://b.test/", seen);
    let found = plan.take_findings();
    assert_eq!(found.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [1], "b's view came: b alone");
    plan.set_hold(false);
    assert_eq!(plan.take_findings().iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0], "the rest when the view is over");
}

#[test]
fn an_https_page_measures_the_secure_equivalent_of_plain_targets() {
    let config = PlanConfig { page_secure: true, ..PlanConfig::default() };
    let targets =
        vec![t("http://plain.test/a?b"), t("http://port.test:8080/"), t("ws://chat.test/s"), t("https://s.test/")];
    let mut plan = Plan::new(config, vec![], targets);
    assert_eq!(
        plan.outside_urls(),
        vec![
            Some("https://plain.test/a?b".to_string()),
            None,
            Some("https://chat.test/s".to_string()),
            Some("https://s.test/".to_string())
        ]
    );
    let (log, _, _) = drive(&mut plan, |task| match task.kind {
        ProbeKind::Doh => (Observation::DohAddresses { addresses: vec!["10.1.2.3".into()] }, 10),
        ProbeKind::WebSocket => (Observation::SocketOpen { ms: 5 }, 5),
        _ => (Observation::FetchOk { ms: 5 }, 5),
    });
    let urls: Vec<&str> = log.iter().map(|t| t.url.as_str()).collect();
    assert!(urls.contains(&"https://plain.test/a?b"));
    assert!(urls.contains(&"wss://chat.test/s"));
    assert!(!urls.iter().any(|u| u.starts_with("http://") || u.starts_with("ws://")), "{urls:?}");
    // The plain-HTTP port: only asked of outside DNS.
    let port: Vec<&ProbeTask> = log.iter().filter(|t| t.target == 1).collect();
    assert_eq!(port.len(), 1);
    assert_eq!(port[0].kind, ProbeKind::Doh);
    let mut f = plan.take_findings();
    f.sort_by_key(|(i, _)| *i);
    let verdicts: Vec<Verdict> = f.iter().map(|(_, f)| f.verdict).collect();
    assert_eq!(verdicts, vec![Verdict::Ok, Verdict::Inconclusive, Verdict::Ok, Verdict::Ok]);
    assert!(f[0].1.clues.contains(&Clue::UpgradedToHttps));
    assert!(!f[3].1.clues.contains(&Clue::UpgradedToHttps));
    // The outside view is matched by the URL actually fetched.
    plan.set_outside("https://plain.test/a?b", outside(true));
    assert!(plan.evidence(0).outside.is_some());
}

#[test]
fn doh_asks_aaaa_after_an_address_less_a_and_a_second_resolver_after_nxdomain() {
    let mut plan = Plan::new(PlanConfig::default(), vec![], vec![t("https://v6.test/"), t("https://gone.test/")]);
    let (log, _, _) = drive(&mut plan, |task| match task.kind {
        ProbeKind::Fetch => (Observation::FetchError { ms: 5 }, 5),
        ProbeKind::Resolve => (Observation::Resolves { ms: 3 }, 3),
        ProbeKind::Doh if task.url.contains("v6.test") && task.url.ends_with("type=A") => {
            (Observation::DohNoAddress, 10)
        }
        ProbeKind::Doh if task.url.contains("v6.test") => {
            (Observation::DohAddresses { addresses: vec!["2001:db8::1".into()] }, 10)
        }
        ProbeKind::Doh => (Observation::DohNoSuchName, 10),
        _ => unreachable!(),
    });
    let doh: Vec<&str> = log.iter().filter(|t| t.kind == ProbeKind::Doh).map(|t| t.url.as_str()).collect();
    assert!(doh.contains(&"https://cloudflare-dns.com/dns-query?name=v6.test&type=A"));
    assert!(doh.contains(&"https://cloudflare-dns.com/dns-query?name=v6.test&type=AAAA"));
    assert!(doh.contains(&"https://dns.google/resolve?name=gone.test&type=A"));
    assert!(
        doh.contains(&"https://cloudflare-dns.com/dns-query?name=gone.test&type=A"),
        "NXDOMAIN checked with the other resolver"
    );
    assert_eq!(doh.len(), 4, "once each: {doh:?}");
    let mut f = plan.take_findings();
    f.sort_by_key(|(i, _)| *i);
    assert!(f[0].1.clues.contains(&Clue::DohResolves), "an IPv6-only name resolves");
    assert_eq!(f[1].1.verdict, Verdict::Down);
}

#[test]
fn a_browser_silent_about_a_name_that_exists_nowhere_is_not_trusted_about_targets() {
    // Firefox in a network whose resolver never answers: no lookup error for anyone.
    let mut plan = Plan::new(PlanConfig::default(), vec![], vec![t("https://gone.test/")]);
    let Step::Run(check) = plan.next(0) else { panic!() };
    assert_eq!(check.target, RESOLVER_CHECK_TARGET);
    plan.record(check.id, Observation::Resolves { ms: 2000 }, 2000);
    assert!(!plan.context().resolver_reports_failures);
    loop {
        match plan.next(2000) {
            Step::Run(task) => {
                let obs = match task.kind {
                    ProbeKind::Fetch => Observation::FetchError { ms: 5 },
                    ProbeKind::Doh => Observation::DohAddresses { addresses: vec!["10.0.0.1".into()] },
                    _ => Observation::Resolves { ms: 2000 },
                };
                plan.record(task.id, obs, 2100);
            }
            Step::Wait => unreachable!("one probe at a time here"),
            Step::Done => break,
        }
    }
    plan.set_outside("https://gone.test/", outside(true));
    let f = plan.take_findings();
    assert_eq!(f[0].1.verdict, Verdict::Inconclusive, "not a reset: the browser's silence proves nothing");
    assert!(f[0].1.clues.contains(&Clue::ResolverSilent));
}

#[test]
fn a_content_blocker_that_refuses_the_bait_makes_fast_failures_inconclusive() {
    let judge = |bait: Observation| {
        let config =
            PlanConfig { bait_url: Some(crate::config::bait_url("https://ajar.test/")), ..PlanConfig::default() };
        let mut plan = Plan::new(config, vec![], vec![t("https://gone.test/")]);
        let mut asked_bait = None;
        loop {
            match plan.next(0) {
                Step::Run(task) => {
                    let obs = match (task.target, task.kind) {
                        (RESOLVER_CHECK_TARGET, _) => Observation::DoesNotResolve { ms: 3 },
                        (BAIT_TARGET, _) => {
                            asked_bait = Some(task.url.clone());
                            bait.clone()
                        }
                        (_, ProbeKind::Fetch) => Observation::FetchError { ms: 5 },
                        (_, ProbeKind::Doh) => Observation::DohAddresses { addresses: vec!["10.0.0.1".into()] },
                        _ => Observation::Resolves { ms: 30 },
                    };
                    plan.record(task.id, obs, 10);
                }
                Step::Wait => unreachable!("one probe at a time here"),
                Step::Done => break,
            }
        }
        let bait_url = asked_bait.expect("the bait is fetched");
        assert_eq!(bait_url, "https://ajar.test/ads/banner.gif?ajar=1&ad_type=banner&adclient=ajar&ad_zones=1");
        plan.set_outside("https://gone.test/", outside(true));
        plan.take_findings().remove(0).1
    };
    let refused = judge(Observation::FetchError { ms: 1 });
    assert_eq!(refused.verdict, Verdict::Inconclusive, "the blocker may have refused it");
    assert!(refused.clues.contains(&Clue::ContentBlocker));
    let answered = judge(Observation::FetchOk { ms: 4 });
    assert_eq!(answered.verdict, Verdict::Reset);
    assert!(!answered.clues.contains(&Clue::ContentBlocker));
}

#[test]
fn the_image_learned_outside_is_loaded_even_after_the_page_answered() {
    let mut plan = Plan::new(PlanConfig::default(), vec![], vec![t("http://a.test/"), t("https://b.test/")]);
    plan.set_hold(true);
    pass_resolver_check(&mut plan);
    let Step::Run(a) = plan.next(0) else { panic!() };
    plan.record(a.id, Observation::FetchOk { ms: 5 }, 5);
    let Step::Run(b) = plan.next(5) else { panic!() };
    assert_eq!(b.url, "https://b.test/");
    assert_eq!(plan.next(5), Step::Wait, "a is done: nothing known to load yet");
    let view = outside(true);
    let image = |u: &str| ImageSpec { url: u.into(), width: 16, height: 16, bytes: Some(20_000) };
    // The outside view arrives: a's page has answered, b's has not.
    plan.set_outside("http://a.test/", view);
    plan.set_outside_image("http://a.test/", image("http://a.test/og.png"));
    plan.set_outside_image("https://b.test/", image("https://b.test/icon.png"));
    plan.set_hold(false);
    let Step::Run(img) = plan.next(6) else { panic!("a's image is loaded now") };
    assert_eq!((img.kind, img.url.as_str()), (ProbeKind::Image, "http://a.test/og.png"));
    plan.record(b.id, Observation::FetchOk { ms: 5 }, 7);
    let Step::Run(img_b) = plan.next(7) else { panic!("b's image follows its page") };
    assert_eq!((img_b.kind, img_b.url.as_str()), (ProbeKind::Image, "https://b.test/icon.png"));
    plan.record(img.id, Observation::ImageError { ms: 3 }, 9);
    plan.record(img_b.id, Observation::ImageDecoded { width: 16, height: 16, ms: 4, transfer_ms: None }, 11);
    let mut found = plan.take_findings();
    found.sort_by_key(|(i, _)| *i);
    let verdicts: Vec<Verdict> = found.iter().map(|(_, f)| f.verdict).collect();
    assert_eq!(verdicts, vec![Verdict::Blockpage, Verdict::Ok]);
    assert_eq!(plan.next(12), Step::Done);
}

#[test]
fn a_held_plan_is_not_done_while_the_outside_view_may_add_an_image() {
    let mut plan = Plan::new(PlanConfig::default(), vec![], vec![t("https://a.test/")]);
    plan.set_hold(true);
    pass_resolver_check(&mut plan);
    let Step::Run(a) = plan.next(0) else { panic!() };
    plan.record(a.id, Observation::FetchOk { ms: 5 }, 5);
    // Every probe has run, but the outside view has not answered: the workers must wait.
    assert_eq!(plan.next(6), Step::Wait);
    let image = ImageSpec { url: "https://a.test/og.png".into(), width: 16, height: 16, bytes: Some(20_000) };
    plan.set_outside_image("https://a.test/", image);
    plan.set_hold(false);
    let Step::Run(img) = plan.next(7) else { panic!("the image found outside is loaded") };
    assert_eq!(img.kind, ProbeKind::Image);
    plan.record(img.id, Observation::ImageError { ms: 3 }, 10);
    assert_eq!(plan.next(10), Step::Done);
    assert_eq!(plan.take_findings()[0].1.verdict, Verdict::Blockpage);
}

#[test]
fn blackholed_sockets_all_get_their_looks_and_verdicts() {
    // Each hangs as a socket and as a page: two second looks each at the end of the list,
    // while other sockets are opening (a target once waited twice in the sockets' queue and
    // the last was left there, `not measured`).
    let targets: Vec<Target> = (0..5).map(|i| t(&format!("wss://hole{i}.test/ws"))).collect();
    let mut plan = Plan::new(PlanConfig::default(), vec![], targets);
    let (log, _, _) = drive(&mut plan, |task| match task.kind {
        ProbeKind::WebSocket => (Observation::SocketTimeout { ms: task.timeout_ms }, u64::from(task.timeout_ms)),
        ProbeKind::Fetch => (Observation::FetchTimeout { ms: task.timeout_ms }, u64::from(task.timeout_ms)),
        _ => (Observation::DohAddresses { addresses: vec!["10.1.2.3".into()] }, 60),
    });
    for i in 0..5 {
        let url = format!("wss://hole{i}.test/ws");
        let sockets = log.iter().filter(|l| l.kind == ProbeKind::WebSocket && l.url == url).count();
        assert_eq!(sockets, 2, "{url}: {log:?}");
    }
    let f = plan.take_findings();
    assert_eq!(f.len(), 5);
    assert!(f.iter().all(|(_, f)| !f.clues.contains(&Clue::NotMeasured)), "{f:?}");
}
