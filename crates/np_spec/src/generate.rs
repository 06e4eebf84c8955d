//! Generation: a validated `AppSpec` and its tenant become a Nomad job (the JSON that is submitted), its HCL
//! (shown and downloadable) and the Traefik tags. Pure: the browser runs the same code to preview as you type.

mod hcl;
mod job;
mod traefik;

use np_nomad::types::{Job, JobRegisterRequest};

use crate::error::FieldErrors;
use crate::spec::AppSpec;
use crate::tenant::TenantContext;
use crate::validate::validate;

pub use hcl::{quote as hcl_quote, to_hcl};
pub use traefik::canary_host;

/// What an app becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The Nomad job.
    pub job: Job,
    /// The same job as HCL2, for reading and download.
    pub hcl: String,
    /// Every host name the app's routes claim (canary hosts included), for platform-wide uniqueness.
    pub hosts: Vec<String>,
}

impl Generated {
    /// The body of `PUT /v1/jobs` (`{"Job": …}`).
    pub fn register_request(&self) -> JobRegisterRequest {
        JobRegisterRequest {
            job: Some(self.job.clone()),
            ..JobRegisterRequest::default()
        }
    }

    /// The register body as pretty JSON.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(&self.register_request()).unwrap_or_default()
    }
}

/// Validates `spec` against `tenant` and generates the job.
///
/// # Errors
/// Every invalid field, with what is allowed.
pub fn generate(spec: &AppSpec, tenant: &TenantContext) -> Result<Generated, FieldErrors> {
    let errors = validate(spec, tenant);
    if !errors.is_empty() {
        return Err(FieldErrors(errors));
    }
    let job = job::build(spec, tenant);
    let hosts = traefik::hosts(spec);
    let hcl = to_hcl(&job);
    Ok(Generated { job, hcl, hosts })
}
