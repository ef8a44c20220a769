//! ajar's browser app: see DESIGN.md. Pages in `pages/`, adapters in `probe/`,
//! every decision in `ajar_core`. A library so that browser tests
//! (`wasm-tests/`) can drive the adapters directly.

//! Without the default `app` feature it builds without yew: the probes, the runner, the
//! collector client, the translation layer and report building, for lighter hosts (the embed).

#[cfg(feature = "app")]
mod app;
pub mod automation;
pub mod campaign;
pub mod canaries;
pub mod collector;
pub mod i18n;
pub mod load;
pub mod net;
#[cfg(feature = "app")]
mod pages;
pub mod params;
pub mod probe;
pub mod report_build;
pub mod runner;
#[cfg(feature = "app")]
mod session;
#[cfg(feature = "app")]
mod state;

/// Mounts the app on the page's body.
#[cfg(feature = "app")]
pub fn mount() {
    yew::Renderer::<app::App>::new().render();
}
