//! The ways into `AppSpec`: the spec itself (YAML or JSON, as the API and the form send it), np.yaml and OAM
//! `core.oam.dev/v1beta1` Applications. Every parser reads untrusted text within limits (size, depth, nodes,
//! aliases, one document, no duplicate keys, no custom tags), refuses unknown keys with the path to them, and
//! records where each spec field came from so that validation errors point at the user's own key.

#[cfg(feature = "parse")]
pub mod np_yaml;
#[cfg(feature = "parse")]
pub mod oam;
#[cfg(feature = "parse")]
mod quantity;
#[cfg(feature = "parse")]
pub mod yaml;

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, FieldErrors};
use crate::spec::AppSpec;

#[cfg(feature = "parse")]
pub use yaml::{MAX_ALIASES, MAX_DEPTH, MAX_INPUT_BYTES, MAX_NODES, refused_key};

/// `prefix` followed by `rest` (which may start with `[` or be empty).
pub(crate) fn join(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() {
        rest.to_owned()
    } else if rest.is_empty() {
        prefix.to_owned()
    } else if rest.starts_with('[') {
        format!("{prefix}{rest}")
    } else {
        format!("{prefix}.{rest}")
    }
}

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// An `AppSpec` as YAML or JSON (the API's and the form's format).
    Spec,
    /// np.yaml: `services: [...]`.
    NpYaml,
    /// An OAM `core.oam.dev/v1beta1` Application.
    Oam,
}

impl Format {
    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Spec => "app spec",
            Self::NpYaml => "np.yaml",
            Self::Oam => "OAM Application",
        }
    }
}

/// A parsed document: one or more apps, and notes on what was ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// What it was.
    pub format: Format,
    /// Its apps, in order.
    pub apps: Vec<ParsedApp>,
    /// Settings that were accepted but have no effect (the tenant decides them), with where they were.
    pub notes: Vec<FieldError>,
}

/// One app of a document, and where its fields came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedApp {
    /// The app.
    pub spec: AppSpec,
    /// Where spec fields came from: (spec field prefix, source path), longest prefix wins.
    origins: Vec<(String, String)>,
}

impl ParsedApp {
    /// An app whose fields all sit below `origin` under their own names.
    #[cfg_attr(not(feature = "parse"), allow(dead_code))]
    pub(crate) fn new(spec: AppSpec, origin: &str) -> Self {
        Self {
            spec,
            origins: vec![(String::new(), origin.to_owned())],
        }
    }

    /// Records that the spec's `field` (and what is below it) came from `source`.
    #[cfg_attr(not(feature = "parse"), allow(dead_code))]
    pub(crate) fn origin(&mut self, field: impl Into<String>, source: impl Into<String>) {
        self.origins.push((field.into(), source.into()));
    }

    /// Where the spec's `field` came from in the document (`image` → `services[0].source`).
    pub fn locate(&self, field: &str) -> String {
        let best = self
            .origins
            .iter()
            .filter(|(prefix, _)| {
                prefix.is_empty()
                    || field == prefix
                    || field
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
            })
            .max_by_key(|(prefix, _)| prefix.len());
        match best {
            Some((prefix, source)) => {
                let rest = &field[prefix.len()..];
                let rest = rest.strip_prefix('.').unwrap_or(rest);
                join(source, rest)
            }
            None => field.to_owned(),
        }
    }

    /// Validation errors of this app, pointing at the document's keys.
    pub fn locate_errors(&self, errors: FieldErrors) -> FieldErrors {
        FieldErrors(
            errors
                .0
                .into_iter()
                .map(|e| FieldError::new(self.locate(&e.field), e.message))
                .collect(),
        )
    }
}

#[cfg(feature = "parse")]
/// Parses a document in any of the formats, telling them apart by their top level: `apiVersion` means OAM,
/// `services` means np.yaml, anything else is read as an app spec.
///
/// # Errors
/// Syntax errors, limits exceeded, unknown or refused keys, wrong types: each with the path to the key.
pub fn parse(text: &str) -> Result<Document, FieldErrors> {
    let outline: yaml::Outline = yaml::from_str(text).map_err(|errors| {
        // The outline reads only the top level; an error here is in the document's syntax or shape.
        FieldErrors(
            errors
                .0
                .into_iter()
                .map(|e| {
                    if e.message.starts_with("invalid type") {
                        FieldError::new(e.field, "the document must be a mapping (key: value)")
                    } else {
                        e
                    }
                })
                .collect(),
        )
    })?;
    if outline.api_version.is_some()
        || outline.kind.as_ref().and_then(|k| k.as_str()) == Some("Application")
    {
        oam::parse(text)
    } else if outline.services.is_some() {
        np_yaml::parse(text)
    } else {
        parse_spec(text)
    }
}

#[cfg(feature = "parse")]
/// Parses a document in the given format, for callers that are told the format rather than guessing it
/// (the API's `format` field, `np render --format`).
///
/// # Errors
/// As [`parse`]; a document of another format fails on its first unknown key.
pub fn parse_as(format: Format, text: &str) -> Result<Document, FieldErrors> {
    match format {
        Format::Spec => parse_spec(text),
        Format::NpYaml => np_yaml::parse(text),
        Format::Oam => oam::parse(text),
    }
}

#[cfg(feature = "parse")]
/// Parses one `AppSpec` (YAML or JSON).
///
/// # Errors
/// As [`parse`].
pub fn parse_spec(text: &str) -> Result<Document, FieldErrors> {
    let spec: AppSpec = yaml::from_str(text)?;
    Ok(Document {
        format: Format::Spec,
        apps: vec![ParsedApp::new(spec, "")],
        notes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::AppName;

    #[test]
    fn locate_uses_the_longest_matching_prefix_on_segment_boundaries() {
        let spec = AppSpec::web(AppName::parse("web").unwrap(), "nginx:1", 80, "a.b.c");
        let mut app = ParsedApp::new(spec, "services[2]");
        app.origin("image", "services[2].source");
        app.origin("routes[0].host", "services[2].domains[0]");
        assert_eq!(app.locate("image"), "services[2].source");
        assert_eq!(app.locate("images"), "services[2].images");
        assert_eq!(app.locate("routes[0].host"), "services[2].domains[0]");
        assert_eq!(app.locate("routes[0].path"), "services[2].routes[0].path");
        assert_eq!(app.locate("env.A"), "services[2].env.A");
        assert_eq!(app.locate(""), "services[2]");
    }
}
