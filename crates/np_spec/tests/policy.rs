//! The tenant policy, case by case from the bad-input catalogue (security.md §2, sections A–H), each case
//! sent in through all three formats (app spec, np.yaml, OAM): what is refused is refused on every path with
//! an error on the user's own key; what is accepted comes out exactly as given, inside the tenant's bounds.
//! (Refused keys such as `privileged` are in tests/parse.rs; the HCL/JSON round trip through Nomad's parser is
//! in np_sim's tests.)

use np_spec::error::FieldErrors;
use np_spec::names::TenantSlug;
use np_spec::parse::parse;
use np_spec::tenant::TenantContext;
use np_spec::{Generated, generate};

fn tenant() -> TenantContext {
    let mut t =
        TenantContext::with_defaults(TenantSlug::parse("acme").unwrap(), "apps.example.com");
    t.allowed_volumes = vec!["acme-data".into()];
    t.vault_prefix = Some("kv/data/tenants/acme".into());
    t.node_pool = "acme-pool".into();
    t.region = "eu".into();
    t.datacenters = vec!["eu-1".into()];
    t
}

/// JSON strings are YAML double-quoted scalars: any value can be placed safely.
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A web app, written out in each format.
#[derive(Clone)]
struct App {
    name: String,
    image: String,
    host: String,
    path: Option<String>,
    env: Vec<(String, String)>,
    args: Vec<String>,
    replicas: u32,
    volume: Option<String>,
    health_path: String,
    variable: Option<(String, String)>,
    vault: Option<(String, String)>,
}

impl App {
    fn new() -> Self {
        Self {
            name: "web".into(),
            image: "ghcr.io/acme/web:1.0".into(),
            host: "web.acme.apps.example.com".into(),
            path: None,
            env: Vec::new(),
            args: Vec::new(),
            replicas: 1,
            volume: None,
            health_path: "/healthz".into(),
            variable: None,
            vault: None,
        }
    }

    fn with(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }

