//! The simulator driven only through its HTTP APIs, with the console's own clients.

mod consul;
mod faults;
mod generated;
mod nomad;
mod openobserve;
mod rollback;
mod scaling;
mod support;
