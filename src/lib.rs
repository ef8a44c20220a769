//! ajar's browser app: see DESIGN.md. Pages in `pages/`, adapters in `probe/`,
//! every decision in `ajar_core`. A library so that browser tests
//! (`wasm-tests/`) can drive the adapters directly.

mod app;
mod automation;
pub mod collector;
pub mod i18n;
pub mod net;
mod pages;
pub mod params;
pub mod probe;
mod runner;
mod state;

/// Mounts the app on the page's body.
pub fn mount() {
    yew::Renderer::<app::App>::new().render();
}
