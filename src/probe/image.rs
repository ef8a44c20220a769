//! A known image: does it decode, at what size, in how long. A block page is not an image.

use super::timer::{now_ms, race, since, timeout_marker};
use ajar_core::observation::Observation;
use js_sys::Promise;
use wasm_bindgen::JsCast;
use web_sys::HtmlImageElement;

pub async fn run(url: &str, timeout_ms: u32) -> Observation {
    let Ok(img) = HtmlImageElement::new() else {
        return Observation::Unsupported { probe: ajar_core::observation::ProbeKind::Image };
    };
    img.set_referrer_policy("no-referrer");
    let loaded = Promise::new(&mut |resolve, reject| {
        img.set_onload(Some(resolve.unchecked_ref()));
        img.set_onerror(Some(reject.unchecked_ref()));
    });
    let start = now_ms();
    // Cache-busting: the image must come over the network each time.
    let sep = if url.contains('?') { '&' } else { '?' };
    img.set_src(&format!("{url}{sep}ajar={}", js_sys::Math::random().to_bits()));
    let outcome = race(&loaded, timeout_ms).await;
    let ms = since(start);
    img.set_onload(None);
    img.set_onerror(None);
    match outcome {
        Ok(v) if v == timeout_marker() => {
            img.set_src("");
            Observation::ImageTimeout { ms }
        }
        Ok(_) => Observation::ImageDecoded { width: img.natural_width(), height: img.natural_height(), ms },
        Err(_) => Observation::ImageError { ms },
    }
}
