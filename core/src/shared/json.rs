//! A small JSON reader for what the browser side reads: DoH answers, lists, campaign
//! descriptors, the collector's answers, the canary configuration, the offline queue.
//!
//! Why not serde's `Deserialize` there: in WebAssembly, serde's deserializers and the float
//! formatting their error messages pull in cost about a third of the partner embed's
//! download (see docs/embed.md). Writing stays with serde (`Serialize`), and the collector,
//! which validates reports field by field, keeps serde's typed deserialization; so does the
//! app's explorer for the aggregates (typed answers the collector writes, never in the embed).

use thiserror::Error;

/// Deeper nesting than this is refused (no input ajar reads comes close).
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    /// Members in document order; a repeated key: the first one wins on `get`.
    Obj(Vec<(String, Json)>),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JsonError {
    #[error("unexpected end of JSON")]
    End,
    #[error("unexpected character at byte {0}")]
    Unexpected(usize),
    #[error("bad escape at byte {0}")]
    Escape(usize),
    #[error("bad number at byte {0}")]
    Number(usize),
    #[error("nested deeper than {MAX_DEPTH} at byte {0}")]
    Depth(usize),
    #[error("trailing characters at byte {0}")]
    Trailing(usize),
}

static NULL: Json = Json::Null;

impl Json {
    pub fn parse(text: &str) -> Result<Json, JsonError> {
        let mut r = Reader { s: text.as_bytes(), i: 0 };
        let v = r.value(0)?;
        r.ws();
        if r.i < r.s.len() {
            return Err(JsonError::Trailing(r.i));
        }
        Ok(v)
    }

