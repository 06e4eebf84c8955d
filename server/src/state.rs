//! What every request handler can reach.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos_axum::{AxumRouteListing, generate_route_list};
use np_app::App;
use np_domain::Services;
use np_domain::sessions::SessionLifetimes;
use std::sync::Arc;
use url::Url;

use crate::auth::mapping::RoleMapping;
use crate::auth::{Auth, SharedAuth};

/// The router's state: Leptos's site settings, the page routes, and the domain services.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Where the site's files are and how to link them.
    pub leptos_options: LeptosOptions,
    /// The console's page routes.
    pub routes: Vec<AxumRouteListing>,
    /// Database and upstream clients.
    pub services: Services,
    /// Sign-in and sessions.
    pub auth: SharedAuth,
    /// The browser's code, brotli-compressed.
    pub assets: Arc<crate::assets::Assets>,
}

impl AppState {
    /// State for serving the console's pages with `leptos_options` over `services`.
    pub fn new(leptos_options: LeptosOptions, services: Services) -> Self {
        let pkg = std::path::Path::new(leptos_options.site_root.as_ref())
            .join(leptos_options.site_pkg_dir.as_ref());
        Self {
            assets: crate::assets::Assets::new(pkg),
            leptos_options,
            routes: generate_route_list(App),
            services,
            auth: Arc::new(Auth {
                oidc: None,
                public_url: Url::parse("http://127.0.0.1:3000").unwrap_or_else(|_| unreachable!()),
                lifetimes: SessionLifetimes {
                    idle: time::Duration::hours(1),
                    absolute: time::Duration::hours(12),
                },
                mapping: RoleMapping::default(),
                trusted_proxies: Vec::new(),
            }),
        }
    }

    /// The same state with `auth` for sign-in.
    pub fn with_auth(mut self, auth: Auth) -> Self {
        self.auth = Arc::new(auth);
        self
    }
}
