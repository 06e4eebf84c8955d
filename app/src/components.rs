//! Reusable pieces of the page: layout, navigation, theme, tenant switcher, error display.

pub mod error_view;
pub mod fields;
pub mod layout;
pub mod tenant_switcher;
pub mod theme;
pub mod user_menu;

/// Percent-encodes `text` for a query parameter value.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes text for a `data:` URL.
pub fn data_url(text: &str) -> String {
    let mut out = String::from("data:text/plain;charset=utf-8,");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
