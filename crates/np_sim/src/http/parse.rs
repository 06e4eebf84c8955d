//! `POST /v1/jobs/parse`: HCL2 job specifications to JSON, following Nomad's jobspec2 schema for the blocks
//! and arguments it knows. Unknown blocks and arguments are refused, as Nomad refuses them; functions and
//! variables are not available (Nomad parses with `AllowFS=false` and no variables here).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use hcl::eval::{Context, Evaluate};
use hcl::structure::{Block, Body, Structure};
use np_nomad::types::{Job, JobsParseRequest};
use serde_json::{Map, Value};

use super::nomad::body;
use super::{go_duration, json};
use crate::scheduler::{self, ApiError};
use crate::state::Shared;

#[derive(Clone, Copy)]
enum Kind {
    Any,
    Duration,
}

/// How a child block maps into its parent's JSON.
#[derive(Clone, Copy)]
enum Child {
    /// At most one block, into an object.
    One(&'static str, &'static Schema),
    /// Repeated blocks, into a list.
    Many(&'static str, &'static Schema),
    /// Repeated labelled blocks, into a list with the label in a field.
    Labeled(&'static str, &'static str, &'static Schema),
    /// Labelled blocks into a map keyed by the label (with the label also in a field).
    LabeledMap(&'static str, &'static str, &'static Schema),
    /// A free-form block (config, env, meta): attributes and nested blocks kept as they are.
    Free(&'static str),
    /// Group network ports, split into reserved (static) and dynamic ports.
    Ports,
}

struct Schema {
    attrs: &'static [(&'static str, &'static str, Kind)],
    blocks: &'static [(&'static str, Child)],
}

use Kind::{Any, Duration as D};

static CONSTRAINT: Schema = Schema {
    attrs: &[
        ("attribute", "LTarget", Any),
        ("value", "RTarget", Any),
        ("operator", "Operand", Any),
    ],
    blocks: &[],
};
static AFFINITY: Schema = Schema {
    attrs: &[
        ("attribute", "LTarget", Any),
        ("value", "RTarget", Any),
        ("operator", "Operand", Any),
        ("weight", "Weight", Any),
    ],
    blocks: &[],
};
static SPREAD_TARGET: Schema = Schema {
    attrs: &[("percent", "Percent", Any)],
    blocks: &[],
};
static SPREAD: Schema = Schema {
    attrs: &[("attribute", "Attribute", Any), ("weight", "Weight", Any)],
    blocks: &[(
        "target",
        Child::Labeled("SpreadTarget", "Value", &SPREAD_TARGET),
    )],
};
static UPDATE: Schema = Schema {
    attrs: &[
        ("stagger", "Stagger", D),
        ("max_parallel", "MaxParallel", Any),
        ("health_check", "HealthCheck", Any),
        ("min_healthy_time", "MinHealthyTime", D),
        ("healthy_deadline", "HealthyDeadline", D),
        ("progress_deadline", "ProgressDeadline", D),
        ("canary", "Canary", Any),
        ("auto_revert", "AutoRevert", Any),
        ("auto_promote", "AutoPromote", Any),
    ],
    blocks: &[],
};
static RESTART: Schema = Schema {
    attrs: &[
        ("attempts", "Attempts", Any),
        ("interval", "Interval", D),
        ("delay", "Delay", D),
        ("mode", "Mode", Any),
        ("render_templates", "RenderTemplates", Any),
    ],
    blocks: &[],
};
static RESCHEDULE: Schema = Schema {
    attrs: &[
        ("attempts", "Attempts", Any),
        ("interval", "Interval", D),
        ("delay", "Delay", D),
        ("delay_function", "DelayFunction", Any),
        ("max_delay", "MaxDelay", D),
        ("unlimited", "Unlimited", Any),
    ],
    blocks: &[],
};
static CHECK_RESTART: Schema = Schema {
    attrs: &[
        ("limit", "Limit", Any),
        ("grace", "Grace", D),
        ("ignore_warnings", "IgnoreWarnings", Any),
    ],
    blocks: &[],
};
static CHECK: Schema = Schema {
    attrs: &[
        ("name", "Name", Any),
        ("type", "Type", Any),
        ("path", "Path", Any),
        ("protocol", "Protocol", Any),
        ("method", "Method", Any),
        ("interval", "Interval", D),
        ("timeout", "Timeout", D),
        ("initial_status", "InitialStatus", Any),
        ("port", "PortLabel", Any),
        ("address_mode", "AddressMode", Any),
        ("tls_skip_verify", "TLSSkipVerify", Any),
        ("body", "Body", Any),
        ("success_before_passing", "SuccessBeforePassing", Any),
        ("failures_before_critical", "FailuresBeforeCritical", Any),
        ("failures_before_warning", "FailuresBeforeWarning", Any),
        ("on_update", "OnUpdate", Any),
        ("command", "Command", Any),
        ("args", "Args", Any),
    ],
    blocks: &[
        ("header", Child::Free("Header")),
        ("check_restart", Child::One("CheckRestart", &CHECK_RESTART)),
    ],
};
static SERVICE: Schema = Schema {
    attrs: &[
        ("name", "Name", Any),
        ("port", "PortLabel", Any),
        ("tags", "Tags", Any),
        ("canary_tags", "CanaryTags", Any),
        ("provider", "Provider", Any),
        ("address_mode", "AddressMode", Any),
        ("address", "Address", Any),
        ("task", "TaskName", Any),
        ("on_update", "OnUpdate", Any),
        ("enable_tag_override", "EnableTagOverride", Any),
    ],
    blocks: &[
        ("check", Child::Many("Checks", &CHECK)),
        ("check_restart", Child::One("CheckRestart", &CHECK_RESTART)),
        ("meta", Child::Free("Meta")),
        ("canary_meta", Child::Free("CanaryMeta")),
    ],
};
static RESOURCES: Schema = Schema {
    attrs: &[
        ("cpu", "CPU", Any),
        ("cores", "Cores", Any),
        ("memory", "MemoryMB", Any),
        ("memory_max", "MemoryMaxMB", Any),
        ("secrets", "SecretsMB", Any),
    ],
    blocks: &[],
};
static TEMPLATE: Schema = Schema {
    attrs: &[
        ("data", "EmbeddedTmpl", Any),
        ("destination", "DestPath", Any),
        ("source", "SourcePath", Any),
        ("change_mode", "ChangeMode", Any),
        ("change_signal", "ChangeSignal", Any),
        ("splay", "Splay", D),
        ("perms", "Perms", Any),
        ("left_delimiter", "LeftDelim", Any),
        ("right_delimiter", "RightDelim", Any),
        ("env", "Envvars", Any),
        ("once", "Once", Any),
        ("error_on_missing_key", "ErrMissingKey", Any),
    ],
    blocks: &[],
};
static LIFECYCLE: Schema = Schema {
    attrs: &[("hook", "Hook", Any), ("sidecar", "Sidecar", Any)],
    blocks: &[],
};
static LOGS: Schema = Schema {
    attrs: &[
        ("max_files", "MaxFiles", Any),
        ("max_file_size", "MaxFileSizeMB", Any),
        ("disabled", "Disabled", Any),
    ],
    blocks: &[],
};
static VOLUME_MOUNT: Schema = Schema {
    attrs: &[
        ("volume", "Volume", Any),
        ("destination", "Destination", Any),
        ("read_only", "ReadOnly", Any),
        ("propagation_mode", "PropagationMode", Any),
    ],
    blocks: &[],
};
static VAULT: Schema = Schema {
    attrs: &[
        ("role", "Role", Any),
        ("env", "Env", Any),
        ("disable_file", "DisableFile", Any),
        ("change_mode", "ChangeMode", Any),
        ("change_signal", "ChangeSignal", Any),
    ],
    blocks: &[],
};
static TASK: Schema = Schema {
    attrs: &[
        ("driver", "Driver", Any),
        ("user", "User", Any),
        ("kill_timeout", "KillTimeout", D),
        ("kill_signal", "KillSignal", Any),
        ("leader", "Leader", Any),
        ("shutdown_delay", "ShutdownDelay", D),
    ],
    blocks: &[
        ("config", Child::Free("Config")),
        ("env", Child::Free("Env")),
        ("meta", Child::Free("Meta")),
        ("resources", Child::One("Resources", &RESOURCES)),
        ("service", Child::Many("Services", &SERVICE)),
        ("template", Child::Many("Templates", &TEMPLATE)),
        ("lifecycle", Child::One("Lifecycle", &LIFECYCLE)),
        ("logs", Child::One("LogConfig", &LOGS)),
        ("volume_mount", Child::Many("VolumeMounts", &VOLUME_MOUNT)),
        ("vault", Child::One("Vault", &VAULT)),
        ("restart", Child::One("RestartPolicy", &RESTART)),
        ("constraint", Child::Many("Constraints", &CONSTRAINT)),
        ("affinity", Child::Many("Affinities", &AFFINITY)),
    ],
};
static NETWORK: Schema = Schema {
    attrs: &[("mode", "Mode", Any), ("hostname", "Hostname", Any)],
    blocks: &[("port", Child::Ports), ("dns", Child::Free("DNS"))],
};
static EPHEMERAL_DISK: Schema = Schema {
    attrs: &[
        ("size", "SizeMB", Any),
        ("sticky", "Sticky", Any),
        ("migrate", "Migrate", Any),
    ],
    blocks: &[],
};
static SCALING: Schema = Schema {
    attrs: &[
        ("min", "Min", Any),
        ("max", "Max", Any),
        ("enabled", "Enabled", Any),
        ("type", "Type", Any),
    ],
    blocks: &[("policy", Child::Free("Policy"))],
};
static VOLUME: Schema = Schema {
    attrs: &[
        ("type", "Type", Any),
        ("source", "Source", Any),
        ("read_only", "ReadOnly", Any),
        ("access_mode", "AccessMode", Any),
        ("attachment_mode", "AttachmentMode", Any),
        ("per_alloc", "PerAlloc", Any),
    ],
    blocks: &[],
};
static GROUP: Schema = Schema {
    attrs: &[
        ("count", "Count", Any),
        ("shutdown_delay", "ShutdownDelay", D),
    ],
    blocks: &[
        ("task", Child::Labeled("Tasks", "Name", &TASK)),
        ("network", Child::Many("Networks", &NETWORK)),
        ("service", Child::Many("Services", &SERVICE)),
        ("restart", Child::One("RestartPolicy", &RESTART)),
        ("reschedule", Child::One("ReschedulePolicy", &RESCHEDULE)),
        ("update", Child::One("Update", &UPDATE)),
        (
            "ephemeral_disk",
            Child::One("EphemeralDisk", &EPHEMERAL_DISK),
        ),
        ("scaling", Child::One("Scaling", &SCALING)),
        ("volume", Child::LabeledMap("Volumes", "Name", &VOLUME)),
        ("meta", Child::Free("Meta")),
        ("constraint", Child::Many("Constraints", &CONSTRAINT)),
        ("affinity", Child::Many("Affinities", &AFFINITY)),
        ("spread", Child::Many("Spreads", &SPREAD)),
    ],
};
static JOB: Schema = Schema {
    attrs: &[
        ("name", "Name", Any),
        ("type", "Type", Any),
        ("priority", "Priority", Any),
        ("region", "Region", Any),
        ("namespace", "Namespace", Any),
        ("datacenters", "Datacenters", Any),
        ("node_pool", "NodePool", Any),
        ("all_at_once", "AllAtOnce", Any),
    ],
    blocks: &[
        ("group", Child::Labeled("TaskGroups", "Name", &GROUP)),
        ("update", Child::One("Update", &UPDATE)),
        ("constraint", Child::Many("Constraints", &CONSTRAINT)),
        ("affinity", Child::Many("Affinities", &AFFINITY)),
        ("spread", Child::Many("Spreads", &SPREAD)),
        ("meta", Child::Free("Meta")),
        ("reschedule", Child::One("Reschedule", &RESCHEDULE)),
    ],
};

fn eval(expr: &hcl::Expression) -> Result<Value, String> {
    let value = expr.evaluate(&Context::new()).map_err(|e| e.to_string())?;
    serde_json::to_value(value).map_err(|e| e.to_string())
}

fn duration(value: Value, name: &str) -> Result<Value, String> {
    match value {
        Value::String(text) => go_duration(&text)
            .map(|d| Value::from(d.as_nanos() as i64))
            .ok_or_else(|| format!("{name}: time: invalid duration {text:?}")),
        Value::Number(n) => Ok(Value::Number(n)),
        other => Err(format!("{name}: expected a duration, got {other}")),
    }
}

fn free(body: &Body) -> Result<Value, String> {
    let mut map = Map::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                map.insert(attr.key().to_owned(), eval(attr.expr())?);
            }
            Structure::Block(block) => {
                map.insert(block.identifier().to_owned(), free(block.body())?);
            }
        }
    }
    Ok(Value::Object(map))
}

