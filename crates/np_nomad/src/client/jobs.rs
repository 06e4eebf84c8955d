//! `/v1/jobs` and `/v1/job/:id/...`: register, plan, read, versions, scale, stop.

use np_http::Method;

use super::{QueryMeta, QueryOptions, WriteMeta, WriteOptions};
use crate::types::{
    AllocationListStub, Deployment, EvalResponse, Evaluation, Job, JobDeregisterResponse,
    JobListStub, JobPlanRequest, JobPlanResponse, JobRegisterRequest, JobRegisterResponse,
    JobRevertRequest, JobScaleStatus, JobStabilityRequest, JobStabilityResponse, JobSubmission,
    JobSummary, JobValidateRequest, JobValidateResponse, JobVersionsResponse, JobsParseRequest,
    ScalingRequest, ServiceRegistration,
};
use crate::{Error, Nomad};

/// The prefix of Nomad's answer when a registration's `EnforceIndex` check fails (`RegisterEnforceIndexErrPrefix`).
pub const ENFORCE_INDEX_PREFIX: &str = "Enforcing job modify index";

/// Whether `error` is Nomad refusing a registration because the job changed since its index was read (or
/// exists, or does not, contrary to the request).
pub fn is_enforce_index_conflict(error: &Error) -> bool {
    matches!(error, Error::Status { body, .. } if body.contains(ENFORCE_INDEX_PREFIX))
}

/// The job endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Jobs<'a> {
    pub(crate) client: &'a Nomad,
}

