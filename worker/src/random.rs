//! Random bytes from the runtime's `crypto.getRandomValues`.

/// `n` random bytes; `None` if the runtime has no `crypto` (never on workerd).
pub fn bytes(n: usize) -> Option<Vec<u8>> {
    let array = js_sys::Uint8Array::new_with_length(n as u32);
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
    let f = js_sys::Reflect::get(&crypto, &"getRandomValues".into()).ok()?;
    js_sys::Function::from(f).call1(&crypto, &array).ok()?;
    Some(array.to_vec())
}

/// `n` random bytes as lowercase hex.
pub fn hex(n: usize) -> Option<String> {
    Some(bytes(n)?.iter().map(|b| format!("{b:02x}")).collect())
}
