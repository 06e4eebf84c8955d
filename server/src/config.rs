//! Configuration from environment variables, with an optional file of `NAME=value` lines.
//!
//! Every variable is declared once in [`vars::VARS`] (name, default, whether it is secret, what it does);
//! `docs/CONFIGURATION.md` documents the same list and a test keeps the two in step. The environment wins over
//! the file. Secrets are held as [`SecretString`] and print as `[redacted]`.

mod audit;
mod platform;
mod source;
pub mod vars;

pub use audit::{AuditSettings, audit_settings};
pub use platform::platform;
pub use source::{ConfigError, Source};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use np_domain::Platform;
use secrecy::SecretString;
use url::Url;

/// How the console finds its database.
#[derive(Debug, Clone)]
pub enum DatabaseConfig {
    /// An operator-provided database.
    Url(SecretString),
    /// A private cluster started under the data folder.
    Private {
        /// Where the cluster lives.
        data_dir: PathBuf,
        /// Where the PostgreSQL binaries are, if not found automatically.
        bin_dir: Option<PathBuf>,
    },
}

/// Nomad connection settings.
#[derive(Debug, Clone)]
pub struct NomadSettings {
    /// Agent address.
    pub address: Url,
    /// Platform token (management), when ACLs are on.
    pub token: Option<SecretString>,
    /// Region, if not the agent's own.
    pub region: Option<String>,
    /// Cap on concurrent requests.
    pub max_connections: usize,
}

/// Consul connection settings.
#[derive(Debug, Clone)]
pub struct ConsulSettings {
    /// Agent address.
    pub address: Url,
    /// Token, when ACLs are on.
    pub token: Option<SecretString>,
}

/// OpenObserve connection settings.
#[derive(Debug, Clone)]
pub struct OpenObserveSettings {
    /// Base URL.
    pub address: Url,
    /// Organisation.
    pub org: String,
    /// User (e-mail or service account).
    pub user: String,
    /// Password or token.
    pub password: SecretString,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line (for log shippers).
    Json,
}

/// The console's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// The database.
    pub database: DatabaseConfig,
    /// Pool size.
    pub db_max_connections: u32,
    /// Nomad, if configured.
    pub nomad: Option<NomadSettings>,
    /// Consul, if configured.
    pub consul: Option<ConsulSettings>,
    /// OpenObserve, if configured.
    pub openobserve: Option<OpenObserveSettings>,
    /// Platform-wide settings for apps.
    pub platform: Platform,
    /// Time limit for ordinary upstream requests.
    pub upstream_timeout: Duration,
    /// Deploys per tenant and minute, streams per person.
    pub limits: np_domain::limits::LimitSettings,
    /// The console's address as browsers reach it.
    pub public_url: Url,
    /// The OIDC provider, when sign-in is configured.
    pub oidc: Option<crate::auth::oidc::OidcSettings>,
    /// Group → role mapping.
    pub role_mapping: crate::auth::mapping::RoleMapping,
    /// Session lifetimes.
    pub sessions: np_domain::sessions::SessionLifetimes,
    /// The audit log's keys, checkpoints and reconciler.
    pub audit: AuditSettings,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<crate::auth::origin::Cidr>,
    /// Role to `SET ROLE` to on every database connection (empty: none).
    pub database_role: String,
    /// Log filter (tracing `EnvFilter` syntax).
    pub log_filter: String,
    /// Log format.
    pub log_format: LogFormat,
}

/// Reads the `NP_OIDC_*` variables; `None` when no issuer is set.
///
/// # Errors
/// A bad URL or algorithm, or an issuer without a client ID.
fn oidc_settings(
    source: &Source,
    public_url: &Url,
) -> Result<Option<crate::auth::oidc::OidcSettings>, ConfigError> {
    let Some(issuer) = source.url("NP_OIDC_ISSUER")? else {
        return Ok(None);
    };
    let client_id = source.get("NP_OIDC_CLIENT_ID").ok_or_else(|| {
        ConfigError::Inconsistent("NP_OIDC_ISSUER is set, so NP_OIDC_CLIENT_ID is required".into())
    })?;
    let scopes: Vec<String> = source
        .value_or_default("NP_OIDC_SCOPES")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if !scopes.iter().any(|s| s == "openid") {
        return Err(ConfigError::Invalid {
            name: "NP_OIDC_SCOPES",
            message: "must include openid".into(),
        });
    }
    let algorithms = crate::auth::oidc::parse_algorithms(
        source
            .value_or_default("NP_OIDC_ALGORITHMS")
            .unwrap_or_default(),
    )
    .map_err(|message| ConfigError::Invalid {
        name: "NP_OIDC_ALGORITHMS",
        message,
    })?;
    if algorithms.is_empty() {
        return Err(ConfigError::Invalid {
            name: "NP_OIDC_ALGORITHMS",
            message: "name at least one algorithm".into(),
        });
    }
    let join = |path: &str| {
        public_url.join(path).map_err(|e| ConfigError::Invalid {
            name: "NP_PUBLIC_URL",
            message: e.to_string(),
        })
    };
    // The issuer as written, without the trailing slash `Url` adds to a bare origin: it must equal `iss`.
    let raw_issuer = source.get("NP_OIDC_ISSUER").unwrap_or_default().to_owned();
    let _ = issuer;
    Ok(Some(crate::auth::oidc::OidcSettings {
        issuer: raw_issuer,
        client_id: client_id.to_owned(),
        client_secret: source.secret("NP_OIDC_CLIENT_SECRET"),
        scopes,
        groups_claim: source
            .value_or_default("NP_OIDC_GROUPS_CLAIM")
            .unwrap_or("groups")
            .to_owned(),
        algorithms,
        redirect_url: join("/auth/callback")?,
        post_logout_url: join("/")?,
    }))
}