impl Jobs<'_> {
    /// Lists jobs (paged with `per_page`/`next_token`, filtered with `filter`; `meta=true` adds `Meta`).
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn list(&self, query: &QueryOptions) -> Result<(Vec<JobListStub>, QueryMeta), Error> {
        self.client.get(&["v1", "jobs"], query).await
    }

    /// Reads a job.
    ///
    /// # Errors
    /// `Status` 404 when it does not exist.
    pub async fn info(&self, id: &str, query: &QueryOptions) -> Result<(Job, QueryMeta), Error> {
        self.client.get(&["v1", "job", id], query).await
    }

    /// Registers (creates or updates) a job. Pass the tenant's namespace in `options`: Nomad honours the query
    /// parameter over anything in the body.
    ///
    /// # Errors
    /// `Status` 400 for an invalid job; a 500 whose body starts with [`ENFORCE_INDEX_PREFIX`] when
    /// `EnforceIndex` fails (see [`is_enforce_index_conflict`]).
    pub async fn register(
        &self,
        request: &JobRegisterRequest,
        options: &WriteOptions,
    ) -> Result<(JobRegisterResponse, WriteMeta), Error> {
        self.client
            .write(Method::PUT, &["v1", "jobs"], Some(request), &[], options)
            .await
    }

    /// Plans a registration: what would change and whether it can be placed.
    ///
    /// # Errors
    /// `Status` 400 for an invalid job.
    pub async fn plan(
        &self,
        id: &str,
        request: &JobPlanRequest,
        options: &WriteOptions,
    ) -> Result<(JobPlanResponse, WriteMeta), Error> {
        self.client
            .write(
                Method::POST,
                &["v1", "job", id, "plan"],
                Some(request),
                &[],
                options,
            )
            .await
    }

    /// Parses HCL2 into a job (server-side, without file-system functions).
    ///
    /// # Errors
    /// `Status` 400 with the parser's message.
    pub async fn parse(&self, hcl: &str, canonicalize: bool) -> Result<Job, Error> {
        let request = JobsParseRequest {
            job_hcl: hcl.to_owned(),
            canonicalize,
            variables: None,
        };
        let (job, _) = self
            .client
            .write(
                Method::POST,
                &["v1", "jobs", "parse"],
                Some(&request),
                &[],
                &WriteOptions::default(),
            )
            .await?;
        Ok(job)
    }

    /// Validates a job without registering it.
    ///
    /// # Errors
    /// Transport and status errors (validation failures are in the answer).
    pub async fn validate(
        &self,
        job: &Job,
        options: &WriteOptions,
    ) -> Result<JobValidateResponse, Error> {
        let request = JobValidateRequest {
            job: Some(job.clone()),
        };
        let (answer, _) = self
            .client
            .write(
                Method::PUT,
                &["v1", "validate", "job"],
                Some(&request),
                &[],
                options,
            )
            .await?;
        Ok(answer)
    }

    /// The versions Nomad still tracks (the last six by default), newest first, with diffs if asked.
    ///
    /// # Errors
    /// `Status` 404 when the job does not exist.
    pub async fn versions(
        &self,
        id: &str,
        diffs: bool,
        query: &QueryOptions,
    ) -> Result<(JobVersionsResponse, QueryMeta), Error> {
        let query = if diffs {
            query.clone().param("diffs", true)
        } else {
            query.clone()
        };
        self.client
            .get(&["v1", "job", id, "versions"], &query)
            .await
    }

    /// The original source submitted with `version`, if Nomad kept it.
    ///
    /// # Errors
    /// Transport and status errors other than 404.
    pub async fn submission(
        &self,
        id: &str,
        version: u64,
        query: &QueryOptions,
    ) -> Result<Option<JobSubmission>, Error> {
        let query = query.clone().param("version", version);
        match self
            .client
            .get(&["v1", "job", id, "submission"], &query)
            .await
        {
            Ok((submission, _)) => Ok(Some(submission)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Reverts to `version`; with `enforce_prior_version`, only if the job is currently at that version.
    ///
    /// # Errors
    /// `Status` 400 when the version does not exist or the prior version does not match.
    pub async fn revert(
        &self,
        id: &str,
        version: u64,
        enforce_prior_version: Option<u64>,
        options: &WriteOptions,
    ) -> Result<(EvalResponse, WriteMeta), Error> {
        let request = JobRevertRequest {
            job_id: id.to_owned(),
            job_version: version,
            enforce_prior_version,
            namespace: options.namespace.clone(),
        };
        self.client
            .write(
                Method::POST,
                &["v1", "job", id, "revert"],
                Some(&request),
                &[],
                options,
            )
            .await
    }

    /// Marks `version` stable or not.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn stable(
        &self,
        id: &str,
        version: u64,
        stable: bool,
        options: &WriteOptions,
    ) -> Result<JobStabilityResponse, Error> {
        let request = JobStabilityRequest {
            job_id: id.to_owned(),
            job_version: version,
            stable,
            namespace: options.namespace.clone(),
        };
        let (answer, _) = self
            .client
            .write(
                Method::POST,
                &["v1", "job", id, "stable"],
                Some(&request),
                &[],
                options,
            )
            .await?;
        Ok(answer)
    }

    /// The desired and actual counts of each group.
    ///
    /// # Errors
    /// `Status` 404 when the job does not exist.
    pub async fn scale_status(
        &self,
        id: &str,
        query: &QueryOptions,
    ) -> Result<(JobScaleStatus, QueryMeta), Error> {
        self.client.get(&["v1", "job", id, "scale"], query).await
    }

    /// Sets a group's count.
    ///
    /// # Errors
    /// `Status` 400 outside the group's scaling bounds or while a deployment is active.
    pub async fn scale(
        &self,
        id: &str,
        request: &ScalingRequest,
        options: &WriteOptions,
    ) -> Result<(EvalResponse, WriteMeta), Error> {
        self.client
            .write(
                Method::POST,
                &["v1", "job", id, "scale"],
                Some(request),
                &[],
                options,
            )
            .await
    }

    /// Allocation counts per group.
    ///
    /// # Errors
    /// `Status` 404 when the job does not exist.
    pub async fn summary(
        &self,
        id: &str,
        query: &QueryOptions,
    ) -> Result<(JobSummary, QueryMeta), Error> {
        self.client.get(&["v1", "job", id, "summary"], query).await
    }

    /// The job's allocations (`all`: also those of an earlier job with the same ID).
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn allocations(
        &self,
        id: &str,
        all: bool,
        query: &QueryOptions,
    ) -> Result<(Vec<AllocationListStub>, QueryMeta), Error> {
        let query = if all {
            query.clone().param("all", true)
        } else {
            query.clone()
        };
        self.client
            .get(&["v1", "job", id, "allocations"], &query)
            .await
    }

    /// The job's evaluations.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn evaluations(
        &self,
        id: &str,
        query: &QueryOptions,
    ) -> Result<(Vec<Evaluation>, QueryMeta), Error> {
        self.client
            .get(&["v1", "job", id, "evaluations"], query)
            .await
    }

    /// The job's deployments, newest first.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn deployments(
        &self,
        id: &str,
        query: &QueryOptions,
    ) -> Result<(Vec<Deployment>, QueryMeta), Error> {
        self.client
            .get(&["v1", "job", id, "deployments"], query)
            .await
    }

    /// The job's latest deployment, if it has one.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn latest_deployment(
        &self,
        id: &str,
        query: &QueryOptions,
    ) -> Result<(Option<Deployment>, QueryMeta), Error> {
        self.client
            .get(&["v1", "job", id, "deployment"], query)
            .await
    }

    /// The job's Nomad-native service registrations.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn services(
        &self,
        id: &str,
        query: &QueryOptions,
    ) -> Result<(Vec<ServiceRegistration>, QueryMeta), Error> {
        self.client.get(&["v1", "job", id, "services"], query).await
    }

    /// Stops a job; with `purge`, also removes it from Nomad's state.
    ///
    /// # Errors
    /// `Status` 404 when the job does not exist.
    pub async fn deregister(
        &self,
        id: &str,
        purge: bool,
        options: &WriteOptions,
    ) -> Result<(JobDeregisterResponse, WriteMeta), Error> {
        let extra = if purge {
            vec![("purge", "true".to_owned())]
        } else {
            Vec::new()
        };
        self.client
            .write::<(), _>(Method::DELETE, &["v1", "job", id], None, &extra, options)
            .await
    }
}
