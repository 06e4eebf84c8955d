//! Job diffs in Nomad's shape (`nomad/structs/diff.go`, contextual as the plan and version endpoints ask for
//! them): each level's primitive fields, nested objects named by member (a task's `Config` fields by their own
//! keys, `image`), every group and task listed (unchanged ones as `None`), the scheduler's annotations
//! (`scheduler/annotate.go`), and whether a change replaces allocations.

mod flat;

use np_nomad::types::{
    FieldDiff, Job, JobDiff, ObjectDiff, Task, TaskDiff, TaskGroup, TaskGroupDiff,
};
use serde_json::Value;

use flat::{Object, field_diffs, flatten_all, nested, primitives};

/// Job members Nomad leaves out of its diff (`Job.Diff`), and those the simulator sets itself.
const JOB_FILTER: &[&str] = &[
    "ID",
    "Status",
    "StatusDescription",
    "Version",
    "Stable",
    "CreateIndex",
    "ModifyIndex",
    "JobModifyIndex",
    "Update",
    "SubmitTime",
    "NomadTokenID",
    "VaultToken",
    "TaskGroups",
    "Stop",
    "ParentID",
    "VersionTag",
    "Region",
    "Namespace",
];

fn to_object<T: serde::Serialize>(value: &T) -> Object {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Object::new(),
    }
}

fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

fn level_type(old: bool, new: bool, equal: bool) -> &'static str {
    match (old, new) {
        (false, true) => "Added",
        (true, false) => "Deleted",
        _ if equal => "None",
        _ => "Edited",
    }
}

/// Whether a task changed in a way that needs new allocations (anything but its services).
pub(crate) fn task_destructive(old: &Task, new: &Task) -> bool {
    let strip = |t: &Task| Task {
        services: None,
        ..t.clone()
    };
    strip(old) != strip(new)
}

/// Whether a group's tasks changed destructively (tasks added, removed or changed).
pub(crate) fn group_destructive(old: &TaskGroup, new: &TaskGroup) -> bool {
    let old_tasks = old.tasks.as_deref().unwrap_or_default();
    let new_tasks = new.tasks.as_deref().unwrap_or_default();
    old_tasks.len() != new_tasks.len()
        || new_tasks
            .iter()
            .any(|t| match old_tasks.iter().find(|o| o.name == t.name) {
                Some(o) => task_destructive(o, t),
                None => true,
            })
        || old.networks != new.networks
        || old.volumes != new.volumes
}

/// `configDiff`: the driver's configuration flattened by its own keys, contextual.
fn config_diff(old: Option<&Value>, new: Option<&Value>) -> Option<ObjectDiff> {
    if old == new {
        return None;
    }
    let flat = |v: Option<&Value>| {
        let mut out = std::collections::BTreeMap::new();
        if let Some(v) = v {
            flatten_all("", v, &mut out);
        }
        out
    };
    let (o, n) = (flat(old), flat(new));
    let diff_type = match (o.is_empty(), n.is_empty()) {
        (true, _) => "Added",
        (_, true) => "Deleted",
        _ => "Edited",
    };
    Some(ObjectDiff {
        diff_type: diff_type.into(),
        name: "Config".into(),
        fields: non_empty(field_diffs(&o, &n, true)),
        objects: None,
    })
}

/// `annotateTask`: only `KillTimeout` among a task's own fields, and its services, constraints, affinities,
/// spreads and log settings, change in place.
fn task_annotation(diff: &TaskDiff, group_type: &str) -> Option<&'static str> {
    match (diff.diff_type.as_str(), group_type) {
        ("None", _) => None,
        ("Added", _) => Some("forces create"),
        ("Deleted", _) => Some("forces destroy"),
        _ => {
            let destructive_field = diff
                .fields
                .iter()
                .flatten()
                .any(|f| f.name != "KillTimeout");
            let destructive_object = diff
                .objects
                .iter()
                .flatten()
                .any(|o| match o.name.as_str() {
                    "Service" | "Constraint" | "Affinity" | "Spread" => false,
                    "LogConfig" => o
                        .fields
                        .iter()
                        .flatten()
                        .any(|f| f.name == "Disabled" && f.diff_type != "None"),
                    _ => true,
                });
            Some(if destructive_field || destructive_object {
                "forces create/destroy update"
            } else {
                "forces in-place update"
            })
        }
    }
}

