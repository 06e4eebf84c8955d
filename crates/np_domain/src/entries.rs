//! The one authorization table: every entry point of the console — page, server function, API route, event
//! stream, download — with who may use it and by which kind of credential.
//!
//! The router builds the API from it, the server functions check their caller against it (a server function
//! that is not in it refuses everyone), the OpenAPI document describes it, and the role-matrix test walks all
//! of it with every kind of caller. Pages and server functions are for people in a browser (session cookie)
//! unless their row says otherwise; API tokens use the REST API.

mod api;
mod console;

pub use api::API;
pub use console::{PAGES, SERVER_FNS};

use crate::authz::Action;

/// Who may use an entry point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any authenticated caller.
    Authenticated,
    /// A role in the tenant the request names allowing this action.
    Tenant(Action),
    /// Platform admins only.
    PlatformAdmin,
    /// Platform admins and platform auditors.
    Platform,
    /// Auditors and admins, of the platform or of any tenant (each sees what their roles cover).
    Auditor,
}

/// What kind of entry point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A page (rendered on the server, then hydrated).
    Page,
    /// A server function the pages call (`/api/<name>`).
    ServerFn,
    /// A REST API route (`/api/v1/…`), event streams and downloads included.
    Api,
}

/// One entry point.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// What kind.
    pub kind: Kind,
    /// HTTP method.
    pub method: &'static str,
    /// Path (for the API, under `/api/v1`), with `{tenant}`-style parameters.
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Who may use it.
    pub access: Access,
    /// Whether only a person (a browser session, not an API token) may use it.
    pub people_only: bool,
}

/// A page: for people in a browser.
pub(crate) const fn page(path: &'static str, summary: &'static str, access: Access) -> Entry {
    Entry {
        kind: Kind::Page,
        method: "GET",
        path,
        summary,
        access,
        people_only: true,
    }
}

/// A server function: for people in a browser.
pub(crate) const fn server_fn(path: &'static str, summary: &'static str, access: Access) -> Entry {
    Entry {
        kind: Kind::ServerFn,
        method: "POST",
        path,
        summary,
        access,
        people_only: true,
    }
}

/// An API route any caller allowed by `access` may use, API tokens included.
pub(crate) const fn api(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    access: Access,
) -> Entry {
    Entry {
        kind: Kind::Api,
        method,
        path,
        summary,
        access,
        people_only: false,
    }
}

/// An API route only for people (a signed-in browser or script with a session), never an API token.
pub(crate) const fn api_people(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    access: Access,
) -> Entry {
    Entry {
        people_only: true,
        ..api(method, path, summary, access)
    }
}

/// Every entry point, pages first.
pub fn all() -> impl Iterator<Item = &'static Entry> {
    PAGES.iter().chain(SERVER_FNS).chain(API)
}

/// The page or server function a request to `path` reaches (pages match their `{param}` segments).
pub fn console_entry(path: &str) -> Option<&'static Entry> {
    SERVER_FNS
        .iter()
        .find(|e| e.path == path)
        .or_else(|| PAGES.iter().find(|e| matches(e.path, path)))
}

/// Whether `path` is an instance of `pattern` (`/apps/{app}` matches `/apps/web`).
pub fn matches(pattern: &str, path: &str) -> bool {
    let (p, q): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len()
        && p.iter()
            .zip(&q)
            .all(|(p, q)| (p.starts_with('{') && !q.is_empty()) || p == q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_find_their_entry() {
        assert_eq!(
            console_entry("/apps/web").map(|e| e.path),
            Some("/apps/{app}")
        );
        assert_eq!(console_entry("/apps").map(|e| e.path), Some("/apps"));
        assert_eq!(
            console_entry("/api/operate_app").map(|e| e.kind),
            Some(Kind::ServerFn)
        );
        assert!(console_entry("/api/no_such_function").is_none());
        assert!(console_entry("/apps/web/more").is_none());
    }

    #[test]
    fn every_entry_is_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for e in all() {
            assert!(
                seen.insert((e.kind as u8, e.method, e.path)),
                "{} {} twice",
                e.method,
                e.path
            );
        }
    }
}
