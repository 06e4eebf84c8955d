//! `np render`: an app description in, the Nomad job out. The same parsing, policy and generation as the
//! console, with the tenant described by flags; nothing is contacted.

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use np_spec::names::TenantSlug;
use np_spec::parse::{self, Format};
use np_spec::{Generated, generate};

use crate::cli::{RenderArgs, RenderFormat, RenderOutput};
use np_domain::Platform;

/// Why rendering failed; the exit status tells the kinds apart (1: usage or I/O, 2: the document).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Bad flags or unreadable/unwritable files.
    #[error("{0}")]
    Usage(String),
    /// The document is invalid or breaks the policy; one `field: message` per line.
    #[error("{0}")]
    Invalid(String),
}

/// What a successful run prints: the output, and notes for standard error.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    /// For standard output.
    pub stdout: String,
    /// For standard error (ignored settings, files written).
    pub stderr: String,
}

/// Renders `args.file` with the platform settings.
///
/// # Errors
/// See [`RenderError`].
pub fn run(args: &RenderArgs, platform: &Platform) -> Result<Rendered, RenderError> {
    let text = read(&args.file)?;
    let tenant = TenantSlug::parse(&args.tenant)
        .map_err(|e| RenderError::Usage(format!("--tenant {:?}: {e}", args.tenant)))?;
    let mut platform = platform.clone();
    if let Some(domain) = &args.apps_domain {
        np_spec::validate::check_host(domain)
            .map_err(|e| RenderError::Usage(format!("--apps-domain {domain:?}: {e}")))?;
        platform.apps_domain.clone_from(domain);
    }
    let mut context = platform.tenant_context(tenant);
    context.node_pool.clone_from(&args.node_pool);
    context.region.clone_from(&args.region);
    context.datacenters.clone_from(&args.datacenters);
    context.allowed_volumes.clone_from(&args.allow_volumes);
    context
        .allowed_registries
        .clone_from(&args.allow_registries);
    context.vault_prefix.clone_from(&args.vault_prefix);

    let doc = match args.format {
        None => parse::parse(&text),
        Some(format) => parse::parse_as(
            match format {
                RenderFormat::Spec => Format::Spec,
                RenderFormat::NpYaml => Format::NpYaml,
                RenderFormat::Oam => Format::Oam,
            },
            &text,
        ),
    }
    .map_err(|errors| RenderError::Invalid(lines(&errors.0)))?;

    let mut out = Rendered::default();
    for note in &doc.notes {
        let _ = writeln!(out.stderr, "note: {note}");
    }
    let apps: Vec<_> = match &args.app {
        Some(name) => {
            let found: Vec<_> = doc
                .apps
                .iter()
                .filter(|a| a.spec.name.as_str() == name)
                .collect();
            if found.is_empty() {
                return Err(RenderError::Usage(format!(
                    "--app {name:?}: the {} has no such app; it has {}",
                    doc.format.label(),
                    names(&doc)
                )));
            }
            found
        }
        None => doc.apps.iter().collect(),
    };
    if apps.len() > 1 && args.out_dir.is_none() {
        return Err(RenderError::Usage(format!(
            "the {} describes {} apps ({}); choose one with --app or write them all with --out-dir",
            doc.format.label(),
            apps.len(),
            names(&doc)
        )));
    }

    let mut generated = Vec::new();
    let mut problems = Vec::new();
    for app in &apps {
        match generate(&app.spec, &context) {
            Ok(g) => generated.push(g),
            Err(errors) => problems.extend(app.locate_errors(errors).0),
        }
    }
    if !problems.is_empty() {
        return Err(RenderError::Invalid(lines(&problems)));
    }

    match &args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| RenderError::Usage(format!("{}: {e}", dir.display())))?;
            for g in &generated {
                let id = g.job.id.clone().unwrap_or_default();
                for (name, content) in [
                    (format!("{id}.json"), g.json() + "\n"),
                    (format!("{id}.nomad.hcl"), g.hcl.clone()),
                ] {
                    let path = dir.join(name);
                    std::fs::write(&path, content)
                        .map_err(|e| RenderError::Usage(format!("{}: {e}", path.display())))?;
                    let _ = writeln!(out.stderr, "wrote {}", path.display());
                }
            }
        }
        None => {
            let g: &Generated = &generated[0];
            out.stdout = match args.output {
                RenderOutput::Json => g.json() + "\n",
                RenderOutput::Hcl => g.hcl.clone(),
                RenderOutput::Hosts => g.hosts.iter().map(|h| format!("{h}\n")).collect(),
            };
        }
    }
    Ok(out)
}

fn read(path: &Path) -> Result<String, RenderError> {
    let limit = parse::MAX_INPUT_BYTES as u64 + 1;
    let mut text = String::new();
    let result = if path == Path::new("-") {
        std::io::stdin().take(limit).read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_string(&mut text))
    };
    result.map_err(|e| RenderError::Usage(format!("{}: {e}", path.display())))?;
    Ok(text)
}

fn lines(errors: &[np_spec::FieldError]) -> String {
    errors
        .iter()
        .map(|e| {
            if e.field.is_empty() {
                e.message.clone()
            } else {
                e.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn names(doc: &parse::Document) -> String {
    doc.apps
        .iter()
        .map(|a| a.spec.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
