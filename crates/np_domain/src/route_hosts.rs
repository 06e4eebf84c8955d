//! Host names claimed by apps' routes, unique across the platform: an app may keep and change its own hosts,
//! but never take one another app (in any tenant) has.

use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::DomainError;

/// A host another app already routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The host name.
    pub host: String,
    /// The owner's tenant slug.
    pub tenant: String,
    /// The owner's app name.
    pub app: String,
}

impl Taken {
    /// What the user is told. Another tenant's app is not named.
    pub fn message(&self, asking_tenant: &str) -> String {
        if self.tenant == asking_tenant {
            format!("{} is already routed to your app {}", self.host, self.app)
        } else {
            format!("{} is already in use on the platform", self.host)
        }
    }
}

/// The hosts among `hosts` that an app other than `tenant`/`app` has claimed.
///
/// # Errors
/// `Unavailable` when the database is.
pub async fn taken(
    db: impl PgExecutor<'_>,
    tenant: &str,
    app: &str,
    hosts: &[String],
) -> Result<Vec<Taken>, DomainError> {
    let rows = sqlx::query!(
        r#"SELECT r.host, t.slug AS tenant, r.app
           FROM route_hosts r JOIN tenants t ON t.id = r.tenant_id
           WHERE r.host = ANY($1) AND NOT (t.slug = $2 AND r.app = $3)
           ORDER BY r.host"#,
        hosts,
        tenant,
        app,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Taken {
            host: r.host,
            tenant: r.tenant,
            app: r.app,
        })
        .collect())
}

/// Makes `hosts` exactly the hosts of `app` in `tenant_id`: releases the ones it no longer routes and claims
/// the new ones, in one transaction.
///
/// # Errors
/// `Conflict` naming the first host another app holds (nothing changes then); `Unavailable` when the database
/// is.
pub async fn claim(
    db: &PgPool,
    tenant_id: Uuid,
    app: &str,
    hosts: &[String],
) -> Result<(), DomainError> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        "DELETE FROM route_hosts WHERE tenant_id = $1 AND app = $2 AND NOT (host = ANY($3))",
        tenant_id,
        app,
        hosts,
    )
    .execute(&mut *tx)
    .await?;
    for host in hosts {
        let owner = sqlx::query!(
            r#"INSERT INTO route_hosts (host, tenant_id, app) VALUES ($1, $2, $3)
               ON CONFLICT (host) DO UPDATE SET host = EXCLUDED.host
               RETURNING tenant_id, app"#,
            host,
            tenant_id,
            app,
        )
        .fetch_one(&mut *tx)
        .await?;
        if owner.tenant_id != tenant_id || owner.app != app {
            return Err(DomainError::Conflict(format!(
                "{host} is already in use on the platform"
            )));
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Releases every host of `app` (when it is purged).
///
/// # Errors
/// `Unavailable` when the database is.
pub async fn release(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    app: &str,
) -> Result<(), DomainError> {
    sqlx::query!(
        "DELETE FROM route_hosts WHERE tenant_id = $1 AND app = $2",
        tenant_id,
        app
    )
    .execute(db)
    .await?;
    Ok(())
}
