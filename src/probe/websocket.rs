//! WebSocket handshake: does it open?

use super::timer::{now_ms, race, since, timeout_marker};
use ajar_core::observation::Observation;
use js_sys::Promise;
use wasm_bindgen::JsCast;
use web_sys::WebSocket;

/// `None` if the browser has no WebSocket.
pub async fn run(url: &str, timeout_ms: u32) -> Option<Observation> {
    let start = now_ms();
    let socket = match WebSocket::new(url) {
        Ok(s) => s,
        Err(_) if js_sys::Reflect::has(&js_sys::global(), &"WebSocket".into()).unwrap_or(false) => {
            return Some(Observation::SocketFailed { ms: since(start) })
        }
        Err(_) => return None,
    };
    let opened = Promise::new(&mut |resolve, reject| {
        socket.set_onopen(Some(resolve.unchecked_ref()));
        socket.set_onerror(Some(reject.unchecked_ref()));
        socket.set_onclose(Some(reject.unchecked_ref()));
    });
    let outcome = race(&opened, timeout_ms).await;
    let ms = since(start);
    socket.set_onopen(None);
    socket.set_onerror(None);
    socket.set_onclose(None);
    let _ = socket.close();
    Some(match outcome {
        Ok(v) if v == timeout_marker() => Observation::SocketTimeout { ms },
        Ok(_) => Observation::SocketOpen { ms },
        Err(_) => Observation::SocketFailed { ms },
    })
}
