//! Where configuration values come from (the environment over an optional file of `NAME=value` lines), and
//! how a variable's value is read and refused.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use super::vars::{self, VARS};

/// A configuration problem, naming the variable and what it accepts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable's value does not parse.
    #[error("{name}: {message}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong and what is expected.
        message: String,
    },
    /// Two variables contradict or one needs another.
    #[error("{0}")]
    Inconsistent(String),
    /// The configuration file cannot be read.
    #[error("configuration file {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

/// The raw values: the environment over the optional file.
#[derive(Debug, Default, Clone)]
pub struct Source {
    values: BTreeMap<String, String>,
    file: Option<PathBuf>,
}

impl Source {
    /// Reads the process environment and, when `NP_CONFIG_FILE` is set, that file underneath it.
    ///
    /// # Errors
    /// When the named file cannot be read or parsed.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_map(std::env::vars().collect())
    }

    /// As [`Source::from_env`], with `env` standing in for the process environment.
    ///
    /// # Errors
    /// When the file named by `NP_CONFIG_FILE` cannot be read or parsed.
    pub fn from_env_map(env: BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let mut source = Self::default();
        if let Some(path) = env.get("NP_CONFIG_FILE").filter(|p| !p.is_empty()) {
            let path = PathBuf::from(path);
            let entries = dotenvy::from_path_iter(&path).map_err(|e| ConfigError::File {
                path: path.clone(),
                message: e.to_string(),
            })?;
            for entry in entries {
                let (key, value) = entry.map_err(|e| ConfigError::File {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                source.values.insert(key, value);
            }
            source.file = Some(path);
        }
        source.values.extend(env);
        Ok(source)
    }

    /// A source holding exactly `pairs` (for tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            file: None,
        }
    }

    /// The value of `name`, if set and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `NP_*` variables that are not declared: most likely typos.
    pub fn unknown_vars(&self) -> Vec<&str> {
        self.values
            .keys()
            .filter(|k| k.starts_with("NP_") && !VARS.iter().any(|v| v.name == k.as_str()))
            .map(String::as_str)
            .collect()
    }

    /// The configuration file that was read, if any.
    pub fn file(&self) -> Option<&PathBuf> {
        self.file.as_ref()
    }

    pub(crate) fn value_or_default(&self, name: &'static str) -> Option<&str> {
        self.get(name).or_else(|| vars::default_of(name))
    }

    pub(crate) fn parse<T: FromStr>(
        &self,
        name: &'static str,
        expected: &str,
    ) -> Result<Option<T>, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        self.value_or_default(name)
            .map(|raw| {
                raw.parse::<T>().map_err(|e| ConfigError::Invalid {
                    name,
                    message: format!("{raw:?} is not {expected} ({e})"),
                })
            })
            .transpose()
    }

    pub(crate) fn required<T: FromStr>(
        &self,
        name: &'static str,
        expected: &str,
    ) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        self.parse(name, expected)?
            .ok_or_else(|| ConfigError::Invalid {
                name,
                message: format!("required: {expected}"),
            })
    }

    pub(crate) fn secret(&self, name: &'static str) -> Option<SecretString> {
        self.get(name).map(|v| SecretString::from(v.to_owned()))
    }

    pub(crate) fn url(&self, name: &'static str) -> Result<Option<Url>, ConfigError> {
        let Some(url) = self.parse::<Url>(name, "an absolute http(s) URL")? else {
            return Ok(None);
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ConfigError::Invalid {
                name,
                message: format!("{url} must use http or https"),
            });
        }
        Ok(Some(url))
    }

    pub(crate) fn seconds(&self, name: &'static str) -> Result<Duration, ConfigError> {
        let secs: u64 = self.required(name, "a whole number of seconds")?;
        Ok(Duration::from_secs(secs))
    }
}
