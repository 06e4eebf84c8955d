//! Validation and tenant policy: every field checked, every error naming its field and what is allowed.
//! The same checks run for the form (in the browser and again on the server), np.yaml, OAM and the API.

use std::collections::BTreeSet;

use crate::error::FieldError;
use crate::image::Image;
use crate::interpolation::check_replaced;
use crate::names::check_slug;
use crate::spec::{
    AppKind, AppSpec, ContainerOptions, HealthCheck, Lifecycle, Protocol, Runtime, SecretSource,
};
use crate::tenant::TenantContext;

/// Most instances one app may ask for.
pub const MAX_REPLICAS: u32 = 100;

/// Validates `spec` for `tenant`; empty when the app may be deployed.
pub fn validate(spec: &AppSpec, tenant: &TenantContext) -> Vec<FieldError> {
    let mut v = Validator { errors: Vec::new() };
    v.image("image", &spec.image, tenant);
    v.strings(spec);
    v.env(&spec.env, "env");
    v.secrets(spec, tenant);
    v.ports(spec);
    v.routes(spec, tenant);
    v.replicas(spec);
    v.resources(spec);
    v.health(spec);
    v.update(spec);
    v.restart(spec);
    v.volumes(spec, tenant);
    let runtime = spec.runtime.unwrap_or(tenant.default_runtime);
    if !tenant.allowed_runtimes.contains(&runtime) {
        let allowed: Vec<&str> = tenant.allowed_runtimes.iter().map(|r| r.driver()).collect();
        v.err(
            "runtime",
            format!(
                "{} is not available to this tenant; allowed: {}",
                runtime.driver(),
                allowed.join(", ")
            ),
        );
    }
    v.container(&spec.container, runtime, spec);
    v.sidecars(spec, tenant);
    if v.errors.is_empty() {
        v.budget(spec, tenant);
    }
    v.errors
}

struct Validator {
    errors: Vec<FieldError>,
}

/// Lowercase LDH labels of at most 63 characters, at most 253 in all; no wildcards, no trailing dot.
pub fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("is required".into());
    }
    if host.len() > 253 {
        return Err("must be at most 253 characters".into());
    }
    if host.ends_with('.') {
        return Err("must not end with a dot".into());
    }
    if host.contains('*') {
        return Err("wildcards are not allowed; name each host".into());
    }
    for label in host.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err("each dot-separated part must be 1 to 63 characters".into());
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(format!(
                "may contain only lowercase letters, digits, '-' and '.'; found {c:?}"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("parts must not start or end with '-'".into());
        }
    }
    Ok(())
}

/// A path prefix: `/` then letters, digits and `._~/-`; no `//` or `..`.
pub fn check_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("must start with /".into());
    }
    if path.len() > 256 {
        return Err("must be at most 256 characters".into());
    }
    if let Some(c) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '~' | '/' | '-')))
    {
        return Err(format!(
            "may contain only letters, digits and . _ ~ / -; found {c:?}"
        ));
    }
    if path.contains("//") || path.split('/').any(|s| s == "..") {
        return Err("must not contain // or ..".into());
    }
    Ok(())
}

fn check_container_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') || path.len() > 256 {
        return Err("must be an absolute path of at most 256 characters".into());
    }
    if path.split('/').any(|s| s == "..") || path.contains('\0') {
        return Err("must not contain ..".into());
    }
    if path == "/"
        || ["/proc", "/sys", "/dev"]
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")))
    {
        return Err("may not be /, /proc, /sys or /dev".into());
    }
    Ok(())
}

fn check_env_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err("names must start with a letter or _ and contain only letters, digits and _ (at most 128)".into());
    }
    if name.starts_with("NOMAD_") {
        return Err("names starting with NOMAD_ are reserved for Nomad's runtime variables".into());
    }
    Ok(())
}

fn check_text(value: &str, max: usize) -> Result<(), String> {
    if value.len() > max {
        return Err(format!("must be at most {max} bytes"));
    }
    if value.contains('\0') {
        return Err("must not contain NUL characters".into());
    }
    Ok(())
}

