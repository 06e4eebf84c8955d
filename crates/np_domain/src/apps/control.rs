//! Scaling, stopping and starting an app.

use np_nomad::WriteOptions;
use np_nomad::types::ScalingRequest;
use serde_json::json;

use super::{open_app, tenant_job};
use crate::audit;
use crate::authz::{Action, Caller};
use crate::{DomainError, Services, route_hosts};

/// Sets the number of instances of `app`.
///
/// # Errors
/// `Invalid` for a negative count; Nomad's message when outside the app's min/max; authorization and
/// upstream errors.
pub async fn scale(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    count: i64,
) -> Result<String, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::Operate).await?;
    let record = audit::Record::new("app.scale")
        .tenant(&tenant)
        .target("app", app)
        .details(json!({ "count": count }));
    audit::around(
        &services.db,
        &audit::Actor::of(caller),
        record,
        async || {
            if !(0..=1000).contains(&count) {
                return Err(DomainError::invalid("count", "must be between 0 and 1000"));
            }
            let job = tenant_job(&nomad, &tenant, &job_id).await?;
            if job.stop == Some(true) {
                return Err(DomainError::Conflict(format!(
                    "{app} is stopped; start it first, then scale it"
                )));
            }
            let group = np_spec::from_job::main_group(&job, app)
                .ok_or(DomainError::NotFound("app"))?;
            // Nomad refuses a count outside the group's scaling policy in its own words; say it in the
            // app's.
            let bounds = group.scaling.as_ref();
            if let Some(max) = bounds.and_then(|s| s.max)
                && count > max
            {
                return Err(DomainError::invalid(
                    "count",
                    format!(
                        "{app} may run at most {max} instances (its replicas.max); raise the maximum with a \
                         deploy to go further"
                    ),
                ));
            }
            if let Some(min) = bounds.and_then(|s| s.min)
                && count < min
            {
                return Err(DomainError::invalid(
                    "count",
                    format!(
                        "{app} runs at least {min} instances (its replicas.min); lower the minimum with a \
                         deploy, or stop the app"
                    ),
                ));
            }
            let group = group.name.clone().unwrap_or_else(|| app.to_owned());
            let request = ScalingRequest {
                count: Some(count),
                target: [("Group".to_owned(), group)].into(),
                message: format!("scaled by {} through np", caller.display_name),
                namespace: Some(tenant.nomad_namespace.clone()),
                ..ScalingRequest::default()
            };
            let (answer, _) = nomad
                .jobs()
                .scale(
                    &job_id,
                    &request,
                    &WriteOptions::namespace(&tenant.nomad_namespace),
                )
                .await
                .map_err(|e| DomainError::upstream("nomad", e))?;
            Ok(answer.eval_id)
        },
        audit::NomadIds::of_eval,
    )
    .await
}

/// Stops `app`; with `purge`, removes it from Nomad and frees its host names.
///
/// # Errors
/// Authorization and upstream errors; `NotFound` for an unknown app.
pub async fn stop(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    purge: bool,
) -> Result<String, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::Operate).await?;
    let record = audit::Record::new(if purge { "app.purge" } else { "app.stop" })
        .tenant(&tenant)
        .target("app", app);
    audit::around(
        &services.db,
        &audit::Actor::of(caller),
        record,
        async || {
            tenant_job(&nomad, &tenant, &job_id).await?;
            let (answer, _) = nomad
                .jobs()
                .deregister(
                    &job_id,
                    purge,
                    &WriteOptions::namespace(&tenant.nomad_namespace),
                )
                .await
                .map_err(|e| DomainError::upstream("nomad", e))?;
            if purge {
                route_hosts::release(&services.db, tenant.id, app).await?;
            }
            Ok(answer.eval_id)
        },
        audit::NomadIds::of_eval,
    )
    .await
}

/// Starts a stopped `app` again: its running spec (the one it was stopped with) is deployed again as a new
/// deploy (source `start`), recorded and followed like any other.
///
/// # Errors
/// `Conflict` when the app is not stopped or was never deployed through the console; as a deploy otherwise.
pub async fn start(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    idempotency_key: Option<String>,
) -> Result<crate::apps::Deployed, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::Deploy).await?;
    let running = crate::running::running(services, &nomad, &tenant, &job_id, app).await?;
    if running.job.stop != Some(true) {
        return Err(DomainError::Conflict(format!("{app} is not stopped")));
    }
    let spec = running.spec.ok_or_else(|| {
        DomainError::Conflict(format!(
            "{app} was never deployed through the console, so there is no spec to start it from"
        ))
    })?;
    crate::operate::redeploy(
        services,
        caller,
        &tenant.slug,
        &spec,
        "start",
        idempotency_key,
    )
    .await
}
