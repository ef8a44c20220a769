//! Random bytes from the runtime's `crypto.getRandomValues`, through `getrandom` (the app's
//! report ids come from the same crate).

/// `N` random bytes; an error if the runtime has no `crypto` (never on workerd).
pub fn bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut out = [0u8; N];
    getrandom::getrandom(&mut out)?;
    Ok(out)
}

/// `N` random bytes as lowercase hex.
pub fn hex<const N: usize>() -> Result<String, getrandom::Error> {
    Ok(ajar_core::privacy::hex(&bytes::<N>()?))
}