fn task_diff(old: Option<&Task>, new: Option<&Task>, group_type: &str) -> TaskDiff {
    let name = new.or(old).and_then(|t| t.name.clone()).unwrap_or_default();
    let (o, n) = (
        old.map(to_object).unwrap_or_default(),
        new.map(to_object).unwrap_or_default(),
    );
    let skip = ["Name", "Config"];
    let fields = field_diffs(&primitives(&o, &skip), &primitives(&n, &skip), false);
    let mut objects: Vec<ObjectDiff> = config_diff(o.get("Config"), n.get("Config"))
        .into_iter()
        .collect();
    objects.extend(nested(&o, &n, &skip));
    let mut diff = TaskDiff {
        diff_type: level_type(old.is_some(), new.is_some(), o == n).into(),
        name,
        fields: non_empty(fields),
        objects: non_empty(objects),
        annotations: None,
    };
    diff.annotations = task_annotation(&diff, group_type).map(|a| vec![a.to_owned()]);
    diff
}

/// `annotateCountChange`: a count that grows forces creates, one that shrinks destroys.
fn annotate_count(fields: &mut [FieldDiff]) {
    if let Some(count) = fields.iter_mut().find(|f| f.name == "Count") {
        let number = |s: &str| s.parse::<i64>().unwrap_or(0);
        let (old, new) = (number(&count.old), number(&count.new));
        let note = match old.cmp(&new) {
            std::cmp::Ordering::Less => "forces create",
            std::cmp::Ordering::Greater => "forces destroy",
            std::cmp::Ordering::Equal => return,
        };
        count.annotations = Some(vec![note.to_owned()]);
    }
}

fn by_name<'a, T>(
    items: &'a [T],
    name: &Option<String>,
    of: impl Fn(&T) -> &Option<String>,
) -> Option<&'a T> {
    items.iter().find(|i| of(i) == name)
}

fn group_diff(old: Option<&TaskGroup>, new: Option<&TaskGroup>) -> TaskGroupDiff {
    let name = new.or(old).and_then(|g| g.name.clone()).unwrap_or_default();
    let (o, n) = (
        old.map(to_object).unwrap_or_default(),
        new.map(to_object).unwrap_or_default(),
    );
    let skip = ["Name", "Tasks"];
    let mut fields = field_diffs(&primitives(&o, &skip), &primitives(&n, &skip), false);
    annotate_count(&mut fields);
    let objects = nested(&o, &n, &skip);
    let diff_type = level_type(old.is_some(), new.is_some(), o == n);
    let old_tasks = old.and_then(|g| g.tasks.clone()).unwrap_or_default();
    let new_tasks = new.and_then(|g| g.tasks.clone()).unwrap_or_default();
    let mut tasks: Vec<TaskDiff> = old_tasks
        .iter()
        .map(|t| {
            task_diff(
                Some(t),
                by_name(&new_tasks, &t.name, |x| &x.name),
                diff_type,
            )
        })
        .collect();
    tasks.extend(
        new_tasks
            .iter()
            .filter(|t| by_name(&old_tasks, &t.name, |x| &x.name).is_none())
            .map(|t| task_diff(None, Some(t), diff_type)),
    );
    tasks.sort_by(|a, b| a.name.cmp(&b.name));
    TaskGroupDiff {
        diff_type: diff_type.into(),
        name,
        fields: non_empty(fields),
        objects: non_empty(objects),
        tasks: non_empty(tasks),
        updates: None,
    }
}

/// The contextual diff from `old` (none: the job is new) to `new`.
pub(crate) fn job_diff(old: Option<&Job>, new: &Job) -> JobDiff {
    let (o, n) = (old.map(to_object).unwrap_or_default(), to_object(new));
    let fields = field_diffs(
        &primitives(&o, JOB_FILTER),
        &primitives(&n, JOB_FILTER),
        false,
    );
    let objects = nested(&o, &n, JOB_FILTER);
    let old_groups = old.and_then(|j| j.task_groups.clone()).unwrap_or_default();
    let new_groups = new.task_groups.clone().unwrap_or_default();
    let mut groups: Vec<TaskGroupDiff> = old_groups
        .iter()
        .map(|g| group_diff(Some(g), by_name(&new_groups, &g.name, |x| &x.name)))
        .collect();
    groups.extend(
        new_groups
            .iter()
            .filter(|g| by_name(&old_groups, &g.name, |x| &x.name).is_none())
            .map(|g| group_diff(None, Some(g))),
    );
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let changed = fields.iter().any(|f| f.diff_type != "None")
        || objects.iter().any(|o| o.diff_type != "None")
        || groups.iter().any(|g| g.diff_type != "None");
    let diff_type = match old {
        None => "Added",
        Some(_) if changed => "Edited",
        Some(_) => "None",
    };
    JobDiff {
        diff_type: diff_type.into(),
        id: new.id.clone().unwrap_or_default(),
        fields: non_empty(fields),
        objects: non_empty(objects),
        task_groups: non_empty(groups),
    }
}

