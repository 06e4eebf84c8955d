//! Opening the console's database: the operator's, or a private cluster started for this process.

use anyhow::Context;
use np_pg::{Cluster, ClusterOptions};
use secrecy::ExposeSecret;
use sqlx::PgPool;

use crate::config::DatabaseConfig;

/// The open database, and the private cluster behind it if this process started one.
pub struct Database {
    /// The connection pool.
    pub pool: PgPool,
    cluster: Option<Cluster>,
}

impl Database {
    /// Connects (starting the private cluster first when no URL is configured), applies migrations, and opens
    /// the pool acting as `role` (none when empty).
    ///
    /// # Errors
    /// When the cluster cannot start, the database cannot be reached, or a migration fails.
    pub async fn open(
        config: &DatabaseConfig,
        max_connections: u32,
        role: &str,
    ) -> anyhow::Result<Self> {
        let (url, cluster) = match config {
            DatabaseConfig::Url(url) => (url.expose_secret().to_owned(), None),
            DatabaseConfig::Private { data_dir, bin_dir } => {
                let mut options = ClusterOptions::new(data_dir);
                options.bin_dir.clone_from(bin_dir);
                let cluster = tokio::task::spawn_blocking(move || Cluster::start(&options))
                    .await?
                    .context(
                        "starting the private Postgres cluster (set DATABASE_URL to use your own)",
                    )?;
                tracing::info!(
                    port = cluster.port(),
                    dir = %cluster.cluster_dir().display(),
                    started_here = cluster.started_here(),
                    "private Postgres cluster is up"
                );
                (cluster.url(), Some(cluster))
            }
        };
        let migrator = np_domain::db::connect(&url, 1)
            .await
            .context("connecting to Postgres")?;
        np_domain::db::migrate(&migrator)
            .await
            .context("applying database migrations")?;
        migrator.close().await;
        let pool = np_domain::db::connect_as(&url, max_connections, role)
            .await
            .with_context(|| {
                format!("connecting to Postgres as role {role:?} (NP_DATABASE_ROLE)")
            })?;
        Ok(Self { pool, cluster })
    }

    /// Closes the pool and stops the private cluster if this process started it.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.cluster.filter(Cluster::started_here) {
            match tokio::task::spawn_blocking(move || cluster.stop()).await {
                Ok(Ok(())) => tracing::info!("private Postgres cluster stopped"),
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "stopping the private Postgres cluster failed")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "stopping the private Postgres cluster panicked")
                }
            }
        }
    }
}
