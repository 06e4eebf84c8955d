//! Nodes (`/v1/nodes`) and node pools (`/v1/node/pools`).

use super::{QueryMeta, QueryOptions};
use crate::types::{NodeListStub, NodePool};
use crate::{Error, Nomad};

/// The node endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Nodes<'a> {
    pub(crate) client: &'a Nomad,
}

impl Nodes<'_> {
    /// Lists nodes (`resources=true` adds capacity, `os=true` attributes).
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn list(
        &self,
        query: &QueryOptions,
    ) -> Result<(Vec<NodeListStub>, QueryMeta), Error> {
        self.client.get(&["v1", "nodes"], query).await
    }

    /// Lists node pools.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn pools(&self, query: &QueryOptions) -> Result<(Vec<NodePool>, QueryMeta), Error> {
        self.client.get(&["v1", "node", "pools"], query).await
    }
}
