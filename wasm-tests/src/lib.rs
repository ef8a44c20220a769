//! Tests only: see `tests/` (browser, wasm-bindgen-test) and `e2e/` (node + Chromium).