impl Validator {
    fn err(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    fn check(&mut self, field: impl Into<String>, result: Result<(), String>) {
        if let Err(message) = result {
            self.err(field, message);
        }
    }

    fn image(&mut self, field: &str, reference: &str, tenant: &TenantContext) {
        match Image::parse(reference) {
            Err(message) => self.err(field, message),
            Ok(image) if !image.allowed_by(&tenant.allowed_registries) => self.err(
                field,
                format!(
                    "images must come from {}; {} is not one of them",
                    tenant.allowed_registries.join(", "),
                    image.registry
                ),
            ),
            Ok(_) => {}
        }
    }

    fn strings(&mut self, spec: &AppSpec) {
        if let Some(command) = &spec.command {
            self.check("command", check_text(command, 4096));
        }
        if spec.entrypoint.len() > 32 {
            self.err("entrypoint", "may have at most 32 parts");
        }
        for (i, part) in spec.entrypoint.iter().enumerate() {
            self.check(format!("entrypoint[{i}]"), check_text(part, 4096));
        }
        if spec.args.len() > 100 {
            self.err("args", "may have at most 100 arguments");
        }
        for (i, arg) in spec.args.iter().enumerate() {
            self.check(format!("args[{i}]"), check_text(arg, 4096));
        }
        if let Some(dir) = &spec.working_dir {
            self.check(
                "working_dir",
                check_container_path(dir).or_else(|e| if dir == "/" { Ok(()) } else { Err(e) }),
            );
        }
    }

    fn env(&mut self, env: &std::collections::BTreeMap<String, String>, field: &str) {
        if env.len() > 200 {
            self.err(field, "may have at most 200 variables");
        }
        for (name, value) in env {
            let path = format!("{field}.{name}");
            self.check(path.clone(), check_env_name(name));
            self.check(path.clone(), check_text(value, 32 * 1024));
            self.check(path, check_replaced(value));
        }
    }

    fn secrets(&mut self, spec: &AppSpec, tenant: &TenantContext) {
        let mut seen = BTreeSet::new();
        for (i, secret) in spec.secrets.iter().enumerate() {
            let field = format!("secrets[{i}]");
            self.check(format!("{field}.env"), check_env_name(&secret.env));
            if spec.env.contains_key(&secret.env) || !seen.insert(secret.env.clone()) {
                self.err(
                    format!("{field}.env"),
                    format!("{} is set twice", secret.env),
                );
            }
            let valid_key = |k: &str| {
                !k.is_empty()
                    && k.len() <= 128
                    && k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            };
            let valid_path = |p: &str, allow_upper: bool| {
                p.len() <= 128
                    && !p.starts_with('/')
                    && !p.ends_with('/')
                    && !p.contains("//")
                    && p.chars().all(|c| {
                        (allow_upper && c.is_ascii_alphanumeric())
                            || c.is_ascii_lowercase()
                            || c.is_ascii_digit()
                            || matches!(c, '_' | '-' | '/')
                    })
            };
            match &secret.source {
                SecretSource::Variable { path, key } => {
                    if !valid_path(path, true) {
                        self.err(
                            format!("{field}.path"),
                            "must be a relative path of letters, digits, _ - and / (no @, no ..)",
                        );
                    }
                    if !valid_key(key) {
                        self.err(
                            format!("{field}.key"),
                            "must start with a letter or _ and contain only letters, digits and _",
                        );
                    }
                }
                SecretSource::Vault { path, key } => {
                    if tenant.vault_prefix.is_none() {
                        self.err(
                            format!("{field}.from"),
                            "Vault is not available to this tenant; use a Nomad Variable",
                        );
                    }
                    if path.is_empty() || !valid_path(path, false) {
                        self.err(
                            format!("{field}.path"),
                            "must be a relative path of lowercase letters, digits, _ - and /",
                        );
                    }
                    if !valid_key(key) {
                        self.err(
                            format!("{field}.key"),
                            "must start with a letter or _ and contain only letters, digits and _",
                        );
                    }
                }
            }
        }
    }

    fn ports(&mut self, spec: &AppSpec) {
        if spec.ports.len() > 10 {
            self.err("ports", "may have at most 10 ports");
        }
        let mut names = BTreeSet::new();
        let mut numbers = BTreeSet::new();
        for (i, port) in spec.ports.iter().enumerate() {
            let valid = (1..=15).contains(&port.name.len())
                && port.name.starts_with(|c: char| c.is_ascii_lowercase())
                && port
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                self.err(format!("ports[{i}].name"), "must start with a lowercase letter and contain only a-z, 0-9 and _ (at most 15)");
            }
            if !names.insert(port.name.clone()) {
                self.err(
                    format!("ports[{i}].name"),
                    format!("{} is used twice", port.name),
                );
            }
            if port.port == 0 {
                self.err(format!("ports[{i}].port"), "must be between 1 and 65535");
            }
            if !numbers.insert(port.port) {
                self.err(
                    format!("ports[{i}].port"),
                    format!("{} is used twice", port.port),
                );
            }
        }
    }

