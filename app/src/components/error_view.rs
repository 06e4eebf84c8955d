//! How errors are shown inside a page.

use leptos::prelude::*;

use crate::AppError;

/// A notice for one failed operation, with the text the user can act on.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let title = match &error {
        AppError::NotFound(_) => "Not found",
        AppError::Unauthenticated => "Sign-in required",
        AppError::Forbidden => "Not allowed",
        AppError::Invalid { .. } => "Invalid input",
        AppError::Conflict(_) => "Conflict",
        AppError::Unavailable { .. } => "Temporarily unavailable",
        AppError::Internal { .. } | AppError::Transport(_) => "Something went wrong",
    };
    view! {
        <div role="alert" class="rounded-md border border-bad/40 bg-bad/10 p-4 text-sm">
            <p class="font-medium text-bad">{title}</p>
            <p class="mt-1">{error.to_string()}</p>
        </div>
    }
}
