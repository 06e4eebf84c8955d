//! The sign-in page: where sign-in starts, and where every sign-in failure is explained. It never redirects
//! by itself, so a failing provider cannot cause a redirect loop.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::url_encode;
use crate::session::{sign_in_available, sign_in_error_message};

/// `/login?error=<code>&next=<path>`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("error");
    let href = move || match query.read().get("next") {
        Some(next) => format!("/auth/login?next={}", url_encode(&next)),
        None => "/auth/login".to_owned(),
    };
    let configured = Resource::new(|| (), |_| sign_in_available());
    view! {
        <Title text="Sign in" />
        <section class="mx-auto max-w-md py-12">
            <h1 class="text-2xl font-semibold tracking-tight">"Sign in to np"</h1>
            {move || {
                error()
                    .map(|code| {
                        view! {
                            <div role="alert" data-testid="sign-in-error" data-code=code.clone()
                                class="mt-6 rounded-md border border-bad/40 bg-bad/10 p-4 text-sm">
                                <p class="font-medium text-bad">"You are not signed in"</p>
                                <p class="mt-1">{sign_in_error_message(&code)}</p>
                            </div>
                        }
                    })
            }}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let configured = configured.await.unwrap_or(false);
                    view! { <SignInOffer configured href=href() /> }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SignInOffer(configured: bool, href: String) -> impl IntoView {
    view! {
            <p class="mt-6 text-muted">
                {if configured {
                    "You sign in with your organisation's account. The console learns your name, e-mail and groups; \
                     your groups decide your roles."
                } else {
                    "Sign-in is not set up on this console: an operator must configure an OpenID Connect provider \
                     (NP_OIDC_ISSUER, NP_OIDC_CLIENT_ID). Pipelines can still use API tokens."
                }}
            </p>
            {configured
                .then(|| {
                    view! {
                        <a href=href rel="external" data-testid="sign-in-start"
                            class="mt-6 inline-block rounded-md bg-accent px-4 py-2 text-on-accent">
                            "Sign in with your organisation"
                        </a>
                    }
                })}
    }
}
