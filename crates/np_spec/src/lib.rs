//! The app model shared by the browser and the server: names, specs, policy and job generation.
//!
//! Everything here is pure (no I/O) and compiles to WebAssembly, so the deploy form can show exactly what the
//! server will generate.

pub mod names;
