//! WebRTC ICE against one STUN/TURN URL. Two uses:
//! - is the server reachable (a server-reflexive or relay candidate arrives)?
//! - does the *local* resolver know a name (Chromium reports a host-lookup
//!   error, code 701, when the STUN server's name does not resolve)?
//!
//! A candidate's address is the visitor's own IP: it is looked at for its type
//! only and never stored.

use super::timer::{now_ms, race, since};
use js_sys::{Array, Promise};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    RtcConfiguration, RtcIceServer, RtcPeerConnection, RtcPeerConnectionIceErrorEvent, RtcPeerConnectionIceEvent,
};

#[derive(Debug, Default, Clone, Copy)]
pub struct Gathered {
    /// A srflx or relay candidate arrived: the server answered.
    pub reached: bool,
    /// The server's name did not resolve on an IPv4 socket.
    pub lookup_failed: bool,
    pub ms: u32,
}

/// `None` if the browser has no usable RTCPeerConnection.
pub async fn gather(url: &str, timeout_ms: u32) -> Option<Gathered> {
    let server = RtcIceServer::new();
    server.set_urls(&JsValue::from_str(url));
    let config = RtcConfiguration::new();
    config.set_ice_servers(&Array::of1(&server));
    let pc = RtcPeerConnection::new_with_configuration(&config).ok()?;
    let _channel = pc.create_data_channel("ajar");
    let state = Rc::new(RefCell::new(Gathered::default()));
    let start = now_ms();

    let mut settle: Option<js_sys::Function> = None;
    let done = Promise::new(&mut |resolve, _| settle = Some(resolve));
    let settle = settle?;

    let (st, fin) = (state.clone(), settle.clone());
    let on_candidate = Closure::<dyn FnMut(RtcPeerConnectionIceEvent)>::new(move |e: RtcPeerConnectionIceEvent| {
        match e.candidate() {
            Some(c) => {
                let text = c.candidate();
                if text.contains(" typ srflx") || text.contains(" typ relay") {
                    st.borrow_mut().reached = true;
                    let _ = fin.call0(&JsValue::NULL);
                }
            }
            // End of gathering.
            None => {
                let _ = fin.call0(&JsValue::NULL);
            }
        }
    });
    let (st, fin) = (state.clone(), settle.clone());
    let on_error =
        Closure::<dyn FnMut(RtcPeerConnectionIceErrorEvent)>::new(move |e: RtcPeerConnectionIceErrorEvent| {
            let text = e.error_text().to_ascii_lowercase();
            // Chromium also reports a lookup error for its IPv6 socket when a name has
            // only IPv4 addresses: only an IPv4 socket's failure means "does not resolve".
            let ipv6_socket = e.address().is_some_and(|a| a.contains(':'));
            // Firefox reports a name that does not resolve as 701 with no text (and its
            // host address, or none when it has no network): a STUN timeout, which also has
            // no text there, comes long after the resolve probe's own timeout.
            let firefox_lookup = text.is_empty();
            if e.error_code() == 701 && (text.contains("lookup") || firefox_lookup) && !ipv6_socket {
                st.borrow_mut().lookup_failed = true;
                let _ = fin.call0(&JsValue::NULL);
            }
        });
    pc.set_onicecandidate(Some(on_candidate.as_ref().unchecked_ref()));
    let _ = pc.add_event_listener_with_callback("icecandidateerror", on_error.as_ref().unchecked_ref());

    if let Ok(offer) = JsFuture::from(pc.create_offer()).await {
        let _ = JsFuture::from(pc.set_local_description(offer.unchecked_ref())).await;
    }
    let _ = race(&done, timeout_ms).await;
    pc.set_onicecandidate(None);
    let _ = pc.remove_event_listener_with_callback("icecandidateerror", on_error.as_ref().unchecked_ref());
    pc.close();
    let mut out = *state.borrow();
    out.ms = since(start);
    Some(out)
}
