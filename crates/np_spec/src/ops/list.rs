//! The apps list.

use serde::{Deserialize, Serialize};

/// One app in the apps list: Nomad's counts, Consul's checks and the console's last deploy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRow {
    /// The app.
    pub app: String,
    /// Its Nomad job.
    pub job_id: String,
    /// `pending`, `running` or `dead` (a stopped app is `dead`).
    pub status: String,
    /// `healthy`, `starting`, `degraded`, `failed`, `stopped` (from Nomad's counts) or `failing checks` (Consul).
    pub health: String,
    /// Instances running.
    pub running: i64,
    /// Instances wanted (running, starting or waiting for placement).
    pub desired: i64,
    /// Instances failed.
    pub failed: i64,
    /// Who deployed last, when (RFC 3339), and the outcome, from the console's records.
    pub last_deploy: Option<(String, String, String)>,
    /// The URLs Traefik routes to it now (from its services' tags in Consul).
    pub urls: Vec<String>,
}

/// A page of apps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppsPage {
    /// The apps, by name.
    pub apps: Vec<AppRow>,
    /// The token of the next page, if there is one.
    pub next_token: Option<String>,
}
