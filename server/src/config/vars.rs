//! The declared configuration variables: the single list the code reads and the documentation mirrors.

/// One configuration variable.
#[derive(Debug, Clone, Copy)]
pub struct Var {
    /// Its name in the environment.
    pub name: &'static str,
    /// The value used when it is unset, if any.
    pub default: Option<&'static str>,
    /// Whether its value must never be printed.
    pub secret: bool,
    /// What it does.
    pub help: &'static str,
}

const fn var(name: &'static str, default: Option<&'static str>, help: &'static str) -> Var {
    Var {
        name,
        default,
        secret: false,
        help,
    }
}

const fn secret(name: &'static str, help: &'static str) -> Var {
    Var {
        name,
        default: None,
        secret: true,
        help,
    }
}

/// Every variable the console reads.
pub const VARS: &[Var] = &[
    var(
        "NP_CONFIG_FILE",
        None,
        "A file of NAME=value lines read underneath the environment.",
    ),
    var(
        "NP_LISTEN",
        Some("127.0.0.1:3000"),
        "Address and port the console listens on.",
    ),
    secret(
        "DATABASE_URL",
        "Postgres connection URL. When unset, the console runs a private Postgres under NP_DATA_DIR.",
    ),
    var(
        "NP_DATA_DIR",
        Some(".data"),
        "Folder for the private Postgres cluster (used when DATABASE_URL is unset).",
    ),
    var(
        "NP_PG_BIN_DIR",
        None,
        "Folder with initdb and pg_ctl; found under /usr/lib/postgresql when unset.",
    ),
    var(
        "NP_DB_MAX_CONNECTIONS",
        Some("20"),
        "Most database connections per console replica.",
    ),
    var(
        "NP_NOMAD_ADDR",
        None,
        "Nomad HTTP API address, e.g. http://127.0.0.1:4646.",
    ),
    secret(
        "NP_NOMAD_TOKEN",
        "Nomad ACL token the console uses for platform operations.",
    ),
    var(
        "NP_NOMAD_REGION",
        None,
        "Nomad region to address, when not the agent's own.",
    ),
    var(
        "NP_NOMAD_MAX_CONNECTIONS",
        Some("64"),
        "Most concurrent requests to Nomad (Nomad answers 429 past 100 per client IP by default).",
    ),
    var(
        "NP_CONSUL_ADDR",
        None,
        "Consul HTTP API address, e.g. http://127.0.0.1:8500.",
    ),
    secret(
        "NP_CONSUL_TOKEN",
        "Consul ACL token with read access to the catalog and health.",
    ),
    var(
        "NP_OPENOBSERVE_URL",
        None,
        "OpenObserve base URL, e.g. http://127.0.0.1:5080.",
    ),
    var(
        "NP_OPENOBSERVE_ORG",
        Some("default"),
        "OpenObserve organisation holding the log streams.",
    ),
    var(
        "NP_OPENOBSERVE_LOG_STREAM",
        Some("nomad_logs"),
        "OpenObserve log stream the cluster's log shipper writes task output to.",
    ),
    var(
        "NP_OPENOBSERVE_USER",
        None,
        "OpenObserve user (e-mail or service account); required with the URL.",
    ),
    secret(
        "NP_OPENOBSERVE_PASSWORD",
        "OpenObserve password or service-account token; required with the URL.",
    ),
    var(
        "NP_APPS_DOMAIN",
        Some("apps.localhost"),
        "Domain under which each tenant gets <tenant>.<domain> for its apps' host names.",
    ),
    var(
        "NP_CONTAINER_RUNTIME",
        Some("podman"),
        "Task driver for apps that name none: podman or docker.",
    ),
    var(
        "NP_PUBLIC_URL",
        None,
        "The console's address as browsers reach it, e.g. https://np.example.com (default: http://<NP_LISTEN>). Sign-in redirects and the cross-site request check use it.",
    ),
    var(
        "NP_OIDC_ISSUER",
        None,
        "OpenID Connect issuer URL (its /.well-known/openid-configuration is read). Sign-in is off when unset; API tokens still work.",
    ),
    var(
        "NP_OIDC_CLIENT_ID",
        None,
        "Client ID registered with the provider; required with the issuer.",
    ),
    secret(
        "NP_OIDC_CLIENT_SECRET",
        "Client secret registered with the provider (unset for a public client; PKCE is always used).",
    ),
    var(
        "NP_OIDC_SCOPES",
        Some("openid profile email groups"),
        "Scopes requested at sign-in, separated by spaces.",
    ),
    var(
        "NP_OIDC_GROUPS_CLAIM",
        Some("groups"),
        "ID-token claim holding the user's groups (a list of strings).",
    ),
    var(
        "NP_OIDC_ALGORITHMS",
        Some("RS256,ES256"),
        "ID-token signature algorithms accepted, separated by commas (others are refused).",
    ),
    var(
        "NP_OIDC_ROLE_MAPPING",
        None,
        "Group-to-role mapping, e.g. np-admins=platform:admin,auditors=platform:auditor,acme-devs=acme:developer. Roles: platform:admin, platform:auditor, <tenant>:admin, <tenant>:developer, <tenant>:auditor.",
    ),
    var(
        "NP_DATABASE_ROLE",
        Some("np_app"),
        "Role the console switches to on every database connection (SET ROLE): it may read and append to the \
         audit log but not change it. Empty keeps the login role (use when DATABASE_URL logs in as np_app).",
    ),
    var(
        "NP_TRUSTED_PROXIES",
        None,
        "Comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed; the \
         audit log records the client address they report. Unset: the peer address is recorded.",
    ),
    var(
        "NP_AUDIT_KEY_FILE",
        None,
        "Ed25519 key (64 hex digits) that signs audit checkpoints; created on first start. Keep it outside \
         the database's reach. Default: audit-signing.key under NP_DATA_DIR.",
    ),
    var(
        "NP_AUDIT_CHECKPOINT_FILE",
        None,
        "File signed audit checkpoints are appended to (a copy outside the database that np audit verify also \
         checks). Default: one file per database, audit-checkpoints/<chain id>.ndjson under NP_DATA_DIR.",
    ),
    var(
        "NP_AUDIT_CHECKPOINT_EVERY",
        Some("1000"),
        "Sign a checkpoint of the audit chain after this many new records...",
    ),
    var(
        "NP_AUDIT_CHECKPOINT_SECS",
        Some("300"),
        "...or when the last checkpoint is this old and records were added since.",
    ),
    var(
        "NP_AUDIT_RECONCILE_SECS",
        Some("120"),
        "An action's intent older than this without a result is settled by the reconciler (deploys from \
         Nomad's job versions, others as unknown). Checked at start-up and every minute.",
    ),
    var(
        "NP_ROLLOUT_POLL_SECS",
        Some("2"),
        "How often the console asks Nomad how unfinished rollouts stand, to record each outcome (with the \
         time Nomad reached it) whether or not anyone watches. One replica follows at a time.",
    ),
    var(
        "NP_SESSION_IDLE_MINUTES",
        Some("60"),
        "A session unused this long ends.",
    ),
    var(
        "NP_SESSION_MAX_HOURS",
        Some("12"),
        "Every session ends this long after sign-in.",
    ),
    var(
        "NP_DEPLOYS_PER_MINUTE",
        Some("60"),
        "Deploy submissions one tenant may make per minute (and in one burst); 0 for no limit.",
    ),
    var(
        "NP_STREAMS_PER_USER",
        Some("10"),
        "Live views (app progress, log tails) one person or token may hold open at once; 0 for no limit.",
    ),
    var(
        "NP_UPSTREAM_TIMEOUT_SECS",
        Some("30"),
        "Time limit for ordinary requests to Nomad, Consul and OpenObserve.",
    ),
    var(
        "NP_ADDR",
        Some("http://127.0.0.1:3000"),
        "For the np command-line client (np deploy, status, logs, scale, stop): the console's address.",
    ),
    secret(
        "NP_TOKEN",
        "For the np command-line client: the API token it sends.",
    ),
    var(
        "NP_TENANT",
        None,
        "For the np command-line client: the tenant it acts in.",
    ),
    var(
        "NP_LOG",
        Some("info"),
        "Log filter, e.g. info or info,np=debug (tracing EnvFilter syntax).",
    ),
    var(
        "NP_LOG_FORMAT",
        Some("pretty"),
        "Log format: pretty or json.",
    ),
];