/// Whether two versions are the same specification (server-set fields aside).
pub(crate) fn same_spec(a: &Job, b: &Job) -> bool {
    job_diff(Some(a), b).diff_type == "None"
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use np_nomad::types::{Service, Task, TaskGroup};

    use super::*;

    fn job(image: &str, count: i64, tags: &[&str]) -> Job {
        Job {
            id: Some("web".into()),
            priority: Some(50),
            task_groups: Some(vec![TaskGroup {
                name: Some("web".into()),
                count: Some(count),
                services: Some(vec![Service {
                    name: Some("web".into()),
                    tags: Some(tags.iter().map(|t| (*t).to_string()).collect()),
                    ..Service::default()
                }]),
                tasks: Some(vec![Task {
                    name: Some("web".into()),
                    driver: Some("podman".into()),
                    config: Some(BTreeMap::from([("image".into(), image.into())])),
                    env: Some(BTreeMap::from([("MODE".into(), "a".into())])),
                    ..Task::default()
                }]),
                ..TaskGroup::default()
            }]),
            ..Job::default()
        }
    }

    #[test]
    fn a_new_job_is_all_added() {
        let diff = job_diff(None, &job("nginx:1", 1, &[]));
        assert_eq!(diff.diff_type, "Added");
        let task = &diff.task_groups.unwrap()[0].tasks.clone().unwrap()[0];
        assert_eq!(
            task.annotations.as_deref(),
            Some(&["forces create".to_string()][..])
        );
    }

    #[test]
    fn an_image_change_is_a_destructive_edit_with_old_and_new() {
        let diff = job_diff(Some(&job("nginx:1", 2, &[])), &job("nginx:2", 2, &[]));
        assert_eq!(diff.diff_type, "Edited");
        let task = &diff.task_groups.unwrap()[0].tasks.clone().unwrap()[0];
        assert_eq!(
            task.annotations.as_deref(),
            Some(&["forces create/destroy update".to_string()][..])
        );
        let config = task
            .objects
            .as_ref()
            .unwrap()
            .iter()
            .find(|o| o.name == "Config")
            .unwrap();
        let field = &config.fields.as_ref().unwrap()[0];
        assert_eq!(
            (field.name.as_str(), field.old.as_str(), field.new.as_str()),
            ("image", "nginx:1", "nginx:2")
        );
    }

    #[test]
    fn count_and_tag_changes_are_not_destructive() {
        let old = job("nginx:1", 2, &["a"]);
        let new = job("nginx:1", 3, &["b"]);
        let group = &job_diff(Some(&old), &new).task_groups.unwrap()[0];
        let count = &group.fields.as_ref().unwrap()[0];
        assert_eq!(
            (count.name.as_str(), count.old.as_str(), count.new.as_str()),
            ("Count", "2", "3")
        );
        assert_eq!(
            count.annotations.as_deref(),
            Some(&["forces create".to_string()][..])
        );
        // The unchanged task is listed, as Nomad lists it, without annotation.
        let task = &group.tasks.as_ref().unwrap()[0];
        assert_eq!(
            (task.diff_type.as_str(), task.annotations.as_ref()),
            ("None", None)
        );
        let service = &group.objects.as_ref().unwrap()[0];
        assert_eq!(
            (service.name.as_str(), service.diff_type.as_str()),
            ("Service", "Edited")
        );
        assert!(!group_destructive(
            &old.task_groups.unwrap()[0],
            &new.task_groups.unwrap()[0]
        ));
    }

    #[test]
    fn server_fields_are_not_changes() {
        let mut a = job("nginx:1", 1, &[]);
        let mut b = a.clone();
        a.version = Some(1);
        b.version = Some(2);
        b.job_modify_index = Some(99);
        b.namespace = Some("acme".into());
        assert!(same_spec(&a, &b));
    }
}
