//! What an audit record says: how the action ended, who acted and from where, the Nomad ids it touched,
//! and the record's own fields as an action builds them.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::DomainError;
use crate::authz::{Caller, Origin, Principal};
use crate::tenants::Tenant;

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It did what was asked.
    Success,
    /// It was tried and failed (bad input, a conflict, an upstream's refusal or outage).
    Failure,
    /// The caller was not allowed to.
    Denied,
    /// Nobody knows: the console stopped before it learnt the answer and nothing could tell it since.
    Unknown,
}

impl Outcome {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
            Self::Unknown => "unknown",
        }
    }

    /// The outcome an error stands for.
    pub fn of_error(error: &DomainError) -> Self {
        match error {
            DomainError::Forbidden(_) | DomainError::Unauthenticated => Self::Denied,
            _ => Self::Failure,
        }
    }
}

/// Who acted, as recorded: kept as it was, even after the user or token is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `user`, `token`, `system` or `anonymous`.
    pub kind: &'static str,
    /// The user, whose issuer and subject are looked up when the record is written.
    pub user_id: Option<Uuid>,
    /// The identity's issuer (for users: filled from the user when not given).
    pub issuer: Option<String>,
    /// The identity's subject.
    pub subject: Option<String>,
    /// Display name.
    pub name: String,
    /// Where the request came from.
    pub origin: Origin,
}

impl Actor {
    /// The caller of a request.
    pub fn of(caller: &Caller) -> Self {
        let (kind, user_id, issuer, subject) = match &caller.principal {
            Principal::User { user_id, .. } => ("user", Some(*user_id), None, None),
            Principal::Token { token_id } => (
                "token",
                None,
                Some("np:token".to_owned()),
                Some(token_id.to_string()),
            ),
            Principal::System => (
                "system",
                None,
                Some("np:system".to_owned()),
                Some(caller.display_name.clone()),
            ),
        };
        Self {
            kind,
            user_id,
            issuer,
            subject,
            name: caller.display_name.clone(),
            origin: caller.origin.clone(),
        }
    }

    /// Someone not signed in (a failed sign-in), with what is known of them.
    pub fn anonymous(origin: Origin, issuer: Option<String>, subject: Option<String>) -> Self {
        Self {
            kind: "anonymous",
            user_id: None,
            issuer,
            subject,
            name: "anonymous".into(),
            origin,
        }
    }
}

/// The ids Nomad gave an action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NomadIds {
    /// The evaluation.
    pub eval_id: Option<String>,
    /// The deployment.
    pub deployment_id: Option<String>,
    /// The job version.
    pub job_version: Option<i64>,
    /// The job's modify index.
    pub job_modify_index: Option<i64>,
}

impl NomadIds {
    /// Just an evaluation.
    #[allow(clippy::ptr_arg)] // used as `FnOnce(&String)` on actions answering an evaluation id
    pub fn of_eval(eval_id: &String) -> Self {
        Self {
            eval_id: Some(eval_id.clone()).filter(|e| !e.is_empty()),
            ..Self::default()
        }
    }
}

/// What an audit record says happened (the actor and outcome are given when it is written).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// `deploy.submit`, `member.add`, … (`family.verb`).
    pub action: String,
    /// The tenant concerned.
    pub tenant_id: Option<Uuid>,
    /// Its slug then.
    pub tenant: Option<String>,
    /// `app`, `member`, `invite`, `token`, `tenant`, `user`, `path`, `audit`.
    pub target_type: Option<String>,
    /// The target's name or id.
    pub target: Option<String>,
    /// Nomad's ids.
    pub nomad: NomadIds,
    /// Everything else (no secret values: use [`chain::Keys::hmac`]).
    pub details: Value,
}

impl Record {
    /// A record of `action`.
    pub fn new(action: &str) -> Self {
        Self {
            action: action.to_owned(),
            tenant_id: None,
            tenant: None,
            target_type: None,
            target: None,
            nomad: NomadIds::default(),
            details: json!({}),
        }
    }

    /// About `tenant`.
    #[must_use]
    pub fn tenant(mut self, tenant: &Tenant) -> Self {
        self.tenant_id = Some(tenant.id);
        self.tenant = Some(tenant.slug.clone());
        self
    }

    /// About a tenant known by id and slug.
    #[must_use]
    pub fn tenant_named(mut self, id: Uuid, slug: &str) -> Self {
        self.tenant_id = Some(id);
        self.tenant = Some(slug.to_owned());
        self
    }

    /// Acting on `target` of kind `kind`.
    #[must_use]
    pub fn target(mut self, kind: &str, target: impl Into<String>) -> Self {
        self.target_type = Some(kind.to_owned());
        self.target = Some(target.into());
        self
    }

    /// With these details.
    #[must_use]
    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}