fn push(map: &mut Map<String, Value>, key: &str, value: Value) {
    match map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        Value::Array(items) => items.push(value),
        other => *other = Value::Array(vec![value]),
    }
}

fn label(block: &Block, context: &str) -> Result<String, String> {
    match block.labels() {
        [one] => Ok(one.as_str().to_owned()),
        _ => Err(format!(
            "{context}: Missing name for {}; All {} blocks must have 1 labels (name).",
            block.identifier(),
            block.identifier()
        )),
    }
}

fn object(body: &Body, schema: &Schema, context: &str) -> Result<Map<String, Value>, String> {
    let mut map = Map::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                // Free-form maps may also be written as attributes (`meta = { "np.tenant" = "acme" }`), which is
                // the only way to use keys that are not identifiers.
                if let Some((_, Child::Free(json))) =
                    schema.blocks.iter().find(|(hcl, _)| *hcl == attr.key())
                {
                    let value = eval(attr.expr()).map_err(|e| format!("{context}: {e}"))?;
                    if !value.is_object() {
                        return Err(format!("{context}: {}: expected a map", attr.key()));
                    }
                    map.insert((*json).to_owned(), value);
                    continue;
                }
                let Some((_, json, kind)) =
                    schema.attrs.iter().find(|(hcl, _, _)| *hcl == attr.key())
                else {
                    return Err(format!(
                        "{context}: Unsupported argument; An argument named {:?} is not expected here.",
                        attr.key()
                    ));
                };
                let value = eval(attr.expr()).map_err(|e| format!("{context}: {e}"))?;
                let value = match kind {
                    Kind::Duration => duration(value, attr.key())?,
                    Kind::Any => value,
                };
                map.insert((*json).to_owned(), value);
            }
            Structure::Block(block) => {
                let id = block.identifier();
                let Some((_, child)) = schema.blocks.iter().find(|(hcl, _)| *hcl == id) else {
                    return Err(format!(
                        "{context}: Unsupported block type; Blocks of type {id:?} are not expected here."
                    ));
                };
                let inner = format!("{context} -> {id}");
                match child {
                    Child::One(json, s) => {
                        if map.contains_key(*json) {
                            return Err(format!("{inner}: Duplicate {id} block"));
                        }
                        map.insert(
                            (*json).to_owned(),
                            Value::Object(object(block.body(), s, &inner)?),
                        );
                    }
                    Child::Many(json, s) => push(
                        &mut map,
                        json,
                        Value::Object(object(block.body(), s, &inner)?),
                    ),
                    Child::Labeled(json, field, s) => {
                        let mut item = object(block.body(), s, &inner)?;
                        item.insert((*field).to_owned(), Value::from(label(block, &inner)?));
                        push(&mut map, json, Value::Object(item));
                    }
                    Child::LabeledMap(json, field, s) => {
                        let name = label(block, &inner)?;
                        let mut item = object(block.body(), s, &inner)?;
                        item.insert((*field).to_owned(), Value::from(name.clone()));
                        let target = map
                            .entry((*json).to_owned())
                            .or_insert_with(|| Value::Object(Map::new()));
                        if let Value::Object(m) = target {
                            m.insert(name, Value::Object(item));
                        }
                    }
                    Child::Free(json) => {
                        map.insert((*json).to_owned(), free(block.body())?);
                    }
                    Child::Ports => {
                        let name = label(block, &inner)?;
                        let mut port = Map::new();
                        port.insert("Label".into(), Value::from(name));
                        let mut reserved = false;
                        for attr in block.body().attributes() {
                            let value = eval(attr.expr())?;
                            match attr.key() {
                                "static" => {
                                    reserved = true;
                                    port.insert("Value".into(), value);
                                }
                                "to" => {
                                    port.insert("To".into(), value);
                                }
                                "host_network" => {
                                    port.insert("HostNetwork".into(), value);
                                }
                                other => {
                                    return Err(format!(
                                        "{inner}: Unsupported argument; An argument named {other:?} is not expected here."
                                    ));
                                }
                            }
                        }
                        push(
                            &mut map,
                            if reserved {
                                "ReservedPorts"
                            } else {
                                "DynamicPorts"
                            },
                            Value::Object(port),
                        );
                    }
                }
            }
        }
    }
    Ok(map)
}

