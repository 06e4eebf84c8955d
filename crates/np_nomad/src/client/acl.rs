//! ACL policies (`/v1/acl/polic(y|ies)`) and tokens (`/v1/acl/token(s)`).

use np_http::Method;

use super::{QueryMeta, QueryOptions, WriteOptions};
use crate::types::{AclPolicy, AclPolicyListStub, AclToken};
use crate::{Error, Nomad};

/// The ACL endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Acl<'a> {
    pub(crate) client: &'a Nomad,
}

impl Acl<'_> {
    /// Lists policies.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn policies(
        &self,
        query: &QueryOptions,
    ) -> Result<(Vec<AclPolicyListStub>, QueryMeta), Error> {
        self.client.get(&["v1", "acl", "policies"], query).await
    }

    /// Reads a policy.
    ///
    /// # Errors
    /// `Status` 404 when it does not exist.
    pub async fn policy(
        &self,
        name: &str,
        query: &QueryOptions,
    ) -> Result<(AclPolicy, QueryMeta), Error> {
        self.client.get(&["v1", "acl", "policy", name], query).await
    }

    /// Creates or updates a policy.
    ///
    /// # Errors
    /// `Status` 400 for invalid rules.
    pub async fn upsert_policy(
        &self,
        policy: &AclPolicy,
        options: &WriteOptions,
    ) -> Result<(), Error> {
        let _: (serde_json::Value, _) = self
            .client
            .write(
                Method::POST,
                &["v1", "acl", "policy", &policy.name],
                Some(policy),
                &[],
                options,
            )
            .await?;
        Ok(())
    }

    /// Deletes a policy.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn delete_policy(&self, name: &str, options: &WriteOptions) -> Result<(), Error> {
        let _: (serde_json::Value, _) = self
            .client
            .write::<(), _>(
                Method::DELETE,
                &["v1", "acl", "policy", name],
                None,
                &[],
                options,
            )
            .await?;
        Ok(())
    }

    /// Creates a token; the answer carries its secret.
    ///
    /// # Errors
    /// `Status` 400 for unknown policies.
    pub async fn create_token(
        &self,
        token: &AclToken,
        options: &WriteOptions,
    ) -> Result<AclToken, Error> {
        let (created, _) = self
            .client
            .write(
                Method::POST,
                &["v1", "acl", "token"],
                Some(token),
                &[],
                options,
            )
            .await?;
        Ok(created)
    }

    /// Reads a token by accessor ID.
    ///
    /// # Errors
    /// `Status` 404 when it does not exist.
    pub async fn token(
        &self,
        accessor_id: &str,
        query: &QueryOptions,
    ) -> Result<(AclToken, QueryMeta), Error> {
        self.client
            .get(&["v1", "acl", "token", accessor_id], query)
            .await
    }

    /// The token the client is using.
    ///
    /// # Errors
    /// `Status` 403 for an unknown token.
    pub async fn token_self(&self) -> Result<AclToken, Error> {
        let (token, _) = self
            .client
            .get(&["v1", "acl", "token", "self"], &QueryOptions::default())
            .await?;
        Ok(token)
    }

    /// Deletes a token.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn delete_token(
        &self,
        accessor_id: &str,
        options: &WriteOptions,
    ) -> Result<(), Error> {
        let _: (serde_json::Value, _) = self
            .client
            .write::<(), _>(
                Method::DELETE,
                &["v1", "acl", "token", accessor_id],
                None,
                &[],
                options,
            )
            .await?;
        Ok(())
    }
}
