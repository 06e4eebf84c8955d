//! Which of an app's recorded deploys the job Nomad runs now comes from, and how it came to run it: deployed
//! as it is, scaled since, re-applied by a revert (Nomad's automatic one, or `nomad job revert`), or changed
//! outside the console (`nomad job run` with an edited file).
//!
//! Nomad's version history is the evidence: each version's JobModifyIndex ties it to the deploy that
//! registered it, and a version that specifies the same app as an older one (ignoring the instance count) is
//! that older version applied again.

use np_nomad::Nomad;
use np_nomad::types::Job;
use np_spec::AppSpec;
use np_spec::from_job::{comparable, job_changes, overlay};
use np_spec::ops::RunningView;
use uuid::Uuid;

use crate::apps::query;
use crate::deploys::{self, Recorded};
use crate::tenants::Tenant;
use crate::{DomainError, Services};

/// How the running job relates to its deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Registered by the deploy, unchanged since.
    Deployed,
    /// The deploy's spec, scaled since.
    Scaled,
    /// An earlier version's spec applied again (a revert).
    Reverted,
    /// Changed by someone outside the console since the deploy.
    ChangedOutside,
    /// No recorded deploy matches anything Nomad still remembers.
    Unrecorded,
}

impl How {
    /// The word the pages and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deployed => "deployed",
            Self::Scaled => "scaled",
            Self::Reverted => "reverted",
            Self::ChangedOutside => "changed outside",
            Self::Unrecorded => "unrecorded",
        }
    }
}

/// What Nomad runs now for an app, tied to the console's records.
#[derive(Debug, Clone)]
pub struct Running {
    /// Nomad's job now.
    pub job: Job,
    /// The deploy whose spec it runs (for `ChangedOutside`, the one it was changed from).
    pub deploy: Option<Recorded>,
    /// How it came to run it.
    pub how: How,
    /// The job version the deploy itself created, when Nomad still remembers it.
    pub deployed_as: Option<u64>,
    /// What was changed outside the console since the deploy, in the app's terms.
    pub changed_outside: Vec<String>,
    /// The deploy's spec as Nomad runs it (its count, image, environment and size where they changed).
    pub spec: Option<AppSpec>,
    /// Every version Nomad remembers, newest first: (version, JobModifyIndex).
    pub versions: Vec<(u64, u64)>,
}

impl Running {
    /// Nomad's job version now.
    pub fn version(&self) -> u64 {
        self.job.version.unwrap_or(0)
    }

    /// The page's view of it.
    pub fn view(&self) -> RunningView {
        let version = self.version();
        let number = self.deploy.as_ref().map(|d| d.number);
        let summary = match (self.how, number) {
            (How::Deployed, Some(n)) => format!("Job version {version} is deploy #{n}."),
            (How::Scaled, Some(n)) => format!(
                "Job version {version} is deploy #{n}, scaled to {} since.",
                np_spec::from_job::main_group(&self.job, "")
                    .and_then(|g| g.count)
                    .unwrap_or(0)
            ),
            (How::Reverted, Some(n)) => format!(
                "Job version {version} runs deploy #{n}'s spec again{}: a later version was reverted.",
                self.deployed_as
                    .map(|v| format!(" (first deployed as job version {v})"))
                    .unwrap_or_default()
            ),
            (How::ChangedOutside, Some(n)) => format!(
                "Job version {version} was changed outside the console since deploy #{n}: {}.",
                self.changed_outside.join(", ")
            ),
            _ => format!(
                "Job version {version} was not deployed through the console (or its deploy is too old for \
                 Nomad to remember)."
            ),
        };
        RunningView {
            job_version: version,
            deploy_id: self.deploy.as_ref().map(|d| d.id.to_string()),
            deploy_number: number,
            deployed_by: self.deploy.as_ref().map(|d| {
                (
                    d.actor.clone(),
                    d.created_at
                        .format(time::macros::format_description!(
                            "[year]-[month]-[day] [hour]:[minute] UTC"
                        ))
                        .unwrap_or_default(),
                )
            }),
            how: self.how.as_str().to_owned(),
            summary,
            changed_outside: self.changed_outside.clone(),
        }
    }

    /// The deploy the job runs, if any.
    pub fn deploy_id(&self) -> Option<Uuid> {
        self.deploy.as_ref().map(|d| d.id)
    }
}

