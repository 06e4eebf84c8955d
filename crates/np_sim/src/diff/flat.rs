//! The generic part of Nomad's diff (`nomad/structs/diff.go`, `helper/flatmap/flatmap.go`), over a job's JSON:
//! a struct's primitive fields (maps flattened into `Key[k]`, nested structs and lists left out), object diffs
//! for nested structs, one object per element of a list of structs, string sets, and Nomad's diff types.

use std::collections::{BTreeMap, BTreeSet};

use np_nomad::types::{FieldDiff, ObjectDiff};
use serde_json::{Map, Value};

pub(crate) type Object = Map<String, Value>;

/// Whether a JSON object is one of Nomad's structs (PascalCase members) rather than a map (`Meta`, `Env`).
fn is_struct(map: &Object) -> bool {
    !map.is_empty()
        && map
            .keys()
            .all(|k| k.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
}

/// Members that are maps of the user's keys even when those keys are capitalised.
const MAPS: &[&str] = &["Meta", "Env", "Config", "Labels"];

fn is_struct_member(key: &str, value: &Value) -> bool {
    value.as_object().is_some_and(is_struct) && !MAPS.contains(&key)
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Every leaf of `value` under `prefix`, maps as `prefix[key]` and lists as `prefix[i]` (`Flatten` with
/// `primitiveOnly` false, as Nomad flattens a task's `Config`).
pub(crate) fn flatten_all(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    let sub = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}[{k}]")
        }
    };
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| flatten_all(&sub(k), v, out)),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten_all(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::Null => {}
        other => {
            out.insert(prefix.to_owned(), scalar(other).unwrap_or_default());
        }
    }
}

/// A struct's primitive fields (`Flatten` with `primitiveOnly`): scalars, and maps flattened into
/// `Key[k]`; nested structs and lists are diffed as objects instead. `skip` names members left out.
pub(crate) fn primitives(object: &Object, skip: &[&str]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (key, value) in object {
        if skip.contains(&key.as_str()) || value.is_array() || is_struct_member(key, value) {
            continue;
        }
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| {
                flatten_all(&format!("{key}[{k}]"), v, &mut out);
            }),
            other => {
                if let Some(text) = scalar(other) {
                    out.insert(key.clone(), text);
                }
            }
        }
    }
    out
}

/// `fieldDiff`: `None` for an unchanged field unless `contextual`.
fn field_diff(old: &str, new: &str, name: &str, contextual: bool) -> Option<FieldDiff> {
    let diff_type = match (old, new) {
        (o, n) if o == n => {
            if !contextual {
                return None;
            }
            "None"
        }
        ("", _) => "Added",
        (_, "") => "Deleted",
        _ => "Edited",
    };
    Some(FieldDiff {
        diff_type: diff_type.into(),
        name: name.to_owned(),
        old: if diff_type == "Added" {
            String::new()
        } else {
            old.to_owned()
        },
        new: if diff_type == "Deleted" {
            String::new()
        } else {
            new.to_owned()
        },
        annotations: None,
    })
}

/// `fieldDiffs`, sorted by name.
pub(crate) fn field_diffs(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    contextual: bool,
) -> Vec<FieldDiff> {
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let (o, n) = (
                old.get(name).map_or("", String::as_str),
                new.get(name).map_or("", String::as_str),
            );
            field_diff(o, n, name, contextual)
        })
        .collect()
}

/// The type of an object diff from its fields and objects (`primitiveObjectDiff`); `None` when nothing
/// changed.
fn object_type(fields: &[FieldDiff], objects: &[ObjectDiff]) -> Option<&'static str> {
    let types: Vec<&str> = fields
        .iter()
        .map(|f| f.diff_type.as_str())
        .chain(objects.iter().map(|o| o.diff_type.as_str()))
        .collect();
    let added = types.contains(&"Added");
    let deleted = types.contains(&"Deleted");
    if types.contains(&"Edited") || (added && deleted) {
        Some("Edited")
    } else if added {
        Some("Added")
    } else if deleted {
        Some("Deleted")
    } else {
        None
    }
}

/// Diffs a nested struct named `name`: its primitive fields (contextual) and its own nested objects.
pub(crate) fn object_diff(
    old: Option<&Object>,
    new: Option<&Object>,
    name: &str,
    skip: &[&str],
) -> Option<ObjectDiff> {
    let empty = Object::new();
    let (o, n) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
    if old.is_some() && new.is_some() && o == n {
        return None;
    }
    let fields = field_diffs(&primitives(o, skip), &primitives(n, skip), true);
    let objects = nested(o, n, skip);
    let diff_type = object_type(&fields, &objects)?;
    Some(ObjectDiff {
        diff_type: diff_type.into(),
        name: name.to_owned(),
        fields: (!fields.is_empty()).then_some(fields),
        objects: (!objects.is_empty()).then_some(objects),
    })
}

/// Nomad's name for one element of a list member: `Services` → `Service`.
fn singular(key: &str) -> String {
    match key {
        "Affinities" => "Affinity".into(),
        "DynamicPorts" => "Dynamic Port".into(),
        "ReservedPorts" => "Static Port".into(),
        k => k.strip_suffix('s').unwrap_or(k).to_owned(),
    }
}

