//! The frame around every page: header with navigation, tenant switcher and theme picker; content; footer.
//!
//! The tenant a person works in is kept everywhere: in the address (`?tenant=`) of every navigation link, and
//! remembered by the browser (a cookie the server reads when an address names none).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_query_map};

use super::error_view::ErrorPage;
use super::tenant_switcher::TenantSwitcher;
use super::theme::ThemePicker;
use super::url_encode;
use super::user_menu::{SessionResource, UserMenu};

/// The tenant the pages act in now: the address's, else the one chosen last on this page (else the session's
/// default, which [`CurrentTenant::or`] adds once the session is loaded).
#[derive(Debug, Clone, Copy)]
pub struct CurrentTenant(pub Memo<Option<String>>);

impl CurrentTenant {
    /// The current tenant, or the session's `default` when the page has none.
    pub fn or(self, default: Option<String>) -> Memo<Option<String>> {
        Memo::new(move |_| self.0.get().or_else(|| default.clone()))
    }
}

/// Remembers `tenant` in the browser for a year.
fn remember(tenant: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        /// The cookie the server reads when an address names no tenant (`context::TENANT_COOKIE`).
        const TENANT_COOKIE: &str = "np_tenant";
        if let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() {
            let cookie = format!(
                "{TENANT_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                url_encode(tenant)
            );
            let _ = doc.set_cookie(&cookie);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = tenant;
}

/// The page frame.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let session: SessionResource = Resource::new(|| (), |_| crate::session::get_session());
    provide_context(session);
    let query = use_query_map();
    let chosen = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(t) = query.read().get("tenant").filter(|t| !t.is_empty()) {
            remember(&t);
            chosen.set(Some(t));
        }
    });
    // The session's default joins this where the session has been loaded (see [`CurrentTenant::or`]).
    let current = Memo::new(move |_| {
        query
            .read()
            .get("tenant")
            .filter(|t| !t.is_empty())
            .or_else(|| chosen.get())
    });
    provide_context(CurrentTenant(current));
    let menu = RwSignal::new(false);
    // A followed link closes the phone menu.
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        menu.set(false);
    });
    view! {
        <div class="flex min-h-screen flex-col bg-bg text-fg">
            <a href="#content" class="sr-only focus:not-sr-only focus:absolute focus:p-2">
                "Skip to content"
            </a>
            <header class="border-b border-line bg-panel">
                <div class="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2 md:h-14 md:flex-nowrap md:py-0">
                    <A href="/" attr:class="flex items-center gap-2 font-semibold tracking-tight">
                        <span class="rounded bg-accent px-1.5 py-0.5 text-on-accent">"np"</span>
                        <span>"console"</span>
                    </A>
                    <button
                        type="button"
                        data-testid="menu-toggle"
                        class="ml-auto rounded-md border border-line px-3 py-1.5 text-sm md:hidden"
                        aria-controls="main-nav"
                        aria-expanded=move || menu.get().to_string()
                        on:click=move |_| menu.update(|m| *m = !*m)
                    >
                        "Menu"
                    </button>
                    <div
                        id="main-nav"
                        class="w-full flex-col gap-3 md:flex md:w-auto md:flex-1 md:flex-row md:items-center"
                        class:hidden=move || !menu.get()
                        class:flex=move || menu.get()
                    >
                        <nav aria-label="Main" class="flex flex-col gap-1 text-sm md:flex-row md:items-center">
                            <Transition fallback=|| ()>
                                {move || Suspend::new(async move {
                                    let info = session.await.ok().flatten();
                                    let platform_admin = info.as_ref().is_some_and(|i| i.platform_role.as_deref() == Some("admin"));
                                    let platform = info.as_ref().is_some_and(|i| i.platform_role.is_some());
                                    let role_in = |roles: &[&str]| {
                                        info.as_ref().is_some_and(|i| i.tenants.iter().any(|t| roles.contains(&t.role.as_str())))
                                    };
                                    let deployer = platform_admin || role_in(&["admin", "developer"]);
                                    let auditor = platform || role_in(&["admin", "auditor"]);
                                    let tenant = expect_context::<CurrentTenant>()
                                        .or(info.as_ref().and_then(|i| i.default_tenant.clone()));
                                    let none = Memo::new(|_| None::<String>);
                                    view! {
                                        <NavLink href="/" label="Overview" tenant=none />
                                        <NavLink href="/apps" label="Apps" tenant />
                                        {deployer.then(|| view! { <NavLink href="/deploy" label="Deploy" tenant /> })}
                                        <NavLink href="/tenant" label="Tenant" tenant />
                                        {auditor.then(|| view! { <NavLink href="/audit" label="Audit" tenant=none /> })}
                                        {platform.then(|| view! { <NavLink href="/tenants" label="Tenants" tenant=none /> })}
                                    }
                                })}
                            </Transition>
                        </nav>
                        <div class="flex flex-wrap items-center gap-3 md:ml-auto">
                            <TenantSwitcher />
                            <ThemePicker />
                            <UserMenu />
                        </div>
                    </div>
                </div>
            </header>
            <main id="content" class="mx-auto w-full min-w-0 max-w-7xl flex-1 px-4 py-8">
                <ErrorBoundary fallback=|errors| view! { <ErrorPage errors /> }>{children()}</ErrorBoundary>
            </main>
            <footer class="border-t border-line py-4 text-center text-xs text-muted">
                "np console " {env!("CARGO_PKG_VERSION")}
            </footer>
        </div>
    }
}

/// A navigation link, marked as current when its page is shown; pages that act in a tenant keep the
/// current one in their address.
#[component]
fn NavLink(href: &'static str, label: &'static str, tenant: Memo<Option<String>>) -> impl IntoView {
    let target = move || match tenant.get() {
        Some(t) => format!("{href}?tenant={}", url_encode(&t)),
        None => href.to_owned(),
    };
    view! {
        <A
            href=target
            exact=true
            attr:class="rounded-md px-3 py-1.5 text-muted hover:bg-hover hover:text-fg aria-[current=page]:bg-hover aria-[current=page]:text-fg"
        >
            {label}
        </A>
    }
}
