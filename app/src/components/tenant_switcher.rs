//! The tenant switcher in the header: the tenants the user may act in, and which one the page shows.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::layout::CurrentTenant;
use super::url_encode;
use super::user_menu::SessionResource;
use crate::session::TenantChoice;

/// A button that opens the list of the user's tenants.
#[component]
pub fn TenantSwitcher() -> impl IntoView {
    let session = expect_context::<SessionResource>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(Some(info)) => view! { <Switcher tenants=info.tenants default=info.default_tenant /> }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Switcher(tenants: Vec<TenantChoice>, default: Option<String>) -> impl IntoView {
    let open = RwSignal::new(false);
    let location = use_location();
    let current = expect_context::<CurrentTenant>().or(default);
    // The same page in the other tenant; an app's page becomes the other tenant's apps list (the app is
    // this tenant's).
    let page = move || {
        let path = location.pathname.get();
        if path.starts_with("/apps/") {
            "/apps".to_owned()
        } else if path.starts_with("/audit/") {
            "/audit".to_owned()
        } else {
            path
        }
    };
    let empty = tenants.is_empty();
    let items = tenants
        .into_iter()
        .map(|t| {
            let slug = t.slug.clone();
            let href = move || format!("{}?tenant={}", page(), url_encode(&slug));
            let selected_slug = t.slug.clone();
            view! {
                <li>
                    <a
                        href=href
                        role="menuitem"
                        class="flex items-center justify-between rounded px-2 py-1.5 hover:bg-hover"
                        aria-current=move || (current.get().as_deref() == Some(selected_slug.as_str())).then_some("true")
                        on:click=move |_| open.set(false)
                    >
                        <span>{t.name}</span>
                        <span class="text-xs text-muted">{t.role}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="relative">
            <button
                type="button"
                data-testid="tenant-switcher"
                class="flex items-center gap-2 rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover"
                aria-haspopup="true"
                aria-expanded=move || open.get().to_string()
                aria-controls="tenant-menu"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class="text-muted">"Tenant"</span>
                <span class="font-medium" data-testid="current-tenant">{move || current.get().unwrap_or_else(|| "none".into())}</span>
                <span aria-hidden="true" class="text-muted">"▾"</span>
            </button>
            <div
                id="tenant-menu"
                role="menu"
                class="absolute right-0 z-10 mt-2 w-64 rounded-md border border-line bg-panel p-2 text-sm shadow-lg"
                hidden=move || !open.get()
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        open.set(false);
                    }
                }
            >
                {empty.then(|| view! { <p class="p-2 text-muted">"You are not a member of any tenant yet. Ask a tenant admin to add you."</p> })}
                <ul>{items}</ul>
            </div>
        </div>
    }
}
