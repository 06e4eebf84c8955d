//! An app as Nomad runs it now: the live state pushed to viewers, what the job runs, which deploy that is,
//! the rollout's progress and the instances.

use serde::{Deserialize, Serialize};

/// An app as Nomad runs it now, pushed to every viewer whenever it changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppLive {
    /// The app.
    pub app: String,
    /// Its Nomad job.
    pub job_id: String,
    /// `pending`, `running` or `dead`.
    pub status: String,
    /// Whether the job is stopped.
    pub stopped: bool,
    /// Nomad's current job version.
    pub version: u64,
    /// The stable version (the last one whose deployment succeeded), if any.
    pub stable_version: Option<u64>,
    /// What the job Nomad has now runs: image, size, instances and their bounds, URLs.
    pub facts: JobFacts,
    /// Instances wanted (the groups' counts).
    pub desired: i64,
    /// Unpromoted canaries among the instances (counted in `desired` too).
    pub canaries: i64,
    /// Instances running.
    pub running: i64,
    /// Instances starting or waiting for placement.
    pub pending: i64,
    /// Instances failed.
    pub failed: i64,
    /// The latest deployment.
    pub deployment: Option<DeploymentView>,
    /// When the latest deployment is Nomad's automatic revert of a failed one: (failed version, version
    /// reverted to).
    pub reverted: Option<(u64, u64)>,
    /// The instances, newest first (stopped ones after the running ones).
    pub instances: Vec<InstanceView>,
    /// Why the state could not be read, when Nomad failed (the rest is the last known state).
    pub error: Option<String>,
}

/// What a Nomad job runs, read from the job itself (never from the console's records).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFacts {
    /// The main task's image, as Nomad has it.
    pub image: String,
    /// CPU per instance, MHz.
    pub cpu: i64,
    /// Memory per instance, MiB.
    pub memory: i64,
    /// Instances wanted (the group's count).
    pub count: i64,
    /// The fewest instances scaling may go to.
    pub min: Option<i64>,
    /// The most instances scaling may go to.
    pub max: Option<i64>,
    /// The URLs its Traefik tags route.
    pub urls: Vec<String>,
    /// Instances an update (or a rolling restart) replaces at once.
    pub max_parallel: i64,
    /// Canaries an update places first.
    pub canaries: i64,
}

/// Which recorded deploy the job Nomad runs now comes from, and how it came to run it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningView {
    /// Nomad's job version now.
    pub job_version: u64,
    /// The console's deploy whose spec it runs, if it is one: its ID and number.
    pub deploy_id: Option<String>,
    /// Its number among the app's deploys.
    pub deploy_number: Option<i64>,
    /// Who made that deploy, and when (`YYYY-MM-DD HH:MM UTC`).
    pub deployed_by: Option<(String, String)>,
    /// `deployed`, `scaled`, `reverted`, `changed outside` or `unrecorded`.
    pub how: String,
    /// The whole story in a sentence ("Nomad reverted to deploy #1's spec after deploy #2 failed.").
    pub summary: String,
    /// Fields of the job changed outside the console since its deploy, in the app's terms.
    pub changed_outside: Vec<String>,
}

/// A deployment's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentView {
    /// Deployment ID.
    pub id: String,
    /// The job version it rolls out.
    pub version: u64,
    /// `running`, `paused`, `successful`, `failed`, `cancelled`, `blocked`, `pending`.
    pub status: String,
    /// Nomad's words for the status.
    pub description: String,
    /// Canaries are placed and healthy and wait for someone to promote them.
    pub needs_promotion: bool,
    /// When the deployment failed and Nomad re-registered an older version: that version.
    pub rolled_back_to: Option<u64>,
    /// Per group.
    pub groups: Vec<GroupProgress>,
}

/// One group's part of a deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupProgress {
    /// The group.
    pub name: String,
    /// Instances the deployment places in all.
    pub desired: i64,
    /// Canaries wanted.
    pub desired_canaries: i64,
    /// Canaries placed.
    pub canaries: i64,
    /// Whether the canaries were promoted.
    pub promoted: bool,
    /// Instances placed.
    pub placed: i64,
    /// Instances healthy.
    pub healthy: i64,
    /// Instances unhealthy.
    pub unhealthy: i64,
    /// Whether a failure re-deploys the last stable version.
    pub auto_revert: bool,
}

/// One instance (Nomad allocation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceView {
    /// Allocation ID.
    pub id: String,
    /// Allocation name (`job.group[index]`).
    pub name: String,
    /// Node.
    pub node: String,
    /// The job version it runs.
    pub version: u64,
    /// `pending`, `running`, `complete`, `failed`, `lost`.
    pub client_status: String,
    /// `run`, `stop`, `evict`.
    pub desired_status: String,
    /// Healthy in its deployment (`None` until decided).
    pub healthy: Option<bool>,
    /// A canary of an unpromoted deployment.
    pub canary: bool,
    /// Restarts of its tasks.
    pub restarts: u64,
    /// When it was created, Unix milliseconds.
    pub created_ms: i64,
    /// Its tasks' events, oldest first (the last few per task).
    pub events: Vec<TaskEventView>,
}

impl InstanceView {
    /// The first 8 characters of the ID, as Nomad's UI shows it.
    pub fn short(&self) -> &str {
        self.id.get(..8).unwrap_or(&self.id)
    }

    /// Whether Nomad means to keep it running.
    pub fn is_live(&self) -> bool {
        self.desired_status == "run" && matches!(self.client_status.as_str(), "pending" | "running")
    }
}

/// A task event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskEventView {
    /// The task.
    pub task: String,
    /// When, Unix milliseconds.
    pub time_ms: i64,
    /// Nomad's type (`Received`, `Started`, `Terminated`, `Restarting`…).
    pub kind: String,
    /// What happened.
    pub message: String,
}
