//! The translation layer: every string a visitor reads comes from here.
//! Adding a language is adding one file with a `text` function (the compiler
//! then insists every key is translated) and one line in [`Lang`].

pub mod en;
pub mod ru;

use crate::load::LoadError;
use crate::net::NetError;
use ajar_core::list::{LineError, LineProblem, ListError};
use ajar_core::url::UrlError;
use ajar_core::verdict::{Clue, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }
    /// The language's own name, for the switcher.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ru => "Русский",
        }
    }
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }
    pub fn t(self, key: K) -> &'static str {
        match self {
            Lang::En => en::text(key),
            Lang::Ru => ru::text(key),
        }
    }
    /// A category code's name ("COMT" → "Messengers & calls"); official list paths as they are.
    pub fn category(self, code: &str) -> String {
        let i = ajar_core::category::CODES.iter().position(|c| *c == code);
        match (i, self) {
            (Some(i), Lang::En) => en::CATEGORIES[i].to_string(),
            (Some(i), Lang::Ru) => ru::CATEGORIES[i].to_string(),
            (None, _) => code.to_string(),
        }
    }

    /// "1 site", "3 sites"; in Russian "1 сайт", "3 сайта", "5 сайтов".
    pub fn sites(self, n: usize) -> String {
        match self {
            Lang::En => format!("{n} {}", if n == 1 { "site" } else { "sites" }),
            Lang::Ru => {
                let word = match (n % 10, n % 100) {
                    (1, r) if r != 11 => "сайт",
                    (2..=4, r) if !(12..=14).contains(&r) => "сайта",
                    _ => "сайтов",
                };
                format!("{n} {word}")
            }
        }
    }

    /// Confidence in words first, the number after: "high (97%)".
    pub fn confidence(self, c: f32) -> String {
        let word = match c {
            c if c >= 0.9 => K::ConfHigh,
            c if c >= 0.7 => K::ConfMedium,
            _ => K::ConfLow,
        };
        format!("{} ({:.0}%)", self.t(word), c * 100.0)
    }

    /// An hour as stored (`2026-11-23T12:00:00Z`) as a reader writes it: `2026-11-23 12:00 UTC`.
    pub fn hour(self, h: &str) -> String {
        h.replace('T', " ").replace(":00:00Z", ":00 UTC")
    }

    /// A day on a chart's axis: "Nov 28", "28.11".
    pub fn day(self, month: usize, day: u32) -> String {
        match self {
            Lang::En => format!("{} {day}", en::MONTHS.get(month.wrapping_sub(1)).unwrap_or(&"")),
            Lang::Ru => format!("{day:02}.{month:02}"),
        }
    }

    pub fn verdict(self, v: Verdict) -> &'static str {
        self.t(K::Verdict(v))
    }
    /// A clue in words, with its number filled in.
    pub fn clue(self, c: &Clue) -> String {
        let text = match self {
            Lang::En => en::clue(c),
            Lang::Ru => ru::clue(c),
        };
        let n = match c {
            Clue::SharedPrefixFailing { count, .. } => return text.replace("{n}", &self.sites(*count as usize)),
            Clue::SniCanary { name, verdict } => {
                return text.replace("{t}", name).replace("{v}", self.verdict(*verdict))
            }
            Clue::Loaded { ms } | Clue::FailedFast { ms } => *ms as f32,
            Clue::TimedOut { ms } | Clue::ImageTimedOut { ms } | Clue::OutsideSlow { ms } => *ms as f32 / 1000.0,
            Clue::SlowerThanControl { ratio } => *ratio,
            _ => return text.to_string(),
        };
        text.replace("{n}", &format!("{}", (n * 10.0).round() / 10.0))
    }
}

impl Lang {
    /// Why a list could not be used, in this language (in English, the error's own text).
    /// What a parser said of broken JSON stays as the parser said it.
    pub fn load_error(self, e: &LoadError) -> String {
        match e {
            LoadError::Fetch(NetError::Unreachable(url)) => self.fill(K::LoadUnreachable, &[("{u}", url)]),
            LoadError::Fetch(NetError::Status { url, status, body }) => {
                self.fill(K::LoadStatus, &[("{u}", url), ("{s}", &status.to_string()), ("{b}", body)])
            }
            LoadError::Descriptor(e) => e.to_string(),
            LoadError::ListLines(ListError::Lines(lines)) => {
                lines.iter().map(|l| self.list_line(l)).collect::<Vec<_>>().join("\n")
            }
            LoadError::ListLines(e) | LoadError::List(e) => self.list_error(e),
        }
    }

    fn list_error(self, e: &ListError) -> String {
        match e {
            ListError::Empty => self.t(K::ListEmpty).to_string(),
            ListError::TooLong(n) => self
                .fill(K::ListTooLong, &[("{n}", &n.to_string()), ("{m}", &ajar_core::list::MAX_TARGETS.to_string())]),
            ListError::Json(detail) => self.fill(K::ListNotJson, &[("{e}", detail)]),
            ListError::Lines(lines) => {
                // A list refused line by line has at least one line at fault.
                let first = lines.first().map(|l| self.list_line(l)).unwrap_or_default();
                self.fill(K::ListProblems, &[("{n}", &lines.len().to_string()), ("{e}", &first)])
            }
        }
    }

