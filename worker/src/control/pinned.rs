//! A GET over a TCP socket opened to the very address the control checked (the Workers
//! `connect()` API), TLS started towards the site's name: no second lookup by the runtime can
//! send the request elsewhere (DNS rebinding). HTTP/1.1, as `ajar_core::http1` writes and
//! reads it; the whole exchange within the control's timeout, the body up to a cap.

use super::fetch::Fetched;
use super::{Budget, Config};
use ajar_core::http1::{self, Body, Framing};
use futures_util::future::{select, Either};
use std::net::IpAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wasm_bindgen::{JsCast, JsValue};
use worker::url::Position;
use worker::{Delay, Socket};

/// How long the control waits for a socket to close once it has what it wants.
const CLOSE_WAIT: Duration = Duration::from_secs(1);
/// Bytes asked of the socket at a time.
const READ_SIZE: usize = 16 * 1024;

/// Where a request goes: the host `connect()` is given (an address the control checked, or
/// the lab's gateway), its port, and for TLS the name the certificate must be for.
pub struct To {
    pub host: String,
    pub port: u16,
    pub tls_name: Option<String>,
}

impl To {
    /// `address` on `url`'s port; for https, TLS towards `url`'s host.
    pub fn of(url: &worker::Url, address: IpAddr) -> Option<Self> {
        let port = url.port_or_known_default()?;
        let name = url.host_str()?.trim_start_matches('[').trim_end_matches(']').to_string();
        Some(Self { host: address.to_string(), port, tls_name: (url.scheme() == "https").then_some(name) })
    }
}

/// The socket, TLS started on it when `to` asks for it.
fn open(to: &To) -> Option<Socket> {
    let address = js_sys::Object::new();
    js_sys::Reflect::set(&address, &"hostname".into(), &JsValue::from_str(&to.host)).ok()?;
    js_sys::Reflect::set(&address, &"port".into(), &JsValue::from(to.port)).ok()?;
    let options = js_sys::Object::new();
    let transport = if to.tls_name.is_some() { "starttls" } else { "off" };
    js_sys::Reflect::set(&options, &"secureTransport".into(), &JsValue::from_str(transport)).ok()?;
    let raw = worker::worker_sys::connect(address.into(), options.into()).ok()?;
    let Some(name) = &to.tls_name else {
        return Some(Socket::from(raw));
    };
    // workers-rs's `start_tls` takes no options: the certificate must be for the site's name,
    // not for the address connected to.
    let start: js_sys::Function = js_sys::Reflect::get(&raw, &"startTls".into()).ok()?.dyn_into().ok()?;
    let tls = js_sys::Object::new();
    js_sys::Reflect::set(&tls, &"expectedServerHostname".into(), &JsValue::from_str(name)).ok()?;
    let secure = start.call1(&raw, &tls).ok()?;
    Some(Socket::from(secure.unchecked_into::<worker::worker_sys::Socket>()))
}

/// A GET of `url` sent to `to` with `headers`, spending one subrequest of `budget`; `None` if
/// the budget is spent, the connection failed, the answer is not HTTP/1.x, or the timeout
/// passed first.
pub async fn get(
    cfg: &Config,
    budget: &Budget,
    url: &worker::Url,
    to: To,
    headers: &[(&str, &str)],
    limit: usize,
) -> Option<Fetched> {
    if !budget.take() {
        return None;
    }
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str()?),
        None => url.host_str()?.to_string(),
    };
    let mut all: Vec<(&str, &str)> = vec![("user-agent", "ajar-control")];
    all.extend_from_slice(headers);
    let request = http1::get_request(&host, &url[Position::BeforePath..Position::AfterQuery], &all).ok()?;
    let started = js_sys::Date::now();
    let mut socket = open(&to)?;
    let outcome = {
        let exchange = exchange(&mut socket, &request, limit, started);
        let timer = Delay::from(Duration::from_millis(u64::from(cfg.timeout_ms)));
        futures_util::pin_mut!(exchange);
        futures_util::pin_mut!(timer);
        match select(exchange, timer).await {
            Either::Left((answer, _)) => answer,
            Either::Right(_) => None,
        }
    };
    // Hang up, whatever is left unread (a target streaming without end stops here).
    let close = socket.close();
    let wait = Delay::from(CLOSE_WAIT);
    futures_util::pin_mut!(close);
    futures_util::pin_mut!(wait);
    let _ = select(close, wait).await;
    outcome
}

/// Writes the request, reads the head (interim 1xx answers skipped), then the body as its
/// framing says, up to `limit`.
async fn exchange(socket: &mut Socket, request: &[u8], limit: usize, started: f64) -> Option<Fetched> {
    socket.write_all(request).await.ok()?;
    socket.flush().await.ok()?;
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; READ_SIZE];
    let head = loop {
        if let Some(head) = http1::parse_head(&buf).ok()? {
            if (100..200).contains(&head.status) && head.status != 101 {
                buf.drain(..head.len.min(buf.len()));
                continue;
            }
            break head;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(chunk.get(..n)?);
    };
    // A float cast saturates, never panics.
    let head_ms = (js_sys::Date::now() - started).max(0.0) as u64;
    let mut answer = Fetched { status: head.status, headers: head.headers.clone(), body: None, cut: false, head_ms };
    let Ok(framing) = head.framing() else {
        return Some(answer);
    };
    if matches!(framing, Framing::Length(n) if n > limit as u64) {
        answer.cut = true;
        return Some(answer);
    }
    let mut body = Body::new(framing, limit);
    let mut broken = body.feed(buf.get(head.len..).unwrap_or_default()).is_err();
    while !broken && !body.finished() {
        match socket.read(&mut chunk).await {
            Ok(n) if n > 0 => broken = body.feed(chunk.get(..n).unwrap_or_default()).is_err(),
            // Closed (or reset): complete only if the body ends with the connection.
            _ => {
                broken = !body.close();
                break;
            }
        }
    }
    if !broken {
        let (bytes, cut) = body.into_parts();
        answer.body = Some(bytes);
        answer.cut = cut;
    }
    Some(answer)
}
