//! The np console's user interface: Leptos components rendered on the server and hydrated in the browser, and
//! the thin server functions they call.
//!
//! Built twice: with `ssr` into the server (where server functions run) and with `hydrate` into the browser's
//! WebAssembly (where they become HTTP calls). Server-only code sits behind `#[cfg(feature = "ssr")]`.

pub mod ansi;
pub mod apps;
pub mod audit;
mod components;
#[cfg(feature = "ssr")]
mod context;
pub mod deploy;
pub mod error;
mod files;
mod live;
pub mod operate;
mod pages;
pub mod session;
mod shell;
pub mod status;
pub mod tenancy;

pub use error::AppError;
pub use shell::{App, shell};