    fn port_ref(&mut self, field: String, spec: &AppSpec, port: Option<&str>, http_only: bool) {
        match port {
            Some(name) => match spec.ports.iter().find(|p| p.name == name) {
                None => self.err(
                    field,
                    format!("no port named {name:?}; define it under ports"),
                ),
                Some(p) if http_only && p.protocol != Protocol::Http => self.err(
                    field,
                    format!("{name} is a TCP port; routes need an HTTP port"),
                ),
                Some(_) => {}
            },
            None if spec.primary_port().is_none() => {
                self.err(field, "the app has no port; add one under ports")
            }
            None => {}
        }
    }

    fn routes(&mut self, spec: &AppSpec, tenant: &TenantContext) {
        if spec.kind == AppKind::Worker && !spec.routes.is_empty() {
            self.err(
                "routes",
                "workers are not routed; make it a service or remove the routes",
            );
        }
        if spec.routes.len() > 20 {
            self.err("routes", "may have at most 20 routes");
        }
        let mut seen = BTreeSet::new();
        for (i, route) in spec.routes.iter().enumerate() {
            let field = format!("routes[{i}]");
            match check_host(&route.host) {
                Err(message) => self.err(format!("{field}.host"), message),
                Ok(())
                    if !route.host.ends_with(&format!(".{}", tenant.host_suffix))
                        && route.host != tenant.host_suffix =>
                {
                    self.err(
                        format!("{field}.host"),
                        format!("must end with .{}", tenant.host_suffix),
                    );
                }
                Ok(()) => {}
            }
            if let Some(path) = &route.path {
                self.check(format!("{field}.path"), check_path(path));
            }
            self.port_ref(format!("{field}.port"), spec, route.port.as_deref(), true);
            if !seen.insert((route.host.clone(), route.path.clone().unwrap_or_default())) {
                self.err(
                    format!("{field}.host"),
                    "the same host and path are routed twice",
                );
            }
        }
    }

    fn replicas(&mut self, spec: &AppSpec) {
        let r = spec.replicas;
        if r.count > MAX_REPLICAS {
            self.err("replicas.count", format!("must be at most {MAX_REPLICAS}"));
        }
        if let Some(max) = r.max
            && max > MAX_REPLICAS
        {
            self.err("replicas.max", format!("must be at most {MAX_REPLICAS}"));
        }
        if r.min() > r.count {
            self.err(
                "replicas.min",
                format!("must not exceed the count ({})", r.count),
            );
        }
        if r.max() < r.count {
            self.err(
                "replicas.max",
                format!("must be at least the count ({})", r.count),
            );
        }
    }

    fn resources(&mut self, spec: &AppSpec) {
        let (cpu, memory) = spec.resources.effective();
        if !(20..=32_000).contains(&cpu) {
            self.err("resources.cpu", "must be between 20 and 32000 MHz");
        }
        if !(32..=65_536).contains(&memory) {
            self.err("resources.memory", "must be between 32 and 65536 MB");
        }
        if let Some(max) = spec.resources.memory_max
            && (max < memory || max > 131_072)
        {
            self.err(
                "resources.memory_max",
                format!("must be between the memory ({memory} MB) and 131072 MB"),
            );
        }
    }

    fn health(&mut self, spec: &AppSpec) {
        let Some(health) = &spec.health else { return };
        if let HealthCheck::Http { path, .. } = health {
            let result = check_path(path).and_then(|()| {
                if path.contains('$') {
                    Err("must not contain $".into())
                } else {
                    Ok(())
                }
            });
            self.check("health.path", result);
        }
        let http_only = matches!(health, HealthCheck::Http { .. });
        self.port_ref("health.port".into(), spec, health.port(), http_only);
        let (interval, timeout) = health.timing();
        if !(1..=3600).contains(&interval.0) {
            self.err("health.interval", "must be between 1s and 1h");
        }
        if timeout.0 < 1 || timeout > interval {
            self.err(
                "health.timeout",
                format!("must be at least 1s and at most the interval ({interval})"),
            );
        }
    }

