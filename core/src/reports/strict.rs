//! Strict JSON reading for what the collector takes in: every refusal names the field at
//! fault (`results[3].confidence`, not "body"), and objects inside lists (clues, patterns)
//! may hold no key their type would not write back, so nothing unknown is stored.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;

/// Why a body could not be read as the expected type.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldError {
    /// Not JSON at all (or cut short): the body as a whole is at fault.
    Syntax(String),
    /// JSON, but a field is missing, unknown or of the wrong type.
    Field { field: String, problem: String },
}

/// Reads `T` from `body`, naming the path of the field at fault when it fails. One plain
/// parse on the happy path; the path is tracked (which costs an allocation per key) only in
/// a second parse of a body already refused.
pub fn from_slice<T: DeserializeOwned>(body: &[u8]) -> Result<T, FieldError> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(_) => from_slice_with_path(body),
    }
}

fn from_slice_with_path<T: DeserializeOwned>(body: &[u8]) -> Result<T, FieldError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // serde_json calls some type errors syntax (a number where an enum's name belongs
        // is "expected value"): only a body that is not JSON at all is the body's fault.
        let not_json = serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err();
        if inner.is_io() || ((inner.is_syntax() || inner.is_eof()) && not_json) {
            return FieldError::Syntax(inner.to_string());
        }
        field_error(&path, &without_position(&inner.to_string()))
    })?;
    de.end().map_err(|e| FieldError::Syntax(e.to_string()))?;
    Ok(value)
}

/// serde_json appends " at line L column C" to its messages: the path says more.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The path of the field at fault, from the path serde reached and its message: an unknown
/// key is named itself (`results[0].ip`), and [`tagged`] puts the element's own path
/// (`[1].x`) in front of its message.
fn field_error(path: &str, message: &str) -> FieldError {
    match named_field(path, message) {
        FieldError::Field { field, problem } => {
            // An empty key leaves a path ending in a dot (or nothing at all, at the top).
            let field = field.trim_end_matches('.');
            FieldError::Field { field: if field.is_empty() { "body".into() } else { field.into() }, problem }
        }
        other => other,
    }
}

fn named_field(path: &str, message: &str) -> FieldError {
    let base = if path == "." || path == "?" { "" } else { path };
    let join = |tail: &str| {
        if base.is_empty() {
            tail.trim_start_matches('.').to_string()
        } else if tail.starts_with('[') || tail.starts_with('.') || tail.is_empty() {
            format!("{base}{tail}")
        } else {
            format!("{base}.{tail}")
        }
    };
    if let Some(rest) = message.strip_prefix('[') {
        if let Some((inner, problem)) = rest.split_once(": ") {
            return FieldError::Field { field: join(&format!("[{inner}")), problem: problem.to_string() };
        }
    }
    if let Some(name) = message.strip_prefix("unknown field `").and_then(|r| r.split('`').next()) {
        let name: String = name.chars().take(64).collect();
        // The path may already end at the unknown key.
        let field = if base == name || base.ends_with(&format!(".{name}")) { base.to_string() } else { join(&name) };
        return FieldError::Field { field, problem: "unknown field".into() };
    }
    FieldError::Field { field: join(""), problem: message.to_string() }
}

/// A list of internally tagged objects (serde cannot make those refuse unknown keys), each
/// refused if it holds a key that its variant does not write back. `tag` names the field
/// holding the variant's name; the keys each variant writes are learnt once per isolate.
pub fn tagged<'de, D, T>(deserializer: D, tag: &str) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Serialize + 'static,
{
    let raw: Vec<Value> = Vec::deserialize(deserializer)?;
    raw.into_iter()
        .enumerate()
        .map(|(i, v)| {
            let Value::Object(map) = &v else {
                return Err(D::Error::custom(format!("[{i}]: expected an object")));
            };
            let variant = (TypeId::of::<T>(), map.get(tag).and_then(Value::as_str).unwrap_or_default().to_string());
            let known = KEYS.with(|k| {
                let k = k.borrow();
                k.get(&variant).map(|allowed| map.keys().find(|key| !allowed.contains(key)).cloned())
            });
            let keys: Vec<String> = map.keys().cloned().collect();
            let item: T = serde_json::from_value(v)
                .map_err(|e| D::Error::custom(format!("[{i}]: {}", without_position(&e.to_string()))))?;
            let unknown = match known {
                Some(unknown) => unknown,
                None => {
                    let back = serde_json::to_value(&item).unwrap_or(Value::Object(Map::new()));
                    let allowed: Vec<String> =
                        back.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
                    let unknown = keys.iter().find(|k| !allowed.contains(k)).cloned();
                    KEYS.with(|k| k.borrow_mut().insert(variant, allowed));
                    unknown
                }
            };
            if let Some(k) = unknown {
                let k: String = k.chars().take(64).collect();
                return Err(D::Error::custom(format!("[{i}].{k}: unknown field")));
            }
            Ok(item)
        })
        .collect()
}