/// The default of `name`, if it has one.
pub fn default_of(name: &str) -> Option<&'static str> {
    VARS.iter().find(|v| v.name == name).and_then(|v| v.default)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = include_str!("../../../docs/CONFIGURATION.md");

    #[test]
    fn every_variable_is_documented_with_its_default() {
        for var in VARS {
            let row = DOC
                .lines()
                .find(|line| line.starts_with(&format!("| `{}` |", var.name)))
                .unwrap_or_else(|| panic!("{} is missing from docs/CONFIGURATION.md", var.name));
            let expected_default = match (var.secret, var.default) {
                (true, _) => "secret".to_owned(),
                (false, Some(d)) => format!("`{d}`"),
                (false, None) => "unset".to_owned(),
            };
            assert!(
                row.contains(&format!("| {expected_default} |")),
                "{}: default should read {expected_default}",
                var.name
            );
        }
    }

    #[test]
    fn the_documentation_lists_no_variable_the_code_does_not_read() {
        for line in DOC.lines().filter(|l| l.starts_with("| `")) {
            let name = line
                .trim_start_matches("| `")
                .split('`')
                .next()
                .unwrap_or_default();
            if name.starts_with("LEPTOS_") {
                continue; // site settings read by Leptos itself, documented for completeness
            }
            assert!(
                VARS.iter().any(|v| v.name == name),
                "{name} is documented but not read"
            );
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = VARS.iter().map(|v| v.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VARS.len());
    }
}