    /// A member of an object; `Null` when absent or when this is not an object, so that
    /// lookups chain (`v.get("a").get("b")`).
    pub fn get(&self, key: &str) -> &Json {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map_or(&NULL, |(_, v)| v),
            _ => &NULL,
        }
    }

    pub fn has(&self, key: &str) -> bool {
        matches!(self, Json::Obj(m) if m.iter().any(|(k, _)| k == key))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// A whole, non-negative number below 2^53 (beyond that a JSON number is not exact).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Num(n) if *n >= 0.0 && n.fract() == 0.0 && *n < 9_007_199_254_740_992.0 => Some(*n as u64),
            _ => None,
        }
    }

    /// The elements of an array; empty for anything else.
    pub fn items(&self) -> &[Json] {
        match self {
            Json::Arr(a) => a,
            _ => &[],
        }
    }

    /// The members of an object; empty for anything else.
    pub fn members(&self) -> &[(String, Json)] {
        match self {
            Json::Obj(m) => m,
            _ => &[],
        }
    }

    /// The strings of an array of strings (others skipped).
    pub fn strings(&self) -> Vec<String> {
        self.items().iter().filter_map(|v| v.as_str().map(String::from)).collect()
    }
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Result<u8, JsonError> {
        self.ws();
        self.s.get(self.i).copied().ok_or(JsonError::End)
    }

    fn word(&mut self, w: &str, v: Json) -> Result<Json, JsonError> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(JsonError::Unexpected(self.i))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::Depth(self.i));
        }
        match self.peek()? {
            b'n' => self.word("null", Json::Null),
            b't' => self.word("true", Json::Bool(true)),
            b'f' => self.word("false", Json::Bool(false)),
            b'"' => self.string().map(Json::Str),
            b'[' => self.elements(b']', |r| r.value(depth + 1)).map(Json::Arr),
            b'{' => self.elements(b'}', |r| r.member(depth + 1)).map(Json::Obj),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(JsonError::Unexpected(self.i)),
        }
    }

    /// The elements of an array or object (self.i on its opening bracket), each read by `item`,
    /// up to the closing bracket `end`.
    fn elements<T>(
        &mut self,
        end: u8,
        mut item: impl FnMut(&mut Self) -> Result<T, JsonError>,
    ) -> Result<Vec<T>, JsonError> {
        self.i += 1;
        let mut out = Vec::new();
        if self.peek()? == end {
            self.i += 1;
            return Ok(out);
        }
        loop {
            out.push(item(self)?);
            if self.close(end)? {
                return Ok(out);
            }
        }
    }

    /// `"key": value` inside an object.
    fn member(&mut self, depth: usize) -> Result<(String, Json), JsonError> {
        if self.peek()? != b'"' {
            return Err(JsonError::Unexpected(self.i));
        }
        let key = self.string()?;
        if self.peek()? != b':' {
            return Err(JsonError::Unexpected(self.i));
        }
        self.i += 1;
        Ok((key, self.value(depth)?))
    }

    /// After an element: `,` (more follow) or the closing bracket.
    fn close(&mut self, end: u8) -> Result<bool, JsonError> {
        match self.peek()? {
            b',' => {
                self.i += 1;
                Ok(false)
            }
            c if c == end => {
                self.i += 1;
                Ok(true)
            }
            _ => Err(JsonError::Unexpected(self.i)),
        }
    }

    /// Integers below 2^53, and decimals with up to 15 significant digits and 22 decimal
    /// places, are read exactly (correctly rounded); longer ones to within a few units in
    /// the last place. (`str::parse::<f64>` would be exact everywhere, at 5 kB of wasm.)
    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.i;
        let negative = self.s[self.i] == b'-';
        self.i += usize::from(negative);
        let (mut mantissa, mut exp10) = (0u64, 0i32);
        let int_from = self.i;
        let int_digits = self.digits(&mut mantissa, &mut exp10, false);
        if int_digits == 0 || (int_digits > 1 && self.s[int_from] == b'0') {
            return Err(JsonError::Number(start));
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits(&mut mantissa, &mut exp10, true) == 0 {
                return Err(JsonError::Number(start));
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            let sign = match self.s.get(self.i) {
                Some(b'-') => -1,
                Some(b'+') => 1,
                _ => 0,
            };
            self.i += usize::from(sign != 0);
            let (mut e, mut dropped) = (0u64, 0i32);
            if self.digits(&mut e, &mut dropped, false) == 0 {
                return Err(JsonError::Number(start));
            }
            let e = if dropped > 0 { 100_000 } else { e.min(100_000) as i32 };
            exp10 += if sign < 0 { -e } else { e };
        }
        let m = mantissa as f64;
        let v = match exp10 {
            _ if mantissa == 0 => 0.0,
            0.. => m * 10f64.powi(exp10),
            _ => m / 10f64.powi(-exp10),
        };
        if !v.is_finite() {
            return Err(JsonError::Number(start));
        }
        Ok(Json::Num(if negative { -v } else { v }))
    }

    /// Reads digits into `m` (up to 19 of them; a dropped integer digit raises `exp10`, a
    /// kept fraction digit lowers it); returns how many digits there were.
    fn digits(&mut self, m: &mut u64, exp10: &mut i32, fraction: bool) -> usize {
        let from = self.i;
        while let Some(d @ b'0'..=b'9') = self.s.get(self.i).copied() {
            if *m < 1_000_000_000_000_000_000 {
                *m = *m * 10 + u64::from(d - b'0');
                *exp10 -= i32::from(fraction);
            } else {
                *exp10 += i32::from(!fraction);
            }
            self.i += 1;
        }
        self.i - from
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1; // the opening quote
        let mut out = String::new();
        loop {
            let from = self.i;
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // Cut only at ASCII bytes, so the run is whole UTF-8 from a &str.
            out.push_str(std::str::from_utf8(&self.s[from..self.i]).unwrap_or(""));
            match self.s.get(self.i) {
                None => return Err(JsonError::End),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let at = self.i;
                    self.i += 1;
                    let c = match self.s.get(self.i).ok_or(JsonError::End)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode(at)?,
                        _ => return Err(JsonError::Escape(at)),
                    };
                    self.i += 1;
                    out.push(c);
                }
                Some(_) => return Err(JsonError::Unexpected(self.i)),
            }
        }
    }

    /// `\uXXXX` (self.i on the `u`), with surrogate pairs; leaves self.i on the last digit.
    fn unicode(&mut self, at: usize) -> Result<char, JsonError> {
        let hex = |r: &mut Self| -> Result<u32, JsonError> {
            let h = r.s.get(r.i + 1..r.i + 5).ok_or(JsonError::End)?;
            if !h.iter().all(u8::is_ascii_hexdigit) {
                return Err(JsonError::Escape(at));
            }
            r.i += 4;
            Ok(h.iter().fold(0, |n, d| n * 16 + (*d as char).to_digit(16).unwrap_or(0)))
        };
        let hi = hex(self)?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if self.s.get(self.i + 1..self.i + 3) != Some(b"\\u") {
                return Err(JsonError::Escape(at));
            }
            self.i += 2;
            let lo = hex(self)?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(JsonError::Escape(at));
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(code).ok_or(JsonError::Escape(at))
    }
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
