//! `ajar-lab`: run the censoring lab on loopback, or print a scenario's parts.
//!
//! ```text
//! ajar-lab serve [--scenario FILE | --generate N --seed S | --scan N --blackholed-share F] [--latency-ms MS]
//!               [--web-ports] [--front NAME=HOST:PORT]... [--nel-endpoint URL] [--nel-forward HOST:PORT]
//!               [--rtt-ms MS] [--loss SHARE] [--rate-kbit KBIT]
//!     --web-ports: targets on ports 80 and 443 as on the real web (needs a network namespace)
//!     --rtt-ms, --loss, --rate-kbit: the emulated path to every lab host (lab/src/link.rs);
//!              --latency-ms adds a host's own distance on top
//!     --front: serve https://NAME (a *.test name) from the collector at HOST:PORT, TLS
//!              terminated by the lab (default: ajar.test=127.0.0.1:8787)
//! ajar-lab ca                                  (prints the lab CA certificate, PEM)
//! ajar-lab make-ca DIR                         (makes a new lab CA: DIR/ca.pem, DIR/ca.key)
//! ajar-lab rules|firefox-domains|list|canary-config [same scenario options]
//! ajar-lab generate --generate N --seed S      (prints the scenario JSON)
//! ajar-lab bundle-lists SRC DST                (validates Citizen Lab lists, writes the compact copies the app ships)
//! ajar-lab load --url http://127.0.0.1:PORT/PATH --body FILE [--clients N] [--seconds S] [--rate RPS] [--method M]
//!                                              (the collector benchmark's load; prints its figures as JSON)
//! ajar-lab demo-reports [--collector 127.0.0.1:8787] [--days 3] [--per-hour 6] [--seed 1] [--threads 6]
//!                                              (posts generated demo data, marked as such, to a collector
//!                                              under wrangler dev: lab/src/demo.rs; prints what it stored)
//! ```

use ajar_lab::scenario::Scenario;
use ajar_lab::server::Lab;
use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("serve");
    let scenario = scenario_from(&args)?;
    match command {
        "serve" => {
            let p = scenario.ports;
            let hosts = scenario.hosts.len();
            let mut lab = Lab::new(scenario)?;
            // Where canaries ask browsers to send NEL reports: an https name of the lab, which
            // passes them on to the collector beside it (browsers report only to https).
            let tls = lab.scenario.ports.tls;
            lab.nel_endpoint = Some(
                flag(&args, "--nel-endpoint").unwrap_or_else(|| format!("https://report.canary.test:{tls}/v1/nel")),
            );
            lab.nel_forward = Some(flag(&args, "--nel-forward").unwrap_or_else(|| "127.0.0.1:8787".into()));
            let fronts: Vec<(String, String)> = args
                .windows(2)
                .filter(|w| w[0] == "--front")
                .map(|w| w[1].split_once('=').map(|(n, u)| (n.to_string(), u.to_string())))
                .collect::<Option<_>>()
                .context("--front: expected NAME=HOST:PORT")?;
            if !fronts.is_empty() {
                lab.fronts = fronts;
            }
            lab.start()?;
            println!(
                "ajar lab: {hosts} hosts; HTTP 127.0.0.1:{}, TLS :{}, web :{}/:{}, STUN udp :{} (silent :{})",
                p.http, p.tls, p.web_http, p.web_tls, p.stun, p.stun_silent
            );
            println!(
                "ajar lab: list http://lab.test:{}/list.json, resolver rules http://lab.test:{}/rules",
                p.http, p.http
            );
            loop {
                std::thread::park();
            }
        }
        "rules" => println!("{}", scenario.resolver_rules()),
        "firefox-domains" => println!("{}", scenario.firefox_local_domains()),
        "ca" => print!("{}", ajar_lab::tls::CA_PEM),
        "make-ca" => {
            let dir = args.get(1).context("usage: ajar-lab make-ca DIR")?;
            let (cert, key) = ajar_lab::tls::make_ca()?;
            std::fs::write(std::path::Path::new(dir).join("ca.pem"), cert)?;
            std::fs::write(std::path::Path::new(dir).join("ca.key"), key)?;
        }
        "canary-config" => println!("{}", serde_json::to_string(&scenario.canary.config(scenario.ports))?),
        "list" => println!("{}", serde_json::to_string(&scenario.list())?),
        "generate" => println!("{}", serde_json::to_string_pretty(&scenario)?),
        "bundle-lists" => {
            let (Some(from), Some(to)) = (args.get(1), args.get(2)) else {
                bail!("usage: ajar-lab bundle-lists SRC_DIR DST_DIR")
            };
            ajar_lab::bundle::bundle(std::path::Path::new(from), std::path::Path::new(to))?;
        }
        "load" => println!("{}", serde_json::to_string(&ajar_lab::load::run(&load_config(&args)?))?),
        "demo-reports" => {
            let number = |name: &str, default: u64| -> Result<u64> {
                flag(&args, name)
                    .map(|v| v.parse())
                    .transpose()
                    .with_context(|| name.to_string())
                    .map(|v| v.unwrap_or(default))
            };
            let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as i64;
            let cfg = ajar_lab::demo::DemoConfig {
                days: number("--days", 3)?.clamp(1, 29) as u32,
                per_hour: number("--per-hour", 6)?.clamp(1, 50) as u32,
                seed: number("--seed", 1)?,
                now_hour: now_ms / 3_600_000,
            };
            let addr = flag(&args, "--collector").unwrap_or_else(|| "127.0.0.1:8787".into());
            let addr = addr.trim_start_matches("http://").trim_end_matches('/').to_string();
            let seeded = ajar_lab::demo::seed(&addr, &cfg, number("--threads", 6)? as usize)?;
            println!("{}", serde_json::to_string(&seeded)?);
        }
        other => {
            bail!("unknown command {other:?}: use serve, rules, ca, list, generate, bundle-lists, load or demo-reports")
        }
    }
    Ok(())
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn load_config(args: &[String]) -> Result<ajar_lab::load::LoadConfig> {
    let url = flag(args, "--url").context("--url is required")?;
    let Some((addr, path)) = url.strip_prefix("http://").and_then(|r| r.find('/').map(|i| (&r[..i], &r[i..]))) else {
        bail!("--url: expected http://HOST:PORT/PATH, got {url:?}")
    };
    let number = |name: &str, default: f64| -> Result<f64> {
        flag(args, name).map(|v| v.parse()).transpose().with_context(|| name.to_string()).map(|v| v.unwrap_or(default))
    };
    let template = match flag(args, "--body") {
        Some(path) => std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?,
        None => String::new(),
    };
    Ok(ajar_lab::load::LoadConfig {
        addr: addr.to_string(),
        method: flag(args, "--method").unwrap_or_else(|| "POST".into()),
        path: path.to_string(),
        template,
        clients: number("--clients", 32.0)?.max(1.0) as usize,
        seconds: number("--seconds", 10.0)?,
        rate: number("--rate", 0.0)?,
    })
}

