//! Creating, changing and deleting tenants, and keeping their Nomad namespace (and, where the cluster has
//! ACLs, their policy and token) in step.
//!
//! The tenant row is written first; the namespace is made after, and its outcome recorded on the row. An
//! unreachable Nomad leaves a tenant in state `failed` with the reason, which [`provision`] retries.

use std::collections::BTreeMap;

use np_nomad::types::{AclPolicy, AclToken, Namespace, NamespaceCapabilities};
use np_nomad::{QueryOptions, WriteOptions};
use np_spec::spec::Runtime;

use crate::audit;
use crate::authz::{Action, Caller};
use crate::tenants::{self, NewTenant, Tenant, TenantSettings};
use crate::{DomainError, Services};
use serde_json::json;

/// The Nomad capabilities a tenant's token has in its namespace: enough to run and operate its apps,
/// nothing about other namespaces, nodes or ACLs.
pub const TENANT_CAPABILITIES: &[&str] = &[
    "list-jobs",
    "parse-job",
    "read-job",
    "submit-job",
    "dispatch-job",
    "read-logs",
    "read-fs",
    "alloc-lifecycle",
    "scale-job",
    "read-job-scaling",
];

/// The ACL policy name of a tenant.
pub fn policy_name(slug: &str) -> String {
    format!("np-tenant-{slug}")
}

/// The ACL policy rules of a tenant's namespace.
pub fn policy_rules(namespace: &str) -> String {
    let caps: Vec<String> = TENANT_CAPABILITIES
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect();
    format!(
        "namespace \"{namespace}\" {{\n  capabilities = [{}]\n}}\n",
        caps.join(", ")
    )
}

fn runtime_driver(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::Podman => "podman",
        Runtime::Docker => "docker",
    }
}

/// Creates a tenant (platform admins only) and its Nomad namespace.
///
/// # Errors
/// `Forbidden` for others; `Invalid` for bad settings; `Conflict` for a taken slug. A Nomad failure is not an
/// error: the tenant is returned in state `failed`.
pub async fn create(
    services: &Services,
    caller: &Caller,
    new: &NewTenant,
) -> Result<Tenant, DomainError> {
    caller.require_platform_admin("create tenants")?;
    let actor = audit::Actor::of(caller);
    let record = audit::Record::new("tenant.create")
        .target("tenant", new.slug.to_string())
        .details(json!({ "display_name": new.display_name, "settings": new.settings }));
    let created: Result<(Tenant, audit::Pending), DomainError> = async {
        new.settings.validate(&services.platform)?;
        let mut tx = services.db.begin().await?;
        keep_apart(
            &mut tx,
            &services.platform,
            new.slug.as_str(),
            &new.settings,
        )
        .await?;
        let tenant = tenants::insert(&mut *tx, new).await?;
        let pending = audit::begin(&mut *tx, &actor, record.clone().tenant(&tenant)).await?;
        tx.commit().await?;
        Ok((tenant, pending))
    }
    .await;
    let (tenant, pending) = match created {
        Ok(created) => created,
        Err(e) => {
            audit::refused(&services.db, &actor, record, &e).await;
            return Err(e);
        }
    };
    let result = provision_row(services, tenant).await;
    settle_provisioning(services, pending, &result).await;
    result
}

/// Records how creating a tenant's namespace went.
async fn settle_provisioning(
    services: &Services,
    pending: audit::Pending,
    result: &Result<Tenant, DomainError>,
) {
    match result {
        Ok(t) if t.namespace_state != "ready" => {
            let error = t.namespace_error.clone().unwrap_or_default();
            if let Err(e) = pending
                .finish(
                    &services.db,
                    audit::Outcome::Failure,
                    audit::NomadIds::default(),
                    json!({ "namespace": t.nomad_namespace, "error": error }),
                )
                .await
            {
                tracing::error!(error = %e, "recording a tenant's provisioning failed");
            }
        }
        _ => {
            pending
                .settle(&services.db, result, audit::NomadIds::default(), json!({}))
                .await;
        }
    }
}

/// Retries creating the tenant's namespace (and ACL policy and token).
///
/// # Errors
/// `Forbidden` for all but platform admins; `NotFound`.
pub async fn provision(
    services: &Services,
    caller: &Caller,
    slug: &str,
) -> Result<Tenant, DomainError> {
    caller.require_platform_admin("create tenant namespaces")?;
    let tenant = tenants::by_slug(&services.db, slug).await?;
    let record = audit::Record::new("tenant.provision")
        .tenant(&tenant)
        .target("tenant", slug);
    let pending = audit::begin(&services.db, &audit::Actor::of(caller), record).await?;
    let result = provision_row(services, tenant).await;
    settle_provisioning(services, pending, &result).await;
    result
}

