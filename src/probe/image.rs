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
    let src = ajar_core::url::with_query(url, &[("ajar", &js_sys::Math::random().to_bits().to_string())]);
    img.set_src(&src);
    let outcome = race(&loaded, timeout_ms).await;
    let ms = since(start);
    img.set_onload(None);
    img.set_onerror(None);
    match outcome {
        Ok(v) if v == timeout_marker() => {
            img.set_src("");
            Observation::ImageTimeout { ms }
        }
        Ok(_) => Observation::ImageDecoded {
            width: img.natural_width(),
            height: img.natural_height(),
            ms,
            transfer_ms: transfer_ms(&img.current_src()).or_else(|| transfer_ms(&src)),
        },
        Err(_) => Observation::ImageError { ms },
    }
}

/// The body's transfer time from Resource Timing, `responseEnd − responseStart`: bandwidth,
/// not distance. A browser exposes `responseStart` across origins only with
/// `Timing-Allow-Origin` (0 otherwise): `None` then, and the caller corrects the whole load
/// time for the round trips instead.
fn transfer_ms(url: &str) -> Option<u32> {
    use js_sys::Reflect;
    let perf = web_sys::window()?.performance()?;
    let perf: &wasm_bindgen::JsValue = perf.as_ref();
    // The default buffer (250 entries) fills on a long list; later loads would go unrecorded.
    if let Ok(f) = Reflect::get(perf, &"setResourceTimingBufferSize".into()) {
        if let Ok(f) = f.dyn_into::<js_sys::Function>() {
            let _ = f.call1(perf, &wasm_bindgen::JsValue::from(20_000));
        }
    }
    let f: js_sys::Function = Reflect::get(perf, &"getEntriesByName".into()).ok()?.dyn_into().ok()?;
    let entries: js_sys::Array = f.call1(perf, &url.into()).ok()?.dyn_into().ok()?;
    let entry = entries.get(entries.length().checked_sub(1)?);
    let get = |k: &str| Reflect::get(&entry, &k.into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let (start, end) = (get("responseStart"), get("responseEnd"));
    (start > 0.0 && end >= start).then(|| (end - start).round() as u32)
}