/// What Nomad runs now for `app` (job `job_id`), tied to the console's records.
///
/// # Errors
/// `NotFound` for a job Nomad does not have; upstream and database errors.
pub async fn running(
    services: &Services,
    nomad: &Nomad,
    tenant: &Tenant,
    job_id: &str,
    app: &str,
) -> Result<Running, DomainError> {
    let (answer, _) = nomad
        .jobs()
        .versions(job_id, false, &query(tenant))
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    let mut versions: Vec<Job> = answer
        .versions
        .into_iter()
        .filter(|j| j.namespace.as_deref() == Some(tenant.nomad_namespace.as_str()))
        .collect();
    versions.sort_by_key(|j| std::cmp::Reverse(j.version.unwrap_or(0)));
    if versions.is_empty() {
        return Err(DomainError::NotFound("app"));
    }
    let indexes: Vec<i64> = versions
        .iter()
        .filter_map(|j| j.job_modify_index.and_then(|i| i64::try_from(i).ok()))
        .collect();
    let recorded = deploys::by_modify_index(&services.db, tenant.id, app, &indexes).await?;
    Ok(resolve(versions, &recorded))
}

/// Ties the newest of `versions` (newest first) to a deploy of `recorded`.
pub fn resolve(versions: Vec<Job>, recorded: &[Recorded]) -> Running {
    let deploy_of = |job: &Job| {
        let index = job.job_modify_index.and_then(|i| i64::try_from(i).ok())?;
        recorded.iter().find(|d| d.job_modify_index == Some(index))
    };
    let plain: Vec<serde_json::Value> = versions.iter().map(|j| comparable(j, true)).collect();
    // Where a version's spec comes from, and how: itself when a deploy registered it; the version before it
    // when it only changed what Nomad changes by itself (a scale, a stop, a start); else the newest older
    // version that specifies the same app (a revert).
    fn trace(
        i: usize,
        versions: &[Job],
        plain: &[serde_json::Value],
        deployed: &dyn Fn(&Job) -> bool,
    ) -> Option<(usize, How)> {
        if deployed(&versions[i]) {
            return Some((i, How::Deployed));
        }
        if i + 1 < versions.len() && plain[i] == plain[i + 1] {
            let (origin, how) = trace(i + 1, versions, plain, deployed)?;
            let scaled = versions[i]
                .task_groups
                .as_ref()
                .map(|g| g.iter().map(|g| g.count).collect::<Vec<_>>())
                != versions[i + 1]
                    .task_groups
                    .as_ref()
                    .map(|g| g.iter().map(|g| g.count).collect::<Vec<_>>());
            return Some((
                origin,
                if scaled && how == How::Deployed {
                    How::Scaled
                } else {
                    how
                },
            ));
        }
        let j = (i + 2..versions.len()).find(|&j| plain[j] == plain[i])?;
        trace(j, versions, plain, deployed).map(|(origin, _)| (origin, How::Reverted))
    }
    let deployed = |job: &Job| deploy_of(job).is_some();
    let origin = |i: usize| trace(i, &versions, &plain, &deployed);
    let now = &versions[0];
    let history: Vec<(u64, u64)> = versions
        .iter()
        .map(|j| (j.version.unwrap_or(0), j.job_modify_index.unwrap_or(0)))
        .collect();
    let finish = |deploy: Option<&Recorded>, how, deployed_as: Option<&Job>, changed| {
        let spec = deploy
            .and_then(|d| serde_json::from_value::<AppSpec>(d.spec.clone()).ok())
            .map(|spec| overlay(&spec, now));
        Running {
            job: now.clone(),
            deploy: deploy.cloned(),
            how,
            deployed_as: deployed_as.and_then(|j| j.version),
            changed_outside: changed,
            spec,
            versions: history.clone(),
        }
    };
    if let Some((i, how)) = origin(0) {
        let source = &versions[i];
        return finish(deploy_of(source), how, Some(source), Vec::new());
    }
    // Changed outside the console: from the newest older version that comes from a deploy.
    match (1..versions.len()).find_map(|i| origin(i).map(|(o, _)| (i, o))) {
        Some((i, o)) => finish(
            deploy_of(&versions[o]),
            How::ChangedOutside,
            Some(&versions[o]),
            job_changes(&versions[i], now),
        ),
        None => {
            // Nomad remembers no version the console deployed; the newest recorded deploy is the best
            // starting point for an edit, and it is said plainly that it is not what runs.
            let mut running = finish(recorded.first(), How::Unrecorded, None, Vec::new());
            if running.deploy.is_some() {
                running.how = How::ChangedOutside;
                running.changed_outside =
                    vec!["(unknown: Nomad no longer has the deployed version)".into()];
            }
            running
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn version(v: u64, index: u64, image: &str, count: i64) -> Job {
        serde_json::from_value(json!({
            "ID": "demo--web", "Namespace": "demo", "Version": v, "JobModifyIndex": index,
            "TaskGroups": [{"Name": "web", "Count": count,
                "Tasks": [{"Name": "web", "Config": {"image": image}}]}]
        }))
        .unwrap()
    }

    fn deploy(number: i64, index: i64, image: &str) -> Recorded {
        Recorded {
            id: Uuid::new_v4(),
            number,
            actor: "Dave".into(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            spec: json!({"name": "web", "image": image}),
            job_modify_index: Some(index),
        }
    }

    #[test]
    fn a_revert_runs_the_earlier_deploys_spec() {
        let d1 = deploy(1, 10, "docker.io/library/nginx:1.27");
        let d2 = deploy(2, 20, "docker.io/example/unhealthy:2");
        let versions = vec![
            version(2, 30, "docker.io/library/nginx:1.27", 1),
            version(1, 20, "docker.io/example/unhealthy:2", 1),
            version(0, 10, "docker.io/library/nginx:1.27", 1),
        ];
        let r = resolve(versions, &[d2, d1.clone()]);
        assert_eq!(r.how, How::Reverted);
        assert_eq!(r.deploy_id(), Some(d1.id));
        assert_eq!(r.deployed_as, Some(0));
        assert_eq!(r.spec.unwrap().image, "docker.io/library/nginx:1.27");
    }

    #[test]
    fn a_scale_keeps_the_deploy_and_takes_the_count() {
        let d1 = deploy(1, 10, "nginx:1.27");
        let versions = vec![
            version(1, 15, "docker.io/library/nginx:1.27", 3),
            version(0, 10, "docker.io/library/nginx:1.27", 1),
        ];
        let r = resolve(versions, std::slice::from_ref(&d1));
        assert_eq!((r.how, r.deploy_id()), (How::Scaled, Some(d1.id)));
        let spec = r.spec.unwrap();
        assert_eq!(spec.replicas.count, 3);
        assert_eq!(
            spec.image, "nginx:1.27",
            "the spec keeps the image as written"
        );
    }

    #[test]
    fn a_change_outside_is_named_and_runs_in_the_edit() {
        let d1 = deploy(1, 10, "nginx:1.27");
        let versions = vec![
            version(1, 18, "docker.io/library/nginx:1.29", 1),
            version(0, 10, "docker.io/library/nginx:1.27", 1),
        ];
        let r = resolve(versions, std::slice::from_ref(&d1));
        assert_eq!(r.how, How::ChangedOutside);
        assert_eq!(r.changed_outside, ["image"]);
        assert_eq!(
            r.spec.as_ref().unwrap().image,
            "docker.io/library/nginx:1.29"
        );
        assert!(
            r.view()
                .summary
                .contains("changed outside the console since deploy #1")
        );
    }

    #[test]
    fn a_stop_keeps_how_the_spec_came_to_run() {
        let d1 = deploy(1, 10, "nginx:1.27");
        let mut stopped = version(2, 30, "docker.io/library/nginx:1.27", 3);
        stopped.stop = Some(true);
        let versions = vec![
            stopped,
            version(1, 15, "docker.io/library/nginx:1.27", 3),
            version(0, 10, "docker.io/library/nginx:1.27", 1),
        ];
        let r = resolve(versions, std::slice::from_ref(&d1));
        assert_eq!((r.how, r.deploy_id()), (How::Scaled, Some(d1.id)));
    }

    #[test]
    fn a_direct_deploy_is_itself() {
        let d1 = deploy(1, 10, "nginx:1.27");
        let d2 = deploy(2, 20, "nginx:1.28");
        let versions = vec![
            version(1, 20, "docker.io/library/nginx:1.28", 1),
            version(0, 10, "docker.io/library/nginx:1.27", 1),
        ];
        let r = resolve(versions, &[d2.clone(), d1]);
        assert_eq!((r.how, r.deploy_id()), (How::Deployed, Some(d2.id)));
        assert_eq!(r.view().summary, "Job version 1 is deploy #2.");
    }
}
