//! Job validation with the rules and wording of Nomad's `structs.Job.Validate` and the group, task, service,
//! check, update-strategy and scaling validators, so the simulator refuses what Nomad refuses.

use std::collections::BTreeSet;

use np_nomad::types::{Job, SECOND, Service, TaskGroup, UpdateStrategy};

/// Formats errors as Nomad's go-multierror does in HTTP 400 bodies.
pub(crate) fn multierror(errors: &[String]) -> String {
    let noun = if errors.len() == 1 { "error" } else { "errors" };
    let mut text = format!("{} {noun} occurred:\n", errors.len());
    for error in errors {
        text.push_str(&format!("\t* {error}\n"));
    }
    text.push('\n');
    text
}

/// Whether `name` is an RFC 1123 label of at most 63 characters (Nomad's service-name rule).
pub(crate) fn valid_service_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !name.is_empty()
        && name.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

fn duration(nanos: i64) -> String {
    if nanos % SECOND == 0 {
        format!("{}s", nanos / SECOND)
    } else {
        format!("{}ms", nanos / 1_000_000)
    }
}

fn update_errors(update: &UpdateStrategy, errors: &mut Vec<String>) {
    let u = update.merged_over(&UpdateStrategy::nomad_default());
    let (min_healthy, healthy, progress) = (
        u.min_healthy_time.unwrap_or(0),
        u.healthy_deadline.unwrap_or(0),
        u.progress_deadline.unwrap_or(0),
    );
    match u.health_check.as_deref() {
        Some("checks" | "task_states" | "manual") => {}
        other => errors.push(format!(
            "Invalid health check given: {:?}",
            other.unwrap_or("")
        )),
    }
    if u.max_parallel.unwrap_or(0) < 0 {
        errors.push(format!(
            "Max parallel can not be less than zero: {} < 0",
            u.max_parallel.unwrap_or(0)
        ));
    }
    if u.canary.unwrap_or(0) < 0 {
        errors.push(format!(
            "Canary count can not be less than zero: {} < 0",
            u.canary.unwrap_or(0)
        ));
    }
    if min_healthy < 0 {
        errors.push(format!(
            "Minimum healthy time may not be less than zero: {}",
            duration(min_healthy)
        ));
    }
    if healthy <= 0 {
        errors.push(format!(
            "Healthy deadline must be greater than zero: {}",
            duration(healthy)
        ));
    }
    if progress < 0 {
        errors.push(format!(
            "Progress deadline must be zero or greater: {}",
            duration(progress)
        ));
    }
    if min_healthy >= healthy {
        errors.push(format!(
            "Minimum healthy time must be less than healthy deadline: {} > {}",
            duration(min_healthy),
            duration(healthy)
        ));
    }
    if progress != 0 && healthy >= progress {
        errors.push(format!(
            "Healthy deadline must be less than progress deadline: {} > {}",
            duration(healthy),
            duration(progress)
        ));
    }
}

fn service_errors(service: &Service, ports: &BTreeSet<String>, errors: &mut Vec<String>) {
    let name = service.name.clone().unwrap_or_default();
    if !valid_service_name(&name) {
        errors.push(format!(
            "Service name must be valid per RFC 1123 and can contain only alphanumeric characters or dashes and must be no longer than 63 characters: {name:?}"
        ));
    }
    if let Some(label) = service.port_label.as_deref().filter(|l| !l.is_empty())
        && label.parse::<u16>().is_err()
        && !ports.contains(label)
    {
        errors.push(format!(
            "Port label {label:?} referenced by services {name} does not exist"
        ));
    }
    for check in service.checks.iter().flatten() {
        let check_name = check
            .name
            .clone()
            .unwrap_or_else(|| format!("service: {name:?} check"));
        let kind = check.check_type.as_deref().unwrap_or("");
        if !matches!(kind, "http" | "tcp" | "grpc" | "script") {
            errors.push(format!("check {check_name:?}: invalid type ({kind})"));
            continue;
        }
        let interval = check.interval.unwrap_or(0);
        if interval < SECOND {
            errors.push(format!(
                "check {check_name:?}: interval ({}) cannot be lower than {}",
                duration(interval),
                duration(SECOND)
            ));
        }
        let timeout = check.timeout.unwrap_or(0);
        if timeout < SECOND {
            errors.push(format!(
                "check {check_name:?}: timeout ({}) is lower than required minimum timeout 1s",
                duration(timeout)
            ));
        }
        if kind == "http" {
            match check.path.as_deref() {
                None | Some("") => errors.push(format!(
                    "check {check_name:?}: http type must have http path"
                )),
                Some(path) if path.contains("://") => errors.push(format!(
                    "check {check_name:?}: http type must have a relative http path"
                )),
                _ => {}
            }
        }
    }
}