thread_local! {
    /// The keys each variant (type, name) writes, once seen.
    static KEYS: RefCell<HashMap<(TypeId, String), Vec<String>>> = RefCell::new(HashMap::new());
}

/// [`tagged`] for clues (`"clue"`).
pub fn clues<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Serialize + 'static,
{
    tagged(deserializer, "clue")
}

/// [`tagged`] for patterns (`"pattern"`).
pub fn patterns<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Serialize + 'static,
{
    tagged(deserializer, "pattern")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        n: u32,
        #[serde(default)]
        inner: Vec<Inner>,
        #[serde(default, deserialize_with = "kinds")]
        tagged: Vec<Tagged>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        s: String,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Tagged {
        A { ms: u32 },
        B,
    }

    fn kinds<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Tagged>, D::Error> {
        tagged(d, "kind")
    }

    fn field(body: &str) -> FieldError {
        from_slice::<Outer>(body.as_bytes()).unwrap_err()
    }

    fn named(field: &str) -> FieldError {
        match self::field(field) {
            FieldError::Field { field, .. } => FieldError::Field { field, problem: String::new() },
            other => other,
        }
    }

    #[test]
    fn each_refusal_names_its_field() {
        let f = |name: &str| FieldError::Field { field: name.into(), problem: String::new() };
        assert!(matches!(field("{nope"), FieldError::Syntax(_)));
        assert!(matches!(field(r#"{"n":1} x"#), FieldError::Syntax(_)));
        assert_eq!(named(r#"{"n":"one"}"#), f("n"));
        assert_eq!(named(r#"{"n":1,"ip":"198.51.100.7"}"#), f("ip"));
        assert_eq!(named(r#"{"n":1,"inner":[{"s":"x"},{"s":2}]}"#), f("inner[1].s"));
        assert_eq!(named(r#"{"n":1,"inner":[{"s":"x","t":1}]}"#), f("inner[0].t"));
        assert_eq!(named(r#"{"n":1,"tagged":[{"kind":"b"},{"kind":"a","ms":1,"ip":"x"}]}"#), f("tagged[1].ip"));
        assert_eq!(named(r#"{"n":1,"tagged":[{"kind":"c"}]}"#), f("tagged[0]"));
        assert_eq!(named(r#"{"n":1,"tagged":[3]}"#), f("tagged[0]"));
        assert_eq!(named(r#"[]"#), f("body"));
        // serde_json's "expected value" for a number in place of an enum's name.
        assert_eq!(named(r#"{"n":1,"tagged":[{"kind":7}]}"#), f("tagged[0]"));
        // An empty key is an unknown field with no name (found by core/tests/no_panic.rs).
        assert_eq!(named(r#"{"n":1,"":2}"#), f("body"));
        assert_eq!(named(r#"{"n":1,"inner":[{"":2}]}"#), f("inner[0]"));
        assert!(from_slice::<Outer>(br#"{"n":1,"tagged":[{"kind":"a","ms":2},{"kind":"b"}]}"#).is_ok());
        // Once a variant's keys are known, they are checked the same (and a key of one variant
        // is no key of another).
        for _ in 0..2 {
            assert_eq!(named(r#"{"n":1,"tagged":[{"kind":"a","ms":1,"ip":"x"}]}"#), f("tagged[0].ip"));
            assert_eq!(named(r#"{"n":1,"tagged":[{"kind":"b","ms":1}]}"#), f("tagged[0].ms"));
        }
    }
}
