//! What the console shows about a deployed app: its live state, a plan, its versions, logs, metrics and
//! services. The server builds these from Nomad, Consul, OpenObserve and Postgres; the browser renders them.
//! They travel as JSON (server functions and the `/api/v1` event streams).

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

/// What deploying a document would do, per app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppPlan {
    /// The app.
    pub app: String,
    /// Its Nomad job.
    pub job_id: String,
    /// `new`, `changed` or `unchanged`.
    pub change: String,
    /// The fields that change (Nomad's diff, flattened).
    pub changes: Vec<PlanChange>,
    /// What the scheduler would do per group.
    pub groups: Vec<GroupPlan>,
    /// Why instances could not be placed, in plain words (empty when everything fits).
    pub failures: Vec<String>,
    /// Nomad's warnings.
    pub warnings: Vec<String>,
}

/// One changed field of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChange {
    /// What it is in the app's own terms (`image`, `env.COLOR`, `routes for canaries`), when it has one.
    pub label: Option<String>,
    /// Where in Nomad's job: `group web › task web › Config › image`.
    pub path: String,
    /// `added`, `removed` or `changed`.
    pub kind: String,
    /// Before.
    pub old: String,
    /// After.
    pub new: String,
    /// What the change forces (`forces create/destroy update`).
    pub note: Option<String>,
}

/// A group's scheduling in a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPlan {
    /// The group.
    pub name: String,
    /// New instances.
    pub place: u64,
    /// Updated in place (no restart).
    pub in_place: u64,
    /// Replaced (stop and start).
    pub destructive: u64,
    /// Stopped.
    pub stop: u64,
    /// Canaries placed first.
    pub canary: u64,
    /// Left alone.
    pub unchanged: u64,
}

impl GroupPlan {
    /// The counts in words: `2 to place, 1 canary`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [
            (self.place, "to place"),
            (self.canary, "canary"),
            (self.in_place, "updated in place"),
            (self.destructive, "replaced"),
            (self.stop, "stopped"),
            (self.unchanged, "unchanged"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            "nothing to do".into()
        } else {
            parts.join(", ")
        }
    }
}

/// One deploy of an app, as the console recorded it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionView {
    /// The deploy record.
    pub deploy_id: String,
    /// Its number among the app's deploys (1 is the first).
    pub number: i64,
    /// When (`YYYY-MM-DD HH:MM:SS UTC`).
    pub at: String,
    /// Who.
    pub actor: String,
    /// `form`, `np-yaml`, `oam`, `spec`, `api`, `rollback`.
    pub source: String,
    /// `pending`, `submitted` or `failed`.
    pub state: String,
    /// Why it failed.
    pub error: Option<String>,
    /// How its rollout went, as Nomad reported it (`running`, `successful`, `failed: …`), when known.
    pub rollout: Option<String>,
    /// The image deployed.
    pub image: String,
    /// The Nomad job version this deploy created, when known.
    pub job_version: Option<u64>,
    /// Whether the job Nomad runs now is this deploy's spec (possibly scaled, or re-applied by a revert).
    pub current: bool,
    /// What became of it since, in words ("failed; Nomad reverted to deploy #1", "Nomad runs it again as
    /// job version 4 after reverting").
    pub note: Option<String>,
}

/// One field that differs between two specs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecChange {
    /// The field (`env.LOG_LEVEL`, `replicas.count`).
    pub path: String,
    /// In the older spec (absent when added).
    pub before: Option<String>,
    /// In the newer spec (absent when removed).
    pub after: Option<String>,
}

/// One log line from the history search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// When, Unix microseconds.
    pub time_us: i64,
    /// The instance (allocation ID).
    pub instance: String,
    /// `stdout` or `stderr`.
    pub stream: String,
    /// The line.
    pub message: String,
}

/// A chunk of a live log tail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogChunk {
    /// The text (may end mid-line).
    pub text: String,
    /// Output was skipped before this chunk (the viewer fell behind a flood).
    pub skipped: bool,
}

/// CPU and memory per instance over time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// `openobserve` (history) or `nomad` (samples taken while watched).
    pub source: String,
    /// CPU, percent of one core.
    pub cpu: Vec<Series>,
    /// Memory, MiB.
    pub memory: Vec<Series>,
}

/// One instance's samples.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The instance (allocation ID).
    pub instance: String,
    /// (Unix seconds, value).
    pub points: Vec<(f64, f64)>,
}

/// The app's services in Consul and the routes Traefik serves for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicesView {
    /// Each service, with its instances.
    pub services: Vec<ServiceView>,
    /// The URLs the app's routes serve.
    pub routes: Vec<RouteView>,
}

/// One service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceView {
    /// Its name in Consul.
    pub name: String,
    /// Its instances.
    pub instances: Vec<ServiceInstanceView>,
}

/// One registered instance of a service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInstanceView {
    /// Consul's service ID.
    pub id: String,
    /// Node.
    pub node: String,
    /// Address and port.
    pub address: String,
    /// Tags.
    pub tags: Vec<String>,
    /// `passing`, `warning` or `critical` (the worst of its checks).
    pub status: String,
    /// Its checks.
    pub checks: Vec<CheckView>,
}

/// One health check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckView {
    /// Name.
    pub name: String,
    /// `passing`, `warning` or `critical`.
    pub status: String,
    /// Its last output.
    pub output: String,
}

/// One route.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteView {
    /// The URL.
    pub url: String,
    /// The Traefik rule.
    pub rule: String,
    /// Whether it is the canary host.
    pub canary: bool,
}

/// One app in the apps list: Nomad's counts, Consul's checks and the console's last deploy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRow {
    /// The app.
    pub app: String,
    /// Its Nomad job.
    pub job_id: String,
    /// `pending`, `running` or `dead` (a stopped app is `dead`).
    pub status: String,
    /// `healthy`, `starting`, `degraded`, `failed`, `stopped` (from Nomad's counts) or `failing checks` (Consul).
    pub health: String,
    /// Instances running.
    pub running: i64,
    /// Instances wanted (running, starting or waiting for placement).
    pub desired: i64,
    /// Instances failed.
    pub failed: i64,
    /// Who deployed last, when (RFC 3339), and the outcome, from the console's records.
    pub last_deploy: Option<(String, String, String)>,
    /// The URLs Traefik routes to it now (from its services' tags in Consul).
    pub urls: Vec<String>,
}

/// A page of apps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppsPage {
    /// The apps, by name.
    pub apps: Vec<AppRow>,
    /// The token of the next page, if there is one.
    pub next_token: Option<String>,
}