/// Parses an HCL2 job specification into a job.
pub(crate) fn parse_hcl(source: &str) -> Result<Job, String> {
    let body = hcl::parse(source).map_err(|e| e.to_string())?;
    let jobs: Vec<&Block> = body.blocks().filter(|b| b.identifier() == "job").collect();
    if body.attributes().next().is_some() || body.blocks().any(|b| b.identifier() != "job") {
        return Err("only a job block is allowed at the top level (variables and locals are not supported here)".into());
    }
    let [job] = jobs.as_slice() else {
        return Err(format!(
            "expected exactly one job block, found {}",
            jobs.len()
        ));
    };
    let id = label(job, "job")?;
    let mut map = object(job.body(), &JOB, &format!("job {id:?}"))?;
    map.insert("ID".into(), Value::from(id.clone()));
    map.entry("Name").or_insert_with(|| Value::from(id));
    // Ports live inside the network object; the schema put them there already.
    serde_json::from_value(Value::Object(map))
        .map_err(|e| format!("the job does not fit Nomad's schema: {e}"))
}

/// The handler.
pub(crate) async fn parse(
    State(s): State<Arc<Shared>>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let request: JobsParseRequest = body(&bytes)?;
    let mut job = parse_hcl(&request.job_hcl)
        .map_err(|e| ApiError::bad_request(format!("error parsing: {e}")))?;
    if request.canonicalize {
        let ns = job.namespace.clone().unwrap_or_else(|| "default".into());
        scheduler::canonicalize(&mut job, &ns, &s.config.region);
    }
    Ok(json("Nomad", 0, &job))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
job "acme--web" {
  type        = "service"
  datacenters = ["*"]
  node_pool   = "default"
  meta = {
    "np.tenant" = "acme"
  }
  update {
    max_parallel     = 1
    min_healthy_time = "10s"
    healthy_deadline = "5m"
    auto_revert      = true
    canary           = 1
  }
  group "web" {
    count = 2
    network {
      port "http" {
        to = 8080
      }
    }
    service {
      name = "acme--web"
      port = "http"
      tags = ["traefik.enable=true", "traefik.http.routers.acme-web.rule=Host(`web.acme.example.com`)"]
      check {
        type     = "http"
        path     = "/healthz"
        interval = "10s"
        timeout  = "2s"
      }
    }
    task "web" {
      driver = "podman"
      config {
        image = "docker.io/library/nginx:1.27"
        ports = ["http"]
      }
      env {
        GREETING = "$${NOMAD_ALLOC_ID} said \"hi\"\n"
      }
      resources {
        cpu    = 200
        memory = 256
      }
    }
  }
}
"#;

    #[test]
    fn a_job_spec_maps_onto_nomads_json() {
        let job = parse_hcl(SPEC).unwrap();
        assert_eq!(job.id.as_deref(), Some("acme--web"));
        assert_eq!(job.meta.as_ref().unwrap()["np.tenant"], "acme");
        let update = job.update.as_ref().unwrap();
        assert_eq!(
            (update.min_healthy_time, update.healthy_deadline),
            (Some(10_000_000_000), Some(300_000_000_000))
        );
        let group = &job.task_groups.as_ref().unwrap()[0];
        let port = &group.networks.as_ref().unwrap()[0]
            .dynamic_ports
            .as_ref()
            .unwrap()[0];
        assert_eq!((port.label.as_str(), port.to), ("http", Some(8080)));
        let service = &group.services.as_ref().unwrap()[0];
        assert_eq!(service.port_label.as_deref(), Some("http"));
        assert_eq!(
            service.checks.as_ref().unwrap()[0].timeout,
            Some(2_000_000_000)
        );
        assert!(service.tags.as_ref().unwrap()[1].contains("Host(`web.acme.example.com`)"));
        let task = &group.tasks.as_ref().unwrap()[0];
        assert_eq!(
            task.config.as_ref().unwrap()["ports"],
            serde_json::json!(["http"])
        );
        assert_eq!(
            task.env.as_ref().unwrap()["GREETING"],
            "${NOMAD_ALLOC_ID} said \"hi\"\n"
        );
        assert_eq!(task.resources.as_ref().unwrap().memory_mb, Some(256));
    }

    #[test]
    fn unknown_arguments_and_blocks_are_refused() {
        let err = parse_hcl("job \"x\" {\n group \"g\" {\n task \"t\" {\n driver = \"podman\"\n privileged_mode = true\n }\n }\n}")
            .unwrap_err();
        assert!(
            err.contains("An argument named \"privileged_mode\" is not expected here"),
            "{err}"
        );
        let err = parse_hcl(
            "job \"x\" {\n group \"g\" {\n artifact {\n source = \"http://x\"\n }\n }\n}",
        )
        .unwrap_err();
        assert!(
            err.contains("Blocks of type \"artifact\" are not expected here"),
            "{err}"
        );
    }

    #[test]
    fn interpolation_of_unknown_variables_and_functions_fails() {
        assert!(parse_hcl(r#"job "x" { meta { a = "${var.secret}" } }"#).is_err());
        assert!(parse_hcl(r#"job "x" { meta { a = file("/etc/passwd") } }"#).is_err());
        assert!(parse_hcl("variable \"x\" {}\njob \"x\" {}").is_err());
    }
}