async fn provision_row(services: &Services, tenant: Tenant) -> Result<Tenant, DomainError> {
    let outcome = make_namespace(services, &tenant).await;
    let (state, error) = match &outcome {
        Ok(()) => ("ready", None),
        Err(e) => ("failed", Some(e.to_string())),
    };
    if let Err(e) = &outcome {
        tracing::warn!(tenant = tenant.slug, error = %e, "creating the tenant's Nomad namespace failed");
    }
    tenants::set_namespace_state(&services.db, tenant.id, state, error.as_deref()).await?;
    tenants::by_slug(&services.db, &tenant.slug).await
}

async fn make_namespace(services: &Services, tenant: &Tenant) -> Result<(), DomainError> {
    let Some(nomad) = services.upstreams.nomad.as_ref() else {
        return Err(DomainError::unavailable(
            "nomad",
            "no Nomad is configured for this console",
        ));
    };
    let context = tenant.context(&services.platform)?;
    let mut drivers: Vec<String> = context
        .allowed_runtimes
        .iter()
        .map(|r| runtime_driver(*r).to_owned())
        .collect();
    drivers.dedup();
    let namespace = Namespace {
        name: tenant.nomad_namespace.clone(),
        description: format!("np tenant {}", tenant.display_name),
        meta: Some(BTreeMap::from([(
            "np-tenant".to_owned(),
            tenant.slug.clone(),
        )])),
        capabilities: Some(NamespaceCapabilities {
            enabled_task_drivers: Some(drivers),
            enabled_network_modes: Some(vec!["bridge".into()]),
            ..NamespaceCapabilities::default()
        }),
        create_index: None,
        modify_index: None,
    };
    nomad
        .namespaces()
        .register(&namespace, &WriteOptions::default())
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    if services.upstreams.nomad_acl {
        let (policy, accessor) = tenants::nomad_acl(&services.db, tenant.id).await?;
        let name = policy_name(&tenant.slug);
        nomad
            .acl()
            .upsert_policy(
                &AclPolicy {
                    name: name.clone(),
                    description: format!("np tenant {}: its namespace only", tenant.slug),
                    rules: policy_rules(&tenant.nomad_namespace),
                    job_acl: None,
                    create_index: None,
                    modify_index: None,
                },
                &WriteOptions::default(),
            )
            .await
            .map_err(|e| DomainError::upstream("nomad", e))?;
        if policy.is_none() || accessor.is_none() {
            let token = nomad
                .acl()
                .create_token(
                    &AclToken {
                        name: format!("np tenant {}", tenant.slug),
                        token_type: "client".into(),
                        policies: Some(vec![name.clone()]),
                        ..AclToken::default()
                    },
                    &WriteOptions::default(),
                )
                .await
                .map_err(|e| DomainError::upstream("nomad", e))?;
            tenants::set_nomad_token(
                &services.db,
                tenant.id,
                &name,
                &token.accessor_id,
                &token.secret_id,
            )
            .await?;
        }
    }
    Ok(())
}

/// Renames a tenant: its own setting (tenant admins and platform admins).
///
/// # Errors
/// Authorization errors; `Invalid` for a bad name.
pub async fn rename(
    services: &Services,
    caller: &Caller,
    slug: &str,
    display_name: &str,
) -> Result<Tenant, DomainError> {
    let tenant = caller
        .authorize(&services.db, slug, Action::ManageSettings)
        .await?;
    let record = audit::Record::new("tenant.rename")
        .tenant(&tenant)
        .target("tenant", slug)
        .details(json!({ "display_name": display_name }));
    audit::atomically(
        &services.db,
        &audit::Actor::of(caller),
        record,
        async |tx| tenants::rename(&mut *tx, tenant.id, display_name).await,
    )
    .await
}

