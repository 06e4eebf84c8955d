//! `/v1/health`: service instances with their checks.

use super::{QueryMeta, QueryOptions};
use crate::types::{HealthCheck, ServiceEntry};
use crate::{Consul, Error};

/// The health endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Health<'a> {
    pub(crate) client: &'a Consul,
}

impl Health<'_> {
    /// The instances of `name` with node and instance checks; `passing_only` drops instances with a failing check.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn service(
        &self,
        name: &str,
        passing_only: bool,
        query: &QueryOptions,
    ) -> Result<(Vec<ServiceEntry>, QueryMeta), Error> {
        let extra: &[(&str, &str)] = if passing_only {
            &[("passing", "true")]
        } else {
            &[]
        };
        self.client
            .get(&["v1", "health", "service", name], query, extra)
            .await
    }

    /// The checks of every instance of `name`.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn checks(
        &self,
        name: &str,
        query: &QueryOptions,
    ) -> Result<(Vec<HealthCheck>, QueryMeta), Error> {
        self.client
            .get(&["v1", "health", "checks", name], query, &[])
            .await
    }

    /// Every check in `state` (`passing`, `warning`, `critical` or `any`) across the catalog: one request for
    /// a whole page of apps.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn state(
        &self,
        state: &str,
        query: &QueryOptions,
    ) -> Result<(Vec<HealthCheck>, QueryMeta), Error> {
        self.client
            .get(&["v1", "health", "state", state], query, &[])
            .await
    }
}
