//! The np console server: configuration, database, upstream clients, router, and the command-line tool.
//!
//! `main.rs` is a thin command dispatcher; everything here is also used by the integration tests.

pub mod api;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod client;
pub mod config;
pub mod database;
pub mod demo;
pub mod host;
pub mod render;
pub mod router;
pub mod routes;
pub mod security;
pub mod serve;
pub mod sim;
pub mod state;
pub mod telemetry;
pub mod upstreams;
