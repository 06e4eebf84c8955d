//! The page for addresses that lead nowhere.

use leptos::prelude::*;
use leptos_meta::Title;

/// "Not found", answered with HTTP status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="mx-auto max-w-md py-16 text-center">
            <p class="text-5xl font-semibold text-muted">"404"</p>
            <h1 class="mt-4 text-xl font-semibold">"There is nothing at this address"</h1>
            <p class="mt-2 text-muted">"The page may have moved, or the link may be mistyped."</p>
            <a href="/" class="mt-6 inline-block rounded-md bg-accent px-4 py-2 text-sm text-on-accent">
                "Back to the overview"
            </a>
        </section>
    }
}
