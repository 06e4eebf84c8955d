//! Planning a deploy: Nomad's diff against the running job in the app's own terms, what the scheduler would
//! place, update and stop, and why anything could not be placed, in plain words.

use np_nomad::WriteOptions;
use np_nomad::types::{AllocationMetric, FieldDiff, JobDiff, JobPlanRequest, ObjectDiff};
use np_spec::ops::{AppPlan, GroupPlan, PlanChange};

use super::nomad_error;
use crate::apps::DeployInput;
use crate::authz::Caller;
use crate::{DomainError, Services};

/// What deploying `input` would do: Nomad's diff against the running job, what the scheduler would place,
/// update and stop, and why anything could not be placed, in plain words. Nothing is deployed.
///
/// # Errors
/// As a deploy: `Rejected` with every field error, authorization and upstream errors.
pub async fn plan(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    input: &DeployInput,
) -> Result<Vec<AppPlan>, DomainError> {
    let ready = crate::apps::ready(services, caller, tenant, input).await?;
    let namespace = ready.context.namespace.clone();
    let mut plans = Vec::new();
    for p in ready.prepared {
        let job_id = p.generated.job.id.clone().unwrap_or_default();
        let request = JobPlanRequest {
            job: Some(p.generated.job.clone()),
            diff: true,
            policy_override: false,
            namespace: Some(namespace.clone()),
        };
        let (answer, _) = ready
            .nomad
            .jobs()
            .plan(&job_id, &request, &WriteOptions::namespace(&namespace))
            .await
            .map_err(nomad_error)?;
        let diff = answer.diff.unwrap_or_default();
        let change = match diff.diff_type.as_str() {
            "Added" => "new",
            "None" | "" => "unchanged",
            _ => "changed",
        };
        let groups = answer
            .annotations
            .and_then(|a| a.desired_tg_updates)
            .unwrap_or_default()
            .into_iter()
            .map(|(name, u)| GroupPlan {
                name,
                place: u.place,
                in_place: u.in_place_update,
                destructive: u.destructive_update,
                stop: u.stop,
                canary: u.canary,
                unchanged: u.ignore,
            })
            .collect();
        let failures = answer
            .failed_tg_allocs
            .unwrap_or_default()
            .iter()
            .map(|(group, metric)| placement_failure(group, &ready.context.node_pool, metric))
            .collect();
        plans.push(AppPlan {
            app: p.spec.name.to_string(),
            job_id,
            change: change.into(),
            changes: if change == "new" {
                Vec::new()
            } else {
                readable(flatten_diff(&diff))
            },
            groups,
            failures,
            warnings: answer
                .warnings
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect(),
        });
    }
    Ok(plans)
}

/// The changes as a person reads them: durations in seconds and minutes rather than Nomad's nanoseconds, and
/// each change once (Nomad repeats the job's update block in every group's).
pub fn readable(changes: Vec<PlanChange>) -> Vec<PlanChange> {
    let mut out: Vec<PlanChange> = Vec::new();
    for mut c in changes {
        let last = c
            .path
            .rsplit(['›', '[', ' '])
            .find(|t| !t.trim_matches(']').is_empty());
        let is_duration = last.is_some_and(|t| {
            let t = t.trim_matches(']');
            [
                "Time", "Deadline", "Interval", "Timeout", "Delay", "Stagger",
            ]
            .iter()
            .any(|end| t.ends_with(end))
        });
        if is_duration {
            for value in [&mut c.old, &mut c.new] {
                if let Ok(nanos) = value.parse::<i64>() {
                    *value = duration_text(nanos);
                }
            }
        }
        let seen = out
            .iter()
            .any(|o| o.label.is_some() && o.label == c.label && o.old == c.old && o.new == c.new);
        if !seen {
            out.push(c);
        }
    }
    out
}

