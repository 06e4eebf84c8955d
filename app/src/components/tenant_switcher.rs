//! The tenant switcher in the header. Until sign-in exists it only explains how tenants appear.

use leptos::prelude::*;

/// A button that opens the list of the user's tenants.
#[component]
pub fn TenantSwitcher() -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div class="relative">
            <button
                type="button"
                class="flex items-center gap-2 rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover"
                aria-haspopup="true"
                aria-expanded=move || open.get().to_string()
                aria-controls="tenant-menu"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class="text-muted">"Tenant"</span>
                <span class="font-medium">"none"</span>
                <span aria-hidden="true" class="text-muted">"▾"</span>
            </button>
            <div
                id="tenant-menu"
                role="menu"
                class="absolute right-0 z-10 mt-2 w-64 rounded-md border border-line bg-panel p-3 text-sm shadow-lg"
                hidden=move || !open.get()
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        open.set(false);
                    }
                }
            >
                <p class="text-muted">"Sign in to see the tenants you belong to."</p>
            </div>
        </div>
    }
}
