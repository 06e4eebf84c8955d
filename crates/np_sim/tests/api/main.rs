//! The simulator driven only through its HTTP APIs, with the console's own clients.

mod consul;
mod evaluations;
mod events;
mod faults;
mod generated;
mod nodes_acl;
mod nomad;
mod openobserve;
mod plan;
mod refusals;
mod rollback;
mod scaling;
mod shapes;
mod support;
