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
    let database = Database::open(&config.database, config.db_max_connections).await?;
    let upstreams = crate::upstreams::build(&config)?;
    let services = Services {
        db: database.pool.clone(),
        upstreams,
        platform: config.platform.clone(),
        live: np_domain::live::Hub::new(),
    };

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
    });
    tokio::spawn(sweep_sessions(services, config.sessions.idle));

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
