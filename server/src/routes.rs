//! HTTP routes and layers outside the Leptos pages: health probes, and the status of server functions' errors.

pub mod health;
pub mod server_fn_status;
