//! The connection pool and the schema migrations.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// The embedded migrations (the `migrations/` folder at the workspace root).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Opens a pool of at most `max_connections` connections to `url`, failing fast when the database is down.
///
/// # Errors
/// When the first connection cannot be made.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
}

/// Brings the schema up to date. Safe to run from several replicas at once (the migrator takes a lock).
///
/// # Errors
/// When a migration fails or the database has migrations this build does not know.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// Checks that the database answers a trivial query.
///
/// # Errors
/// When the query fails or no connection is available in time.
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!("SELECT 1 AS \"one!\"")
        .fetch_one(pool)
        .await
        .map(|_| ())
}
