//! Reading untrusted YAML (and JSON, its subset) with limits, and turning serde errors into field errors
//! that name the offending key.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_saphyr::options::AliasLimits;
use serde_saphyr::{Budget, DuplicateKeyPolicy, MergeKeyPolicy, Options};

use super::join;
use crate::error::{FieldError, FieldErrors};

/// The largest document accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;
/// The deepest nesting of mappings and sequences accepted.
pub const MAX_DEPTH: usize = 32;
/// The most nodes (mappings, sequences and scalars) a document may have.
pub const MAX_NODES: usize = 20_000;
/// The most aliases (`*name`) a document may use.
pub const MAX_ALIASES: usize = 100;

fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_reader_input_bytes = Some(MAX_INPUT_BYTES);
    budget.max_depth = MAX_DEPTH;
    budget.max_nodes = MAX_NODES;
    budget.max_aliases = MAX_ALIASES;
    budget.max_anchors = MAX_ALIASES;
    budget.max_documents = 1;
    budget.max_events = 4 * MAX_NODES;
    budget.max_merge_keys = MAX_ALIASES;
    budget.max_total_scalar_bytes = MAX_INPUT_BYTES;
    budget.max_recorded_anchor_bytes = MAX_INPUT_BYTES;
    budget.max_recorded_anchor_events = MAX_NODES;
    let mut alias_limits = AliasLimits::default();
    alias_limits.max_total_replayed_events = MAX_NODES;
    alias_limits.max_replay_stack_depth = 8;
    alias_limits.max_alias_expansions_per_anchor = MAX_ALIASES;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.alias_limits = alias_limits;
    options.duplicate_keys = DuplicateKeyPolicy::Error;
    options.merge_keys = MergeKeyPolicy::Merge;
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.reject_unsupported_tags = true;
    options.with_snippet = false;
    options
}

/// Reads `text` as a `T`, within the limits. Errors name the key (`services[0].ports[1].port`) and, for
/// syntax errors, the line and column.
pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, FieldErrors> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(FieldErrors(vec![FieldError::new(
            "",
            format!(
                "the document is {} bytes; at most {} KiB are accepted",
                text.len(),
                MAX_INPUT_BYTES / 1024
            ),
        )]));
    }
    if text.trim().is_empty() {
        return Err(FieldErrors(vec![FieldError::new(
            "",
            "the document is empty",
        )]));
    }
    let mut track = serde_path_to_error::Track::new();
    let result = serde_saphyr::with_deserializer_from_str_with_options(text, options(), |de| {
        T::deserialize(serde_path_to_error::Deserializer::new(de, &mut track))
    });
    result.map_err(|error| {
        let path = path_text(&track.path());
        let location = error
            .location()
            .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
            .unwrap_or_default();
        let message = error.without_snippet().render();
        let message = strip_location(&message);
        if let Some(why) = budget_breach(&message) {
            return FieldErrors(vec![FieldError::new("", format!("{why}{location}"))]);
        }
        if let Some(key) = message
            .strip_prefix("duplicate mapping key: ")
            .and_then(|rest| rest.split(',').next())
        {
            let parent = path
                .strip_suffix(".?")
                .or(path.strip_suffix('?'))
                .unwrap_or(&path);
            return FieldErrors(vec![FieldError::new(
                join(parent, key),
                format!("is given twice{location}"),
            )]);
        }
        FieldErrors(vec![field_error(&path, &message, &location)])
    })
}

/// Reads an already-parsed value (the properties of an OAM component or trait) as a `T`; errors name the key
/// below `prefix`.
pub(crate) fn from_value<T: DeserializeOwned>(
    value: serde_json::Value,
    prefix: &str,
) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let inner = path_text(error.path());
        let path = join(prefix, &inner);
        field_error(&path, &error.inner().to_string(), "")
    })
}

fn path_text(path: &serde_path_to_error::Path) -> String {
    let text = path.to_string();
    if text == "." { String::new() } else { text }
}

/// serde-saphyr appends its own "at line L, column C"; the location is given once, by us.
fn strip_location(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    match first.rfind(" at line ") {
        Some(at) => first[..at].to_owned(),
        None => first.to_owned(),
    }
}

/// The document broke one of the limits: say which, in the user's terms.
fn budget_breach(message: &str) -> Option<String> {
    let what = message.strip_prefix("budget breached: ")?;
    let kind = what.split([' ', '{']).next().unwrap_or(what);
    Some(match kind {
        "Depth" => format!("the document is nested deeper than {MAX_DEPTH} levels"),
        "Documents" => "the input holds more than one document (---); give one".to_owned(),
        "Nodes" | "Events" => format!("the document has more than {MAX_NODES} values"),
        "Aliases"
        | "Anchors"
        | "RecordedAnchorEvents"
        | "RecordedAnchorBytes"
        | "AliasAnchorRatio"
        | "MergeKeys" => format!(
            "the document expands aliases (*name) too much; at most {MAX_ALIASES} aliases and {MAX_NODES} \
             values in all"
        ),
        _ => format!(
            "the document is too large (at most {} KiB and {MAX_NODES} values)",
            MAX_INPUT_BYTES / 1024
        ),
    })
}

