//! Job diffs in Nomad's shape (`structs.JobDiff`): scalar fields, nested objects flattened into fields,
//! groups and tasks matched by name, and whether a task change replaces allocations.

use std::collections::BTreeMap;

use np_nomad::types::{
    FieldDiff, Job, JobDiff, ObjectDiff, Task, TaskDiff, TaskGroup, TaskGroupDiff,
};
use serde_json::Value;

/// Fields Nomad sets itself; they never count as changes.
const SERVER_FIELDS: &[&str] = &[
    "Stop",
    "ParentID",
    "Status",
    "StatusDescription",
    "Stable",
    "Version",
    "SubmitTime",
    "CreateIndex",
    "ModifyIndex",
    "JobModifyIndex",
    "VersionTag",
    "Region",
    "Namespace",
];

fn to_object<T: serde::Serialize>(value: &T) -> serde_json::Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

fn flatten_into(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}[{k}]")
                };
                flatten_into(&key, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten_into(&format!("{prefix}[{i}]"), v, out);
            }
        }
        other => {
            out.insert(prefix.to_owned(), scalar(other).unwrap_or_default());
        }
    }
}

fn kind(old: bool, new: bool) -> &'static str {
    match (old, new) {
        (false, true) => "Added",
        (true, false) => "Deleted",
        _ => "Edited",
    }
}

fn field_diffs(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Vec<FieldDiff> {
    let names: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let (o, n) = (old.get(name), new.get(name));
            if o == n {
                return None;
            }
            Some(FieldDiff {
                diff_type: kind(o.is_some(), n.is_some()).into(),
                name: name.clone(),
                old: o.cloned().unwrap_or_default(),
                new: n.cloned().unwrap_or_default(),
                annotations: None,
            })
        })
        .collect()
}

/// Diffs two objects: scalar members become fields; structured members become flattened object diffs;
/// members in `skip` are left to the caller.
fn members(
    old: &serde_json::Map<String, Value>,
    new: &serde_json::Map<String, Value>,
    skip: &[&str],
) -> (Vec<FieldDiff>, Vec<ObjectDiff>) {
    let mut old_scalars = BTreeMap::new();
    let mut new_scalars = BTreeMap::new();
    let mut objects = Vec::new();
    let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for key in keys {
        if skip.contains(&key.as_str()) || SERVER_FIELDS.contains(&key.as_str()) {
            continue;
        }
        let (o, n) = (
            old.get(key).filter(|v| !v.is_null()),
            new.get(key).filter(|v| !v.is_null()),
        );
        let structured = o.or(n).is_some_and(|v| v.is_object() || v.is_array());
        if !structured {
            if let Some(v) = o.and_then(scalar) {
                old_scalars.insert(key.clone(), v);
            }
            if let Some(v) = n.and_then(scalar) {
                new_scalars.insert(key.clone(), v);
            }
            continue;
        }
        let (mut of, mut nf) = (BTreeMap::new(), BTreeMap::new());
        if let Some(v) = o {
            flatten_into(key, v, &mut of);
        }
        if let Some(v) = n {
            flatten_into(key, v, &mut nf);
        }
        let fields = field_diffs(&of, &nf);
        if !fields.is_empty() {
            objects.push(ObjectDiff {
                diff_type: kind(o.is_some(), n.is_some()).into(),
                name: key.clone(),
                fields: Some(fields),
                objects: None,
            });
        }
    }
    (field_diffs(&old_scalars, &new_scalars), objects)
}

fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
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

fn task_diff(old: Option<&Task>, new: Option<&Task>) -> Option<TaskDiff> {
    let name = new.or(old).and_then(|t| t.name.clone()).unwrap_or_default();
    let (o, n) = (
        old.map(to_object).unwrap_or_default(),
        new.map(to_object).unwrap_or_default(),
    );
    let (fields, objects) = members(&o, &n, &["Name"]);
    if fields.is_empty() && objects.is_empty() && old.is_some() && new.is_some() {
        return None;
    }
    let annotation = match (old, new) {
        (Some(a), Some(b)) if !task_destructive(a, b) => "forces in-place update",
        (Some(_), Some(_)) => "forces create/destroy update",
        (None, _) => "forces create",
        (_, None) => "forces destroy",
    };
    Some(TaskDiff {
        diff_type: kind(old.is_some(), new.is_some()).into(),
        name,
        fields: non_empty(fields),
        objects: non_empty(objects),
        annotations: Some(vec![annotation.into()]),
    })
}

fn group_diff(old: Option<&TaskGroup>, new: Option<&TaskGroup>) -> Option<TaskGroupDiff> {
    let name = new.or(old).and_then(|g| g.name.clone()).unwrap_or_default();
    let (o, n) = (
        old.map(to_object).unwrap_or_default(),
        new.map(to_object).unwrap_or_default(),
    );
    let (fields, objects) = members(&o, &n, &["Name", "Tasks"]);
    let old_tasks = old.and_then(|g| g.tasks.clone()).unwrap_or_default();
    let new_tasks = new.and_then(|g| g.tasks.clone()).unwrap_or_default();
    let mut tasks: Vec<TaskDiff> = new_tasks
        .iter()
        .filter_map(|t| task_diff(old_tasks.iter().find(|o| o.name == t.name), Some(t)))
        .collect();
    tasks.extend(
        old_tasks
            .iter()
            .filter(|o| !new_tasks.iter().any(|t| t.name == o.name))
            .filter_map(|o| task_diff(Some(o), None)),
    );
    if fields.is_empty() && objects.is_empty() && tasks.is_empty() && old.is_some() && new.is_some()
    {
        return None;
    }
    Some(TaskGroupDiff {
        diff_type: kind(old.is_some(), new.is_some()).into(),
        name,
        fields: non_empty(fields),
        objects: non_empty(objects),
        tasks: non_empty(tasks),
        updates: None,
    })
}

/// The diff from `old` (none: the job is new) to `new`.
pub(crate) fn job_diff(old: Option<&Job>, new: &Job) -> JobDiff {
    let (o, n) = (old.map(to_object).unwrap_or_default(), to_object(new));
    let (fields, objects) = members(&o, &n, &["ID", "TaskGroups"]);
    let old_groups = old.and_then(|j| j.task_groups.clone()).unwrap_or_default();
    let new_groups = new.task_groups.clone().unwrap_or_default();
    let mut groups: Vec<TaskGroupDiff> = new_groups
        .iter()
        .filter_map(|g| group_diff(old_groups.iter().find(|o| o.name == g.name), Some(g)))
        .collect();
    groups.extend(
        old_groups
            .iter()
            .filter(|o| !new_groups.iter().any(|g| g.name == o.name))
            .filter_map(|o| group_diff(Some(o), None)),
    );
    let diff_type = match old {
        None => "Added",
        Some(_) if fields.is_empty() && objects.is_empty() && groups.is_empty() => "None",
        Some(_) => "Edited",
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
            ("Config[image]", "nginx:1", "nginx:2")
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
        assert!(group.tasks.is_none());
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