    fn spec(&self) -> String {
        let mut out = format!(
            "name: {}\nimage: {}\nports: [{{name: http, port: 8080}}]\nroutes:\n  - host: {}\n",
            q(&self.name),
            q(&self.image),
            q(&self.host)
        );
        if let Some(path) = &self.path {
            out.push_str(&format!("    path: {}\n", q(path)));
        }
        out.push_str(&format!(
            "replicas: {{count: {}}}\nhealth: {{type: http, path: {}}}\n",
            self.replicas,
            q(&self.health_path)
        ));
        out.push_str("env:\n");
        for (k, v) in &self.env {
            out.push_str(&format!("  {}: {}\n", q(k), q(v)));
        }
        if self.env.is_empty() {
            out = out.replace("env:\n", "");
        }
        out.push_str(&format!(
            "args: [{}]\n",
            self.args
                .iter()
                .map(|a| q(a))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if let Some(volume) = &self.volume {
            out.push_str(&format!(
                "volumes: [{{volume: {}, path: /data}}]\n",
                q(volume)
            ));
        }
        if self.variable.is_some() || self.vault.is_some() {
            out.push_str("secrets:\n");
        }
        if let Some((path, key)) = &self.variable {
            out.push_str(&format!(
                "  - {{env: SECRET, from: variable, path: {}, key: {}}}\n",
                q(path),
                q(key)
            ));
        }
        if let Some((path, key)) = &self.vault {
            out.push_str(&format!(
                "  - {{env: VAULTED, from: vault, path: {}, key: {}}}\n",
                q(path),
                q(key)
            ));
        }
        out
    }

    fn np_yaml(&self) -> String {
        let body = self.spec().replace("image:", "source:").replace(
            "health: {type: http, path:",
            "health_check: {type: http, path:",
        );
        let indented: String = body
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
            .replacen("    ", "  - ", 1);
        format!("services:\n{indented}")
    }

    fn oam(&self) -> String {
        let mut props = format!(
            "        image: {}\n        ports: [{{port: 8080}}]\n        readinessProbe: {{httpGet: {{path: {}}}}}\n        args: [{}]\n        env: []\n",
            q(&self.image),
            q(&self.health_path),
            self.args
                .iter()
                .map(|a| q(a))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !self.env.is_empty() || self.variable.is_some() {
            props = props.replace("env: []", "env:");
        }
        for (k, v) in &self.env {
            props.push_str(&format!(
                "          - {{name: {}, value: {}}}\n",
                q(k),
                q(v)
            ));
        }
        if let Some((path, key)) = &self.variable {
            props.push_str(&format!(
                "          - {{name: SECRET, valueFrom: {{secretKeyRef: {{name: {}, key: {}}}}}}}\n",
                q(path),
                q(key)
            ));
        }
        let mut traits = format!(
            "        - type: ingress\n          properties: {{domain: {}, http: {{{}: 8080}}}}\n        - type: scaler\n          properties: {{replicas: {}}}\n",
            q(&self.host),
            q(self.path.as_deref().unwrap_or("/")),
            self.replicas
        );
        if let Some(volume) = &self.volume {
            traits.push_str(&format!(
                "        - type: volume\n          properties: {{name: {}, mountPath: /data}}\n",
                q(volume)
            ));
        }
        if let Some((path, key)) = &self.vault {
            traits.push_str(&format!(
                "        - type: vault-secret\n          properties: {{path: {}, env: {{VAULTED: {}}}}}\n",
                q(path),
                q(key)
            ));
        }
        format!(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {{name: app}}\nspec:\n  components:\n    - name: {}\n      type: webservice\n      properties:\n{props}      traits:\n{traits}",
            q(&self.name)
        )
    }

    fn texts(&self) -> [(&'static str, String); 3] {
        [
            ("spec", self.spec()),
            ("np.yaml", self.np_yaml()),
            ("oam", self.oam()),
        ]
    }
}

fn run(text: &str) -> Result<Generated, FieldErrors> {
    let doc = parse(text)?;
    assert_eq!(doc.apps.len(), 1);
    let app = &doc.apps[0];
    generate(&app.spec, &tenant()).map_err(|e| app.locate_errors(e))
}

/// Refused on every path, with an error on the key holding the bad value; returns the messages.
#[track_caller]
fn refused(app: &App, keys: [&str; 3]) -> Vec<String> {
    let mut messages = Vec::new();
    for ((format, text), key) in app.texts().into_iter().zip(keys) {
        match run(&text) {
            Ok(_) => panic!("{format} accepted:\n{text}"),
            Err(e) => {
                let hit = e.0.iter().find(|e| e.field.starts_with(key));
                let hit = hit.unwrap_or_else(|| panic!("{format}: no error on {key}: {e}\n{text}"));
                messages.push(hit.message.clone());
            }
        }
    }
    messages
}

/// Accepted on every path; the three jobs are the same.
#[track_caller]
fn accepted(app: &App) -> Generated {
    let mut out: Option<Generated> = None;
    for (format, text) in app.texts() {
        let g = run(&text).unwrap_or_else(|e| panic!("{format} refused: {e}\n{text}"));
        if let Some(first) = &out {
            assert_eq!(first.job, g.job, "{format} differs");
        }
        out = Some(g);
    }
    out.unwrap()
}

const NAME: [&str; 3] = ["name", "services[0].name", "spec.components[0].name"];
const HOST: [&str; 3] = [
    "routes[0].host",
    "services[0].routes[0].host",
    "spec.components[0].traits[0].properties.domain",
];
const PATH: [&str; 3] = [
    "routes[0].path",
    "services[0].routes[0].path",
    "spec.components[0].traits[0].properties.http",
];
const IMAGE: [&str; 3] = [
    "image",
    "services[0].source",
    "spec.components[0].properties.image",
];
const ENV: [&str; 3] = [
    "env.X",
    "services[0].env.X",
    "spec.components[0].properties.env",
];

#[test]
fn a_identifiers_are_plain_ascii_dns_labels() {
    // A1–A4: spaces, NUL, slashes, dots, @, case, length, non-ASCII and homoglyphs.
    for name in [
        "my app",
        "a\u{0}b",
        "a/b",
        "..",
        "%2e%2e",
        "a?b",
        "a#b",
        "UPPER",
        "-lead",
        "trail-",
        "é",
        "\u{430}pp",
        "x.middlewares",
        "a@b",
        &"a".repeat(31),
    ] {
        let messages = refused(&App::new().with(|a| a.name = name.into()), NAME);
        assert!(messages.iter().all(|m| !m.is_empty()), "{name}");
    }
    // A6: the job and every service carry the tenant prefix.
    let g = accepted(&App::new());
    assert_eq!(g.job.id.as_deref(), Some("acme--web"));
    for service in g.job.task_groups.as_ref().unwrap()[0]
        .services
        .as_ref()
        .unwrap()
    {
        assert!(service.name.as_deref().unwrap().starts_with("acme-"));
    }
}

#[test]
fn a7_g5_secret_references_stay_inside_the_app_and_tenant() {
    for (path, key) in [
        ("../other-job", "k"),
        ("db@tenant-b", "k"),
        ("db", "a.b"),
        ("db", "k\"}}{{ env \"VAULT_TOKEN\" }}"),
        ("/abs", "k"),
    ] {
        for text in [
            App::new()
                .with(|a| a.variable = Some((path.into(), key.into())))
                .spec(),
            App::new()
                .with(|a| a.variable = Some((path.into(), key.into())))
                .np_yaml(),
            App::new()
                .with(|a| a.variable = Some((path.into(), key.into())))
                .oam(),
        ] {
            assert!(run(&text).is_err(), "{path} {key} accepted:\n{text}");
        }
    }
    let g = accepted(&App::new().with(|a| {
        a.variable = Some(("db".into(), "password".into()));
        a.vault = Some(("stripe".into(), "key".into()));
    }));
    let task = &g.job.task_groups.as_ref().unwrap()[0]
        .tasks
        .as_ref()
        .unwrap()[0];
    let template = &task.templates.as_ref().unwrap()[0];
    let data = template.embedded_tmpl.as_deref().unwrap();
    // C2, C8: the console writes the template itself, with fixed paths and toJSON quoting.
    assert!(data.contains("nomad/jobs/acme--web/db"), "{data}");
    assert!(data.contains("kv/data/tenants/acme/stripe"), "{data}");
    assert!(data.contains("toJSON"), "{data}");
    assert_eq!(template.dest_path.as_deref(), Some("secrets/np.env"));
}

#[test]
fn b_hcl_cannot_be_broken_out_of() {
    // B1–B3: quotes, newlines and heredoc markers stay inside one string.
    let hostile = "x\"\n  injected = \"yes\n<<EOF\nEOF\n%{ if true }x%{ endif }";
    let g = accepted(&App::new().with(|a| {
        a.env = vec![("X".into(), hostile.into())];
        a.args = vec![hostile.into()];
    }));
    assert!(
        !g.hcl
            .lines()
            .any(|l| l.trim_start().starts_with("injected")),
        "{}",
        g.hcl
    );
    assert!(!g.hcl.lines().any(|l| l.trim() == "EOF"), "{}", g.hcl);
    assert!(g.hcl.contains("%%{ if true }"), "{}", g.hcl);
    let body: hcl::Body = hcl::from_str(&g.hcl).unwrap();
    assert_eq!(body.blocks().count(), 1, "one job block and nothing else");
    let task = &g.job.task_groups.as_ref().unwrap()[0]
        .tasks
        .as_ref()
        .unwrap()[0];
    assert_eq!(task.env.as_ref().unwrap()["X"], hostile, "env verbatim");
    // B7: region, node pool and datacenters are the tenant's.
    assert_eq!(
        (
            g.job.region.as_deref(),
            g.job.node_pool.as_deref(),
            g.job.datacenters.clone()
        ),
        (Some("eu"), Some("acme-pool"), Some(vec!["eu-1".to_owned()]))
    );
}

#[test]
fn c_user_values_never_reach_interpolation_or_templates() {
    // C1, C4: template syntax and newlines in plain env stay literal, one variable each.
    let literal = "{{ with secret \"kv/data/other\" }}{{ .Data }}{{ end }}\nLD_PRELOAD=/x.so";
    let g = accepted(&App::new().with(|a| a.env = vec![("X".into(), literal.into())]));
    let task = &g.job.task_groups.as_ref().unwrap()[0]
        .tasks
        .as_ref()
        .unwrap()[0];
    assert_eq!(task.env.as_ref().unwrap().len(), 1);
    assert_eq!(task.env.as_ref().unwrap()["X"], literal);
    assert!(task.templates.is_none(), "no template without secrets");
    // C5: node data through Nomad's replacement is refused.
    for value in [
        "${attr.unique.hostname}",
        "${attr.unique.network.ip-address}",
        "${node.unique.name}",
        "${meta.some_key}",
        "${env[\"X\"]}",
        "$${x}",
    ] {
        refused(
            &App::new().with(|a| a.env = vec![("X".into(), value.into())]),
            ENV,
        );
    }
    let g = accepted(
        &App::new()
            .with(|a| a.env = vec![("X".into(), "${NOMAD_PORT_http} ${NOMAD_ALLOC_ID}".into())]),
    );
    let task = &g.job.task_groups.as_ref().unwrap()[0]
        .tasks
        .as_ref()
        .unwrap()[0];
    assert_eq!(
        task.env.as_ref().unwrap()["X"],
        "${NOMAD_PORT_http} ${NOMAD_ALLOC_ID}"
    );
    // C6: driver config is escaped, runtime variables stay live.
    let g = accepted(&App::new().with(|a| a.args = vec!["${foo} %{if} ${NOMAD_PORT_http}".into()]));
    let task = &g.job.task_groups.as_ref().unwrap()[0]
        .tasks
        .as_ref()
        .unwrap()[0];
    assert_eq!(
        task.config.as_ref().unwrap()["args"][0],
        "$${foo} %%{if} ${NOMAD_PORT_http}"
    );
    // C7, F12: check paths are relative and carry no interpolation.
    for path in [
        "http://169.254.169.254/",
        "/${attr.unique.hostname}",
        "/a b",
        "health",
    ] {
        let keys = [
            "health.path",
            "services[0].health_check.path",
            "spec.components[0].properties.readinessProbe",
        ];
        refused(&App::new().with(|a| a.health_path = path.into()), keys);
    }
}

#[test]
fn d_routes_cannot_be_hijacked() {
    // D1, D2: rule injection, other tenants' and wildcard hosts, case and trailing dots.
    for host in [
        "a.acme.apps.example.com`) || Host(`victim.example.com",
        "victim.example.com",
        "web.other.apps.example.com",
        "evilacme.apps.example.com",
        "*.acme.apps.example.com",
        "**.example.com",
        "web.acme.apps.example.com.",
        "WEB.acme.apps.example.com",
        "we b.acme.apps.example.com",
        "a..acme.apps.example.com",
    ] {
        refused(&App::new().with(|a| a.host = host.into()), HOST);
    }
    // D5: path prefixes cannot break out of PathPrefix.
    for path in [
        "/api`) || PathPrefix(`/",
        "/a b",
        "/../x",
        "api",
        "/a\"b",
        "/${x}",
    ] {
        refused(&App::new().with(|a| a.path = Some(path.into())), PATH);
    }
    // D4, D6: every routing tag is generated; router names are unique and tenant-prefixed.
    let g = accepted(&App::new().with(|a| a.path = Some("/api".into())));
    let services = g.job.task_groups.as_ref().unwrap()[0]
        .services
        .clone()
        .unwrap();
    let tags: Vec<String> = services
        .iter()
        .flat_map(|s| s.tags.clone().unwrap_or_default())
        .collect();
    let routers: std::collections::BTreeSet<&str> = tags
        .iter()
        .filter_map(|t| t.strip_prefix("traefik.http.routers."))
        .filter_map(|t| t.split('.').next())
        .collect();
    assert!(
        routers.iter().all(|r| r.starts_with("acme--web--")),
        "{routers:?}"
    );
    assert!(
        tags.iter()
            .all(|t| !t.contains("priority") && !t.contains("middlewares"))
    );
    assert_eq!(g.hosts, ["web.acme.apps.example.com"]);
}

#[test]
fn e_images_come_from_safe_registries() {
    // E8: loopback, link-local and vague references are refused.
    for image in [
        "127.0.0.1:4646/x:1",
        "169.254.169.254/latest:1",
        "localhost:5000/x:1",
        "[::1]:5000/x:1",
        "nginx",
        "docker-archive:/tmp/x.tar",
        "nginx:latest\n",
    ] {
        refused(&App::new().with(|a| a.image = image.into()), IMAGE);
    }
    let g = accepted(&App::new().with(|a| {
        a.image = "registry.internal:5000/acme/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into()
    }));
    let task = &g.job.task_groups.as_ref().unwrap()[0]
        .tasks
        .as_ref()
        .unwrap()[0];
    let config = task.config.as_ref().unwrap();
    // E6: a pids limit is always set; nothing but the allow-listed options reaches the driver.
    assert_eq!(config["pids_limit"], 512);
    let keys: Vec<&String> = config.keys().collect();
    assert!(
        keys.iter().all(|k| [
            "image",
            "ports",
            "pids_limit",
            "args",
            "command",
            "entrypoint",
            "init",
            "readonly_rootfs",
            "memory_reservation",
            "tmpfs",
            "working_dir",
            "work_dir"
        ]
        .contains(&k.as_str())),
        "{keys:?}"
    );
}

#[test]
fn f_jobs_stay_within_the_tenants_bounds() {
    // F4: counts beyond the per-app maximum and the tenant's budget.
    let keys = [
        "replicas.count",
        "services[0].replicas",
        "spec.components[0].traits[1].properties.replicas",
    ];
    refused(&App::new().with(|a| a.replicas = 50_000), keys);
    let messages = refused(
        &App::new().with(|a| a.replicas = 99),
        [
            "resources",
            "services[0].resources",
            "spec.components[0].properties.resources",
        ],
    );
    assert!(messages[0].contains("budget"), "{}", messages[0]);
    // E3: only allow-listed volumes.
    refused(
        &App::new().with(|a| a.volume = Some("other-data".into())),
        [
            "volumes[0]",
            "services[0].volumes[0]",
            "spec.components[0].traits[2]",
        ],
    );
    accepted(&App::new().with(|a| a.volume = Some("acme-data".into())));
    // F1, F2: always a service job at the platform's priority.
    let g = accepted(&App::new());
    assert_eq!(
        (g.job.job_type.as_deref(), g.job.priority),
        (Some("service"), Some(50))
    );
}

#[test]
fn g_the_namespace_is_always_the_tenants() {
    // G1–G3: whatever the document says, the job lands in the tenant's namespace.
    let oam = App::new().oam().replace(
        "metadata: {name: app}",
        "metadata: {name: app, namespace: tenant-b}",
    );
    let doc = parse(&oam).unwrap();
    assert!(doc.notes.iter().any(|n| n.field == "metadata.namespace"));
    let g = generate(&doc.apps[0].spec, &tenant()).unwrap();
    assert_eq!(g.job.namespace.as_deref(), Some("acme"));
    assert!(
        g.register_request().namespace.is_none(),
        "no body-level namespace"
    );
    for text in [
        format!("{}namespace: tenant-b\n", App::new().spec()),
        App::new()
            .np_yaml()
            .replace("  - name:", "  - namespace: tenant-b\n    name:"),
    ] {
        let e = parse(&text).unwrap_err();
        assert!(e.0[0].message.contains("namespace"), "{e}");
    }
}

#[test]
fn h_a_bom_and_bidi_controls_are_handled() {
    // H5: a byte-order mark is skipped; bidi controls in identifiers are refused.
    let with_bom = format!("\u{feff}{}", App::new().spec());
    assert!(run(&with_bom).is_ok());
    refused(&App::new().with(|a| a.name = "web\u{202e}".into()), NAME);
    refused(
        &App::new().with(|a| a.host = "web\u{202e}.acme.apps.example.com".into()),
        HOST,
    );
}
