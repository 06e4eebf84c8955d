//! `np demo`: makes the local demo living — the tenant `demo` (with its Nomad namespace) and sample apps
//! deployed into it, skipping what already runs, so the command can run at every start.

use np_domain::Services;
use np_domain::authz::Caller;
use np_nomad::QueryOptions;

use crate::cli::DemoArgs;

/// Creates the tenant if missing and deploys each app of the document that Nomad does not run yet. Returns
/// one line per app.
///
/// # Errors
/// An unreadable or refused document, or a failing database or Nomad.
pub async fn seed(services: &Services, args: &DemoArgs) -> anyhow::Result<Vec<String>> {
    let caller = Caller::system("np demo");
    let tenant = crate::host::create_tenant(
        services,
        &crate::cli::TenantCreateArgs {
            slug: args.tenant.clone(),
            name: args.name.clone(),
            host_suffix: String::new(),
            node_pool: "default".into(),
            if_missing: true,
        },
    )
    .await?;
    let mut lines = vec![format!(
        "tenant {}: namespace {}",
        tenant.slug, tenant.namespace_state
    )];
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", args.file.display()))?;
    let context = tenant.context(&services.platform)?;
    let (apps, _) = np_domain::apps::prepare(&text, None, &context)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let nomad = np_domain::apps::nomad_for(services, &tenant).await?;
    let query = QueryOptions {
        namespace: Some(tenant.nomad_namespace.clone()),
        ..QueryOptions::default()
    };
    for app in apps {
        let name = app.spec.name.to_string();
        let job_id = app.generated.job.id.clone().unwrap_or_default();
        let running = match nomad.jobs().info(&job_id, &query).await {
            Ok((job, _)) => job.stop != Some(true) && job.status.as_deref() != Some("dead"),
            Err(np_nomad::Error::Status { status, .. }) if status.as_u16() == 404 => false,
            Err(e) => return Err(e.into()),
        };
        if running {
            lines.push(format!("{name}: already running"));
            continue;
        }
        np_domain::apps::deploy(
            services,
            &caller,
            &tenant.slug,
            &np_domain::apps::DeployInput {
                text: text.clone(),
                format: None,
                app: Some(name.clone()),
                source: "api",
                idempotency_key: None,
                based_on: None,
            },
        )
        .await?;
        lines.push(format!("{name}: deployed as {job_id}"));
    }
    Ok(lines)
}
