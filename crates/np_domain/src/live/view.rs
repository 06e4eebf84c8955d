//! The viewer's picture of an app, from Nomad's answers: what the job runs, its latest deployment and its
//! progress, Nomad's revert of a failed version, and the instances with their task events.

use np_nomad::types::{AllocationListStub, Deployment, Job, JobSummary};
use np_spec::ops::{AppLive, DeploymentView, GroupProgress, InstanceView, TaskEventView};

/// Task events kept per task.
const EVENTS_PER_TASK: usize = 8;

/// The viewer's picture of an app from Nomad's answers (`deployments` newest first).
pub fn app_live(
    app: &str,
    job_id: &str,
    job: &Job,
    summary: &JobSummary,
    mut allocs: Vec<AllocationListStub>,
    deployments: &[Deployment],
    stable_version: Option<u64>,
) -> AppLive {
    let deployment = deployments.first();
    // A failed rollout that Nomad reverted: the revert is the newest deployment, the failure the one before.
    let reverted = match deployments {
        [first, ..] if first.status == "failed" => None,
        [_, before, ..] if before.status == "failed" => {
            rolled_back_to(&before.status_description).map(|to| (before.job_version, to))
        }
        _ => None,
    };
    let (running, pending, failed) = crate::apps::counts(summary);
    let stopped = job.stop == Some(true);
    allocs.sort_by_key(|a| {
        (
            std::cmp::Reverse(a.desired_status == "run"),
            std::cmp::Reverse(a.create_index),
        )
    });
    let promoting = deployment.is_some_and(|d| d.status == "running");
    let instances: Vec<InstanceView> = allocs
        .into_iter()
        .take(50)
        .map(|a| instance_view(a, promoting))
        .collect();
    // Unpromoted canaries run beside the count the job asks for: they are wanted too.
    let canaries = instances.iter().filter(|i| i.canary && i.is_live()).count() as i64;
    AppLive {
        facts: np_spec::from_job::facts(job, app),
        app: app.to_owned(),
        job_id: job_id.to_owned(),
        status: job.status.clone().unwrap_or_default(),
        stopped,
        version: job.version.unwrap_or(0),
        stable_version,
        desired: if stopped {
            0
        } else {
            job.task_groups
                .iter()
                .flatten()
                .map(|g| g.count.unwrap_or(0))
                .sum::<i64>()
                + canaries
        },
        canaries,
        running,
        pending,
        failed,
        deployment: deployment.map(deployment_view),
        reverted,
        instances,
        error: None,
    }
}

fn deployment_view(d: &Deployment) -> DeploymentView {
    let groups: Vec<GroupProgress> = d
        .task_groups
        .iter()
        .map(|(name, g)| GroupProgress {
            name: name.clone(),
            desired: g.desired_total,
            desired_canaries: g.desired_canaries,
            canaries: g.placed_canaries.as_ref().map_or(0, |c| c.len() as i64),
            promoted: g.promoted,
            placed: g.placed_allocs,
            healthy: g.healthy_allocs,
            unhealthy: g.unhealthy_allocs,
            auto_revert: g.auto_revert,
        })
        .collect();
    // Nomad's own condition: every group with canaries has them all placed and healthy, and none promotes
    // itself.
    let canary_groups: Vec<&GroupProgress> = groups
        .iter()
        .filter(|g| g.desired_canaries > 0 && !g.promoted)
        .collect();
    let needs_promotion = d.status == "running"
        && !canary_groups.is_empty()
        && canary_groups.iter().all(|g| {
            g.canaries >= g.desired_canaries
                && g.healthy >= g.desired_canaries
                && d.task_groups.get(&g.name).is_some_and(|s| !s.auto_promote)
        });
    DeploymentView {
        id: d.id.clone(),
        version: d.job_version,
        status: d.status.clone(),
        description: d.status_description.clone(),
        needs_promotion,
        rolled_back_to: rolled_back_to(&d.status_description),
        groups,
    }
}

/// The version in Nomad's "… - rolling back to job version N".
pub fn rolled_back_to(description: &str) -> Option<u64> {
    let (_, rest) = description.split_once("rolling back to job version ")?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
}

fn instance_view(a: AllocationListStub, promoting: bool) -> InstanceView {
    let mut events = Vec::new();
    let mut restarts = 0;
    for (task, state) in a.task_states.iter().flatten() {
        restarts += state.restarts;
        let all = state.events.as_deref().unwrap_or_default();
        for e in &all[all.len().saturating_sub(EVENTS_PER_TASK)..] {
            let message = [&e.display_message, &e.message, &e.driver_error]
                .into_iter()
                .find(|m| !m.is_empty())
                .cloned()
                .unwrap_or_default();
            events.push(TaskEventView {
                task: task.clone(),
                time_ms: e.time / 1_000_000,
                kind: e.event_type.clone(),
                message,
            });
        }
    }
    events.sort_by_key(|e| e.time_ms);
    let status = a.deployment_status.as_ref();
    InstanceView {
        healthy: status.and_then(|s| s.healthy),
        canary: promoting && status.is_some_and(|s| s.canary),
        id: a.id,
        name: a.name,
        node: a.node_name,
        version: a.job_version,
        client_status: a.client_status,
        desired_status: a.desired_status,
        restarts,
        created_ms: a.create_time / 1_000_000,
        events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_version_is_read_from_the_description() {
        assert_eq!(
            rolled_back_to("Failed due to unhealthy allocations - rolling back to job version 3"),
            Some(3)
        );
        assert_eq!(rolled_back_to("Deployment completed successfully"), None);
    }
}
