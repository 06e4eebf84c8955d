//! Deployments (`/v1/deployment(s)`): read, promote canaries, fail (and roll back), pause.

use np_http::Method;

use super::{QueryMeta, QueryOptions, WriteOptions};
use crate::types::{
    AllocationListStub, Deployment, DeploymentFailRequest, DeploymentPauseRequest,
    DeploymentPromoteRequest, DeploymentUpdateResponse,
};
use crate::{Error, Nomad};

/// The deployment endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Deployments<'a> {
    pub(crate) client: &'a Nomad,
}

impl Deployments<'_> {
    /// Lists deployments.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn list(&self, query: &QueryOptions) -> Result<(Vec<Deployment>, QueryMeta), Error> {
        self.client.get(&["v1", "deployments"], query).await
    }

    /// Reads a deployment.
    ///
    /// # Errors
    /// `Status` 404 when it does not exist.
    pub async fn info(
        &self,
        id: &str,
        query: &QueryOptions,
    ) -> Result<(Deployment, QueryMeta), Error> {
        self.client.get(&["v1", "deployment", id], query).await
    }

    /// The deployment's allocations.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn allocations(
        &self,
        id: &str,
        query: &QueryOptions,
    ) -> Result<(Vec<AllocationListStub>, QueryMeta), Error> {
        self.client
            .get(&["v1", "deployment", "allocations", id], query)
            .await
    }

    /// Promotes the canaries of every group (`groups` empty) or of the named groups.
    ///
    /// # Errors
    /// `Status` 400 when there is nothing to promote or canaries are unhealthy.
    pub async fn promote(
        &self,
        id: &str,
        groups: &[String],
        options: &WriteOptions,
    ) -> Result<DeploymentUpdateResponse, Error> {
        let request = DeploymentPromoteRequest {
            deployment_id: id.to_owned(),
            all: groups.is_empty(),
            groups: (!groups.is_empty()).then(|| groups.to_vec()),
        };
        let (answer, _) = self
            .client
            .write(
                Method::POST,
                &["v1", "deployment", "promote", id],
                Some(&request),
                &[],
                options,
            )
            .await?;
        Ok(answer)
    }

    /// Fails a running deployment; with auto-revert, Nomad rolls back to the last stable version.
    ///
    /// # Errors
    /// `Status` 400 when the deployment is not running.
    pub async fn fail(
        &self,
        id: &str,
        options: &WriteOptions,
    ) -> Result<DeploymentUpdateResponse, Error> {
        let request = DeploymentFailRequest {
            deployment_id: id.to_owned(),
        };
        let (answer, _) = self
            .client
            .write(
                Method::POST,
                &["v1", "deployment", "fail", id],
                Some(&request),
                &[],
                options,
            )
            .await?;
        Ok(answer)
    }

    /// Pauses or resumes a deployment.
    ///
    /// # Errors
    /// `Status` 400 when the deployment is not active.
    pub async fn pause(
        &self,
        id: &str,
        pause: bool,
        options: &WriteOptions,
    ) -> Result<DeploymentUpdateResponse, Error> {
        let request = DeploymentPauseRequest {
            deployment_id: id.to_owned(),
            pause,
        };
        let (answer, _) = self
            .client
            .write(
                Method::POST,
                &["v1", "deployment", "pause", id],
                Some(&request),
                &[],
                options,
            )
            .await?;
        Ok(answer)
    }
}