fn scenario_from(args: &[String]) -> Result<Scenario> {
    let latency: u32 = flag(args, "--latency-ms").map(|v| v.parse()).transpose().context("--latency-ms")?.unwrap_or(0);
    let mut scenario = if let Some(path) = flag(args, "--scenario") {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        serde_json::from_str(&text).with_context(|| format!("parsing scenario {path}"))?
    } else if let Some(n) = flag(args, "--scan") {
        let n: usize = n.parse().context("--scan")?;
        let share: f64 = flag(args, "--blackholed-share")
            .map(|v| v.parse())
            .transpose()
            .context("--blackholed-share")?
            .unwrap_or(0.1);
        Scenario::scan(n, share, latency)
    } else if let Some(n) = flag(args, "--generate") {
        let n: usize = n.parse().context("--generate")?;
        let seed: u64 = flag(args, "--seed").map(|v| v.parse()).transpose().context("--seed")?.unwrap_or(1);
        Scenario::generate(n, seed, latency)
    } else {
        Scenario::demo()
    };
    if latency > 0 {
        scenario.hosts.iter_mut().for_each(|h| h.latency_ms = latency);
    }
    if let Some(port) = flag(args, "--http-port") {
        scenario.ports.http = port.parse().context("--http-port")?;
    }
    let number = |name: &str| -> Result<Option<f64>> {
        flag(args, name).map(|v| v.parse::<f64>()).transpose().with_context(|| name.to_string())
    };
    if let Some(ms) = number("--rtt-ms")? {
        scenario.link.rtt_ms = ms as u32;
    }
    if let Some(loss) = number("--loss")? {
        scenario.link.loss = loss.clamp(0.0, 1.0);
    }
    if let Some(kbit) = number("--rate-kbit")? {
        scenario.link.rate_bps = (kbit * 1000.0) as u64;
    }
    if args.iter().any(|a| a == "--web-ports") {
        scenario.ports.web_http = 80;
        scenario.ports.web_tls = 443;
    }
    Ok(scenario)
}
