//! HTTP routes outside the Leptos pages: health probes (and, later, OIDC, the REST API, streams).

pub mod health;
