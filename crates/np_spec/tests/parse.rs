//! The three ways in (app spec, np.yaml, OAM) produce the same job for the same app; unknown and refused keys
//! are errors naming the key; untrusted input is read within limits.

use np_spec::error::FieldErrors;
use np_spec::names::TenantSlug;
use np_spec::parse::{Document, Format, parse};
use np_spec::spec::{AppKind, HealthCheck, Runtime};
use np_spec::tenant::TenantContext;
use np_spec::{AppSpec, generate};

const SPEC: &str = include_str!("../../../examples/shop.spec.yaml");
const NP_YAML: &str = include_str!("../../../examples/shop.np.yaml");
const OAM: &str = include_str!("../../../examples/shop.oam.yaml");

fn tenant() -> TenantContext {
    let mut t =
        TenantContext::with_defaults(TenantSlug::parse("acme").unwrap(), "apps.example.com");
    t.allowed_volumes = vec!["acme-data".into()];
    t.vault_prefix = Some("kv/data/tenants/acme".into());
    t
}

fn ok(text: &str) -> Document {
    parse(text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"))
}

fn only(text: &str) -> AppSpec {
    let doc = ok(text);
    assert_eq!(doc.apps.len(), 1);
    doc.apps[0].spec.clone()
}

fn errors(text: &str) -> FieldErrors {
    match parse(text) {
        Ok(doc) => panic!("accepted: {:?}\n---\n{text}", doc.apps),
        Err(e) => e,
    }
}

/// The single error's field and message.
fn error(text: &str) -> (String, String) {
    let e = errors(text);
    assert_eq!(e.0.len(), 1, "{e}");
    (e.0[0].field.clone(), e.0[0].message.clone())
}

#[test]
fn the_three_formats_are_told_apart() {
    assert_eq!(ok(SPEC).format, Format::Spec);
    assert_eq!(ok(NP_YAML).format, Format::NpYaml);
    assert_eq!(ok(OAM).format, Format::Oam);
}

#[test]
fn the_same_app_in_three_formats_makes_the_same_job() {
    let tenant = tenant();
    let jobs: Vec<_> = [SPEC, NP_YAML, OAM]
        .into_iter()
        .map(|text| {
            let spec = only(text);
            generate(&spec, &tenant).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    assert_eq!(jobs[0].job, jobs[1].job, "np.yaml differs from the spec");
    assert_eq!(jobs[0].job, jobs[2].job, "OAM differs from the spec");
    assert_eq!(jobs[0].hcl, jobs[2].hcl);
    // And it is the app the files describe.
    let job = &jobs[0].job;
    assert_eq!(job.id.as_deref(), Some("acme--shop"));
    let group = &job.task_groups.as_ref().unwrap()[0];
    assert_eq!(group.count, Some(3));
    let tasks = group.tasks.as_ref().unwrap();
    assert_eq!(tasks.len(), 2, "the app and its migrate sidecar");
}

#[test]
fn the_specs_are_equal_too_not_just_the_jobs() {
    let spec = only(SPEC);
    assert_eq!(only(NP_YAML), spec);
    assert_eq!(only(OAM), spec);
}

#[test]
fn the_seed_np_yaml_reads() {
    let spec = only(
        "services:\n  - name: legacy-app\n    type: container\n    source: my-image:latest\n    runtime: docker   # use Docker\n",
    );
    assert_eq!(spec.name.as_str(), "legacy-app");
    assert_eq!(spec.kind, AppKind::Service);
    assert_eq!(spec.image, "my-image:latest");
    assert_eq!(spec.runtime, Some(Runtime::Docker));
}

#[test]
fn np_yaml_shorthands_expand() {
    let spec = only(
        "services:\n  - name: web\n    source: nginx:1.27\n    port: 8080\n    domains: [web.acme.apps.example.com]\n    health_check: /healthz\n    replicas: 2\n    size: large\n",
    );
    assert_eq!(spec.ports.len(), 1);
    assert_eq!(spec.ports[0].name, "http");
    assert_eq!(spec.ports[0].port, 8080);
    assert_eq!(spec.routes[0].host, "web.acme.apps.example.com");
    assert!(matches!(&spec.health, Some(HealthCheck::Http { path, .. }) if path == "/healthz"));
    assert_eq!(spec.replicas.count, 2);
    assert_eq!(spec.resources.effective(), (2000, 2048));
    generate(&spec, &tenant()).unwrap();
}

#[test]
fn np_yaml_with_several_services_gives_several_apps() {
    let doc = ok(
        "services:\n  - {name: web, source: 'nginx:1', port: 80}\n  - {name: jobs, type: worker, source: 'acme/jobs:3'}\n",
    );
    let kinds: Vec<_> = doc
        .apps
        .iter()
        .map(|a| (a.spec.name.as_str(), a.spec.kind))
        .collect();
    assert_eq!(
        kinds,
        [("web", AppKind::Service), ("jobs", AppKind::Worker)]
    );
    let (field, message) = error(
        "services:\n  - {name: web, source: 'nginx:1'}\n  - {name: web, source: 'nginx:2'}\n",
    );
    assert_eq!(field, "services[1].name");
    assert!(message.contains("services[0]"), "{message}");
}

#[test]
fn unknown_keys_are_errors_with_their_path() {
    for (text, field) in [
        ("name: web\nimage: nginx:1\nreplica: 2\n", "replica"),
        (
            "services:\n  - name: web\n    source: nginx:1\n    ports: [{name: http, port: 80, tls: true}]\n",
            "services[0].ports[0].tls",
        ),
        (
            "services:\n  - name: web\n    source: nginx:1\n    replicas: {count: 2, maximum: 3}\n",
            "services[0].replicas.maximum",
        ),
        (
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components:\n    - name: web\n      type: webservice\n      properties: {image: 'nginx:1', imagePullPolicy: Always}\n",
            "spec.components[0].properties.imagePullPolicy",
        ),
        (
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components:\n    - name: web\n      type: webservice\n      properties: {image: 'nginx:1', ports: [{port: 80}]}\n      traits:\n        - type: scaler\n          properties: {replicas: 2, maxReplicas: 4}\n",
            "spec.components[0].traits[0].properties.maxReplicas",
        ),
        (
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a, uid: x}\nspec: {components: []}\n",
            "metadata.uid",
        ),
    ] {
        let (got, message) = error(text);
        assert_eq!(got, field, "{message}");
        assert!(message.starts_with("unknown field"), "{message}");
        assert!(message.contains("allowed here"), "{message}");
    }
}

/// security.md: privileged mode, host network, host paths, devices, capabilities, custom users and artifacts
/// are refused with a reason, whichever way they come in.
#[test]
fn refused_keys_say_why_in_every_format() {
    let cases = [
        ("privileged", "true", "privileged"),
        ("cap_add", "[SYS_ADMIN]", "capabilities"),
        ("capabilities", "{add: [NET_ADMIN]}", "capabilities"),
        ("devices", "[/dev/fuse]", "devices"),
        ("network_mode", "host", "network"),
        ("hostNetwork", "true", "network"),
        ("user", "root", "user"),
        ("runAsUser", "0", "user"),
        ("sysctl", "{net.core.somaxconn: 1024}", "sysctl"),
        ("security_opt", "[seccomp=unconfined]", "security"),
        ("securityContext", "{privileged: true}", "security"),
        ("artifact", "{source: 'http://x/y'}", "artifacts"),
        ("hostPath", "/var/run/docker.sock", "host paths"),
        (
            "mounts",
            "[{type: bind, source: /, target: /host}]",
            "host paths",
        ),
        ("pid_mode", "host", "namespaces"),
        ("namespace", "default", "namespace"),
        ("node_pool", "gpu", "tenant"),
        ("driver", "raw_exec", "driver"),
    ];
    for (key, value, says) in cases {
        let spec = format!("name: web\nimage: nginx:1\n{key}: {value}\n");
        let np = format!("services:\n  - name: web\n    source: nginx:1\n    {key}: {value}\n");
        let oam = format!(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {{name: a}}\nspec:\n  components:\n    - name: web\n      type: webservice\n      properties:\n        image: nginx:1\n        {key}: {value}\n"
        );
        for (text, field) in [
            (spec, key.to_string()),
            (np, format!("services[0].{key}")),
            (oam, format!("spec.components[0].properties.{key}")),
        ] {
            let (got, message) = error(&text);
            assert_eq!(got, field, "{text}");
            assert!(
                message.contains(says),
                "{key}: {message:?} should mention {says}"
            );
            assert!(!message.starts_with("unknown field"), "{message}");
        }
    }
}

#[test]
fn system_and_batch_jobs_are_refused() {
    let (field, message) = error("services:\n  - {name: agent, type: system, source: 'x:1'}\n");
    assert_eq!(field, "services[0].type");
    assert!(message.contains("reserved for the platform"), "{message}");
    let (_, message) = error("services:\n  - {name: agent, type: batch, source: 'x:1'}\n");
    assert!(message.contains("long-running"), "{message}");
    let (field, message) = error(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components:\n    - {name: agent, type: daemon, properties: {image: 'x:1'}}\n",
    );
    assert_eq!(field, "spec.components[0].type");
    assert!(message.contains("reserved for the platform"), "{message}");
}

fn oam(component_extra: &str) -> String {
    format!(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: shop\nspec:\n  components:\n    - name: web\n      type: webservice\n      properties:\n        image: nginx:1.27\n        ports: [{{port: 8080}}]\n{component_extra}"
    )
}

#[test]
fn oam_unknown_types_traits_and_scopes_are_errors() {
    let (field, message) = error(&oam(
        "      traits:\n        - type: gateway\n          properties: {domain: a}\n",
    ));
    assert_eq!(field, "spec.components[0].traits[0].type");
    assert!(
        message.contains("unknown trait `gateway`") && message.contains("ingress"),
        "{message}"
    );
    let (field, message) = error(&oam("      scopes:\n        - type: healthscope\n"));
    assert_eq!(field, "spec.components[0].scopes[0].type");
    assert!(message.contains("unknown scope"), "{message}");
    let (field, message) = error(&oam("").replace("type: webservice", "type: statefulset"));
    assert_eq!(field, "spec.components[0].type");
    assert!(message.contains("webservice and worker"), "{message}");
    let (field, _) = error(&oam("").replace("core.oam.dev/v1beta1", "core.oam.dev/v1alpha2"));
    assert_eq!(field, "apiVersion");
    let (field, _) = error(&oam("").replace("kind: Application", "kind: Component"));
    assert_eq!(field, "kind");
    let (field, _) = error(&format!(
        "{}  policies: [{{name: x, type: override}}]\n",
        oam("")
    ));
    assert_eq!(field, "spec.policies");
    let (field, message) = error(&oam(
        "      traits:\n        - type: scaler\n          properties: {replicas: 1}\n        - type: scaler\n          properties: {replicas: 2}\n",
    ));
    assert_eq!(field, "spec.components[0].traits[1].type");
    assert!(message.contains("traits[0]"), "{message}");
}

#[test]
fn oam_scopes_never_move_an_app_out_of_its_tenant() {
    let doc = ok(&oam(
        "      scopes:\n        - type: namespace\n          properties: {name: kube-system}\n        - type: node-pool\n          properties: {pool: gpu}\n        - type: network\n          properties: {mode: bridge}\n",
    )
    .replace("name: shop", "name: shop\n  namespace: default"));
    let noted: Vec<_> = doc.notes.iter().map(|n| n.field.as_str()).collect();
    assert_eq!(
        noted,
        [
            "metadata.namespace",
            "spec.components[0].scopes[0]",
            "spec.components[0].scopes[1]",
            "spec.components[0].scopes[2]"
        ]
    );
    let tenant = tenant();
    let job = generate(&doc.apps[0].spec, &tenant).unwrap().job;
    assert_eq!(job.namespace.as_deref(), Some("acme"));
    assert_eq!(job.node_pool.as_deref(), Some("default"));

    let (field, message) = error(&oam(
        "      scopes:\n        - type: network\n          properties: {mode: host}\n",
    ));
    assert_eq!(field, "spec.components[0].scopes[0].properties.mode");
    assert!(
        message.contains("host networking is not allowed"),
        "{message}"
    );
    let (field, _) = error(&oam(
        "      scopes:\n        - type: network\n          properties: {connect: true}\n",
    ));
    assert_eq!(field, "spec.components[0].scopes[0].properties.connect");
}

#[test]
fn oam_quantities_ports_and_probes_map() {
    let spec = only(&oam(
        "      traits:\n        - type: ingress\n          properties: {domain: web.acme.apps.example.com, http: {/api: 8080}}\n",
    )
    .replace(
        "ports: [{port: 8080}]",
        "ports: [{port: 8080}, {port: 5432, protocol: TCP}]\n        cpu: 250m\n        memory: 1Gi\n        livenessProbe: {tcpSocket: {port: 5432}, periodSeconds: 30}",
    ));
    assert_eq!(spec.resources.effective(), (250, 1024));
    assert_eq!(spec.ports[1].name, "p5432");
    assert_eq!(spec.routes[0].path.as_deref(), Some("/api"));
    assert!(
        matches!(&spec.health, Some(HealthCheck::Tcp { port: Some(p), interval, .. }) if p == "p5432" && interval.0 == 30)
    );

    let (field, message) = error(&oam(
        "      traits:\n        - type: ingress\n          properties: {domain: a.acme.apps.example.com, http: {/: 9999}}\n",
    ));
    assert_eq!(field, "spec.components[0].traits[0].properties.http./");
    assert!(message.contains("9999"), "{message}");
    let (field, _) = error(&oam("").replace(
        "ports: [{port: 8080}]",
        "ports: [{port: 53, protocol: UDP}]",
    ));
    assert_eq!(field, "spec.components[0].properties.ports[0].protocol");
    let (field, _) = error(&oam("").replace("ports: [{port: 8080}]", "cpu: lots"));
    assert_eq!(field, "spec.components[0].properties.cpu");
    let (field, message) = error(&oam("").replace("type: webservice", "type: worker"));
    assert_eq!(field, "spec.components[0].properties.ports");
    assert!(message.contains("worker has no ports"), "{message}");
}

#[test]
fn validation_errors_point_at_the_users_own_keys() {
    let tenant = tenant();
    let cases = [
        (
            "services:\n  - name: web\n    source: localhost:5000/web:1\n    port: 80\n",
            "services[0].source",
        ),
        (
            "services:\n  - name: web\n    source: nginx:1\n    port: 80\n    domains: [web.other.example.com]\n",
            "services[0].domains[0]",
        ),
        (
            "services:\n  - name: web\n    source: nginx:1\n    port: 80\n    cpu: 100000000\n",
            "services[0].cpu",
        ),
        (
            "services:\n  - name: web\n    source: nginx:1\n    env: {GREETING: '${node.unique.name}'}\n",
            "services[0].env.GREETING",
        ),
        (
            &oam("").replace("nginx:1.27", "nginx"),
            "spec.components[0].properties.image",
        ),
        (
            &oam(
                "      traits:\n        - type: ingress\n          properties: {domain: evil.example.com, http: {/: 8080}}\n",
            ),
            "spec.components[0].traits[0].properties.domain",
        ),
        (
            &oam(
                "      traits:\n        - type: volume\n          properties: {name: other-data, mountPath: /data}\n",
            ),
            "spec.components[0].traits[0].properties",
        ),
        (
            &oam("      traits:\n        - type: scaler\n          properties: {replicas: 500}\n"),
            "spec.components[0].traits[0].properties.replicas",
        ),
    ];
    for (text, field) in cases {
        let doc = ok(text);
        let app = &doc.apps[0];
        let e = generate(&app.spec, &tenant).expect_err(text);
        let located = app.locate_errors(e);
        assert!(
            located.0.iter().any(|e| e.field.starts_with(field)),
            "{field} not among {located}"
        );
    }
}

#[test]
fn decimals_must_be_quoted_where_text_is_meant() {
    let (field, message) =
        error("services:\n  - name: web\n    source: nginx:1\n    env: {VERSION: 1.10}\n");
    assert_eq!(field, "services[0].env.VERSION");
    assert!(message.contains("quotes"), "{message}");
    let spec = only(
        "services:\n  - name: web\n    source: nginx:1\n    env: {PORT: 8080, DEBUG: true, MODE: '0755', VERSION: '1.10', COUNTRY: no}\n",
    );
    assert_eq!(spec.env["PORT"], "8080");
    assert_eq!(spec.env["DEBUG"], "true");
    assert_eq!(spec.env["MODE"], "0755");
    assert_eq!(spec.env["VERSION"], "1.10");
    assert_eq!(spec.env["COUNTRY"], "no", "YAML 1.2: no is a string");
}

#[test]
fn json_reads_too() {
    let spec = only(
        r#"{"services": [{"name": "web", "source": "nginx:1", "port": 8080, "replicas": {"count": 2, "max": 4}}]}"#,
    );
    assert_eq!(spec.replicas.max(), 4);
    let spec = only(r#"{"name": "web", "image": "nginx:1", "kind": "worker"}"#);
    assert_eq!(spec.kind, AppKind::Worker);
}

#[test]
fn input_limits_hold() {
    // Too large.
    let big = format!(
        "name: web\nimage: nginx:1\nenv:\n  A: '{}'\n",
        "x".repeat(1024 * 1024)
    );
    let (field, message) = error(&big);
    assert_eq!(field, "");
    assert!(message.contains("1024 KiB"), "{message}");
    // Too deep.
    let deep = format!("services: {}{}\n", "[".repeat(40), "]".repeat(40));
    assert!(error(&deep).1.contains("nested deeper than 32"));
    // An alias bomb ("billion laughs").
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (name, prev) in [
        ("b", "a"),
        ("c", "b"),
        ("d", "c"),
        ("e", "d"),
        ("f", "e"),
        ("g", "f"),
    ] {
        let refs = vec![format!("*{prev}"); 10].join(", ");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    bomb.push_str("services: *g\n");
    assert!(error(&bomb).1.contains("aliases"), "alias bomb accepted");
    // Many values.
    let wide = format!(
        "name: web\nimage: nginx:1\nargs: [{}]\n",
        vec!["a"; 25_000].join(", ")
    );
    assert!(error(&wide).1.contains("values"));
    // More than one document.
    assert!(
        error("name: a\nimage: x:1\n---\nname: b\nimage: y:1\n")
            .1
            .contains("one document")
    );
    // Duplicate keys.
    let (field, message) =
        error("services:\n  - name: web\n    source: nginx:1\n    source: evil:1\n");
    assert_eq!(
        (field.as_str(), message.contains("twice")),
        ("services[0].source", true)
    );
    // Custom tags.
    assert!(
        error("name: web\nimage: !include /etc/passwd\n")
            .1
            .contains("tag")
    );
    // Empty and non-mapping documents.
    assert!(error("").1.contains("empty"));
    assert!(error("- a\n- b\n").1.contains("mapping"));
    // Syntax errors say where.
    assert!(error("services:\n  - name: [web\n").1.contains("line"));
}

/// The YAML examples in the documentation parse and generate (blocks that start a document).
#[test]
fn documented_examples_are_valid() {
    let mut checked = 0;
    for doc in [
        include_str!("../../../docs/NP_YAML.md"),
        include_str!("../../../docs/OAM.md"),
    ] {
        for block in doc.split("```yaml\n").skip(1) {
            let text = block.split("```").next().unwrap();
            if !(text.starts_with("services:") || text.starts_with("apiVersion:")) {
                continue;
            }
            let parsed = ok(text);
            for app in &parsed.apps {
                generate(&app.spec, &tenant()).unwrap_or_else(|e| panic!("{e}\n{text}"));
            }
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} examples found");
}
