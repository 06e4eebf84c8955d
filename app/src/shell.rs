//! The HTML document and the router.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::layout::Layout;
use crate::components::theme::initial_theme;
use crate::pages::app::AppPage;
use crate::pages::apps::AppsPage;
use crate::pages::audit::{AuditLogPage, AuditRecordPage};
use crate::pages::tenant::{TenantSettingsPage, TenantsPage};
use crate::pages::{
    deploy::DeployPage, login::LoginPage, not_found::NotFound, overview::OverviewPage,
};

/// The whole HTML document, rendered on the server around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = initial_theme();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme.as_str()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The console: layout, navigation and pages.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/np.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "np".to_owned() } else { format!("{page} · np") }
        } />
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=OverviewPage ssr=SsrMode::Async />
                    <Route path=path!("/deploy") view=DeployPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage />
                    <Route path=path!("/apps") view=AppsPage ssr=SsrMode::Async />
                    <Route path=path!("/apps/:app") view=AppPage ssr=SsrMode::Async />
                    <Route path=path!("/tenant") view=TenantSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/tenants") view=TenantsPage ssr=SsrMode::Async />
                    <Route path=path!("/audit") view=AuditLogPage ssr=SsrMode::Async />
                    <Route path=path!("/audit/:seq") view=AuditRecordPage ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}
