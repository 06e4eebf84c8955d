//! The JSON types of Nomad's HTTP API, shaped like its Go `api` package: PascalCase fields, durations and
//! times in nanoseconds, `Option` wherever Nomad may omit a field or send `null`, and unknown fields ignored
//! (Nomad adds fields in every release).

mod acl;
mod alloc;
mod constraint;
pub mod decode;
mod deployment;
mod eval;
mod events;
mod job;
mod logs;
mod namespace;
mod node;
mod resources;
mod service;
mod task;
mod variables;

pub use acl::{AclPolicy, AclPolicyListStub, AclToken};
pub use alloc::{
    AllocDeploymentStatus, AllocResourceUsage, AllocRestartRequest, AllocStopResponse,
    AllocatedCpu, AllocatedMemory, AllocatedResources, AllocatedSharedResources,
    AllocatedTaskResources, Allocation, AllocationListStub, AllocationMetric, CpuStats,
    DesiredTransition, MemoryStats, PortMapping, ResourceUsage, TaskEvent, TaskResourceUsage,
    TaskState,
};
pub use constraint::{Affinity, Constraint, Spread};
pub use deployment::{
    Deployment, DeploymentFailRequest, DeploymentPauseRequest, DeploymentPromoteRequest,
    DeploymentState, DeploymentUpdateResponse, status as deployment_status,
};
pub use eval::Evaluation;
pub use events::{Event, EventBatch, EventDecoder};
pub use job::{
    DesiredUpdates, EvalResponse, FieldDiff, Job, JobChildrenSummary, JobDeregisterResponse,
    JobDiff, JobListStub, JobPlanRequest, JobPlanResponse, JobRegisterRequest, JobRegisterResponse,
    JobRevertRequest, JobScaleStatus, JobStabilityRequest, JobStabilityResponse, JobSubmission,
    JobSummary, JobValidateRequest, JobValidateResponse, JobVersionsResponse, JobsParseRequest,
    ObjectDiff, PlanAnnotations, ScalingRequest, TaskDiff, TaskGroupDiff, TaskGroupScaleStatus,
    TaskGroupSummary, UpdateStrategy,
};
pub use logs::{FrameDecoder, StreamFrame};
pub use namespace::{Namespace, NamespaceCapabilities};
pub use node::{DriverInfo, NodeCpu, NodeDisk, NodeListStub, NodeMemory, NodePool, NodeResources};
pub use resources::{NetworkResource, Port, Resources};
pub use service::{CheckRestart, Service, ServiceCheck, ServiceRegistration};
pub use task::{
    EphemeralDisk, LogConfig, ReschedulePolicy, RestartPolicy, ScalingPolicy, Task, TaskGroup,
    TaskLifecycle, Template, Vault, VolumeMount, VolumeRequest,
};
pub use variables::{Variable, VariableMetadata, is_valid_path as is_valid_variable_path};

/// A duration in nanoseconds, as Nomad's JSON carries durations.
pub type Nanos = i64;

/// One second in [`Nanos`].
pub const SECOND: Nanos = 1_000_000_000;

/// One minute in [`Nanos`].
pub const MINUTE: Nanos = 60 * SECOND;
