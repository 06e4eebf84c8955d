//! One module per page (route component).

pub mod not_found;
pub mod overview;
