//! What every request handler can reach.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos_axum::{AxumRouteListing, generate_route_list};
use np_app::App;
use np_domain::Services;

/// The router's state: Leptos's site settings, the page routes, and the domain services.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Where the site's files are and how to link them.
    pub leptos_options: LeptosOptions,
    /// The console's page routes.
    pub routes: Vec<AxumRouteListing>,
    /// Database and upstream clients.
    pub services: Services,
}

impl AppState {
    /// State for serving the console's pages with `leptos_options` over `services`.
    pub fn new(leptos_options: LeptosOptions, services: Services) -> Self {
        Self {
            leptos_options,
            routes: generate_route_list(App),
            services,
        }
    }
}