fn group_errors(group: &TaskGroup, job_type: &str, errors: &mut Vec<String>) {
    let name = group.name.clone().unwrap_or_default();
    let mut own = Vec::new();
    if name.is_empty() {
        own.push("Missing task group name".to_string());
    }
    let count = group.count.unwrap_or(1);
    if count < 0 {
        own.push("Task group count can't be negative".to_string());
    }
    let tasks = group.tasks.as_deref().unwrap_or_default();
    if tasks.is_empty() {
        own.push("Missing tasks for task group".to_string());
    }
    if let Some(scaling) = &group.scaling {
        let (min, max) = (scaling.min.unwrap_or(0), scaling.max.unwrap_or(0));
        if max < min {
            own.push("Scaling policy maximum cannot be less than minimum".to_string());
        }
        if count < min {
            own.push(
                "Scaling policy minimum must be less than or equal to the task group count"
                    .to_string(),
            );
        }
        if count > max {
            own.push(
                "Scaling policy maximum must be greater than or equal to the task group count"
                    .to_string(),
            );
        }
    }
    if let Some(update) = &group.update {
        if job_type == "batch" || job_type == "sysbatch" {
            own.push(format!("Job type {job_type:?} does not allow update block"));
        } else {
            update_errors(update, &mut own);
        }
    }
    if let Some(policy) = &group.restart_policy
        && let Some(mode) = policy.mode.as_deref()
        && !matches!(mode, "delay" | "fail")
    {
        own.push(format!("Unsupported restart mode: {mode:?}"));
    }
    let ports: BTreeSet<String> = group
        .networks
        .iter()
        .flatten()
        .flat_map(|n| {
            n.dynamic_ports
                .iter()
                .flatten()
                .chain(n.reserved_ports.iter().flatten())
        })
        .map(|p| p.label.clone())
        .collect();
    for service in group.services.iter().flatten() {
        service_errors(service, &ports, &mut own);
    }
    let mut seen = BTreeSet::new();
    for (i, task) in tasks.iter().enumerate() {
        let task_name = task.name.clone().unwrap_or_default();
        let mut task_errors = Vec::new();
        if task_name.is_empty() {
            task_errors.push("Missing task name".to_string());
        } else if !seen.insert(task_name.clone()) {
            own.push(format!(
                "Task {} redefines '{task_name}' from task {}",
                i + 1,
                i
            ));
        }
        if task.driver.as_deref().unwrap_or("").is_empty() {
            task_errors.push("Missing task driver".to_string());
        }
        let resources = task.resources.clone().unwrap_or_default();
        let cpu = resources.cpu.unwrap_or(100);
        if cpu < 1 && resources.cores.unwrap_or(0) == 0 {
            task_errors.push(format!("minimum CPU value is 1; got {cpu}"));
        }
        let memory = resources.memory_mb.unwrap_or(300);
        if memory < 10 {
            task_errors.push(format!("minimum MemoryMB value is 10; got {memory}"));
        }
        if let Some(max) = resources.memory_max_mb
            && max != 0
            && max < memory
        {
            task_errors.push(format!(
                "MemoryMaxMB value ({max}) should be larger than MemoryMB value ({memory})"
            ));
        }
        if let Some(lifecycle) = &task.lifecycle
            && !matches!(
                lifecycle.hook.as_str(),
                "prestart" | "poststart" | "poststop"
            )
        {
            task_errors.push(format!("invalid hook: {}", lifecycle.hook));
        }
        for service in task.services.iter().flatten() {
            service_errors(service, &ports, &mut task_errors);
        }
        if !task_errors.is_empty() {
            own.push(format!(
                "Task {task_name} validation failed: {}",
                multierror(&task_errors).trim_end()
            ));
        }
    }
    if !own.is_empty() {
        errors.push(format!(
            "Task group {name} validation failed: {}",
            multierror(&own).trim_end()
        ));
    }
}

/// Every reason Nomad would refuse `job`, in its words; empty when the job is valid.
pub(crate) fn validate(job: &Job) -> Vec<String> {
    let mut errors = Vec::new();
    let id = job.id.clone().unwrap_or_default();
    if id.is_empty() {
        errors.push("Missing job ID".to_string());
    } else if id.contains(' ') {
        errors.push("Job ID contains a space".to_string());
    } else if id.contains('\0') {
        errors.push("Job ID contains a null character".to_string());
    }
    if job.name.as_deref().is_some_and(|n| n.contains('\0')) {
        errors.push("Job Name contains a null character".to_string());
    }
    let job_type = job.job_type.clone().unwrap_or_else(|| "service".into());
    if !matches!(
        job_type.as_str(),
        "service" | "batch" | "system" | "sysbatch"
    ) {
        errors.push(format!("Invalid job type: {job_type:?}"));
    }
    let priority = job.priority.unwrap_or(50);
    if !(1..=100).contains(&priority) {
        errors.push("Job priority must be between [1, 100]".to_string());
    }
    if job.update.is_some() && (job_type == "batch" || job_type == "sysbatch") {
        errors.push(format!("Job type {job_type:?} does not allow update block"));
    }
    let groups = job.task_groups.as_deref().unwrap_or_default();
    if groups.is_empty() {
        errors.push("Missing job task groups".to_string());
    }
    let mut names = BTreeSet::new();
    for (i, group) in groups.iter().enumerate() {
        let name = group.name.clone().unwrap_or_default();
        if !name.is_empty() && !names.insert(name.clone()) {
            errors.push(format!(
                "Job task group {} redefines '{name}' from group {}",
                i + 1,
                i
            ));
        }
        group_errors(group, &job_type, &mut errors);
    }
    if let Some(update) = &job.update
        && job_type == "service"
    {
        update_errors(update, &mut errors);
    }
    errors
}

