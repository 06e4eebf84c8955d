//! `np serve`: run the console until interrupted.

use anyhow::Context;
use leptos::config::get_configuration;
use np_domain::Services;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::database::Database;
use crate::state::AppState;

/// Opens the database, builds the clients and router, and serves until SIGINT or SIGTERM; then stops the
/// private database cluster if it started one.
///
/// # Errors
/// When the database, the listen address or the site settings are unusable.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let (database, services) = open(&config, config.db_max_connections).await?;

    let mut leptos_options = get_configuration(None)
        .context("reading the Leptos site settings")?
        .leptos_options;
    leptos_options.site_addr = config.listen;
    let oidc = config
        .oidc
        .clone()
        .map(crate::auth::oidc::Oidc::new)
        .transpose()?;
    let state = AppState::new(leptos_options, services.clone()).with_auth(crate::auth::Auth {
        oidc,
        public_url: config.public_url.clone(),
        lifetimes: config.sessions,
        mapping: config.role_mapping.clone(),
        trusted_proxies: config.trusted_proxies.clone(),
    });
    tokio::spawn(sweep_sessions(services.clone(), config.sessions.idle));
    tokio::spawn(np_domain::rollouts::follow(
        services.clone(),
        config.audit.rollout_poll,
    ));
    tokio::spawn(warn_of_old_names(services.clone()));
    tokio::spawn(keep_audit(services, config.audit.clone()));

    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    tracing::info!(address = %config.listen, "np console is listening on http://{}", config.listen);
    let served = axum::serve(
        listener,
        crate::router::build(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    tracing::info!("shutting down");
    database.close().await;
    served.context("serving HTTP")
}

/// Opens the database (applying migrations) with at most `connections` connections, and builds the services
/// over it: upstream clients, the shared watches, the audit keys (created on first use).
///
/// # Errors
/// When the database or the audit key is unusable, or an upstream setting is invalid.
pub async fn open(config: &Config, connections: u32) -> anyhow::Result<(Database, Services)> {
    let mut keys = np_domain::audit::chain::Keys::load_or_create(&config.audit.key_file)
        .map_err(|e| anyhow::anyhow!("the audit signing key (NP_AUDIT_KEY_FILE): {e}"))?;
    let database = Database::open(&config.database, connections, &config.database_role).await?;
    // Each database's chain has its own checkpoint file (unless one is configured for all).
    let chain = np_domain::audit::chain::chain_id(&database.pool)
        .await
        .context("reading the audit chain's id")?;
    keys.checkpoint_file = Some(config.audit.checkpoint_file_for(chain));
    let services = Services {
        db: database.pool.clone(),
        upstreams: crate::upstreams::build(config)?,
        platform: config.platform.clone(),
        live: np_domain::live::Hub::new(),
        limits: np_domain::limits::Limits::new(config.limits),
        audit: std::sync::Arc::new(keys),
    };
    Ok((database, services))
}

/// Tells the operator about jobs still named by the first naming scheme (`<tenant>-<app>`): they keep running
/// but are not listed as apps until moved to `<tenant>--<app>` (`np tenant migrate-names`; see docs/APP_SPEC.md).
async fn warn_of_old_names(services: Services) {
    match np_domain::naming::legacy_jobs(&services).await {
        Ok(jobs) => {
            for job in jobs {
                tracing::warn!(
                    tenant = %job.tenant,
                    job = %job.job,
                    app = %job.app,
                    "job under the old name scheme: `np tenant migrate-names` moves it to {}--{}",
                    job.tenant,
                    job.app
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not look for jobs under old names"),
    }
}

/// Keeps the audit log whole: settles interrupted actions (at start-up, then every minute) and signs
/// checkpoints of the chain's head as they fall due.
async fn keep_audit(services: Services, settings: crate::config::AuditSettings) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) =
            np_domain::audit::reconcile::reconcile(&services, settings.reconcile_after).await
        {
            tracing::warn!(error = %e, "settling interrupted actions failed");
        }
        match np_domain::audit::chain::checkpoint(
            &services.db,
            &services.audit,
            settings.checkpoint_every,
            settings.checkpoint_interval,
        )
        .await
        {
            Ok(Some(c)) => tracing::info!(seq = c.seq, "signed an audit checkpoint"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "signing an audit checkpoint failed"),
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// Deletes expired sessions and stale sign-in attempts every ten minutes.
async fn sweep_sessions(services: Services, idle: time::Duration) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let swept = async {
            let mut conn = services.db.acquire().await?;
            np_domain::sessions::sweep(&mut conn, idle).await
        }
        .await;
        match swept {
            Ok(n) if n > 0 => tracing::debug!(rows = n, "swept expired sessions"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sweeping sessions failed"),
        }
    }
}
