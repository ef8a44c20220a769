//! Turns Citizen Lab test lists into the compact, validated copies the app ships
//! (`www/lists/`): `url,category_code` only, bad lines dropped and counted.

use ajar_core::list::{List, ListError};
use anyhow::{Context, Result};
use serde_json::json;
use std::path::Path;

/// Parses `text`, dropping lines the validator refuses. Returns the list and how many were dropped.
pub fn lenient(text: &str) -> Result<(List, usize), ListError> {
    match List::parse_csv(text) {
        Ok(list) => Ok((list, 0)),
        Err(ListError::Lines(errors)) => {
            let bad: std::collections::HashSet<usize> = errors.iter().map(|e| e.line).collect();
            let kept: String = text
                .lines()
                .enumerate()
                .filter(|(i, _)| !bad.contains(&(i + 1)))
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            List::parse_csv(&kept).map(|l| (l, bad.len()))
        }
        Err(e) => Err(e),
    }
}

pub fn bundle(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    let names = country_names(&from.join("00-LEGEND-country_codes.csv"));
    let mut index = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(from)?.flatten().map(|e| e.path()).collect();
    files.sort();
    for path in files {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if path.extension().and_then(|e| e.to_str()) != Some("csv") || stem.starts_with("00-") {
            continue;
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let (list, dropped) = match lenient(&text) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{stem}: skipped ({e})");
                continue;
            }
        };
        if dropped > 0 {
            eprintln!("{stem}: {dropped} invalid line(s) dropped");
        }
        std::fs::write(to.join(format!("{stem}.csv")), list.to_compact_csv())?;
        let name = names
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(&stem))
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| stem.to_uppercase());
        index.push(json!({"id": stem, "name": name, "count": list.targets.len()}));
    }
    std::fs::write(to.join("index.json"), serde_json::to_string(&index)?)?;
    println!("bundled {} lists into {}", index.len(), to.display());
    Ok(())
}

fn country_names(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut parts = l.splitn(2, ',');
            Some((parts.next()?.trim().to_string(), parts.next()?.trim().trim_matches('"').to_string()))
        })
        .collect()
}
