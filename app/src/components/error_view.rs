//! How errors are shown: a notice inside a page, or the error page when a whole page fails.

use leptos::prelude::*;

use crate::AppError;

/// A notice for one failed operation, with the text the user can act on.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let sign_in = matches!(error, AppError::Unauthenticated).then(|| {
        let location = leptos_router::hooks::use_location();
        let next = format!(
            "/auth/login?next={}",
            crate::components::url_encode(&format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            ))
        );
        view! {
            <a href=next rel="external" class="mt-3 inline-block rounded-md bg-accent px-3 py-1.5 text-on-accent">
                "Sign in"
            </a>
        }
    });
    view! {
        <div role="alert" class="rounded-md border border-bad/40 bg-bad/10 p-4 text-sm">
            <p class="font-medium text-bad">{title(&error)}</p>
            <p class="mt-1">{error.to_string()}</p>
            {sign_in}
        </div>
    }
}

/// The page shown when rendering a page failed: what went wrong, with request ids to quote, and HTTP status
/// 500 (or the status the first error implies) when rendered on the server.
#[component]
pub fn ErrorPage(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let status_source = errors.clone();
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, error)| match error.downcast_ref::<AppError>() {
                Some(app) => (title(app), app.to_string()),
                None => ("Something went wrong", error.to_string()),
            })
            .collect::<Vec<_>>()
    };
    #[cfg(not(feature = "ssr"))]
    let _ = status_source;
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let status = status_source
            .get_untracked()
            .into_iter()
            .find_map(|(_, e)| e.downcast_ref::<AppError>().map(AppError::status))
            .unwrap_or(500);
        response.set_status(
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    view! {
        <section class="mx-auto max-w-xl py-12" data-testid="error-page">
            <h1 class="text-xl font-semibold">"This page could not be shown"</h1>
            <ul class="mt-4 space-y-3">
                {move || {
                    messages()
                        .into_iter()
                        .map(|(title, message)| {
                            view! {
                                <li role="alert" class="rounded-md border border-bad/40 bg-bad/10 p-4 text-sm">
                                    <p class="font-medium text-bad">{title}</p>
                                    <p class="mt-1">{message}</p>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <a href="/" class="mt-6 inline-block rounded-md border border-line px-4 py-2 text-sm hover:bg-hover">
                "Back to the overview"
            </a>
        </section>
    }
}

fn title(error: &AppError) -> &'static str {
    match error {
        AppError::NotFound(_) => "Not found",
        AppError::Unauthenticated => "Sign-in required",
        AppError::Forbidden => "Not allowed",
        AppError::Invalid { .. } => "Invalid input",
        AppError::Conflict(_) => "Conflict",
        AppError::TooMany(_) => "Too many requests",
        AppError::Unavailable { .. } => "Temporarily unavailable",
        AppError::Internal { .. } | AppError::Transport(_) => "Something went wrong",
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_error_page_lists_each_error_with_its_request_id() {
        let owner = Owner::new();
        owner.set();
        let mut errors = Errors::default();
        errors.insert_with_default_key(AppError::Unavailable {
            service: "the database".into(),
            request_id: "req-42".into(),
        });
        let html = view! { <ErrorPage errors=ArcRwSignal::new(errors) /> }.to_html();
        assert!(html.contains("Temporarily unavailable"), "{html}");
        assert!(
            html.contains(
                "the database is unavailable right now; please try again (request req-42)"
            ),
            "{html}"
        );
    }

    #[test]
    fn statuses_follow_the_kind_of_error() {
        assert_eq!(AppError::NotFound("app".into()).status(), 404);
        assert_eq!(AppError::Forbidden.status(), 403);
        assert_eq!(AppError::Conflict("x".into()).status(), 409);
        assert_eq!(
            AppError::Internal {
                request_id: "r".into()
            }
            .status(),
            500
        );
    }
}