/// Sets a tenant's platform-owned settings (platform admins only). The host suffix must stay apart from every
/// other tenant's and from the console's host; the check and the write hold one lock, so two changes cannot
/// both pass it.
///
/// # Errors
/// Authorization errors; `Invalid` for bad settings, naming the field.
pub async fn set_settings(
    services: &Services,
    caller: &Caller,
    slug: &str,
    settings: &TenantSettings,
) -> Result<Tenant, DomainError> {
    let tenant = caller
        .authorize(&services.db, slug, Action::ManagePlatformSettings)
        .await?;
    let record = audit::Record::new("tenant.settings")
        .tenant(&tenant)
        .target("tenant", slug)
        .details(json!({ "before": tenant.settings, "settings": settings }));
    audit::atomically(
        &services.db,
        &audit::Actor::of(caller),
        record,
        async |tx| {
            settings.validate(&services.platform)?;
            keep_apart(tx, &services.platform, &tenant.slug, settings).await?;
            tenants::set_settings(&mut *tx, tenant.id, settings).await
        },
    )
    .await
}

/// Refuses `settings` for tenant `slug` when its host names would overlap another tenant's or the console's,
/// holding the host-suffix lock for the rest of the transaction.
async fn keep_apart(
    tx: &mut sqlx::PgConnection,
    platform: &crate::Platform,
    slug: &str,
    settings: &TenantSettings,
) -> Result<(), DomainError> {
    tenants::lock_host_suffixes(&mut *tx).await?;
    let others = tenants::list(&mut *tx).await?;
    tenants::check_apart(
        platform,
        slug,
        &tenants::effective_suffix(slug, settings, platform),
        others.iter().map(|t| {
            (
                t.slug.as_str(),
                tenants::effective_suffix(&t.slug, &t.settings, platform),
            )
        }),
    )
}

/// Deletes a tenant (platform admins only) when it has no app left running: its namespace, policy and token
/// go first, then the row.
///
/// # Errors
/// `Conflict` naming the running apps; authorization and upstream errors.
pub async fn delete(services: &Services, caller: &Caller, slug: &str) -> Result<(), DomainError> {
    let tenant = caller
        .authorize(&services.db, slug, Action::DeleteTenant)
        .await?;
    let record = audit::Record::new("tenant.delete")
        .tenant(&tenant)
        .target("tenant", slug);
    audit::around(
        &services.db,
        &audit::Actor::of(caller),
        record,
        async || delete_tenant(services, &tenant).await,
        |()| audit::NomadIds::default(),
    )
    .await
}

async fn delete_tenant(services: &Services, tenant: &Tenant) -> Result<(), DomainError> {
    if let Some(nomad) = services.upstreams.nomad.as_ref() {
        let query = QueryOptions {
            namespace: Some(tenant.nomad_namespace.clone()),
            ..QueryOptions::default()
        };
        let jobs = match nomad.jobs().list(&query).await {
            Ok((jobs, _)) => jobs,
            Err(np_http::Error::Status { status, .. }) if status.as_u16() == 404 => Vec::new(),
            Err(e) => return Err(DomainError::upstream("nomad", e)),
        };
        let running: Vec<String> = jobs
            .iter()
            .filter(|j| j.namespace == tenant.nomad_namespace && j.status != "dead")
            .map(|j| j.id.clone())
            .collect();
        if !running.is_empty() {
            return Err(DomainError::Conflict(format!(
                "tenant {} still has {} app(s) that are not stopped: {}; stop them first",
                tenant.slug,
                running.len(),
                running.join(", ")
            )));
        }
        let (policy, accessor) = tenants::nomad_acl(&services.db, tenant.id).await?;
        if let Some(accessor) = accessor {
            ignore_missing(
                nomad
                    .acl()
                    .delete_token(&accessor, &WriteOptions::default())
                    .await,
            )?;
        }
        if let Some(policy) = policy {
            ignore_missing(
                nomad
                    .acl()
                    .delete_policy(&policy, &WriteOptions::default())
                    .await,
            )?;
        }
        for job in jobs
            .iter()
            .filter(|j| j.namespace == tenant.nomad_namespace)
        {
            ignore_missing(
                nomad
                    .jobs()
                    .deregister(
                        &job.id,
                        true,
                        &WriteOptions::namespace(&tenant.nomad_namespace),
                    )
                    .await
                    .map(|_| ()),
            )?;
        }
        ignore_missing(
            nomad
                .namespaces()
                .delete(&tenant.nomad_namespace, &WriteOptions::default())
                .await
                .map(|_| ()),
        )?;
    }
    tenants::delete(&services.db, tenant.id).await
}

fn ignore_missing(result: Result<(), np_http::Error>) -> Result<(), DomainError> {
    match result {
        Ok(()) => Ok(()),
        Err(np_http::Error::Status { status, .. }) if status.as_u16() == 404 => Ok(()),
        Err(e) => Err(DomainError::upstream("nomad", e)),
    }
}
