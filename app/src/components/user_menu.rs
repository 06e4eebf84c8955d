//! The header's right side: who is signed in, and the sign-out button; or a sign-in link.

use leptos::prelude::*;

use crate::AppError;
use crate::session::SessionInfo;

/// The session as the header loaded it (shared by the user menu and the tenant switcher).
pub type SessionResource = Resource<Result<Option<SessionInfo>, AppError>>;

/// "Sign in", or the user's name with a sign-out button.
#[component]
pub fn UserMenu() -> impl IntoView {
    let session = expect_context::<SessionResource>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(Some(info)) => view! { <SignedIn info /> }.into_any(),
                    _ => view! { <SignInLink /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SignInLink() -> impl IntoView {
    view! {
        <a
            href="/auth/login"
            rel="external"
            data-testid="sign-in"
            class="rounded-md bg-accent px-3 py-1.5 text-sm text-on-accent"
        >
            "Sign in"
        </a>
    }
}

#[component]
fn SignedIn(info: SessionInfo) -> impl IntoView {
    let role = info.platform_role.as_ref().map(|r| {
        view! { <span class="rounded bg-hover px-1.5 py-0.5 text-xs text-muted">{format!("platform {r}")}</span> }
    });
    view! {
        <div class="flex items-center gap-2 text-sm">
            <span data-testid="user-name" class="font-medium" title=info.email.clone().unwrap_or_default()>
                {info.display_name.clone()}
            </span>
            {role}
            // A plain form: works without JavaScript, and the server checks it came from this origin.
            <form method="post" action="/auth/logout">
                <button type="submit" class="rounded-md border border-line px-2 py-1 hover:bg-hover">
                    "Sign out"
                </button>
            </form>
        </div>
    }
}
