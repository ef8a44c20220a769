//! Citizen Lab category codes (the "new" codes of the test-lists legend),
//! with the old codes they replace.

/// The current codes, in the legend's order.
pub const CODES: &[&str] = &[
    "ALDR", "REL", "PORN", "PROV", "POLR", "HUMR", "ENV", "MILX", "HATE", "NEWS", "XED", "PUBH", "GMB", "ANON", "DATE",
    "GRP", "LGBT", "FILE", "HACK", "COMT", "MMED", "HOST", "SRCH", "GAME", "CULTR", "ECON", "GOVT", "COMM", "CTRL",
    "IGO", "MISC",
];

/// Old codes still found in lists, and the current code each became.
const REPLACED: &[(&str, &str)] = &[
    ("POLT", "POLR"),
    ("MINR", "HUMR"),
    ("WOMR", "HUMR"),
    ("MINF", "HUMR"),
    ("FEXP", "NEWS"),
    ("SELFHARM", "PUBH"),
    ("GAYL", "LGBT"),
    ("P2P", "FILE"),
    ("SFTWR", "FILE"),
    ("WRZ", "FILE"),
    ("VOIP", "COMT"),
    ("EMAIL", "COMT"),
    ("TRNS", "COMT"),
    ("MSG", "COMT"),
    ("BLGSERV", "HOST"),
    ("CLOUD", "HOST"),
    ("HAL", "CULTR"),
    ("DEV", "ECON"),
    ("FREL", "GOVT"),
    ("USMIL", "GOVT"),
    ("CACH", "CTRL"),
    ("KWRD", "MISC"),
];

/// Official national lists (Italy's `official/it/aams`, say) use a path as their category.
const OFFICIAL_PREFIX: &str = "official/";

/// The current code for `code`, or `None` if it is not a known category.
pub fn normalise(code: &str) -> Option<String> {
    let code = code.trim();
    if code.starts_with(OFFICIAL_PREFIX) && code.len() > OFFICIAL_PREFIX.len() {
        return Some(code.to_string());
    }
    let upper = code.to_ascii_uppercase();
    if CODES.contains(&upper.as_str()) {
        return Some(upper);
    }
    REPLACED.iter().find(|(old, _)| *old == upper).map(|(_, new)| (*new).to_string())
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn current_old_official_and_unknown_codes() {
        assert_eq!(normalise("NEWS").as_deref(), Some("NEWS"));
        assert_eq!(normalise(" news ").as_deref(), Some("NEWS"));
        assert_eq!(normalise("VOIP").as_deref(), Some("COMT"));
        assert_eq!(normalise("official/it/aams").as_deref(), Some("official/it/aams"));
        assert_eq!(normalise("official/"), None);
        assert_eq!(normalise("NOPE"), None);
        assert_eq!(normalise(""), None);
    }
}
