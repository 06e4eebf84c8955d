//! One module per page (route component).

pub mod app;
pub mod apps;
pub mod audit;
pub mod deploy;
pub mod login;
pub mod not_found;
pub mod overview;
pub mod tenant;
