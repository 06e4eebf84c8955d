//! Evaluations (`/v1/evaluation(s)`).

use super::{QueryMeta, QueryOptions};
use crate::types::{AllocationListStub, Evaluation};
use crate::{Error, Nomad};

/// The evaluation endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Evaluations<'a> {
    pub(crate) client: &'a Nomad,
}

impl Evaluations<'_> {
    /// Lists evaluations.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn list(&self, query: &QueryOptions) -> Result<(Vec<Evaluation>, QueryMeta), Error> {
        self.client.get(&["v1", "evaluations"], query).await
    }

    /// Reads an evaluation.
    ///
    /// # Errors
    /// `Status` 404 when it does not exist.
    pub async fn info(
        &self,
        id: &str,
        query: &QueryOptions,
    ) -> Result<(Evaluation, QueryMeta), Error> {
        self.client.get(&["v1", "evaluation", id], query).await
    }

    /// The allocations an evaluation placed.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn allocations(
        &self,
        id: &str,
        query: &QueryOptions,
    ) -> Result<(Vec<AllocationListStub>, QueryMeta), Error> {
        self.client
            .get(&["v1", "evaluation", id, "allocations"], query)
            .await
    }
}
