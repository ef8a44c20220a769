//! Host names in the form DNS and STUN URLs need: every non-ASCII label as Punycode
//! (RFC 3492) behind `xn--`. Written here rather than taking the `idna` crate because its
//! Unicode tables would double the embed's size; this does RFC 3492's encoding and ASCII
//! lower-casing only (no UTS #46 mapping or normalisation: list names are already in the
//! form their owners registered, and a browser maps the URL it fetches itself).

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

/// `пример.рф` → `xn--e1afmkfd.xn--p1ai`; ASCII names come back lower-cased and unchanged.
/// `None` if a label cannot be encoded (an overflow no real name reaches).
pub fn host_to_ascii(host: &str) -> Option<String> {
    let labels: Option<Vec<String>> = host
        .split('.')
        .map(|label| {
            // ASCII case only: full Unicode lowercasing would bring its tables into the
            // embed (4 kB); lists write IDN labels in lower case as registries do.
            let lower = label.to_ascii_lowercase();
            if lower.is_ascii() {
                Some(lower)
            } else {
                encode(&lower).map(|e| format!("xn--{e}"))
            }
        })
        .collect();
    Some(labels?.join("."))
}

fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    let mut delta = if first { delta / DAMP } else { delta / 2 };
    delta += delta / points.max(1);
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn digit(d: u32) -> char {
    // d < 36 by construction: a-z then 0-9.
    let byte = if d < 26 { b'a' + d as u8 } else { b'0' + (d as u8).saturating_sub(26) };
    char::from(byte)
}

/// RFC 3492 §6.3, with checked arithmetic in place of its overflow tests.
fn encode(label: &str) -> Option<String> {
    let input: Vec<u32> = label.chars().map(u32::from).collect();
    let mut out: String = label.chars().filter(char::is_ascii).collect();
    let basic = u32::try_from(out.len()).ok()?;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias, mut handled) = (INITIAL_N, 0u32, INITIAL_BIAS, basic);
    let total = u32::try_from(input.len()).ok()?;
    while handled < total {
        let m = input.iter().copied().filter(|&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
        n = m;
        for &c in &input {
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        T_MIN
                    } else if k >= bias + T_MAX {
                        T_MAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_rfc_and_registry_examples() {
        assert_eq!(host_to_ascii("пример.рф").as_deref(), Some("xn--e1afmkfd.xn--p1ai"));
        assert_eq!(host_to_ascii("münchen.DE").as_deref(), Some("xn--mnchen-3ya.de"));
        assert_eq!(host_to_ascii("bücher.example").as_deref(), Some("xn--bcher-kva.example"));
        assert_eq!(host_to_ascii("президент.рф").as_deref(), Some("xn--d1abbgf6aiiy.xn--p1ai"));
        // RFC 3492 §7.1 (A) Arabic (Egyptian), (L) Japanese "3年B組金八先生".
        assert_eq!(encode("ليهمابتكلموشعربي؟").as_deref(), Some("egbpdaj6bu4bxfgehfvwxn"));
        assert_eq!(encode("3年b組金八先生").as_deref(), Some("3b-ww4c5e180e575a65lsy2b"));
        assert_eq!(host_to_ascii("www.Example.org").as_deref(), Some("www.example.org"));
    }
}