    fn update(&mut self, spec: &AppSpec) {
        let u = spec.update;
        if !(1..=MAX_REPLICAS).contains(&u.max_parallel) {
            self.err(
                "update.max_parallel",
                format!("must be between 1 and {MAX_REPLICAS}"),
            );
        }
        if u.canaries > 10 || u.canaries > spec.replicas.count.max(1) {
            self.err(
                "update.canaries",
                format!(
                    "must be at most 10 and at most the count ({})",
                    spec.replicas.count
                ),
            );
        }
        if u.auto_promote && u.canaries == 0 {
            self.err("update.auto_promote", "needs at least one canary");
        }
        if u.healthy_deadline.0 < 1 {
            self.err("update.healthy_deadline", "must be at least 1s");
        }
        if u.min_healthy_time >= u.healthy_deadline {
            self.err(
                "update.min_healthy_time",
                format!(
                    "must be less than the healthy deadline ({})",
                    u.healthy_deadline
                ),
            );
        }
        if u.healthy_deadline >= u.progress_deadline {
            self.err(
                "update.progress_deadline",
                format!(
                    "must be more than the healthy deadline ({})",
                    u.healthy_deadline
                ),
            );
        }
        if u.progress_deadline.0 > 24 * 3600 {
            self.err("update.progress_deadline", "must be at most 24h");
        }
    }

    fn restart(&mut self, spec: &AppSpec) {
        let r = spec.restart;
        if r.attempts > 10 {
            self.err("restart.attempts", "must be at most 10");
        }
        if !(1..=3600).contains(&r.delay.0) {
            self.err("restart.delay", "must be between 1s and 1h");
        }
        if r.interval <= r.delay || r.interval.0 > 7 * 86_400 {
            self.err(
                "restart.interval",
                format!("must be more than the delay ({}) and at most 7d", r.delay),
            );
        }
    }

    fn volumes(&mut self, spec: &AppSpec, tenant: &TenantContext) {
        let mut paths = BTreeSet::new();
        for (i, mount) in spec.volumes.iter().enumerate() {
            if !tenant.allowed_volumes.contains(&mount.volume) {
                let allowed = if tenant.allowed_volumes.is_empty() {
                    "none".to_owned()
                } else {
                    tenant.allowed_volumes.join(", ")
                };
                self.err(
                    format!("volumes[{i}].volume"),
                    format!(
                        "{:?} is not a volume this tenant may use (allowed: {allowed})",
                        mount.volume
                    ),
                );
            }
            self.check(
                format!("volumes[{i}].path"),
                check_container_path(&mount.path),
            );
            if !paths.insert(mount.path.clone()) {
                self.err(format!("volumes[{i}].path"), "is mounted twice");
            }
        }
    }

    fn container(&mut self, options: &ContainerOptions, runtime: Runtime, spec: &AppSpec) {
        let (_, memory) = spec.resources.effective();
        if let Some(reservation) = options.memory_reservation {
            if runtime != Runtime::Podman {
                self.err(
                    "container.memory_reservation",
                    "is only available with the podman runtime",
                );
            } else if reservation == 0 || reservation > memory {
                self.err(
                    "container.memory_reservation",
                    format!("must be between 1 and the memory ({memory} MB)"),
                );
            }
        }
        if let Some(pids) = options.pids_limit
            && !(16..=32_768).contains(&pids)
        {
            self.err("container.pids_limit", "must be between 16 and 32768");
        }
        if !options.tmpfs.is_empty() && runtime != Runtime::Podman {
            self.err(
                "container.tmpfs",
                "is only available with the podman runtime",
            );
        }
        if options.tmpfs.len() > 10 {
            self.err("container.tmpfs", "may have at most 10 paths");
        }
        for (i, path) in options.tmpfs.iter().enumerate() {
            self.check(format!("container.tmpfs[{i}]"), check_container_path(path));
        }
    }

    fn sidecars(&mut self, spec: &AppSpec, tenant: &TenantContext) {
        if spec.sidecars.len() > 5 {
            self.err("sidecars", "may have at most 5 sidecars");
        }
        let mut names = BTreeSet::from([spec.name.as_str().to_owned()]);
        for (i, sidecar) in spec.sidecars.iter().enumerate() {
            let field = format!("sidecars[{i}]");
            if let Err(e) = check_slug(&sidecar.name, 2, 30) {
                self.err(format!("{field}.name"), e.to_string());
            } else if !names.insert(sidecar.name.clone()) {
                self.err(
                    format!("{field}.name"),
                    format!(
                        "{} is already the name of the app or another sidecar",
                        sidecar.name
                    ),
                );
            }
            self.image(&format!("{field}.image"), &sidecar.image, tenant);
            if let Some(command) = &sidecar.command {
                self.check(format!("{field}.command"), check_text(command, 4096));
            }
            for (j, arg) in sidecar.args.iter().enumerate() {
                self.check(format!("{field}.args[{j}]"), check_text(arg, 4096));
            }
            self.env(&sidecar.env, &format!("{field}.env"));
            if !(20..=8000).contains(&sidecar.cpu) {
                self.err(format!("{field}.cpu"), "must be between 20 and 8000 MHz");
            }
            if !(32..=8192).contains(&sidecar.memory) {
                self.err(format!("{field}.memory"), "must be between 32 and 8192 MB");
            }
            let _ = Lifecycle::Prestart;
        }
    }