    fn list_line(self, l: &LineError) -> String {
        let problem = match &l.problem {
            LineProblem::BadUrl(e) => self.fill(K::LineBadUrl, &[("{e}", &self.url_error(e))]),
            LineProblem::UrlTooLong => {
                self.fill(K::LineUrlTooLong, &[("{m}", &ajar_core::list::MAX_URL_LEN.to_string())])
            }
            LineProblem::UnknownCategory(c) => self.fill(K::LineUnknownCategory, &[("{c}", c)]),
            LineProblem::Duplicate(n) => self.fill(K::LineDuplicate, &[("{n}", &n.to_string())]),
            LineProblem::TooFewColumns(n) => self.fill(K::LineTooFewColumns, &[("{n}", &n.to_string())]),
            LineProblem::Unterminated => self.t(K::LineUnterminated).to_string(),
            LineProblem::BadImage(e) => self.fill(K::LineBadImage, &[("{e}", &self.url_error(e))]),
            LineProblem::NotATarget => self.t(K::LineNotATarget).to_string(),
            LineProblem::BadImageSpec => self.t(K::LineBadImageSpec).to_string(),
        };
        self.fill(K::ListLine, &[("{n}", &l.line.to_string()), ("{e}", &problem)])
    }

    fn url_error(self, e: &UrlError) -> String {
        match e {
            UrlError::Empty => self.t(K::UrlEmpty).to_string(),
            UrlError::NoScheme => self.t(K::UrlNoScheme).to_string(),
            UrlError::UnsupportedScheme(s) => self.fill(K::UrlUnsupportedScheme, &[("{e}", s)]),
            UrlError::NoHost => self.t(K::UrlNoHost).to_string(),
            UrlError::BadHost(h) => self.fill(K::UrlBadHost, &[("{e}", h)]),
            UrlError::BadPort(p) => self.fill(K::UrlBadPort, &[("{e}", p)]),
            UrlError::BadCharacters => self.t(K::UrlBadCharacters).to_string(),
        }
    }

    /// The key's text with each placeholder replaced, in one pass over the text (a value that
    /// happens to contain a placeholder stays as it is).
    fn fill(self, key: K, values: &[(&str, &str)]) -> String {
        let mut rest = self.t(key);
        let mut out = String::with_capacity(rest.len());
        while !rest.is_empty() {
            match values.iter().find(|(p, _)| rest.starts_with(p)) {
                Some((p, v)) => {
                    out.push_str(v);
                    rest = &rest[p.len()..];
                }
                None => {
                    let c = rest.chars().next().map_or(1, char::len_utf8);
                    out.push_str(&rest[..c]);
                    rest = &rest[c..];
                }
            }
        }
        out
    }
}

/// Every other string of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum K {
    OverviewTitle,
    OverviewIntro,
    ShowSeries,
    ConfirmedIn,
    Legend,
    ChartTable,
    SeriesTitle,
    SeriesIntro,
    AllNetworks,
    SeriesAria,
    FirstBlocked,
    WaveDns,
    WaveRange,
    WaveTechnique,
    HourUtc,
    DemoData,
    NoSeries,
    CellsTitle,
    AnomalyIn,
    ExplorerCanariesTitle,
    CanaryCheck,
    CanaryArrived,
    CanariesTitle,
    CanariesExplain,
    CanariesChecking,
    CanariesSkipped,
    CanaryInnocuous,
    CanarySni,
    CanaryProvider,
    PhaseDns,
    PhaseTcp,
    PhaseTls,
    PhaseTransfer,
    CanarySlower,
    SubmitWaitCanaries,
    Title,
    Tagline,
    WhatItDoes,
    WhatItDoesNot,
    RiskTitle,
    RiskText,
    ListLabel,
    ListGlobal,
    ListCustom,
    UploadList,
    CategoryLabel,
    CategoryAll,
    CustomPlaceholder,
    Consent,
    Start,
    Loading,
    Running,
    Stop,
    Progress,
    TimeLeft,
    ResultsTitle,
    Site,
    Category,
    VerdictCol,
    Confidence,
    Evidence,
    PatternsTitle,
    PatternRange,
    PatternDns,
    PatternThrottle,
    WhatNowTitle,
    WhatNow,
    SubmitTitle,
    SubmitExplain,
    SubmitSummary,
    SubmitCanaries,
    SubmitSend,
    SubmitDont,
    Sending,
    SentWithId,
    Queued,
    AutorunNeedsConsent,
    SendFailed,
    NoReportId,
    ListError,
    Again,
    Language,
    WindowDay,
    WindowHour,
    WindowAll,
    ConfHigh,
    ConfMedium,
    ConfLow,
    ReportIdNote,
    VerdictTotals,
    NavTest,
    NavExplorer,
    NavMethod,
    ByCategory,
    DownloadJson,
    DownloadCsv,
    ExplorerTitle,
    ExplorerIntro,
    Country,
    Network,
    Window,
    Reports,
    BlockedShare,
    Status,
    Anomaly,
    Confirmed,
    NoFinding,
    Since,
    WavesTitle,
    WaveText,
    Withheld,
    NoData,
    FilterCountry,
    Apply,
    MethodTitle,
    MethodIntro,
    MethodLimits,
    CampaignTitle,
    RunCampaign,
    CampaignInactive,
    /// Why a list could not be used (`Lang::load_error`); `{…}` are filled in.
    LoadUnreachable,
    LoadStatus,
    ListEmpty,
    ListTooLong,
    ListNotJson,
    ListProblems,
    ListLine,
    LineBadUrl,
    LineUrlTooLong,
    LineUnknownCategory,
    LineDuplicate,
    LineTooFewColumns,
    LineUnterminated,
    LineBadImage,
    LineNotATarget,
    LineBadImageSpec,
    UrlEmpty,
    UrlNoScheme,
    UrlUnsupportedScheme,
    UrlNoHost,
    UrlBadHost,
    UrlBadPort,
    UrlBadCharacters,
    /// How a verdict is reached, for the methodology page.
    Explain(Verdict),
    Verdict(Verdict),
}
