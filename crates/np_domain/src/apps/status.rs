//! An app's status as Nomad reports it, for the API and the CLI.

use serde::{Deserialize, Serialize};

use super::{counts, open_app, query, tenant_job};
use crate::authz::{Action, Caller};
use crate::{DomainError, Services};

/// An app's state as Nomad reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatus {
    /// The app.
    pub app: String,
    /// Its Nomad job.
    pub job_id: String,
    /// `pending`, `running` or `dead`.
    pub status: String,
    /// The job's version.
    pub version: u64,
    /// Instances wanted.
    pub desired: i64,
    /// Instances running.
    pub running: i64,
    /// Instances starting or queued.
    pub pending: i64,
    /// Instances failed.
    pub failed: i64,
    /// The latest deployment's status (`running`, `successful`, `failed`, …), if any.
    pub deployment: Option<String>,
    /// The instances.
    pub instances: Vec<Instance>,
}

/// One allocation of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Allocation ID.
    pub id: String,
    /// Node name.
    pub node: String,
    /// `pending`, `running`, `complete`, `failed`, `lost`.
    pub status: String,
    /// The job version it runs.
    pub version: u64,
    /// Whether Nomad wants it running.
    pub desired: String,
}

/// The status of `app` in `tenant`.
///
/// # Errors
/// `NotFound` for an unknown app; authorization and upstream errors.
pub async fn status(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
) -> Result<AppStatus, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::View).await?;
    let q = query(&tenant);
    let job = tenant_job(&nomad, &tenant, &job_id).await?;
    let (summary, _) = nomad
        .jobs()
        .summary(&job_id, &q)
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    let (allocs, _) = nomad
        .jobs()
        .allocations(&job_id, false, &q)
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    let (deployment, _) = nomad
        .jobs()
        .latest_deployment(&job_id, &q)
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    let desired = job
        .task_groups
        .iter()
        .flatten()
        .map(|g| g.count.unwrap_or(0))
        .sum();
    let totals = counts(&summary);
    Ok(AppStatus {
        app: app.to_owned(),
        job_id,
        status: job.status.unwrap_or_default(),
        version: job.version.unwrap_or(0),
        desired,
        running: totals.0,
        pending: totals.1,
        failed: totals.2,
        deployment: deployment.map(|d| d.status),
        instances: allocs
            .into_iter()
            .map(|a| Instance {
                id: a.id,
                node: a.node_name,
                status: a.client_status,
                version: a.job_version,
                desired: a.desired_status,
            })
            .collect(),
    })
}
