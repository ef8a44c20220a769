//! ajar's browser app: see DESIGN.md. Pages in `pages/`, adapters in `probe/`,
//! every decision in `ajar_core`.

mod app;
mod automation;
mod collector;
mod i18n;
mod net;
mod pages;
mod params;
mod probe;
mod runner;
mod state;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
