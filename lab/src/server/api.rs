//! The lab's API (`lab.test`): the list as JSON or CSV, the controls, resolver rules, canary
//! configuration and ground truth, which canary tokens arrived, request statistics, and the
//! outside view in the shape the collector's `/v1/control` answers.

use super::http::{cors, query_param, respond, Request};
use super::Lab;
use crate::scenario::Browser;
use serde_json::json;
use std::io::Write;
use std::sync::atomic::Ordering;

impl Lab {
    /// The lab's API: list, controls, ground truth, and the outside view that the
    /// collector's `/v1/control` gives in production.
    pub(super) fn api(&self, stream: &mut impl Write, req: &Request) -> bool {
        let path = req.path.split('?').next().unwrap_or("");
        let body = match path {
            "/list.json" => match query_param(&req.path, "hosts") {
                // `?hosts=a.test,b.test`: only those hosts, in that order.
                Some(names) => {
                    let list = self.scenario.list();
                    let targets: Vec<_> = names
                        .split(',')
                        .filter_map(|n| self.scenario.host(n).map(|h| self.scenario.url_of(h)))
                        .filter_map(|u| list.targets.iter().find(|t| t.url == u).cloned())
                        .collect();
                    serde_json::to_string(&ajar_core::list::List { targets }).unwrap_or_default()
                }
                None => self.list_json.clone(),
            },
            // The same targets as a Citizen Lab test list (no images: as real lists are).
            "/list.csv" => {
                let mut csv = String::from("url,category_code,category_description,date_added,source,notes\n");
                for t in self.scenario.list().targets {
                    let url = ajar_core::csv::quote(&t.url);
                    csv.push_str(&format!("{url},{},,2026-11-30,ajar lab,\n", t.category));
                }
                return respond(stream, 200, "text/csv; charset=utf-8", csv.as_bytes(), &cors());
            }
            "/controls.json" => self.controls_json.clone(),
            "/rules" => self.scenario.resolver_rules(),
            "/canary.json" => {
                let mut config = self.scenario.canary.config(self.scenario.ports);
                // `?only=a,b`: just these triggers and providers (the benchmark's repeated runs).
                if let Some(only) = query_param(&req.path, "only") {
                    let only: Vec<&str> = only.split(',').collect();
                    config.triggers.retain(|t| only.contains(&t.as_str()));
                    config.providers.retain(|p| only.contains(&p.name.as_str()));
                }
                serde_json::to_string(&config).unwrap_or_default()
            }
            "/canary-truth.json" => serde_json::to_string(&self.scenario.canary.truth()).unwrap_or_default(),
            "/canary-seen" => {
                // `?t=a,b`: which of these probe tokens reached a canary.
                let seen = self.seen.lock().map(|s| s.clone()).unwrap_or_default();
                let tokens = query_param(&req.path, "t").unwrap_or_default();
                let out: serde_json::Map<String, serde_json::Value> = tokens
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(|t| (t.to_string(), seen.contains(t).into()))
                    .collect();
                serde_json::Value::Object(out).to_string()
            }
            "/stats" => {
                if query_param(&req.path, "reset").is_some() {
                    self.max_in_flight.store(0, Ordering::SeqCst);
                    self.requests.store(0, Ordering::SeqCst);
                }
                json!({"max_in_flight": self.max_in_flight.load(Ordering::SeqCst), "requests": self.requests.load(Ordering::SeqCst)}).to_string()
            }
            "/truth.json" => {
                let truth: Vec<_> = self
                    .scenario
                    .hosts
                    .iter()
                    .map(|h| {
                        // `?page=http|https` (default https, as ajar ships), `?images=0|1` (default 1: the
                        // lab's JSON list carries a known image per target; a CSV list does not).
                        let secure = query_param(&req.path, "page").is_none_or(|p| p != "http");
                        let images = query_param(&req.path, "images").is_none_or(|p| p != "0");
                        // `?browser=firefox`: what Firefox can do in the lab (scenario::Browser).
                        let browser = match query_param(&req.path, "browser").as_deref() {
                            Some("firefox") => Browser::FIREFOX_IN_LAB,
                            Some("silent_ice") => Browser::SILENT_ICE,
                            Some("chromium_blocker") => Browser::CHROMIUM_WITH_BLOCKER,
                            _ => Browser::CHROMIUM,
                        };
                        // `?timeout=MS`: the app's `timeout=` setting, where a test gives one.
                        let timeout = query_param(&req.path, "timeout").and_then(|t| t.parse().ok());
                        json!({"url": self.scenario.url_of(h), "technique": h.technique.as_str(), "https": h.https,
                            "expected": h.expected_within(secure, images, browser, timeout).as_str()})
                    })
                    .collect();
                serde_json::Value::from(truth).to_string()
            }
            "/outside" => {
                // A bare array, or the collector's form {"urls": [...], "list": …}.
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let urls: Vec<String> =
                    serde_json::from_value(body.get("urls").cloned().unwrap_or(body)).unwrap_or_default();
                let mut out = serde_json::Map::new();
                for url in urls {
                    let name = ajar_core::url::TargetUrl::parse(&url).map(|u| u.host).unwrap_or_default();
                    if let Some(h) = self.scenario.host(&name) {
                        // In the shape the collector's /v1/control answers.
                        let v = self.scenario.outside(h);
                        let status = if v.server_error { 503 } else { 200 };
                        let mut view = json!({"resolves": v.resolves, "reachable": v.reachable});
                        if v.reachable {
                            view["status"] = status.into();
                        }
                        if v.cross_origin_blocked {
                            view["corp"] = "same-origin".into();
                        }
                        out.insert(url, view);
                    }
                }
                serde_json::Value::Object(out).to_string()
            }
            _ => return respond(stream, 404, "text/plain", b"unknown lab path", &cors()),
        };
        respond(stream, 200, "application/json", body.as_bytes(), &cors())
    }
}
