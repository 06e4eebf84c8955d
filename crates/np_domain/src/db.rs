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

/// Opens a pool like [`connect`] whose connections all act as `role` (`SET ROLE`), so the console runs with
/// that role's privileges — np_app may only read and append to the audit log — whatever role it logs in as.
///
/// # Errors
/// When `role` is not a plain role name, or the first connection cannot be made or switched.
pub async fn connect_as(
    url: &str,
    max_connections: u32,
    role: &str,
) -> Result<PgPool, sqlx::Error> {
    if role.is_empty() {
        return connect(url, max_connections).await;
    }
    if !role
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        || role.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(sqlx::Error::Configuration(
            format!("{role:?} is not a plain role name").into(),
        ));
    }
    let statement = format!("SET ROLE {role}");
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _| {
            let statement = statement.clone();
            Box::pin(async move {
                sqlx::Executor::execute(conn, statement.as_str()).await?;
                Ok(())
            })
        })
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
