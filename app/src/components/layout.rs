//! The frame around every page: header with navigation, tenant switcher and theme picker; content; footer.

use leptos::prelude::*;
use leptos_router::components::A;

use super::error_view::ErrorPage;
use super::tenant_switcher::TenantSwitcher;
use super::theme::ThemePicker;
use super::user_menu::{SessionResource, UserMenu};

/// The page frame.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let session: SessionResource = Resource::new(|| (), |_| crate::session::get_session());
    provide_context(session);
    view! {
        <div class="flex min-h-screen flex-col bg-bg text-fg">
            <a href="#content" class="sr-only focus:not-sr-only focus:absolute focus:p-2">
                "Skip to content"
            </a>
            <header class="border-b border-line bg-panel">
                <div class="mx-auto flex h-14 max-w-7xl items-center gap-6 px-4">
                    <A href="/" attr:class="flex items-center gap-2 font-semibold tracking-tight">
                        <span class="rounded bg-accent px-1.5 py-0.5 text-on-accent">"np"</span>
                        <span>"console"</span>
                    </A>
                    <nav aria-label="Main" class="flex items-center gap-1 text-sm">
                        <NavLink href="/" label="Overview" />
                        <NavLink href="/apps" label="Apps" />
                        <NavLink href="/deploy" label="Deploy" />
                        <NavLink href="/tenant" label="Tenant" />
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                let info = session.await.ok().flatten();
                                let platform = info.as_ref().is_some_and(|i| i.platform_role.is_some());
                                let auditor = platform
                                    || info.as_ref().is_some_and(|i| i.tenants.iter().any(|t| t.role == "admin" || t.role == "auditor"));
                                view! {
                                    {auditor.then(|| view! { <NavLink href="/audit" label="Audit" /> })}
                                    {platform.then(|| view! { <NavLink href="/tenants" label="Tenants" /> })}
                                }
                            })}
                        </Transition>
                    </nav>
                    <div class="ml-auto flex items-center gap-3">
                        <TenantSwitcher />
                        <ThemePicker />
                        <UserMenu />
                    </div>
                </div>
            </header>
            <main id="content" class="mx-auto w-full max-w-7xl flex-1 px-4 py-8">
                <ErrorBoundary fallback=|errors| view! { <ErrorPage errors /> }>{children()}</ErrorBoundary>
            </main>
            <footer class="border-t border-line py-4 text-center text-xs text-muted">
                "np console " {env!("CARGO_PKG_VERSION")}
            </footer>
        </div>
    }
}

/// A navigation link, marked as current when its page is shown.
#[component]
fn NavLink(href: &'static str, label: &'static str) -> impl IntoView {
    view! {
        <A
            href=href
            exact=true
            attr:class="rounded-md px-3 py-1.5 text-muted hover:bg-hover hover:text-fg aria-[current=page]:bg-hover aria-[current=page]:text-fg"
        >
            {label}
        </A>
    }
}
