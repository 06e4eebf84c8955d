//! Reading a Nomad job back in the app's own terms: what it runs (image, size, instances, routes), the spec
//! it amounts to when Nomad changed a deployed one (a scale, a revert, an edit with the `nomad` CLI), and what
//! a change between two jobs means for the app.
//!
//! The console shows what Nomad runs, never what it last asked for: these functions read Nomad's own job.

use std::collections::BTreeMap;

use np_nomad::types::{Job, Task, TaskGroup};
use serde_json::Value;

use crate::ops::JobFacts;
use crate::spec::AppSpec;

/// The app's group: the one named after the app, else the first.
pub fn main_group<'a>(job: &'a Job, app: &str) -> Option<&'a TaskGroup> {
    let groups = job.task_groups.as_deref().unwrap_or_default();
    groups
        .iter()
        .find(|g| g.name.as_deref() == Some(app))
        .or_else(|| groups.first())
}

/// The app's own task in `group`: the one named after the app, else the first (sidecars are the others).
pub fn main_task<'a>(group: &'a TaskGroup, app: &str) -> Option<&'a Task> {
    let tasks = group.tasks.as_deref().unwrap_or_default();
    tasks
        .iter()
        .find(|t| t.name.as_deref() == Some(app))
        .or_else(|| tasks.first())
}

