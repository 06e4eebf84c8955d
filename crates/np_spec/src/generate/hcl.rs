//! The job as HCL2 (Nomad's jobspec), for reading and download. Every string is written as a quoted
//! template literal escaped here, by [`quote`]: quotes, backslashes and control characters as escapes, and
//! every `${` and `%{` doubled so that no input can open an interpolation or directive. (hcl-rs's own
//! escaping leaves an existing `$${` alone, which changes its meaning, so it is not used.)

use std::collections::BTreeMap;

use hcl::expr::{Expression, Object, ObjectKey, TemplateExpr};
use hcl::structure::{Block, BlockBuilder, Body};
use np_nomad::types::{Job, Service, ServiceCheck, Task, TaskGroup};
use serde_json::Value;

use crate::duration::Seconds;

fn string(s: &str) -> Expression {
    Expression::TemplateExpr(Box::new(TemplateExpr::QuotedString(quote(s))))
}

/// The body of a quoted HCL template whose value is exactly `s`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

fn duration(nanos: i64) -> Expression {
    string(&Seconds(u32::try_from(nanos / 1_000_000_000).unwrap_or(u32::MAX)).to_string())
}

fn strings(items: &[String]) -> Expression {
    Expression::Array(items.iter().map(|s| string(s)).collect())
}

/// A map written as an attribute (`meta = { "np.app" = "web" }`), so any key can be quoted.
fn map(values: &BTreeMap<String, String>) -> Expression {
    let object: Object<ObjectKey, Expression> = values
        .iter()
        .map(|(k, v)| (ObjectKey::Expression(string(k)), string(v)))
        .collect();
    Expression::Object(object)
}

fn json_value(value: &Value) -> Expression {
    match value {
        Value::Null => Expression::Null,
        Value::Bool(b) => Expression::Bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map(|i| Expression::Number(i.into()))
            .or_else(|| {
                n.as_f64()
                    .and_then(hcl::Number::from_f64)
                    .map(Expression::Number)
            })
            .unwrap_or(Expression::Null),
        Value::String(s) => string(s),
        Value::Array(items) => Expression::Array(items.iter().map(json_value).collect()),
        Value::Object(map) => {
            let object: Object<ObjectKey, Expression> = map
                .iter()
                .map(|(k, v)| (ObjectKey::Expression(string(k)), json_value(v)))
                .collect();
            Expression::Object(object)
        }
    }
}

/// Adds `key = value` when the value is present.
trait Opt {
    fn opt(self, key: &str, value: Option<Expression>) -> Self;
}

impl Opt for BlockBuilder {
    fn opt(self, key: &str, value: Option<Expression>) -> Self {
        match value {
            Some(v) => self.add_attribute((key, v)),
            None => self,
        }
    }
}

fn int(v: Option<i64>) -> Option<Expression> {
    v.map(|i| Expression::Number(i.into()))
}

fn boolean(v: Option<bool>) -> Option<Expression> {
    v.map(Expression::Bool)
}

fn text(v: Option<&String>) -> Option<Expression> {
    v.map(|s| string(s))
}

fn check(check: &ServiceCheck) -> Block {
    Block::builder("check")
        .opt("name", text(check.name.as_ref()))
        .opt("type", text(check.check_type.as_ref()))
        .opt("path", text(check.path.as_ref()))
        .opt("port", text(check.port_label.as_ref()))
        .opt("interval", check.interval.map(duration))
        .opt("timeout", check.timeout.map(duration))
        .build()
}

fn service(service: &Service) -> Block {
    let mut b = Block::builder("service")
        .opt("name", text(service.name.as_ref()))
        .opt("port", text(service.port_label.as_ref()))
        .opt("provider", text(service.provider.as_ref()))
        .opt("tags", service.tags.as_deref().map(strings))
        .opt("canary_tags", service.canary_tags.as_deref().map(strings))
        .opt("meta", service.meta.as_ref().map(map));
    for c in service.checks.iter().flatten() {
        b = b.add_block(check(c));
    }
    b.build()
}

