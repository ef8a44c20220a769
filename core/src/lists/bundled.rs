//! The index of the lists bundled with ajar (`lists/index.json`, written by `ajar-lab
//! bundle`): which lists the start page offers.

use crate::json::Json;

/// One bundled list: its id (`global`, a country code), its name and how many targets it has.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundled {
    pub id: String,
    pub name: String,
    pub count: usize,
}

impl Bundled {
    /// `None` unless the entry has all three, of their types.
    pub fn from_json(v: &Json) -> Option<Bundled> {
        Some(Bundled {
            id: v.get("id").as_str()?.to_string(),
            name: v.get("name").as_str()?.to_string(),
            count: usize::try_from(v.get("count").as_u64()?).ok()?,
        })
    }

    /// The whole index, or nothing when any entry is unreadable (then no bundled list is offered).
    pub fn index_from_json(v: &Json) -> Vec<Bundled> {
        match v {
            // One unreadable entry: no index (the global list and a custom one are still offered).
            Json::Arr(items) => items.iter().map(Bundled::from_json).collect::<Option<_>>().unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(text: &str) -> Vec<Bundled> {
        // Text that is not JSON: no index, as the start page reads it.
        Json::parse(text).map(|v| Bundled::index_from_json(&v)).unwrap_or_default()
    }

    #[test]
    fn the_index_is_read_whole_or_not_at_all() {
        let two = r#"[{"count":1190,"id":"global","name":"Global"},{"count":3,"id":"ru","name":"Russia"}]"#;
        let global = Bundled { id: "global".into(), name: "Global".into(), count: 1190 };
        assert_eq!(index(two).first(), Some(&global));
        assert_eq!(index(two).len(), 2);
        for bad in [
            r#"[{"count":1,"id":"global","name":"Global"},{"id":"ru","name":"Russia"}]"#,
            r#"[{"count":-1,"id":"global","name":"Global"}]"#,
            r#"[{"count":1,"id":7,"name":"Global"}]"#,
            r#"{"id":"global"}"#,
            "[",
        ] {
            assert_eq!(index(bad), vec![], "{bad}");
        }
    }
}