    fn budget(&mut self, spec: &AppSpec, tenant: &TenantContext) {
        let (need_cpu, need_memory, instances) = reservation(spec);
        let b = tenant.budget;
        let u = tenant.used;
        let left = (
            b.cpu.saturating_sub(u.cpu),
            b.memory.saturating_sub(u.memory),
            b.instances.saturating_sub(u.instances),
        );
        if need_cpu > left.0 || need_memory > left.1 || instances > left.2 {
            self.err(
                "resources",
                format!(
                    "at its largest ({instances} instances) this app needs {} CPU / {} MB, but the tenant has {} CPU / {} MB and {} instances left of its budget ({} CPU / {} MB, {} instances)",
                    mhz(need_cpu),
                    need_memory,
                    mhz(left.0),
                    left.1,
                    left.2,
                    mhz(b.cpu),
                    b.memory,
                    b.instances
                ),
            );
        }
    }
}

fn mhz(cpu: u64) -> String {
    format!("{}", cpu as f64 / 1000.0)
}

/// What an app reserves at its largest: CPU (MHz), memory (MB) and instances, counting sidecars and canaries.
pub fn reservation(spec: &AppSpec) -> (u64, u64, u64) {
    let (cpu, memory) = spec.resources.effective();
    let per_cpu = u64::from(cpu) + spec.sidecars.iter().map(|s| u64::from(s.cpu)).sum::<u64>();
    let per_memory = u64::from(memory)
        + spec
            .sidecars
            .iter()
            .map(|s| u64::from(s.memory))
            .sum::<u64>();
    let instances = u64::from(
        spec.replicas
            .max()
            .max(spec.replicas.count + spec.update.canaries),
    );
    (per_cpu * instances, per_memory * instances, instances)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{AppName, TenantSlug};
    use crate::spec::{Route, SecretRef, Sidecar, VolumeMount};

    fn tenant() -> TenantContext {
        TenantContext::with_defaults(TenantSlug::parse("acme").unwrap(), "apps.example.com")
    }

    fn web() -> AppSpec {
        AppSpec::web(
            AppName::parse("web").unwrap(),
            "nginx:1.27",
            8080,
            "web.acme.apps.example.com",
        )
    }

    fn errors(spec: &AppSpec) -> Vec<String> {
        validate(spec, &tenant())
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn a_plain_web_app_is_valid() {
        assert_eq!(errors(&web()), Vec::<String>::new());
    }

    #[test]
    fn hosts_must_be_the_tenants_and_plain() {
        for (host, expected) in [
            (
                "web.globex.apps.example.com",
                "must end with .acme.apps.example.com",
            ),
            ("web.acme.apps.example.com.", "must not end with a dot"),
            ("*.acme.apps.example.com", "wildcards are not allowed"),
            ("WEB.acme.apps.example.com", "found 'W'"),
            ("a.acme.apps.example.com`) || Host(`victim.com", "found '`'"),
            ("xn--80ak6aa92e.acme.apps.example.com", ""),
        ] {
            let mut spec = web();
            spec.routes[0].host = host.into();
            let found = errors(&spec);
            if expected.is_empty() {
                assert!(found.is_empty(), "{host}: {found:?}");
            } else {
                assert!(
                    found
                        .iter()
                        .any(|e| e.starts_with("routes[0].host") && e.contains(expected)),
                    "{host}: {found:?}"
                );
            }
        }
    }

    #[test]
    fn paths_cannot_break_out_of_the_rule() {
        let mut spec = web();
        spec.routes[0].path = Some("/api`) || PathPrefix(`/".into());
        assert!(
            errors(&spec)
                .iter()
                .any(|e| e.starts_with("routes[0].path"))
        );
        spec.routes[0].path = Some("/api/v1".into());
        assert!(errors(&spec).is_empty());
    }

    #[test]
    fn env_values_cannot_reach_node_data() {
        let mut spec = web();
        spec.env
            .insert("HOST".into(), "${attr.unique.hostname}".into());
        spec.env.insert(
            "OK".into(),
            "listening on ${NOMAD_PORT_http}, {{ not a template }}".into(),
        );
        spec.env.insert("NOMAD_TOKEN".into(), "x".into());
        let found = errors(&spec);
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("env.HOST") && e.contains("would be replaced by Nomad")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("env.NOMAD_TOKEN") && e.contains("reserved")),
            "{found:?}"
        );
        assert!(!found.iter().any(|e| e.starts_with("env.OK")), "{found:?}");
    }

    #[test]
    fn policy_limits_registries_volumes_runtimes_and_budget() {
        let mut t = tenant();
        t.allowed_registries = vec!["ghcr.io/acme".into()];
        t.allowed_runtimes = vec![Runtime::Podman];
        t.allowed_volumes = vec!["acme-data".into()];
        t.budget.memory = 1024;
        let mut spec = web();
        spec.runtime = Some(Runtime::Docker);
        spec.volumes = vec![VolumeMount {
            volume: "other-tenant-data".into(),
            path: "/data".into(),
            read_only: false,
        }];
        spec.replicas.count = 3;
        let found: Vec<String> = validate(&spec, &t)
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("image: images must come from ghcr.io/acme")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("runtime: docker is not available")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("volumes[0].volume") && e.contains("allowed: acme-data")),
            "{found:?}"
        );

        let mut ok = web();
        ok.image = "ghcr.io/acme/web:1".into();
        ok.replicas.count = 3;
        let found: Vec<String> = validate(&ok, &t)
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "resources: at its largest (3 instances) this app needs 1.5 CPU / 1536 MB"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn secrets_are_references_with_safe_paths() {
        let mut spec = web();
        spec.secrets = vec![
            SecretRef {
                env: "DB_PASSWORD".into(),
                source: SecretSource::Variable {
                    path: "db".into(),
                    key: "password".into(),
                },
            },
            SecretRef {
                env: "OTHER".into(),
                source: SecretSource::Variable {
                    path: "../../other-job@globex".into(),
                    key: "x".into(),
                },
            },
            SecretRef {
                env: "V".into(),
                source: SecretSource::Vault {
                    path: "db".into(),
                    key: "password".into(),
                },
            },
        ];
        let found = errors(&spec);
        assert!(
            found.iter().any(|e| e.starts_with("secrets[1].path")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("secrets[2].from: Vault is not available")),
            "{found:?}"
        );
        assert!(
            !found.iter().any(|e| e.starts_with("secrets[0]")),
            "{found:?}"
        );
    }

    #[test]
    fn deadlines_and_counts_follow_nomads_rules() {
        let mut spec = web();
        spec.update.min_healthy_time = crate::duration::Seconds(400);
        spec.update.canaries = 3;
        spec.update.auto_promote = true;
        spec.replicas.min = Some(2);
        spec.restart.delay = crate::duration::Seconds(0);
        let found = errors(&spec);
        for field in [
            "update.min_healthy_time",
            "update.canaries",
            "replicas.min",
            "restart.delay",
        ] {
            assert!(
                found.iter().any(|e| e.starts_with(field)),
                "{field}: {found:?}"
            );
        }
    }

    #[test]
    fn routes_and_checks_must_name_existing_http_ports_and_workers_have_no_routes() {
        let mut spec = web();
        spec.routes.push(Route {
            host: "admin.acme.apps.example.com".into(),
            path: None,
            port: Some("admin".into()),
        });
        spec.kind = AppKind::Worker;
        let found = errors(&spec);
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("routes[1].port: no port named \"admin\"")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("routes: workers are not routed")),
            "{found:?}"
        );
    }

    #[test]
    fn sidecars_are_checked_like_the_app() {
        let mut spec = web();
        spec.sidecars.push(Sidecar {
            name: "web".into(),
            image: "busybox".into(),
            command: None,
            args: vec![],
            env: [("X".to_string(), "${node.unique.name}".to_string())].into(),
            lifecycle: Lifecycle::Prestart,
            cpu: 100,
            memory: 128,
        });
        let found = errors(&spec);
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("sidecars[0].name") && e.contains("already the name")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("sidecars[0].image") && e.contains("tag or a digest")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|e| e.starts_with("sidecars[0].env.X")),
            "{found:?}"
        );
    }
}
