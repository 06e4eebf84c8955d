//! What the console shows about a deployed app: its live state, a plan, its versions, logs, metrics and
//! services. The server builds these from Nomad, Consul, OpenObserve and Postgres; the browser renders them.
//! They travel as JSON (server functions and the `/api/v1` event streams).

mod history;
mod list;
mod live;
mod observe;
mod plan;

pub use history::{SpecChange, VersionView};
pub use list::{AppRow, AppsPage};
pub use live::{
    AppLive, DeploymentView, GroupProgress, InstanceView, JobFacts, RunningView, TaskEventView,
};
pub use observe::{
    CheckView, LogChunk, LogLine, Metrics, RouteView, Series, ServiceInstanceView, ServiceView,
    ServicesView,
};
pub use plan::{AppPlan, GroupPlan, PlanChange};