/// How elements of a list of structs are matched: by name or label, else by position.
fn identity(value: &Value, position: usize) -> String {
    ["Name", "Label", "PortLabel"]
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| format!("#{position}"))
}

/// `stringSetDiff`: each string an `Added`, `Deleted` or (contextual) `None` field named after the set.
fn string_set_diff(old: &[Value], new: &[Value], name: &str) -> Option<ObjectDiff> {
    let set = |items: &[Value]| -> BTreeSet<String> { items.iter().filter_map(scalar).collect() };
    let (o, n) = (set(old), set(new));
    if o == n {
        return None;
    }
    let mut fields = Vec::new();
    for value in o.union(&n) {
        let (was, is) = (o.contains(value), n.contains(value));
        let (old_v, new_v) = (
            if was { value.as_str() } else { "" },
            if is { value.as_str() } else { "" },
        );
        fields.extend(field_diff(old_v, new_v, name, true));
    }
    let diff_type = object_type(&fields, &[])?;
    Some(ObjectDiff {
        diff_type: diff_type.into(),
        name: name.to_owned(),
        fields: Some(fields),
        objects: None,
    })
}

/// The object diffs of a struct's nested structs and lists, members in `skip` aside.
pub(crate) fn nested(old: &Object, new: &Object, skip: &[&str]) -> Vec<ObjectDiff> {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut out = Vec::new();
    for key in keys {
        if skip.contains(&key.as_str()) {
            continue;
        }
        let (o, n) = (old.get(key), new.get(key));
        let sample = o.or(n).filter(|v| !v.is_null());
        match sample {
            Some(Value::Array(_)) => {
                let empty = Vec::new();
                let list =
                    |v: Option<&Value>| v.and_then(Value::as_array).unwrap_or(&empty).clone();
                let (ol, nl) = (list(o), list(n));
                let structs = ol
                    .iter()
                    .chain(&nl)
                    .any(|v| v.as_object().is_some_and(is_struct));
                if !structs {
                    out.extend(string_set_diff(&ol, &nl, key));
                    continue;
                }
                let name = singular(key);
                let ids = |l: &[Value]| -> Vec<(String, Object)> {
                    l.iter()
                        .enumerate()
                        .map(|(i, v)| (identity(v, i), v.as_object().cloned().unwrap_or_default()))
                        .collect()
                };
                let (oi, ni) = (ids(&ol), ids(&nl));
                for (id, item) in &oi {
                    let other = ni.iter().find(|(i, _)| i == id).map(|(_, v)| v);
                    out.extend(object_diff(Some(item), other, &name, &[]));
                }
                for (id, item) in &ni {
                    if !oi.iter().any(|(i, _)| i == id) {
                        out.extend(object_diff(None, Some(item), &name, &[]));
                    }
                }
            }
            Some(value) if is_struct_member(key, value) => {
                out.extend(object_diff(
                    o.and_then(Value::as_object),
                    n.and_then(Value::as_object),
                    key,
                    &[],
                ));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Object {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn primitives_flatten_maps_and_leave_structs_and_lists_out() {
        let flat = primitives(
            &object(
                json!({"Count": 2, "Meta": {"team": "a"}, "Update": {"Canary": 1}, "Tags": ["x"]}),
            ),
            &[],
        );
        assert_eq!(
            flat,
            BTreeMap::from([
                ("Count".into(), "2".into()),
                ("Meta[team]".into(), "a".into())
            ])
        );
    }

    #[test]
    fn an_edited_object_names_its_fields_plainly_and_keeps_unchanged_ones_in_context() {
        let diff = object_diff(
            Some(&object(json!({"Canary": 0, "MaxParallel": 1}))),
            Some(&object(json!({"Canary": 1, "MaxParallel": 1}))),
            "Update",
            &[],
        )
        .unwrap();
        assert_eq!(diff.diff_type, "Edited");
        let fields: Vec<(&str, &str)> = diff
            .fields
            .iter()
            .flatten()
            .map(|f| (f.name.as_str(), f.diff_type.as_str()))
            .collect();
        assert_eq!(fields, [("Canary", "Edited"), ("MaxParallel", "None")]);
    }

    #[test]
    fn lists_of_strings_are_sets_and_lists_of_structs_one_object_each() {
        let old = object(json!({"Services": [{"Name": "web", "Tags": ["a", "b"]}]}));
        let new = object(json!({"Services": [{"Name": "web", "Tags": ["b", "c"]}]}));
        let objects = nested(&old, &new, &[]);
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0].name, "Service");
        let tags = &objects[0].objects.as_ref().unwrap()[0];
        assert_eq!(
            (tags.name.as_str(), tags.diff_type.as_str()),
            ("Tags", "Edited")
        );
        let fields: Vec<(&str, &str, &str)> = tags
            .fields
            .iter()
            .flatten()
            .map(|f| (f.diff_type.as_str(), f.old.as_str(), f.new.as_str()))
            .collect();
        assert_eq!(
            fields,
            [("Deleted", "a", ""), ("None", "b", "b"), ("Added", "", "c")]
        );
    }
}
