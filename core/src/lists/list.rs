//! Test lists: the Citizen Lab CSV format and ajar's JSON form, validated
//! with line-numbered errors.

use crate::category;
use crate::json::Json;
use crate::url::{TargetUrl, UrlError};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Lists longer than this are refused: a visitor's browser should not be asked to probe more.
pub const MAX_TARGETS: usize = 5000;
/// Longer URLs are refused (browsers and collectors both choke on them).
pub const MAX_URL_LEN: usize = 2048;

/// A known image on a target's host: if it decodes at this size, the content is genuine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageSpec {
    pub url: String,
    pub width: u32,
    pub height: u32,
    /// Its size in bytes, when known: lets the download time become a throughput.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u32>,
}

/// One thing to measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub url: String,
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageSpec>,
}

impl ImageSpec {
    fn from_json(v: &Json) -> Option<ImageSpec> {
        let dim = |k: &str| v.get(k).as_u64().and_then(|n| u32::try_from(n).ok());
        let bytes = match v.get("bytes") {
            Json::Null => None,
            _ => Some(dim("bytes")?),
        };
        Some(ImageSpec { url: v.get("url").as_str()?.to_string(), width: dim("width")?, height: dim("height")?, bytes })
    }
}

impl Target {
    pub fn parsed(&self) -> TargetUrl {
        // Every Target is built through validation, so its URL parses.
        TargetUrl::parse(&self.url).unwrap_or(TargetUrl {
            scheme: crate::url::Scheme::Https,
            host: String::new(),
            port: None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum LineProblem {
    #[error("bad URL: {0}")]
    BadUrl(#[from] UrlError),
    #[error("URL longer than {MAX_URL_LEN} characters")]
    UrlTooLong,
    #[error("unknown category \"{0}\"")]
    UnknownCategory(String),
    #[error("duplicate of line {0}")]
    Duplicate(usize),
    #[error("expected at least 2 columns (url, category_code), found {0}")]
    TooFewColumns(usize),
    #[error("unterminated quoted field")]
    Unterminated,
    #[error("image: {0}")]
    BadImage(UrlError),
    #[error("expected an object with \"url\" and \"category\" strings")]
    NotATarget,
    #[error("image: expected {{\"url\", \"width\", \"height\"[, \"bytes\"]}} with whole numbers")]
    BadImageSpec,
}

#[derive(Debug, Clone, PartialEq, Error)]
#[error("line {line}: {problem}")]
pub struct LineError {
    pub line: usize,
    pub problem: LineProblem,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ListError {
    #[error("the list is empty")]
    Empty,
    #[error("the list has {0} targets; at most {MAX_TARGETS} are allowed")]
    TooLong(usize),
    #[error("the list is not valid JSON: {0}")]
    Json(String),
    #[error("{} problem(s) in the list, first: {}", .0.len(), .0[0])]
    Lines(Vec<LineError>),
}

/// A validated list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct List {
    pub targets: Vec<Target>,
}

impl List {
    /// Parses CSV or JSON, deciding by the first non-blank character.
    pub fn parse(text: &str) -> Result<List, ListError> {
        match text.trim_start().chars().next() {
            Some('{') | Some('[') => Self::parse_json(text),
            _ => Self::parse_csv(text),
        }
    }

    /// The Citizen Lab format: `url,category_code[,description,date_added,source,notes]`,
    /// with an optional header row.
    pub fn parse_csv(text: &str) -> Result<List, ListError> {
        let mut builder = Builder::default();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            let fields = match crate::csv::split_line(raw) {
                Ok(f) => f,
                Err(problem) => {
                    builder.errors.push(LineError { line, problem });
                    continue;
                }
            };
            if line == 1 && fields.first().is_some_and(|f| f.trim().eq_ignore_ascii_case("url")) {
                continue;
            }
            if fields.len() < 2 {
                builder.errors.push(LineError { line, problem: LineProblem::TooFewColumns(fields.len()) });
                continue;
            }
            builder.add(line, &fields[0], &fields[1], None);
        }
        builder.finish()
    }

    /// ajar's JSON form: `{"targets":[{"url":…,"category":…,"image":{…}}]}` or a bare array.
    /// "Line" numbers in errors are 1-based positions in the array.
    pub fn parse_json(text: &str) -> Result<List, ListError> {
        let v = Json::parse(text).map_err(|e| ListError::Json(e.to_string()))?;
        match v {
            Json::Arr(_) => Self::from_json(&v),
            Json::Obj(_) if v.has("targets") => Self::from_json(v.get("targets")),
            _ => Err(ListError::Json("expected an array of targets or {\"targets\": [...]}".into())),
        }
    }

    /// The targets of a JSON array (as in a campaign descriptor), validated like any list.
    pub fn from_json(targets: &Json) -> Result<List, ListError> {
        let Json::Arr(items) = targets else {
            return Err(ListError::Json("targets: expected an array".into()));
        };
        let mut builder = Builder::default();
        for (i, t) in items.iter().enumerate() {
            let (Some(url), Some(category)) = (t.get("url").as_str(), t.get("category").as_str()) else {
                builder.errors.push(LineError { line: i + 1, problem: LineProblem::NotATarget });
                continue;
            };
            let image = match t.get("image") {
                Json::Null => None,
                spec => match ImageSpec::from_json(spec) {
                    Some(spec) => Some(spec),
                    None => {
                        builder.errors.push(LineError { line: i + 1, problem: LineProblem::BadImageSpec });
                        continue;
                    }
                },
            };
            builder.add(i + 1, url, category, image);
        }
        builder.finish()
    }

    /// Keeps only targets in the given categories (all of them if `codes` is empty).
    pub fn filter_categories(&self, codes: &[String]) -> List {
        if codes.is_empty() {
            return self.clone();
        }
        List { targets: self.targets.iter().filter(|t| codes.contains(&t.category)).cloned().collect() }
    }

    /// Categories present, in first-seen order.
    pub fn categories(&self) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for t in &self.targets {
            if !seen.contains(&t.category) {
                seen.push(t.category.clone());
            }
        }
        seen
    }

    /// The compact CSV ajar ships: `url,category` only.
    pub fn to_compact_csv(&self) -> String {
        let mut out = String::from("url,category_code\n");
        for t in &self.targets {
            out.push_str(&crate::csv::quote(&t.url));
            out.push(',');
            out.push_str(&crate::csv::quote(&t.category));
            out.push('\n');
        }
        out
    }
}

#[derive(Default)]
struct Builder {
    targets: Vec<Target>,
    seen: std::collections::BTreeMap<String, usize>,
    errors: Vec<LineError>,
}

impl Builder {
    fn add(&mut self, line: usize, url: &str, category: &str, image: Option<ImageSpec>) {
        let url = url.trim();
        let problem = if url.len() > MAX_URL_LEN {
            Some(LineProblem::UrlTooLong)
        } else if let Err(e) = TargetUrl::parse(url) {
            Some(LineProblem::BadUrl(e))
        } else if let Some(Err(e)) = image.as_ref().map(|i| TargetUrl::parse(&i.url)) {
            Some(LineProblem::BadImage(e))
        } else {
            None
        };
        if let Some(problem) = problem {
            self.errors.push(LineError { line, problem });
            return;
        }
        let Some(category) = category::normalise(category) else {
            self.errors.push(LineError { line, problem: LineProblem::UnknownCategory(category.trim().into()) });
            return;
        };
        if let Some(&first) = self.seen.get(url) {
            self.errors.push(LineError { line, problem: LineProblem::Duplicate(first) });
            return;
        }
        self.seen.insert(url.to_string(), line);
        self.targets.push(Target { url: url.to_string(), category, image });
    }

    fn finish(self) -> Result<List, ListError> {
        if !self.errors.is_empty() {
            return Err(ListError::Lines(self.errors));
        }
        if self.targets.is_empty() {
            return Err(ListError::Empty);
        }
        if self.targets.len() > MAX_TARGETS {
            return Err(ListError::TooLong(self.targets.len()));
        }
        Ok(List { targets: self.targets })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "url,category_code,category_description,date_added,source,notes\n";

    #[test]
    fn parses_citizen_lab_csv_with_quotes() {
        let text = format!(
            "{HEADER}https://ipvnews.org/,HATE,Hate Speech,2014-04-15,citizenlab,\"blocked, critical of Putin\"\n\
             https://looo.ch/,CULTR,Culture,2014-04-15,citizenlab,\n"
        );
        let list = List::parse(&text).unwrap();
        assert_eq!(list.targets.len(), 2);
        assert_eq!(list.targets[0].url, "https://ipvnews.org/");
        assert_eq!(list.targets[1].category, "CULTR");
    }

    #[test]
    fn reports_every_bad_line_with_its_number() {
        let text = format!(
            "{HEADER}https://ok.org/,NEWS\nnot a url,NEWS\nhttps://x.org/,WHAT\nhttps://ok.org/,NEWS\n\
             https://y.org/\nhttps://z.org/,NEWS,\"open\n"
        );
        let Err(ListError::Lines(errors)) = List::parse(&text) else { panic!("expected line errors") };
        let got: Vec<(usize, LineProblem)> = errors.into_iter().map(|e| (e.line, e.problem)).collect();
        assert_eq!(
            got,
            vec![
                (3, LineProblem::BadUrl(UrlError::BadCharacters)),
                (4, LineProblem::UnknownCategory("WHAT".into())),
                (5, LineProblem::Duplicate(2)),
                (6, LineProblem::TooFewColumns(1)),
                (7, LineProblem::Unterminated),
            ]
        );
    }

    #[test]
    fn every_repeat_names_the_first_line() {
        let text =
            "https://b.org/,NEWS\nhttps://a.org/,NEWS\nhttps://b.org/,NEWS\nhttps://a.org/,NEWS\nhttps://b.org/,NEWS\n";
        let Err(ListError::Lines(errors)) = List::parse(text) else { panic!("expected line errors") };
        let got: Vec<(usize, LineProblem)> = errors.into_iter().map(|e| (e.line, e.problem)).collect();
        assert_eq!(
            got,
            vec![(3, LineProblem::Duplicate(1)), (4, LineProblem::Duplicate(2)), (5, LineProblem::Duplicate(1))]
        );
    }

    #[test]
    fn empty_and_too_long_lists_are_refused() {
        assert_eq!(List::parse(HEADER), Err(ListError::Empty));
        assert_eq!(List::parse("  \n"), Err(ListError::Empty));
        let long: String = (0..=MAX_TARGETS).map(|i| format!("https://h{i}.org/,NEWS\n")).collect();
        assert_eq!(List::parse(&long), Err(ListError::TooLong(MAX_TARGETS + 1)));
        let url = format!("https://a.org/{},NEWS", "x".repeat(MAX_URL_LEN));
        assert!(matches!(List::parse(&url), Err(ListError::Lines(e)) if e[0].problem == LineProblem::UrlTooLong));
    }

    #[test]
    fn parses_json_forms_and_filters() {
        let list = List::parse(
            r#"{"targets":[{"url":"https://a.test/","category":"NEWS",
                "image":{"url":"https://a.test/logo.png","width":16,"height":16}},
               {"url":"wss://b.test/ws","category":"comt"}]}"#,
        )
        .unwrap();
        assert_eq!(list.targets[0].image.as_ref().unwrap().width, 16);
        assert_eq!(list.targets[1].category, "COMT");
        assert_eq!(list.categories(), vec!["NEWS".to_string(), "COMT".to_string()]);
        assert_eq!(list.filter_categories(&["COMT".into()]).targets.len(), 1);
        let not_target = List::parse("[{\"url\":1}]");
        assert!(matches!(not_target, Err(ListError::Lines(e)) if e[0].problem == LineProblem::NotATarget));
        assert!(matches!(List::parse("[{\"url\":\"https://a.test/\""), Err(ListError::Json(_))));
        assert!(matches!(List::parse("{\"list\":[]}"), Err(ListError::Json(_))));
        let bad_image = r#"[{"url":"https://a.test/","category":"NEWS","image":{"url":"https://a.test/i.png","width":-1,"height":2}}]"#;
        assert!(
            matches!(List::parse(bad_image), Err(ListError::Lines(e)) if e[0].problem == LineProblem::BadImageSpec)
        );
        let round = List::parse(&list.to_compact_csv()).unwrap();
        assert_eq!(round.targets.len(), 2);
    }
}
