//! `np render` as a CI pipeline runs it: the binary, files and standard input in, job JSON or HCL out, exit
//! status 2 with one `field: message` line per problem when the document is refused.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn np(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_np"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env_remove("NP_APPS_DOMAIN")
        .env_remove("NP_CONTAINER_RUNTIME")
        .env("NP_CONFIG_FILE", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("np runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

const TENANT: &[&str] = &[
    "--tenant",
    "acme",
    "--apps-domain",
    "apps.example.com",
    "--allow-volume",
    "acme-data",
    "--vault-prefix",
    "kv/data/tenants/acme",
];

fn render(file: &str, extra: &[&str]) -> Output {
    let mut args = vec!["render", file];
    args.extend_from_slice(TENANT);
    args.extend_from_slice(extra);
    np(&args, None)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_three_example_files_render_to_the_same_register_body() {
    let bodies: Vec<serde_json::Value> = [
        "examples/shop.spec.yaml",
        "examples/shop.np.yaml",
        "examples/shop.oam.yaml",
    ]
    .iter()
    .map(|file| {
        let out = render(file, &[]);
        assert!(out.status.success(), "{file}: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    })
    .collect();
    assert_eq!(bodies[0]["Job"]["ID"], "acme--shop");
    assert_eq!(bodies[0]["Job"]["Namespace"], "acme");
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[0], bodies[2]);
    let oam = render("examples/shop.oam.yaml", &[]);
    assert!(
        text(&oam.stderr).contains("note: spec.components[0].scopes[0]: ignored"),
        "{}",
        text(&oam.stderr)
    );
}

#[test]
fn hcl_and_hosts_outputs() {
    let out = render("examples/shop.np.yaml", &["--output", "hcl"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).starts_with("job \"acme--shop\" {"));
    let out = render("examples/shop.np.yaml", &["--output", "hosts"]);
    assert_eq!(
        text(&out.stdout),
        "canary-shop.acme.apps.example.com\nshop.acme.apps.example.com\n",
        "the app's host and its canary host (it updates with a canary)"
    );
}

#[test]
fn standard_input_and_explicit_formats() {
    let yaml = "services:\n  - {name: web, source: 'nginx:1.27', port: 8080}\n";
    let mut args = vec!["render", "-", "--format", "np-yaml"];
    args.extend_from_slice(TENANT);
    let out = np(&args, Some(yaml));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["Job"]["ID"], "acme--web");
    // Told it is OAM, an np.yaml document fails on its first key.
    let mut args = vec!["render", "-", "--format", "oam"];
    args.extend_from_slice(TENANT);
    let out = np(&args, Some(yaml));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("services"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn refusals_exit_2_with_a_line_per_problem_and_print_nothing() {
    let yaml = "services:\n  - name: web\n    source: localhost:5000/web:1\n    port: 8080\n    domains: [web.evil.example.com]\n";
    let mut args = vec!["render", "-"];
    args.extend_from_slice(TENANT);
    let out = np(&args, Some(yaml));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[0].starts_with("services[0].source: "), "{stderr}");
    assert!(
        lines[1].starts_with("services[0].domains[0]: must end with .acme.apps.example.com"),
        "{stderr}"
    );
    let out = np(
        &args,
        Some("services:\n  - name: web\n    source: nginx:1\n    privileged: true\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .starts_with("services[0].privileged: privileged containers are not allowed")
    );
}

#[test]
fn several_apps_need_a_choice_or_a_folder() {
    let yaml = "services:\n  - {name: web, source: 'nginx:1', port: 80}\n  - {name: jobs, type: worker, source: 'acme/jobs:3'}\n";
    let dir = std::env::temp_dir().join(format!("np-render-{}", std::process::id()));
    let file = dir.join("np.yaml");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&file, yaml).unwrap();
    let file = file.to_str().unwrap();

    let out = render(file, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("describes 2 apps (web, jobs)"),
        "{}",
        text(&out.stderr)
    );

    let out = render(file, &["--app", "jobs"]);
    assert!(out.status.success());
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["Job"]["ID"], "acme--jobs");
    let out = render(file, &["--app", "nope"]);
    assert!(text(&out.stderr).contains("it has web, jobs"));

    let out_dir = dir.join("out");
    let out = render(file, &["--out-dir", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut written: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "acme--jobs.json",
            "acme--jobs.nomad.hcl",
            "acme--web.json",
            "acme--web.nomad.hcl"
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_flags_and_files_exit_1() {
    let out = np(&["render", "no-such-file.yaml", "--tenant", "acme"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no-such-file.yaml"));
    let out = np(
        &["render", "examples/shop.np.yaml", "--tenant", "Not A Slug"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--tenant"));
}
