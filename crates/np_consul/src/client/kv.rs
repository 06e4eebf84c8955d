//! `/v1/kv`: keys and values, with check-and-set.

use np_http::Method;

use super::{QueryMeta, QueryOptions};
use crate::types::KvPair;
use crate::{Consul, Error};

/// The KV endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Kv<'a> {
    pub(crate) client: &'a Consul,
}

fn segments(key: &str) -> Vec<&str> {
    ["v1", "kv"]
        .into_iter()
        .chain(key.split('/').filter(|s| !s.is_empty()))
        .collect()
}

impl Kv<'_> {
    /// The entry at `key`, if any.
    ///
    /// # Errors
    /// Transport and status errors other than 404.
    pub async fn get(
        &self,
        key: &str,
        query: &QueryOptions,
    ) -> Result<(Option<KvPair>, QueryMeta), Error> {
        match self
            .client
            .get::<Vec<KvPair>>(&segments(key), query, &[])
            .await
        {
            Ok((mut pairs, meta)) => Ok((pairs.pop(), meta)),
            Err(e) if e.is_not_found() => Ok((None, QueryMeta::default())),
            Err(e) => Err(e),
        }
    }

    /// Every entry under `prefix`.
    ///
    /// # Errors
    /// Transport and status errors other than 404.
    pub async fn list(
        &self,
        prefix: &str,
        query: &QueryOptions,
    ) -> Result<(Vec<KvPair>, QueryMeta), Error> {
        match self
            .client
            .get(&segments(prefix), query, &[("recurse", "true")])
            .await
        {
            Err(e) if e.is_not_found() => Ok((Vec::new(), QueryMeta::default())),
            other => other,
        }
    }

    /// Writes `value` at `key`; with `cas`, only if the entry's `ModifyIndex` is `cas` (0: only if absent).
    /// Returns whether it was written.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn put(&self, key: &str, value: &[u8], cas: Option<u64>) -> Result<bool, Error> {
        let mut request = self
            .client
            .http
            .request(Method::PUT, &segments(key))
            .body(value.to_vec());
        if let Some(cas) = cas {
            request = request.query(&[("cas", cas)]);
        }
        Ok(self.client.http.json::<bool>(request).await?.value)
    }

    /// Deletes `key`; with `cas`, only if its `ModifyIndex` is `cas`. Returns whether it was deleted.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn delete(&self, key: &str, cas: Option<u64>) -> Result<bool, Error> {
        let mut request = self.client.http.request(Method::DELETE, &segments(key));
        if let Some(cas) = cas {
            request = request.query(&[("cas", cas)]);
        }
        Ok(self.client.http.json::<bool>(request).await?.value)
    }
}
