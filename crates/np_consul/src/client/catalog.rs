//! `/v1/catalog`: services and their instances.

use std::collections::BTreeMap;

use super::{QueryMeta, QueryOptions};
use crate::types::CatalogService;
use crate::{Consul, Error};

/// The catalog endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Catalog<'a> {
    pub(crate) client: &'a Consul,
}

impl Catalog<'_> {
    /// Every service name with the union of its instances' tags (what Traefik watches).
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn services(
        &self,
        query: &QueryOptions,
    ) -> Result<(BTreeMap<String, Vec<String>>, QueryMeta), Error> {
        self.client
            .get(&["v1", "catalog", "services"], query, &[])
            .await
    }

    /// The instances of `name`.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn service(
        &self,
        name: &str,
        query: &QueryOptions,
    ) -> Result<(Vec<CatalogService>, QueryMeta), Error> {
        self.client
            .get(&["v1", "catalog", "service", name], query, &[])
            .await
    }
}