fn task(task: &Task) -> Block {
    let mut b = Block::builder("task")
        .add_label(task.name.clone().unwrap_or_default())
        .opt("driver", text(task.driver.as_ref()));
    if let Some(lifecycle) = &task.lifecycle {
        b = b.add_block(
            Block::builder("lifecycle")
                .add_attribute(("hook", string(&lifecycle.hook)))
                .add_attribute(("sidecar", Expression::Bool(lifecycle.sidecar)))
                .build(),
        );
    }
    if let Some(config) = &task.config {
        let mut c = Block::builder("config");
        for (key, value) in config {
            c = c.add_attribute((key.as_str(), json_value(value)));
        }
        b = b.add_block(c.build());
    }
    b = b.opt("env", task.env.as_ref().map(map));
    for template in task.templates.iter().flatten() {
        b = b.add_block(
            Block::builder("template")
                .opt("data", text(template.embedded_tmpl.as_ref()))
                .opt("destination", text(template.dest_path.as_ref()))
                .opt("env", boolean(template.envvars))
                .opt("change_mode", text(template.change_mode.as_ref()))
                .build(),
        );
    }
    if let Some(vault) = &task.vault {
        b = b.add_block(
            Block::builder("vault")
                .opt("change_mode", text(vault.change_mode.as_ref()))
                .build(),
        );
    }
    if let Some(r) = &task.resources {
        b = b.add_block(
            Block::builder("resources")
                .opt("cpu", int(r.cpu))
                .opt("memory", int(r.memory_mb))
                .opt("memory_max", int(r.memory_max_mb))
                .build(),
        );
    }
    for mount in task.volume_mounts.iter().flatten() {
        b = b.add_block(
            Block::builder("volume_mount")
                .opt("volume", text(mount.volume.as_ref()))
                .opt("destination", text(mount.destination.as_ref()))
                .opt("read_only", boolean(mount.read_only))
                .build(),
        );
    }
    if let Some(logs) = &task.log_config {
        b = b.add_block(
            Block::builder("logs")
                .opt("max_files", int(logs.max_files))
                .opt("max_file_size", int(logs.max_file_size_mb))
                .build(),
        );
    }
    b.build()
}

fn group(group: &TaskGroup) -> Block {
    let mut b = Block::builder("group")
        .add_label(group.name.clone().unwrap_or_default())
        .opt("count", int(group.count));
    if let Some(scaling) = &group.scaling {
        b = b.add_block(
            Block::builder("scaling")
                .opt("min", int(scaling.min))
                .opt("max", int(scaling.max))
                .build(),
        );
    }
    for network in group.networks.iter().flatten() {
        let mut n = Block::builder("network").opt("mode", text(network.mode.as_ref()));
        for port in network.dynamic_ports.iter().flatten() {
            n = n.add_block(
                Block::builder("port")
                    .add_label(port.label.clone())
                    .opt("to", int(port.to))
                    .build(),
            );
        }
        for port in network.reserved_ports.iter().flatten() {
            n = n.add_block(
                Block::builder("port")
                    .add_label(port.label.clone())
                    .add_attribute(("static", Expression::Number(port.value.into())))
                    .build(),
            );
        }
        b = b.add_block(n.build());
    }
    for s in group.services.iter().flatten() {
        b = b.add_block(service(s));
    }
    if let Some(r) = &group.restart_policy {
        b = b.add_block(
            Block::builder("restart")
                .opt("attempts", int(r.attempts))
                .opt("interval", r.interval.map(duration))
                .opt("delay", r.delay.map(duration))
                .opt("mode", text(r.mode.as_ref()))
                .build(),
        );
    }
    if let Some(r) = &group.reschedule_policy {
        b = b.add_block(
            Block::builder("reschedule")
                .opt("attempts", int(r.attempts))
                .opt("delay", r.delay.map(duration))
                .opt("delay_function", text(r.delay_function.as_ref()))
                .opt("max_delay", r.max_delay.map(duration))
                .opt("unlimited", boolean(r.unlimited))
                .build(),
        );
    }
    for (name, volume) in group.volumes.iter().flatten() {
        b = b.add_block(
            Block::builder("volume")
                .add_label(name.clone())
                .opt("type", text(volume.volume_type.as_ref()))
                .opt("source", text(volume.source.as_ref()))
                .opt("read_only", boolean(volume.read_only))
                .build(),
        );
    }
    for t in group.tasks.iter().flatten() {
        b = b.add_block(task(t));
    }
    b.build()
}

/// The job as HCL2 jobspec text.
pub fn to_hcl(job: &Job) -> String {
    let mut b = Block::builder("job")
        .add_label(job.id.clone().unwrap_or_default())
        .opt("region", text(job.region.as_ref()))
        .opt("namespace", text(job.namespace.as_ref()))
        .opt("type", text(job.job_type.as_ref()))
        .opt("priority", int(job.priority))
        .opt("datacenters", job.datacenters.as_deref().map(strings))
        .opt("node_pool", text(job.node_pool.as_ref()))
        .opt("meta", job.meta.as_ref().map(map));
    if let Some(u) = &job.update {
        b = b.add_block(
            Block::builder("update")
                .opt("max_parallel", int(u.max_parallel))
                .opt("health_check", text(u.health_check.as_ref()))
                .opt("min_healthy_time", u.min_healthy_time.map(duration))
                .opt("healthy_deadline", u.healthy_deadline.map(duration))
                .opt("progress_deadline", u.progress_deadline.map(duration))
                .opt("canary", int(u.canary))
                .opt("auto_revert", boolean(u.auto_revert))
                .opt("auto_promote", boolean(u.auto_promote))
                .build(),
        );
    }
    for g in job.task_groups.iter().flatten() {
        b = b.add_block(group(g));
    }
    let body = Body::builder().add_block(b.build()).build();
    hcl::format::to_string(&body).unwrap_or_default()
}
