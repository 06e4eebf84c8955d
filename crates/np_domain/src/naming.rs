//! Jobs still named by the console's first scheme, `<tenant>-<app>`. That scheme was not injective (tenant `acme`
//! with app `shop-api` and tenant `acme-shop` with app `api` shared every name), so apps are now named
//! `<tenant>--<app>`; a job under an old name keeps running but is not one of the tenant's apps until it is
//! deployed again (which creates the new job) and the old one is stopped. [`migrate`] does both for every such
//! job (`np migrate-names`).

use np_nomad::{QueryOptions, WriteOptions};
use np_spec::names::{AppName, DerivedNames};
use serde_json::json;

use crate::authz::Caller;
use crate::{DomainError, Services, apps, audit, tenants};

/// A job in a tenant's namespace under the old name of one of its apps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyJob {
    /// The tenant's slug (and namespace).
    pub tenant: String,
    /// The job's ID.
    pub job: String,
    /// The app it ran.
    pub app: String,
}

/// The app an old-scheme job ID names in `tenant`'s namespace, if it is one.
pub fn legacy_app(tenant: &str, job: &str) -> Option<AppName> {
    if DerivedNames::parse_job(job).is_some() {
        return None;
    }
    AppName::parse(job.strip_prefix(tenant)?.strip_prefix('-')?).ok()
}

/// Every live job of every tenant that still has an old-scheme name. Tenants whose Nomad cannot be reached are
/// skipped (with a warning): this is advice for the operator, not a gate.
///
/// # Errors
/// Database errors.
pub async fn legacy_jobs(services: &Services) -> Result<Vec<LegacyJob>, DomainError> {
    let mut found = Vec::new();
    for tenant in tenants::list(&services.db).await? {
        let query = QueryOptions {
            prefix: Some(format!("{}-", tenant.slug)),
            ..QueryOptions::namespace(&tenant.nomad_namespace)
        };
        let listed = match apps::nomad_for(services, &tenant).await {
            Ok(nomad) => nomad
                .jobs()
                .list(&query)
                .await
                .map_err(|e| DomainError::upstream("nomad", e)),
            Err(e) => Err(e),
        };
        match listed {
            Ok((jobs, _)) => found.extend(jobs.into_iter().filter(|j| !j.stop).filter_map(|j| {
                legacy_app(&tenant.slug, &j.id).map(|app| LegacyJob {
                    tenant: tenant.slug.clone(),
                    job: j.id,
                    app: app.to_string(),
                })
            })),
            Err(e) => {
                tracing::warn!(tenant = %tenant.slug, error = %e, "could not look for old job names")
            }
        }
    }
    Ok(found)
}

/// What [`migrate`] did with one old-scheme job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// The job as it was.
    pub old: LegacyJob,
    /// The job now running the app, when it moved.
    pub new_job: Option<String>,
    /// Why it did not move (the old job then keeps running untouched).
    pub skipped: Option<String>,
}

/// Moves every old-scheme job to its new name: the spec the job runs is deployed again as `<tenant>--<app>`
/// (a recorded, audited deploy like any other, its host names kept), and only once Nomad accepted that is
/// the old job stopped (audited as `app.rename_job`). A job the console never deployed, or whose new
/// deploy is refused, is left running and reported.
///
/// # Errors
/// Database errors while listing tenants.
pub async fn migrate(services: &Services, caller: &Caller) -> Result<Vec<Migrated>, DomainError> {
    let mut done = Vec::new();
    for old in legacy_jobs(services).await? {
        let outcome = migrate_one(services, caller, &old).await;
        done.push(match outcome {
            Ok(new_job) => Migrated {
                old,
                new_job: Some(new_job),
                skipped: None,
            },
            Err(e) => Migrated {
                old,
                new_job: None,
                skipped: Some(e.to_string()),
            },
        });
    }
    Ok(done)
}

async fn migrate_one(
    services: &Services,
    caller: &Caller,
    old: &LegacyJob,
) -> Result<String, DomainError> {
    let tenant = tenants::by_slug(&services.db, &old.tenant).await?;
    let nomad = apps::nomad_for(services, &tenant).await?;
    let running = crate::running::running(services, &nomad, &tenant, &old.job, &old.app).await?;
    let spec = running.spec.ok_or_else(|| {
        DomainError::Conflict(format!(
            "{} was not deployed through the console: deploy {} from its document, then stop {}",
            old.job, old.app, old.job
        ))
    })?;
    let deployed =
        crate::operate::redeploy(services, caller, &tenant.slug, &spec, "spec", None).await?;
    let record = audit::Record::new("app.rename_job")
        .tenant(&tenant)
        .target("app", &old.app)
        .details(json!({ "from": old.job, "to": deployed.job_id }));
    audit::around(
        &services.db,
        &audit::Actor::of(caller),
        record,
        async || {
            let (answer, _) = nomad
                .jobs()
                .deregister(
                    &old.job,
                    false,
                    &WriteOptions::namespace(&tenant.nomad_namespace),
                )
                .await
                .map_err(|e| DomainError::upstream("nomad", e))?;
            Ok(answer.eval_id)
        },
        audit::NomadIds::of_eval,
    )
    .await?;
    Ok(deployed.job_id)
}

#[cfg(test)]
mod tests {
    use super::legacy_app;

    #[test]
    fn only_old_scheme_names_are_legacy() {
        assert_eq!(
            legacy_app("acme", "acme-web").map(|a| a.to_string()),
            Some("web".into())
        );
        assert_eq!(
            legacy_app("acme", "acme-shop-api").map(|a| a.to_string()),
            Some("shop-api".into())
        );
        assert_eq!(legacy_app("acme", "acme--web"), None);
        assert_eq!(legacy_app("acme", "globex-web"), None);
        assert_eq!(legacy_app("acme", "acmeweb"), None);
        assert_eq!(legacy_app("acme", "acme-"), None);
    }
}
