//! Telling Nomad's refusals from its failures.
//!
//! Nomad's HTTP layer answers every error that carries no code of its own with 500 and the error's text
//! (`errCodeFromHandler` in `command/agent/http.go`). Most of those are refusals with a reason: a job that fails
//! validation (a multierror, `nomad/structs/job.go`), an admission hook (`nomad/job_endpoint_validators.go`,
//! `nomad/job_endpoint_hook_node_pool.go`), a stale `JobModifyIndex` (`RegisterEnforceIndexErrPrefix`), a
//! deployment that is unknown or terminal (`nomad/deployment_endpoint.go`, `nomad/structs/errors.go`), canaries
//! that are not yet healthy (`UpdateDeploymentPromotion` in `nomad/state/state_store.go`), a revert or stability
//! change of a version Nomad does not have (`nomad/job_endpoint.go`). Such an answer changed nothing, and is
//! shown to the user as the refusal it is, not as "Nomad is unavailable".

/// Phrases, each from Nomad's source, that mark an uncoded 500 as a refusal.
const REFUSALS: &[&str] = &[
    // go-multierror's list format: validation, promotion and plan errors.
    " error occurred:\n",
    " errors occurred:\n",
    " is in nonexistent namespace ",
    " is in nonexistent node pool ",
    " is not allowed in namespace ",
    " are not allowed in namespace ",
    "Enforcing job modify index ",
    " terminal deployment",
    "can't unblock running deployment",
    "deployment not found",
    " healthy allocations",
    "can't revert to current version",
    "Current job has version ",
    " at version ",
    "missing job ID",
    "Unknown allocation",
    "Unknown node",
    "Unknown job",
    "Unknown evaluation",
    "Unknown deployment",
];

/// Nomad's own words when `error` is an answer that refused the request (and changed nothing): any 4xx but
/// 429 (too many requests is a failure to try later), and a 500 whose text is one of Nomad's refusals.
/// `None` for a failure: no answer, a timeout, 429, 502–504, or a 500 with any other text (a lost leader, a
/// Raft apply that may have committed).
pub fn refusal(error: &crate::Error) -> Option<String> {
    let crate::Error::Status { status, body, .. } = error else {
        return None;
    };
    let refused = match status.as_u16() {
        429 => false,
        400..=499 => true,
        500 => REFUSALS.iter().any(|phrase| body.contains(phrase)),
        _ => false,
    };
    refused.then(|| readable(body))
}

/// Nomad's text as one readable line: a multierror's entries (nested ones too, go-multierror writes them
/// flat) joined, an entry ending in a colon joined to what follows it, RPC wrapping removed.
fn readable(body: &str) -> String {
    let body = body.trim();
    let body = body.strip_prefix("rpc error: ").unwrap_or(body);
    let mut text = String::new();
    for line in body.lines() {
        let line = line.trim().trim_start_matches("* ");
        let line = strip_multierror_head(line).trim();
        if line.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push_str(if text.ends_with(':') { " " } else { "; " });
        }
        text.push_str(line);
    }
    text.chars().take(2000).collect()
}

/// `line` without a trailing "N error(s) occurred:".
fn strip_multierror_head(line: &str) -> &str {
    for noun in [" error occurred:", " errors occurred:"] {
        if let Some(before) = line.strip_suffix(noun) {
            let head = before.trim_end_matches(|c: char| c.is_ascii_digit());
            if head.len() < before.len() {
                return head;
            }
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use np_http::StatusCode;

    use super::*;

    fn answered(status: u16, body: &str) -> crate::Error {
        crate::Error::Status {
            upstream: "nomad",
            status: StatusCode::from_u16(status).unwrap(),
            body: body.into(),
        }
    }

    #[test]
    fn nomads_uncoded_refusals_are_refusals_in_its_words() {
        let cases = [
            (
                "1 error occurred:\n\t* Task group web validation failed: 1 error occurred:\n\t* Task group count can't be negative\n\n\n\n",
                "Task group web validation failed: Task group count can't be negative",
            ),
            (
                "job \"web\" is in nonexistent namespace \"nowhere\"",
                "job \"web\" is in nonexistent namespace \"nowhere\"",
            ),
            (
                "used task driver \"docker\" is not allowed in namespace \"acme\"",
                "used task driver \"docker\" is not allowed in namespace \"acme\"",
            ),
            (
                "Enforcing job modify index 12: job exists with conflicting job modify index: 14",
                "Enforcing job modify index 12: job exists with conflicting job modify index: 14",
            ),
            (
                "can't promote terminal deployment",
                "can't promote terminal deployment",
            ),
            ("deployment not found", "deployment not found"),
            (
                "2 errors occurred:\n\t* Missing job datacenters\n\t* Task group web validation failed: 2 errors occurred:\n\t* A\n\t* B\n\n\n\n",
                "Missing job datacenters; Task group web validation failed: A; B",
            ),
            (
                "1 error occurred:\n\t* Task group \"web\" has 0/1 healthy allocations\n\n",
                "Task group \"web\" has 0/1 healthy allocations",
            ),
            (
                "rpc error: can't revert to current version",
                "can't revert to current version",
            ),
        ];
        for (body, shown) in cases {
            assert_eq!(
                refusal(&answered(500, body)).as_deref(),
                Some(shown),
                "{body}"
            );
        }
    }

    #[test]
    fn coded_client_errors_are_refusals_but_429_is_not() {
        assert_eq!(
            refusal(&answered(400, "Job must be specified\n")).as_deref(),
            Some("Job must be specified")
        );
        assert_eq!(
            refusal(&answered(403, "Permission denied")).as_deref(),
            Some("Permission denied")
        );
        assert_eq!(refusal(&answered(429, "Too many requests")), None);
    }

    #[test]
    fn failures_are_not_refusals() {
        for (status, body) in [
            (500, "No cluster leader"),
            (500, "raft apply failed: timed out enqueuing operation"),
            (500, "rpc error: EOF"),
            (502, "bad gateway"),
            (503, "deployment not found"),
            (504, "gateway timeout"),
        ] {
            assert_eq!(refusal(&answered(status, body)), None, "{status} {body}");
        }
        let timeout = crate::Error::Timeout { upstream: "nomad" };
        assert_eq!(refusal(&timeout), None);
    }
}