/// Nanoseconds as `90s`, `5m`, `1h` or `250ms`.
fn duration_text(nanos: i64) -> String {
    const SECOND: i64 = 1_000_000_000;
    match nanos {
        0 => "0s".to_owned(),
        n if n % (3600 * SECOND) == 0 => format!("{}h", n / (3600 * SECOND)),
        n if n % (60 * SECOND) == 0 => format!("{}m", n / (60 * SECOND)),
        n if n % SECOND == 0 => format!("{}s", n / SECOND),
        n => format!("{}ms", n / 1_000_000),
    }
}

/// Why a group could not be placed, as a person would say it.
pub fn placement_failure(group: &str, pool: &str, m: &AllocationMetric) -> String {
    let evaluated = m.nodes_evaluated;
    let mut reasons = Vec::new();
    if m.nodes_in_pool == 0 && evaluated == 0 {
        reasons.push(format!("there are no nodes in pool {pool}"));
    } else if evaluated == 0 {
        reasons.push(format!(
            "no node in pool {pool} is ready to run it ({} nodes in the pool)",
            m.nodes_in_pool
        ));
    }
    for (dimension, nodes) in m.dimension_exhausted.iter().flatten() {
        let what = match dimension.as_str() {
            "memory" => "memory".to_owned(),
            "cpu" => "CPU".to_owned(),
            other => other.to_owned(),
        };
        reasons.push(format!(
            "not enough {what} on any node in pool {pool} ({nodes} of {evaluated} node{} full)",
            if evaluated == 1 { "" } else { "s" }
        ));
    }
    for (constraint, nodes) in m.constraint_filtered.iter().flatten() {
        reasons.push(format!(
            "{nodes} node{} left out by the constraint {constraint}",
            if *nodes == 1 { " was" } else { "s were" }
        ));
    }
    for (class, nodes) in m.class_filtered.iter().flatten() {
        reasons.push(format!("{nodes} node(s) of class {class} left out"));
    }
    for quota in m.quota_exhausted.iter().flatten() {
        reasons.push(format!("the quota is used up ({quota})"));
    }
    if reasons.is_empty() {
        reasons.push(format!(
            "no node in pool {pool} could take it ({evaluated} evaluated, {} filtered out, {} full)",
            m.nodes_filtered, m.nodes_exhausted
        ));
    }
    let extra = if m.coalesced_failures > 0 {
        format!(
            " ({} more instance{} could not be placed either)",
            m.coalesced_failures,
            if m.coalesced_failures == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    format!(
        "Group {group} cannot be placed: {}{extra}.",
        reasons.join("; ")
    )
}

/// Nomad's nested diff as a list of changed fields with their paths.
pub fn flatten_diff(diff: &JobDiff) -> Vec<PlanChange> {
    let mut out = Vec::new();
    fields(
        &mut out,
        "job",
        diff.fields.as_deref(),
        diff.objects.as_deref(),
    );
    for g in diff.task_groups.iter().flatten() {
        let at = format!("group {}", g.name);
        if matches!(g.diff_type.as_str(), "Added" | "Deleted") {
            out.push(whole(&at, &g.diff_type));
            continue;
        }
        fields(&mut out, &at, g.fields.as_deref(), g.objects.as_deref());
        for t in g.tasks.iter().flatten() {
            let at = format!("{at} › task {}", t.name);
            if matches!(t.diff_type.as_str(), "Added" | "Deleted") {
                out.push(whole(&at, &t.diff_type));
                continue;
            }
            let before = out.len();
            fields(&mut out, &at, t.fields.as_deref(), t.objects.as_deref());
            if let Some(note) = t.annotations.iter().flatten().next()
                && let Some(first) = out.get_mut(before)
            {
                first.note.get_or_insert_with(|| note.clone());
            }
        }
    }
    out
}

fn whole(at: &str, diff_type: &str) -> PlanChange {
    PlanChange {
        label: at
            .rsplit_once("› task ")
            .map(|(_, task)| format!("sidecar {task}")),
        path: at.to_owned(),
        kind: kind(diff_type).into(),
        old: String::new(),
        new: String::new(),
        note: None,
    }
}

fn kind(diff_type: &str) -> &'static str {
    match diff_type {
        "Added" => "added",
        "Deleted" => "removed",
        _ => "changed",
    }
}

fn fields(
    out: &mut Vec<PlanChange>,
    at: &str,
    fields_: Option<&[FieldDiff]>,
    objects: Option<&[ObjectDiff]>,
) {
    for f in fields_.unwrap_or_default() {
        if f.diff_type == "None" || (f.old == f.new && f.diff_type != "Added") {
            continue;
        }
        let path = format!("{at} › {}", f.name);
        out.push(PlanChange {
            label: np_spec::terms::describe_path(&path),
            path,
            kind: kind(&f.diff_type).into(),
            old: f.old.clone(),
            new: f.new.clone(),
            note: f.annotations.iter().flatten().next().cloned(),
        });
    }
    for o in objects.unwrap_or_default() {
        if o.diff_type == "None" {
            continue;
        }
        fields(
            out,
            &format!("{at} › {}", o.name),
            o.fields.as_deref(),
            o.objects.as_deref(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn memory_exhaustion_is_said_plainly() {
        let m = AllocationMetric {
            nodes_evaluated: 3,
            nodes_in_pool: 3,
            nodes_exhausted: 3,
            dimension_exhausted: Some([("memory".to_owned(), 3)].into()),
            coalesced_failures: 1,
            ..AllocationMetric::default()
        };
        assert_eq!(
            placement_failure("web", "default", &m),
            "Group web cannot be placed: not enough memory on any node in pool default (3 of 3 nodes full) \
             (1 more instance could not be placed either)."
        );
        let empty = AllocationMetric::default();
        assert!(placement_failure("web", "gpu", &empty).contains("there are no nodes in pool gpu"));
    }

    #[test]
    fn durations_read_as_durations_and_repeats_once() {
        let change = |path: &str, old: &str, new: &str| PlanChange {
            label: np_spec::terms::describe_path(path),
            path: path.into(),
            kind: "changed".into(),
            old: old.into(),
            new: new.into(),
            note: None,
        };
        let out = readable(vec![
            change(
                "job › Update › Update[HealthyDeadline]",
                "8000000000",
                "300000000000",
            ),
            change(
                "group web › Update › Update[HealthyDeadline]",
                "8000000000",
                "300000000000",
            ),
            change("group web › Count", "1", "3"),
        ]);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!((out[0].old.as_str(), out[0].new.as_str()), ("8s", "5m"));
        assert_eq!((out[1].old.as_str(), out[1].new.as_str()), ("1", "3"));
    }

    #[test]
    fn diffs_are_flattened_with_their_paths() {
        let diff: JobDiff = serde_json::from_value(json!({
            "Type": "Edited", "ID": "acme--web",
            "Fields": [{"Type": "None", "Name": "Priority", "Old": "50", "New": "50"}],
            "TaskGroups": [{
                "Type": "Edited", "Name": "web",
                "Fields": [{"Type": "Edited", "Name": "Count", "Old": "1", "New": "3"}],
                "Tasks": [{
                    "Type": "Edited", "Name": "web",
                    "Annotations": ["forces create/destroy update"],
                    "Objects": [{"Type": "Edited", "Name": "Config", "Fields": [
                        {"Type": "Edited", "Name": "image", "Old": "nginx:1.26", "New": "nginx:1.27"}]}]
                }]
            }]
        }))
        .unwrap();
        let changes = flatten_diff(&diff);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(changes[0].path, "group web › Count");
        assert_eq!(changes[0].label.as_deref(), Some("instances"));
        assert_eq!(changes[1].label.as_deref(), Some("image"));
        assert_eq!(
            (changes[0].old.as_str(), changes[0].new.as_str()),
            ("1", "3")
        );
        assert_eq!(changes[1].path, "group web › task web › Config › image");
        assert_eq!(
            changes[1].note.as_deref(),
            Some("forces create/destroy update")
        );
    }
}
