//! The audit log as auditors see it: filters, pages of records, a record's detail and the verifier's report.
//! The server builds these from Postgres; the browser renders them.

use serde::{Deserialize, Serialize};

/// What to show of the log. Every field narrows it; empty fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// A tenant's slug.
    #[serde(default)]
    pub tenant: String,
    /// The actor: their display name, subject or token id (exact).
    #[serde(default)]
    pub actor: String,
    /// An action (`deploy.submit`) or a family of them (`deploy`, `member`).
    #[serde(default)]
    pub action: String,
    /// The target: an app, a member, a token, a path (exact).
    #[serde(default)]
    pub target: String,
    /// `success`, `failure`, `denied`, `unknown`, or `pending` (intents still waiting for their result).
    #[serde(default)]
    pub outcome: String,
    /// From this time (RFC 3339 or `YYYY-MM-DD[ HH:MM[:SS]]`, UTC).
    #[serde(default)]
    pub from: String,
    /// Up to (not including) this time.
    #[serde(default)]
    pub to: String,
    /// Text found in the actor, action, target, tenant or request id.
    #[serde(default)]
    pub text: String,
}

impl AuditFilter {
    /// The fields' names, as in query strings.
    pub const NAMES: [&'static str; 8] = [
        "tenant", "actor", "action", "target", "outcome", "from", "to", "text",
    ];

    /// Whether no field narrows the log.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Every field with its name, in the order of [`Self::NAMES`].
    pub fn pairs(&self) -> [(&'static str, &str); 8] {
        [
            ("tenant", &self.tenant),
            ("actor", &self.actor),
            ("action", &self.action),
            ("target", &self.target),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
            ("text", &self.text),
        ]
    }

    /// A filter from named values (unknown names are ignored).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> Self {
        let mut f = Self::default();
        for (name, value) in pairs {
            let field = match name {
                "tenant" => &mut f.tenant,
                "actor" => &mut f.actor,
                "action" => &mut f.action,
                "target" => &mut f.target,
                "outcome" => &mut f.outcome,
                "from" => &mut f.from,
                "to" => &mut f.to,
                "text" => &mut f.text,
                _ => continue,
            };
            *field = value;
        }
        f
    }
}

/// One record in a list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its position in the chain (1 is the first record).
    pub seq: i64,
    /// When (`YYYY-MM-DD HH:MM:SS UTC`).
    pub at: String,
    /// `intent`, `result` or `event`.
    pub phase: String,
    /// `success`, `failure`, `denied`, `unknown`; empty for intents.
    pub outcome: String,
    /// The tenant's slug, if the record concerns one.
    pub tenant: String,
    /// Who (display name as it was then).
    pub actor: String,
    /// What (`deploy.submit`, `member.add`, `auth.sign_in`, …).
    pub action: String,
    /// The kind of target (`app`, `member`, `token`, …).
    pub target_type: String,
    /// The target.
    pub target: String,
    /// Whether an intent is still waiting for its result.
    pub pending: bool,
}

/// One record in full.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// The summary fields.
    pub entry: AuditEntry,
    /// Its unique id.
    pub event_id: String,
    /// The intent and result of one action share it.
    pub correlation_id: String,
    /// Exact time (RFC 3339, microseconds).
    pub occurred_at: String,
    /// `user`, `token`, `system` or `anonymous`.
    pub actor_kind: String,
    /// The identity provider (or `np:token`, `np:system`).
    pub actor_issuer: String,
    /// The subject at that provider (or the token's id).
    pub actor_subject: String,
    /// Client address (as seen through trusted proxies only).
    pub source_ip: String,
    /// Client software.
    pub user_agent: String,
    /// The request's id (`x-request-id`).
    pub request_id: String,
    /// Nomad's evaluation.
    pub eval_id: String,
    /// Nomad's deployment.
    pub deployment_id: String,
    /// The job version.
    pub job_version: Option<i64>,
    /// The job's modify index after the change.
    pub job_modify_index: Option<i64>,
    /// Everything else, as pretty-printed JSON (the spec and job for deploys).
    pub details: String,
    /// The previous record's hash (hex).
    pub prev_hash: String,
    /// This record's hash (hex).
    pub row_hash: String,
    /// The other records of the same action (the intent and its result), in order.
    pub related: Vec<AuditEntry>,
    /// For deploys: how the spec differs from the app's previous deploy.
    pub spec_changes: Vec<crate::ops::SpecChange>,
    /// For deploys: the previous deploy's record, if there is one.
    pub previous_deploy: Option<i64>,
}

/// A page of records, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// The records.
    pub entries: Vec<AuditEntry>,
    /// The cursor for the next (older) page, if there is one.
    pub next: Option<i64>,
}

/// What the verifier found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Whether the chain is whole and matches every checkpoint.
    pub intact: bool,
    /// Records whose hash and link were checked.
    pub verified: i64,
    /// The last record's seq.
    pub head_seq: i64,
    /// Signed checkpoints checked.
    pub checkpoints: i64,
    /// The latest valid checkpoint's seq.
    pub last_checkpoint: Option<i64>,
    /// The first record found broken (changed, missing or out of place).
    pub first_broken: Option<i64>,
    /// What is wrong, in words.
    pub problem: Option<String>,
    /// The id of the chain checked (each database's chain has its own), when known.
    #[serde(default)]
    pub chain: Option<String>,
    /// What was set aside and why (checkpoints of another chain, or naming none), in words.
    #[serde(default)]
    pub notes: Vec<String>,
}
