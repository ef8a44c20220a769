//! The WebSocket handshake's accept key (RFC 6455 §4.2.2): SHA-1 from ring, Base64 from the
//! base64 crate.

use base64::Engine as _;

/// `Sec-WebSocket-Accept` for a client key.
pub fn websocket_accept(key: &str) -> String {
    let input = format!("{}258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key.trim());
    let hash = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, input.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(hash.as_ref())
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc6455_example() {
        assert_eq!(super::websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }
}
