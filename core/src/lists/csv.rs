//! CSV as the test lists and exports use it (RFC 4180 quoting, one record per line).
//! Hand-written, not the `csv` crate: the app's wasm stays small, and lists need only this.

use crate::list::LineProblem;

/// A field as it must be written: quoted when it holds a comma, a quote or a line break.
pub fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// Splits one CSV record (RFC 4180 quoting; records do not span lines in these lists).
pub fn split_line(line: &str) -> Result<Vec<String>, LineProblem> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return Err(LineProblem::Unterminated);
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips() {
        for field in ["plain", "a,b", "say \"hi\"", "https://x.org/?a=1,2"] {
            let line = format!("{},{}", quote(field), quote("NEWS"));
            assert_eq!(split_line(&line).unwrap(), vec![field.to_string(), "NEWS".to_string()]);
        }
        assert_eq!(split_line("\"open,x"), Err(LineProblem::Unterminated));
    }
}