/// serde's messages for numbers out of range, in words.
fn plain_message(message: &str) -> String {
    match message {
        "invalid u16" => "must be a whole number from 0 to 65535".to_owned(),
        "invalid u32" => "must be a whole number from 0 to 4294967295".to_owned(),
        "invalid u64" => "must be a whole number of 0 or more".to_owned(),
        _ => message.to_owned(),
    }
}

/// Builds the error, with a specific explanation when an unknown key is one that is refused on purpose.
fn field_error(path: &str, message: &str, location: &str) -> FieldError {
    if let Some(key) = unknown_field(message) {
        let field = join(path, key);
        let field = if path.ends_with(key) {
            path.to_owned()
        } else {
            field
        };
        if let Some(why) = refused_key(key) {
            return FieldError::new(field, why);
        }
        let allowed = message
            .split_once(", expected ")
            .map(|(_, rest)| format!("; allowed here: {}", rest.replace("one of ", "")))
            .unwrap_or_default();
        return FieldError::new(field, format!("unknown field `{key}`{allowed}{location}"));
    }
    FieldError::new(path, format!("{}{location}", plain_message(message)))
}

fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split_once('`').map(|(key, _)| key)
}

/// Keys people reach for that the platform refuses, and why. Checked on every input format.
pub fn refused_key(key: &str) -> Option<&'static str> {
    let normalised: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    Some(match normalised.as_str() {
        "privileged" => "privileged containers are not allowed: they can take over the host",
        "capadd" | "capabilities" | "capdrop" => {
            "Linux capabilities cannot be changed: containers run with the platform's default set"
        }
        "devices" | "device" => "host devices cannot be mapped into containers",
        "networkmode" | "hostnetwork" | "network" => {
            "the network mode cannot be chosen (host networking is not allowed): each app gets its own \
             network namespace with mapped ports"
        }
        "user" | "runasuser" | "runasgroup" | "runasnonroot" => {
            "the container's user comes from its image and cannot be overridden"
        }
        "sysctl" | "sysctls" => "kernel parameters (sysctl) cannot be changed",
        "securityopt" | "securitycontext" | "apparmor" | "seccomp" | "selinuxopts" => {
            "security options cannot be changed"
        }
        "artifact" | "artifacts" => {
            "artifacts (downloads onto the node) are not allowed: put the files in the image"
        }
        "hostpath" | "mounts" | "mount" | "bind" | "binds" | "volumesfrom" => {
            "host paths cannot be mounted: use a volume from the tenant's allow-list (volumes: [{volume, path}])"
        }
        "ipcmode" | "pidmode" | "ipc" | "pid" | "usernsmode" | "userns" | "utsmode" | "hostpid"
        | "hostipc" => "host namespaces cannot be shared",
        "namespace" => "the Nomad namespace is the tenant's and cannot be chosen",
        "nodepool" | "region" | "datacenters" | "datacenter" | "constraint" | "constraints"
        | "affinity" | "affinities" => "where apps run is decided by the tenant's settings",
        "driver" => "the task driver is podman or docker, chosen with runtime",
        "rawexec" | "exec" => "only containers can be run",
        "logging" | "logdriver" => "logs are collected by the platform",
        "dnsservers" | "dns" | "extrahosts" => "DNS settings cannot be changed",
        "imagepullsecrets" | "auth" => "registry credentials are configured by the platform",
        _ => return None,
    })
}

/// Values that are strings to the spec but that YAML may read as numbers or booleans (`8080`, `true`).
/// Integers and booleans are taken as written; decimals must be quoted, because YAML would change their
/// spelling (`1.10` reads as `1.1`).
pub(crate) mod lenient {
    use std::collections::BTreeMap;
    use std::fmt;

    use serde::Deserializer;
    use serde::de::{self, MapAccess, SeqAccess, Visitor};

    struct Scalar;

    impl Visitor<'_> for Scalar {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
            Err(E::custom(format!(
                "YAML reads this as the number {v}; put it in quotes so it keeps its exact spelling"
            )))
        }

        fn visit_unit<E: de::Error>(self) -> Result<String, E> {
            Err(E::custom(
                "has no value; give one (\"\" for an empty string) or remove the key",
            ))
        }
    }

    /// One string.
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_any(Scalar)
    }

    /// An optional string.
    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(Scalar).map(Some)
    }

    /// A list of strings.
    pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        struct List;
        impl<'de> Visitor<'de> for List {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<Item>()? {
                    out.push(item.0);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(List)
    }

    /// A map of names to strings.
    pub fn map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
        struct Map;
        impl<'de> Visitor<'de> for Map {
            type Value = BTreeMap<String, String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of names to values")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<BTreeMap<String, String>, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((key, value)) = map.next_entry::<String, Item>()? {
                    out.insert(key, value.0);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Map)
    }

    /// A string inside a list or map.
    pub struct Item(pub String);

    impl<'de> serde::Deserialize<'de> for Item {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            string(d).map(Item)
        }
    }
}

/// A probe of the document's top level, to tell the formats apart.
#[derive(Deserialize)]
pub(crate) struct Outline {
    #[serde(rename = "apiVersion", default)]
    pub api_version: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    pub kind: Option<serde_json::Value>,
    #[serde(default)]
    pub services: Option<serde::de::IgnoredAny>,
}
