//! Reusable pieces of the page: layout, navigation, theme, tenant switcher, error display.

pub mod error_view;
pub mod fields;
pub mod layout;
pub mod tenant_switcher;
pub mod theme;