/// What `job` runs for `app`: image, size per instance, instances wanted and their bounds, the URLs its
/// Traefik tags route, how many instances an update replaces at once.
pub fn facts(job: &Job, app: &str) -> JobFacts {
    let Some(group) = main_group(job, app) else {
        return JobFacts::default();
    };
    let task = main_task(group, app);
    let resources = task.and_then(|t| t.resources.as_ref());
    let update = group.update.as_ref().or(job.update.as_ref());
    JobFacts {
        image: task
            .and_then(|t| t.config.as_ref())
            .and_then(|c| c.get("image"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        cpu: resources.and_then(|r| r.cpu).unwrap_or_default(),
        memory: resources.and_then(|r| r.memory_mb).unwrap_or_default(),
        count: group.count.unwrap_or(1),
        min: group.scaling.as_ref().and_then(|s| s.min),
        max: group.scaling.as_ref().and_then(|s| s.max),
        urls: urls(group),
        max_parallel: update.and_then(|u| u.max_parallel).unwrap_or(1),
        canaries: update.and_then(|u| u.canary).unwrap_or(0),
    }
}

/// The URLs the group's Traefik router tags serve (canary routers excluded), in tag order.
fn urls(group: &TaskGroup) -> Vec<String> {
    let task_services = group
        .tasks
        .iter()
        .flatten()
        .flat_map(|t| t.services.iter().flatten());
    let mut out = Vec::new();
    for service in group.services.iter().flatten().chain(task_services) {
        for url in urls_of_tags(service.tags.as_deref().unwrap_or_default()) {
            if !out.contains(&url) {
                out.push(url);
            }
        }
    }
    out
}

/// The URLs a service's Traefik tags route (`traefik.http.routers.<r>.rule=…`, https when the router has
/// `tls=true`); routers for unpromoted canaries (named `…--canary`) are left out.
pub fn urls_of_tags(tags: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for tag in tags {
        let Some((router, rule)) = tag
            .strip_prefix("traefik.http.routers.")
            .and_then(|t| t.split_once(".rule="))
        else {
            continue;
        };
        if router.ends_with("--canary") {
            continue;
        }
        let tls = tags
            .iter()
            .any(|t| *t == format!("traefik.http.routers.{router}.tls=true"));
        if let Some(url) = url_of_rule(if tls { "https" } else { "http" }, rule)
            && !out.contains(&url)
        {
            out.push(url);
        }
    }
    out
}

/// The URL a Traefik rule `Host(`a`) && PathPrefix(`/p`)` serves.
pub fn url_of_rule(scheme: &str, rule: &str) -> Option<String> {
    let arg = |name: &str| {
        let start = rule.find(&format!("{name}(`"))? + name.len() + 2;
        let end = rule[start..].find('`')? + start;
        Some(rule[start..end].to_owned())
    };
    let host = arg("Host")?;
    let path = arg("PathPrefix").unwrap_or_else(|| "/".into());
    Some(format!("{scheme}://{host}{path}"))
}

/// `spec` as `job` runs it: the instances, image, environment and size Nomad has now replace the spec's
/// where they differ (after a scale, or a change made outside the console), so an edit starts from what
/// runs.
pub fn overlay(spec: &AppSpec, job: &Job) -> AppSpec {
    let app = spec.name.as_str();
    let mut out = spec.clone();
    let Some(group) = main_group(job, app) else {
        return out;
    };
    if let Some(count) = group.count.and_then(|c| u32::try_from(c).ok()) {
        out.replicas.count = count;
    }
    if let Some(scaling) = &group.scaling {
        let bound = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
        if let Some(min) = bound(scaling.min)
            && min != spec.replicas.min()
        {
            out.replicas.min = Some(min);
        }
        if let Some(max) = bound(scaling.max)
            && max != spec.replicas.max()
        {
            out.replicas.max = Some(max);
        }
    }
    let Some(task) = main_task(group, app) else {
        return out;
    };
    let image = task
        .config
        .as_ref()
        .and_then(|c| c.get("image"))
        .and_then(Value::as_str);
    if let Some(image) = image
        && normalized_image(&spec.image) != image
    {
        image.clone_into(&mut out.image);
    }
    let env = task.env.clone().unwrap_or_default();
    if env != spec.env {
        out.env = env;
    }
    if let Some(resources) = &task.resources {
        let (cpu, memory) = spec.resources.effective();
        let value = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
        if let Some(c) = value(resources.cpu)
            && c != cpu
        {
            out.resources.cpu = Some(c);
        }
        if let Some(m) = value(resources.memory_mb)
            && m != memory
        {
            out.resources.memory = Some(m);
        }
    }
    out
}

/// The image reference as the generated job writes it (registry and repository spelled out).
fn normalized_image(reference: &str) -> String {
    crate::image::Image::parse(reference)
        .map(|i| i.to_string())
        .unwrap_or_else(|_| reference.to_owned())
}

/// Fields Nomad sets itself on every version: they never make two versions different specifications.
const BOOKKEEPING: &[&str] = &[
    "Stop",
    "Status",
    "StatusDescription",
    "Stable",
    "Version",
    "VersionTag",
    "SubmitTime",
    "CreateIndex",
    "ModifyIndex",
    "JobModifyIndex",
];

/// `job` as JSON without what Nomad sets on every version (and without the groups' counts when
/// `ignore_counts`), so that two versions compare equal exactly when they specify the same app.
pub fn comparable(job: &Job, ignore_counts: bool) -> Value {
    let mut value = serde_json::to_value(job).unwrap_or_default();
    if let Value::Object(map) = &mut value {
        for key in BOOKKEEPING {
            map.remove(*key);
        }
        for group in map
            .get_mut("TaskGroups")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Value::Object(group) = group {
                if ignore_counts {
                    group.remove("Count");
                }
                // A scaling policy's identity and indexes are Nomad's bookkeeping too.
                if let Some(Value::Object(scaling)) = group.get_mut("Scaling") {
                    for key in ["ID", "CreateIndex", "ModifyIndex", "Namespace", "Target"] {
                        scaling.remove(key);
                    }
                }
            }
        }
    }
    value
}

/// What differs between two jobs, in the app's terms where there is one (`image`, `env.COLOR`,
/// `instances`), else Nomad's path; each once, sorted.
pub fn job_changes(before: &Job, after: &Job) -> Vec<String> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    leaves("", &comparable(before, false), &mut a);
    leaves("", &comparable(after, false), &mut b);
    let mut out: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|p| a.get(*p) != b.get(*p))
        .map(|p| crate::terms::describe_path(p).unwrap_or_else(|| p.clone()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every leaf of `value` (strings as they are, other scalars as JSON) by dotted path, array items by index.
pub fn leaves(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                leaves(&join(k), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(&join(&i.to_string()), v, out);
            }
        }
        Value::Null => {}
        Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(image: &str, count: i64, version: u64) -> Job {
        serde_json::from_value(json!({
            "ID": "demo--web", "Version": version, "JobModifyIndex": version * 10, "Stable": version == 0,
            "TaskGroups": [{
                "Name": "web", "Count": count,
                "Scaling": {"ID": format!("p{version}"), "Min": 1, "Max": 5},
                "Services": [{"Name": "demo--web", "Tags": [
                    "traefik.enable=true",
                    "traefik.http.routers.demo--web--r0.rule=Host(`web.demo.example.com`) && PathPrefix(`/api`)",
                    "traefik.http.routers.demo--web--r0.tls=true"
                ]}],
                "Tasks": [
                    {"Name": "web", "Config": {"image": image}, "Env": {"COLOR": "blue"},
                     "Resources": {"CPU": 200, "MemoryMB": 256}},
                    {"Name": "log-shipper", "Config": {"image": "docker.io/library/busybox:1"}}
                ]
            }]
        }))
        .unwrap()
    }

    #[test]
    fn facts_come_from_the_job() {
        let f = facts(&job("docker.io/library/nginx:1.27", 3, 2), "web");
        assert_eq!(f.image, "docker.io/library/nginx:1.27");
        assert_eq!((f.cpu, f.memory, f.count), (200, 256, 3));
        assert_eq!((f.min, f.max), (Some(1), Some(5)));
        assert_eq!(f.urls, ["https://web.demo.example.com/api"]);
    }

    #[test]
    fn versions_compare_by_specification_only() {
        let a = job("docker.io/library/nginx:1.27", 1, 0);
        let scaled = job("docker.io/library/nginx:1.27", 3, 1);
        let changed = job("docker.io/library/nginx:1.28", 1, 2);
        assert_eq!(comparable(&a, true), comparable(&scaled, true));
        assert_ne!(comparable(&a, false), comparable(&scaled, false));
        assert_ne!(comparable(&a, true), comparable(&changed, true));
        assert_eq!(job_changes(&a, &scaled), ["instances"]);
        assert_eq!(job_changes(&a, &changed), ["image"]);
    }

    #[test]
    fn overlay_takes_what_nomad_runs() {
        let spec: AppSpec = serde_json::from_value(json!({
            "name": "web", "image": "nginx:1.27", "env": {"COLOR": "blue"},
            "replicas": {"count": 1, "min": 1, "max": 5}, "resources": {"cpu": 200, "memory": 256}
        }))
        .unwrap();
        let same = overlay(&spec, &job("docker.io/library/nginx:1.27", 1, 0));
        assert_eq!(same, spec, "an unchanged job leaves the spec as written");
        let changed = overlay(&spec, &job("docker.io/library/nginx:1.28", 4, 3));
        assert_eq!(changed.image, "docker.io/library/nginx:1.28");
        assert_eq!(changed.replicas.count, 4);
        assert_eq!(changed.env, spec.env);
    }

    #[test]
    fn route_urls_come_from_traefik_rules() {
        assert_eq!(
            url_of_rule(
                "https",
                "Host(`web.acme.example.com`) && PathPrefix(`/api`)"
            )
            .as_deref(),
            Some("https://web.acme.example.com/api")
        );
        assert_eq!(
            url_of_rule("http", "Host(`web.acme.example.com`)").as_deref(),
            Some("http://web.acme.example.com/")
        );
    }
}
