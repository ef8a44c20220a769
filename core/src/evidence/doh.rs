//! Reading a DNS-over-HTTPS JSON-API answer (Cloudflare's and Google's `?name=&type=` form),
//! as the browser's DoH probe and the collector's outside control both do.

use crate::json::Json;
use crate::observation::Observation;

/// Status 0 with A/AAAA records → addresses; status 0 without any (only a CNAME, or no
/// record of that type) → the name exists without an address of that type; status 3
/// (NXDOMAIN) → no such name; anything else (other status, not JSON) → the resolver failed.
pub fn parse_json(text: &str) -> Observation {
    let Ok(v) = Json::parse(text) else {
        return Observation::DohFailed;
    };
    match v.get("Status").as_u64() {
        Some(0) => {}
        Some(3) => return Observation::DohNoSuchName,
        _ => return Observation::DohFailed,
    }
    let addresses: Vec<String> = v
        .get("Answer")
        .items()
        .iter()
        .filter(|r| matches!(r.get("type").as_u64(), Some(1) | Some(28)))
        .filter_map(|r| r.get("data").as_str().map(String::from))
        .collect();
    if addresses.is_empty() {
        Observation::DohNoAddress
    } else {
        Observation::DohAddresses { addresses }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_no_such_name_and_failures() {
        let ok = r#"{"Status":0,"Answer":[{"type":5,"data":"cname.example."},{"type":1,"data":"203.0.113.5"}]}"#;
        assert_eq!(parse_json(ok), Observation::DohAddresses { addresses: vec!["203.0.113.5".into()] });
        assert_eq!(parse_json(r#"{"Status":3}"#), Observation::DohNoSuchName);
        assert_eq!(parse_json(r#"{"Status":0,"Answer":[]}"#), Observation::DohNoAddress);
        let cname_only = r#"{"Status":0,"Answer":[{"type":5,"data":"edge.example.net."}]}"#;
        assert_eq!(parse_json(cname_only), Observation::DohNoAddress, "NOERROR with a CNAME is not NXDOMAIN");
        assert_eq!(parse_json(r#"{"Status":2}"#), Observation::DohFailed);
        assert_eq!(parse_json("<html>"), Observation::DohFailed);
    }
}