impl Config {
    /// Builds the configuration from `source`, checking every value.
    ///
    /// # Errors
    /// The first invalid or inconsistent variable.
    pub fn from_source(source: &Source) -> Result<Self, ConfigError> {
        let listen = source.required("NP_LISTEN", "an address like 127.0.0.1:3000")?;
        let database = match source.secret("DATABASE_URL") {
            Some(url) => DatabaseConfig::Url(url),
            None => DatabaseConfig::Private {
                data_dir: source.required("NP_DATA_DIR", "a folder path")?,
                bin_dir: source.parse("NP_PG_BIN_DIR", "a folder path")?,
            },
        };
        let db_max_connections =
            source.required("NP_DB_MAX_CONNECTIONS", "a number of connections")?;
        if db_max_connections == 0 {
            return Err(ConfigError::Invalid {
                name: "NP_DB_MAX_CONNECTIONS",
                message: "must be at least 1".into(),
            });
        }

        let nomad = source
            .url("NP_NOMAD_ADDR")?
            .map(|address| -> Result<_, ConfigError> {
                Ok(NomadSettings {
                    address,
                    token: source.secret("NP_NOMAD_TOKEN"),
                    region: source.get("NP_NOMAD_REGION").map(str::to_owned),
                    max_connections: source
                        .required("NP_NOMAD_MAX_CONNECTIONS", "a number of connections")?,
                })
            })
            .transpose()?;
        let consul = source.url("NP_CONSUL_ADDR")?.map(|address| ConsulSettings {
            address,
            token: source.secret("NP_CONSUL_TOKEN"),
        });
        let openobserve = match source.url("NP_OPENOBSERVE_URL")? {
            None => None,
            Some(address) => {
                let (Some(user), Some(password)) = (
                    source.get("NP_OPENOBSERVE_USER"),
                    source.secret("NP_OPENOBSERVE_PASSWORD"),
                ) else {
                    return Err(ConfigError::Inconsistent(
                        "NP_OPENOBSERVE_URL is set, so NP_OPENOBSERVE_USER and NP_OPENOBSERVE_PASSWORD are required"
                            .into(),
                    ));
                };
                Some(OpenObserveSettings {
                    address,
                    org: source.required("NP_OPENOBSERVE_ORG", "an organisation name")?,
                    user: user.to_owned(),
                    password,
                })
            }
        };

        let log_format = match source.value_or_default("NP_LOG_FORMAT") {
            Some("json") => LogFormat::Json,
            Some("pretty") | None => LogFormat::Pretty,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "NP_LOG_FORMAT",
                    message: format!("{other:?} is not one of: pretty, json"),
                });
            }
        };

        let public_url = match source.url("NP_PUBLIC_URL")? {
            Some(url) => url,
            None => Url::parse(&format!("http://{listen}")).map_err(|e| ConfigError::Invalid {
                name: "NP_LISTEN",
                message: format!("cannot make a URL of it: {e}"),
            })?,
        };
        let oidc = oidc_settings(source, &public_url)?;
        let console_host = public_url.host_str().map(str::to_ascii_lowercase);
        let role_mapping = crate::auth::mapping::RoleMapping::parse(
            source.get("NP_OIDC_ROLE_MAPPING").unwrap_or_default(),
        )
        .map_err(|message| ConfigError::Invalid {
            name: "NP_OIDC_ROLE_MAPPING",
            message,
        })?;
        let idle: u32 = source.required("NP_SESSION_IDLE_MINUTES", "a whole number of minutes")?;
        let absolute: u32 = source.required("NP_SESSION_MAX_HOURS", "a whole number of hours")?;
        if idle == 0 || absolute == 0 {
            return Err(ConfigError::Inconsistent(
                "NP_SESSION_IDLE_MINUTES and NP_SESSION_MAX_HOURS must be at least 1".into(),
            ));
        }
        let sessions = np_domain::sessions::SessionLifetimes {
            idle: time::Duration::minutes(i64::from(idle)),
            absolute: time::Duration::hours(i64::from(absolute)),
        };

        Ok(Self {
            listen,
            database,
            public_url,
            oidc,
            role_mapping,
            sessions,
            db_max_connections,
            nomad,
            consul,
            openobserve,
            platform: Platform {
                console_host,
                ..platform(source)?
            },
            upstream_timeout: source.seconds("NP_UPSTREAM_TIMEOUT_SECS")?,
            limits: np_domain::limits::LimitSettings {
                deploys_per_minute: source
                    .required("NP_DEPLOYS_PER_MINUTE", "a whole number of deploys")?,
                streams_per_user: source
                    .required("NP_STREAMS_PER_USER", "a whole number of streams")?,
            },
            audit: audit_settings(source)?,
            trusted_proxies: crate::auth::origin::parse_cidrs(
                source.get("NP_TRUSTED_PROXIES").unwrap_or_default(),
            )
            .map_err(|message| ConfigError::Invalid {
                name: "NP_TRUSTED_PROXIES",
                message,
            })?,
            database_role: source
                .value_or_default("NP_DATABASE_ROLE")
                .unwrap_or_default()
                .to_owned(),
            log_filter: source.required("NP_LOG", "a log filter such as info or np=debug")?,
            log_format,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_source(&Source::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn defaults_give_a_local_console_with_a_private_database() {
        let c = config(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert!(
            matches!(&c.database, DatabaseConfig::Private { data_dir, .. } if data_dir.ends_with(".data"))
        );
        assert!(c.nomad.is_none() && c.consul.is_none() && c.openobserve.is_none());
        assert_eq!(c.log_format, LogFormat::Pretty);
    }

    #[test]
    fn a_database_url_replaces_the_private_cluster() {
        let c = config(&[("DATABASE_URL", "postgres://u:p@db/np")]).unwrap();
        assert!(matches!(c.database, DatabaseConfig::Url(_)));
    }

    #[test]
    fn invalid_values_name_the_variable_and_what_it_accepts() {
        let err = config(&[("NP_LISTEN", "localhost")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("NP_LISTEN: \"localhost\" is not an address like 127.0.0.1:3000"),
            "{err}"
        );
        let err = config(&[("NP_NOMAD_ADDR", "ftp://x")])
            .unwrap_err()
            .to_string();
        assert_eq!(err, "NP_NOMAD_ADDR: ftp://x/ must use http or https");
        let err = config(&[("NP_LOG_FORMAT", "xml")]).unwrap_err().to_string();
        assert_eq!(err, "NP_LOG_FORMAT: \"xml\" is not one of: pretty, json");
        let err = config(&[("NP_DB_MAX_CONNECTIONS", "0")])
            .unwrap_err()
            .to_string();
        assert_eq!(err, "NP_DB_MAX_CONNECTIONS: must be at least 1");
    }

    #[test]
    fn openobserve_needs_credentials() {
        let err = config(&[("NP_OPENOBSERVE_URL", "http://o2:5080")]).unwrap_err();
        assert!(matches!(err, ConfigError::Inconsistent(_)));
        let c = config(&[
            ("NP_OPENOBSERVE_URL", "http://o2:5080"),
            ("NP_OPENOBSERVE_USER", "root@example.com"),
            ("NP_OPENOBSERVE_PASSWORD", "pw"),
        ])
        .unwrap();
        assert_eq!(c.openobserve.unwrap().org, "default");
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let c = config(&[
            ("DATABASE_URL", "postgres://u:hunter2@db/np"),
            ("NP_NOMAD_ADDR", "http://127.0.0.1:4646"),
            ("NP_NOMAD_TOKEN", "s3cr3t-nomad"),
            ("NP_CONSUL_ADDR", "http://127.0.0.1:8500"),
            ("NP_CONSUL_TOKEN", "s3cr3t-consul"),
            ("NP_OPENOBSERVE_URL", "http://o2:5080"),
            ("NP_OPENOBSERVE_USER", "root@example.com"),
            ("NP_OPENOBSERVE_PASSWORD", "s3cr3t-o2"),
        ])
        .unwrap();
        let debug = format!("{c:?}");
        for secret in ["hunter2", "s3cr3t-nomad", "s3cr3t-consul", "s3cr3t-o2"] {
            assert!(!debug.contains(secret), "{secret} leaked: {debug}");
        }
        assert!(
            debug.contains("4646"),
            "non-secret settings stay visible: {debug}"
        );
    }

    #[test]
    fn the_environment_wins_over_the_file_and_unknown_np_vars_are_reported() {
        let dir = std::env::temp_dir().join(format!("np-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("np.env");
        std::fs::write(&file, "NP_LISTEN=0.0.0.0:9000\nNP_LOG=debug\n# a comment\n").unwrap();
        let env = [
            ("NP_CONFIG_FILE", file.to_str().unwrap()),
            ("NP_LOG", "warn"),
            ("NP_LITSEN", "typo"),
            ("HOME", "/root"),
        ];
        let source = Source::from_env_map(
            env.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
        .unwrap();
        let c = Config::from_source(&source).unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(c.log_filter, "warn");
        assert_eq!(source.unknown_vars(), vec!["NP_LITSEN"]);
        assert_eq!(source.file(), Some(&file));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_unreadable_config_file_is_an_error() {
        let env = [(
            "NP_CONFIG_FILE".to_string(),
            "/nonexistent/np.env".to_string(),
        )];
        let err = Source::from_env_map(env.into_iter().collect()).unwrap_err();
        assert!(matches!(err, ConfigError::File { .. }), "{err}");
    }
}
