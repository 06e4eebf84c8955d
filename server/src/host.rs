//! Tenant maintenance on the console's host (`np tenant …`): the database and Nomad directly, as a platform
//! admin, for the first tenant before anyone can sign in and for the platform-owned settings.

use np_domain::authz::Caller;
use np_domain::tenants::{Tenant, TenantSettings};

use crate::cli::{TenantCreateArgs, TenantSettingsArgs};

/// `np tenant create`: makes the tenant and its namespace directly, as the operator of this host.
///
/// # Errors
/// Invalid input, a taken slug (unless `if_missing`), database failures.
pub async fn create_tenant(
    services: &np_domain::Services,
    args: &TenantCreateArgs,
) -> anyhow::Result<Tenant> {
    let caller = Caller::system("np tenant create");
    let slug = np_spec::names::TenantSlug::parse(&args.slug)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.slug))?;
    let new = np_domain::tenants::NewTenant {
        slug,
        display_name: args.name.clone(),
        settings: TenantSettings {
            host_suffix: args.host_suffix.clone(),
            node_pool: args.node_pool.clone(),
            ..TenantSettings::default()
        },
    };
    match np_domain::provisioning::create(services, &caller, &new).await {
        Ok(t) => Ok(t),
        Err(np_domain::DomainError::Conflict(_)) if args.if_missing => {
            Ok(np_domain::provisioning::provision(services, &caller, &args.slug).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Changes a tenant's platform-owned settings: each option given replaces that setting, the rest stay.
/// Without options it changes nothing and answers the tenant as it is.
///
/// # Errors
/// An unknown tenant, a refused setting (named), database failures.
pub async fn set_settings(
    services: &np_domain::Services,
    args: &TenantSettingsArgs,
) -> anyhow::Result<Tenant> {
    let caller = Caller::system("np tenant settings");
    let tenant = np_domain::tenants::by_slug(&services.db, &args.slug)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.slug))?;
    if !args.changes_anything() {
        return Ok(tenant);
    }
    let current = tenant.settings;
    let settings = TenantSettings {
        host_suffix: args.host_suffix.clone().unwrap_or(current.host_suffix),
        node_pool: args.node_pool.clone().unwrap_or(current.node_pool),
        budget_cpu: args.budget_cpu.unwrap_or(current.budget_cpu),
        budget_memory: args.budget_memory.unwrap_or(current.budget_memory),
        budget_instances: args.budget_instances.unwrap_or(current.budget_instances),
        allowed_volumes: args
            .volumes
            .as_deref()
            .map_or(current.allowed_volumes, names),
        allowed_registries: args
            .registries
            .as_deref()
            .map_or(current.allowed_registries, names),
    };
    Ok(np_domain::provisioning::set_settings(services, &caller, &args.slug, &settings).await?)
}

/// A list option's names, without the empty one `--volumes ''` gives.
fn names(given: &[String]) -> Vec<String> {
    given
        .iter()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect()
}

/// The settings as `np tenant settings` prints them.
pub fn describe(t: &Tenant, platform: &np_domain::Platform) -> String {
    let s = &t.settings;
    let list = |v: &[String], empty: &str| {
        if v.is_empty() {
            empty.to_owned()
        } else {
            v.join(",")
        }
    };
    format!(
        "tenant {}: host suffix {}, node pool {}, budget {} MHz / {} MB / {} instances, volumes {}, registries {}\n",
        t.slug,
        np_domain::tenants::effective_suffix(&t.slug, s, platform),
        s.node_pool,
        s.budget_cpu,
        s.budget_memory,
        s.budget_instances,
        list(&s.allowed_volumes, "(none)"),
        list(&s.allowed_registries, "(any)"),
    )
}

/// `np tenant migrate-names`: moves every old-scheme job to its new name; one line per job.
///
/// # Errors
/// Database failures while listing tenants (a job that cannot move is reported, not an error).
pub async fn migrate_names(services: &np_domain::Services) -> anyhow::Result<Vec<String>> {
    let caller = Caller::system("np tenant migrate-names");
    let moved = np_domain::naming::migrate(services, &caller).await?;
    if moved.is_empty() {
        return Ok(vec!["every app's job already has its new name".into()]);
    }
    Ok(moved
        .iter()
        .map(|m| match (&m.new_job, &m.skipped) {
            (Some(new), _) => format!("{}: {} is now {new}", m.old.tenant, m.old.job),
            (None, why) => format!(
                "{}: {} left running: {}",
                m.old.tenant,
                m.old.job,
                why.as_deref().unwrap_or("not moved")
            ),
        })
        .collect())
}
