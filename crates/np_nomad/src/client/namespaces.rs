//! Namespaces (`/v1/namespace(s)`); writes need a management token.

use np_http::Method;

use super::{QueryMeta, QueryOptions, WriteMeta, WriteOptions};
use crate::types::Namespace;
use crate::{Error, Nomad};

/// The namespace endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Namespaces<'a> {
    pub(crate) client: &'a Nomad,
}

impl Namespaces<'_> {
    /// Lists namespaces.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn list(&self, query: &QueryOptions) -> Result<(Vec<Namespace>, QueryMeta), Error> {
        self.client.get(&["v1", "namespaces"], query).await
    }

    /// Reads a namespace.
    ///
    /// # Errors
    /// `Status` 404 when it does not exist.
    pub async fn info(
        &self,
        name: &str,
        query: &QueryOptions,
    ) -> Result<(Namespace, QueryMeta), Error> {
        self.client.get(&["v1", "namespace", name], query).await
    }

    /// Creates or updates a namespace.
    ///
    /// # Errors
    /// `Status` 400 for an invalid name, 403 without a management token.
    pub async fn register(
        &self,
        namespace: &Namespace,
        options: &WriteOptions,
    ) -> Result<WriteMeta, Error> {
        let (_, meta): (serde_json::Value, _) = self
            .client
            .write(
                Method::POST,
                &["v1", "namespace", &namespace.name],
                Some(namespace),
                &[],
                options,
            )
            .await?;
        Ok(meta)
    }

    /// Deletes a namespace.
    ///
    /// # Errors
    /// `Status` 400 (or 500) while it still has jobs.
    pub async fn delete(&self, name: &str, options: &WriteOptions) -> Result<WriteMeta, Error> {
        let (_, meta): (serde_json::Value, _) = self
            .client
            .write::<(), _>(
                Method::DELETE,
                &["v1", "namespace", name],
                None,
                &[],
                options,
            )
            .await?;
        Ok(meta)
    }
}