#[cfg(test)]
mod tests {
    use np_nomad::types::{NetworkResource, Port, Resources, ServiceCheck, Task};

    use super::*;

    fn job() -> Job {
        Job {
            id: Some("web".into()),
            task_groups: Some(vec![TaskGroup {
                name: Some("web".into()),
                count: Some(2),
                networks: Some(vec![NetworkResource {
                    dynamic_ports: Some(vec![Port {
                        label: "http".into(),
                        to: Some(8080),
                        ..Port::default()
                    }]),
                    ..NetworkResource::default()
                }]),
                services: Some(vec![Service {
                    name: Some("acme--web".into()),
                    port_label: Some("http".into()),
                    checks: Some(vec![ServiceCheck {
                        check_type: Some("http".into()),
                        path: Some("/healthz".into()),
                        interval: Some(10 * SECOND),
                        timeout: Some(2 * SECOND),
                        ..ServiceCheck::default()
                    }]),
                    ..Service::default()
                }]),
                tasks: Some(vec![Task {
                    name: Some("web".into()),
                    driver: Some("podman".into()),
                    resources: Some(Resources {
                        cpu: Some(100),
                        memory_mb: Some(128),
                        ..Resources::default()
                    }),
                    ..Task::default()
                }]),
                ..TaskGroup::default()
            }]),
            ..Job::default()
        }
    }

    #[test]
    fn a_well_formed_job_passes() {
        assert_eq!(validate(&job()), Vec::<String>::new());
    }

    #[test]
    fn job_level_rules() {
        let mut j = job();
        j.id = Some("my app".into());
        j.priority = Some(101);
        let errors = validate(&j);
        assert!(errors.contains(&"Job ID contains a space".to_string()));
        assert!(errors.contains(&"Job priority must be between [1, 100]".to_string()));
        j.task_groups = Some(vec![]);
        assert!(validate(&j).contains(&"Missing job task groups".to_string()));
    }

    #[test]
    fn group_task_service_and_check_rules_name_their_place() {
        let mut j = job();
        let group = &mut j.task_groups.as_mut().unwrap()[0];
        group.services.as_mut().unwrap()[0].name = Some("Bad_Name".into());
        group.services.as_mut().unwrap()[0].port_label = Some("admin".into());
        group.services.as_mut().unwrap()[0].checks.as_mut().unwrap()[0].interval = Some(SECOND / 2);
        group.services.as_mut().unwrap()[0].checks.as_mut().unwrap()[0].path =
            Some("http://169.254.169.254/".into());
        group.tasks.as_mut().unwrap()[0]
            .resources
            .as_mut()
            .unwrap()
            .memory_mb = Some(4);
        group.tasks.as_mut().unwrap()[0].driver = None;
        let text = multierror(&validate(&j));
        for expected in [
            "Task group web validation failed",
            "Service name must be valid per RFC 1123",
            "Port label \"admin\" referenced by services Bad_Name does not exist",
            "interval (500ms) cannot be lower than 1s",
            "http type must have a relative http path",
            "Task web validation failed",
            "minimum MemoryMB value is 10; got 4",
            "Missing task driver",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
    }

    #[test]
    fn update_strategy_rules() {
        let mut j = job();
        j.update = Some(UpdateStrategy {
            min_healthy_time: Some(60 * SECOND),
            healthy_deadline: Some(30 * SECOND),
            health_check: Some("vibes".into()),
            ..UpdateStrategy::default()
        });
        let errors = validate(&j);
        assert!(
            errors.contains(&"Invalid health check given: \"vibes\"".to_string()),
            "{errors:?}"
        );
        assert!(errors.contains(
            &"Minimum healthy time must be less than healthy deadline: 60s > 30s".to_string()
        ));
        j.job_type = Some("batch".into());
        assert!(
            validate(&j).contains(&"Job type \"batch\" does not allow update block".to_string())
        );
    }

    #[test]
    fn scaling_bounds_must_hold_the_count() {
        let mut j = job();
        j.task_groups.as_mut().unwrap()[0].scaling = Some(np_nomad::types::ScalingPolicy {
            min: Some(3),
            max: Some(5),
            ..Default::default()
        });
        assert!(
            multierror(&validate(&j)).contains("Scaling policy minimum must be less than or equal")
        );
    }

    #[test]
    fn multierror_matches_nomads_format() {
        assert_eq!(multierror(&["a".into()]), "1 error occurred:\n\t* a\n\n");
        assert_eq!(
            multierror(&["a".into(), "b".into()]),
            "2 errors occurred:\n\t* a\n\t* b\n\n"
        );
    }
}
