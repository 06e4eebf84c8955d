//! The colour theme: follows the system unless the user picks light or dark.
//!
//! The choice lives in a cookie so the server renders the right theme on the first byte (no flash); the
//! browser switches it in place by setting `data-theme` on `<html>`.

use leptos::prelude::*;

/// A colour theme choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Follow the operating system's preference.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// The cookie that remembers the choice.
pub const THEME_COOKIE: &str = "np_theme";

impl Theme {
    /// Every choice, in the order shown.
    pub const ALL: [Self; 3] = [Self::System, Self::Light, Self::Dark];

    /// The value used in the cookie and the `data-theme` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    /// Reads a stored value; anything unknown means [`Theme::System`].
    pub fn parse(value: &str) -> Self {
        match value {
            "light" => Self::Light,
            "dark" => Self::Dark,
            _ => Self::System,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::System => "System",
            Self::Light => "Light",
            Self::Dark => "Dark",
        }
    }
}

/// The theme to render with: from the request's cookie on the server, from `<html data-theme>` in the browser
/// (which the server set), so both sides agree during hydration.
pub fn initial_theme() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                let cookies = parts.headers.get_all(http::header::COOKIE);
                cookies
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find_map(|header| {
                        header.split(';').find_map(|pair| {
                            let (name, value) = pair.trim().split_once('=')?;
                            (name == THEME_COOKIE).then(|| Theme::parse(value))
                        })
                    })
            })
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        document()
            .document_element()
            .and_then(|html| html.get_attribute("data-theme"))
            .map(|value| Theme::parse(&value))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Theme::default()
    }
}

/// Applies `theme` to the page and remembers it for a year.
fn apply(theme: Theme) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("data-theme", theme.as_str());
        }
        if let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() {
            let cookie = format!(
                "{THEME_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                theme.as_str()
            );
            let _ = doc.set_cookie(&cookie);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = theme;
}

/// A three-way switch: System, Light, Dark.
#[component]
pub fn ThemePicker() -> impl IntoView {
    let current = RwSignal::new(initial_theme());
    view! {
        <div class="flex rounded-md border border-line p-0.5 text-xs" role="group" aria-label="Colour theme">
            {Theme::ALL
                .into_iter()
                .map(|theme| {
                    view! {
                        <button
                            type="button"
                            class="rounded px-2 py-1 text-muted aria-pressed:bg-accent aria-pressed:text-on-accent"
                            aria-pressed=move || (current.get() == theme).to_string()
                            on:click=move |_| {
                                current.set(theme);
                                apply(theme);
                            }
                        >
                            {theme.label()}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_round_trip_and_unknown_ones_follow_the_system() {
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.as_str()), theme);
        }
        assert_eq!(Theme::parse("purple"), Theme::System);
        assert_eq!(Theme::parse(""), Theme::System);
    }
}
