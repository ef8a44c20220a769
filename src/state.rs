//! The app's one reducer: the run's state as an enum of phases, never a set of booleans.

use crate::collector::Sent;
use crate::i18n::Lang;
use crate::load::LoadError;
use ajar_core::canary::CanaryResult;
use ajar_core::patterns::Pattern;
use ajar_core::report::ResultEntry;
use ajar_core::verdict::Finding;
use std::rc::Rc;
use yew::Reducible;

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub url: String,
    pub category: String,
    pub finding: Option<Finding>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Start,
    Loading,
    Running { started_ms: f64 },
    Done { entries: Vec<ResultEntry>, patterns: Vec<Pattern> },
    Failed(LoadError),
}

/// ajar's own canaries, checked after the list.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Canaries {
    #[default]
    Idle,
    Checking(Vec<CanaryResult>),
    Done(Vec<CanaryResult>),
    Skipped(String),
}

impl Canaries {
    pub fn results(&self) -> &[CanaryResult] {
        match self {
            Canaries::Checking(r) | Canaries::Done(r) => r,
            Canaries::Idle | Canaries::Skipped(_) => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Submit {
    NotAsked,
    Sending,
    Done(Sent),
    Declined,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub lang: Lang,
    pub phase: Phase,
    pub list_id: String,
    /// The campaign this run belongs to, if any.
    pub campaign: Option<String>,
    pub rows: Vec<Row>,
    pub finished: usize,
    pub submit: Submit,
    pub canaries: Canaries,
}

pub enum Action {
    SetLang(Lang),
    Loading,
    Started {
        list_id: String,
        campaign: Option<String>,
        rows: Vec<Row>,
        now_ms: f64,
    },
    /// Verdicts that became final; `finished` counts the rows that have one.
    Found(Vec<(usize, Finding)>),
    Finished {
        entries: Vec<ResultEntry>,
        patterns: Vec<Pattern>,
    },
    Failed(LoadError),
    Submit(Submit),
    CanariesStarted,
    Canary(CanaryResult),
    /// The checks are over; `entries` are the list's, strengthened by them.
    CanariesDone {
        entries: Vec<ResultEntry>,
    },
    CanariesSkipped(String),
    Reset,
}

impl AppState {
    pub fn new(lang: Lang) -> Self {
        AppState {
            lang,
            phase: Phase::Start,
            list_id: String::new(),
            campaign: None,
            rows: Vec::new(),
            finished: 0,
            submit: Submit::NotAsked,
            canaries: Canaries::Idle,
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::SetLang(l) => s.lang = l,
            Action::Loading => s.phase = Phase::Loading,
            Action::Started { list_id, campaign, rows, now_ms } => {
                s.list_id = list_id;
                s.campaign = campaign;
                s.rows = rows;
                s.finished = 0;
                s.submit = Submit::NotAsked;
                s.canaries = Canaries::Idle;
                s.phase = Phase::Running { started_ms: now_ms };
            }
            Action::Found(found) => {
                for (i, f) in found {
                    if let Some(row) = s.rows.get_mut(i) {
                        s.finished += usize::from(row.finding.is_none());
                        row.finding = Some(f);
                    }
                }
            }
            Action::Finished { entries, patterns } => {
                for (row, e) in s.rows.iter_mut().zip(&entries) {
                    row.finding = Some(Finding::new(e.verdict, e.confidence, e.clues.clone()));
                }
                s.finished = s.rows.len();
                s.phase = Phase::Done { entries, patterns };
            }
            Action::Failed(m) => s.phase = Phase::Failed(m),
            Action::Submit(sub) => s.submit = sub,
            Action::CanariesStarted => s.canaries = Canaries::Checking(Vec::new()),
            Action::Canary(r) => {
                if let Canaries::Checking(list) = &mut s.canaries {
                    list.push(r);
                }
            }
            Action::CanariesDone { entries } => {
                if let Canaries::Checking(list) = &s.canaries {
                    // The list's verdicts as the SNI canaries strengthened them (a reset may be tls).
                    if let Phase::Done { entries: shown, .. } = &mut s.phase {
                        for (row, e) in s.rows.iter_mut().zip(entries.iter()) {
                            row.finding = Some(Finding::new(e.verdict, e.confidence, e.clues.clone()));
                        }
                        *shown = entries;
                    }
                    s.canaries = Canaries::Done(list.clone());
                }
            }
            Action::CanariesSkipped(why) => s.canaries = Canaries::Skipped(why),
            Action::Reset => {
                s = AppState::new(s.lang);
            }
        }
        Rc::new(s)
    }
}
