//! The naming scheme: tenant slugs and app names, and the names derived from them for Nomad, Consul and Traefik.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name is empty.
    #[error("must not be empty")]
    Empty,
    /// The name is longer than allowed.
    #[error("must be at most {max} characters (got {len})")]
    TooLong {
        /// The limit.
        max: usize,
        /// The length given.
        len: usize,
    },
    /// The name is shorter than allowed.
    #[error("must be at least {min} characters")]
    TooShort {
        /// The limit.
        min: usize,
    },
    /// The first character is not a lowercase letter.
    #[error("must start with a lowercase letter (a-z)")]
    BadStart,
    /// The name ends with a hyphen.
    #[error("must end with a lowercase letter or digit")]
    BadEnd,
    /// The name contains a character outside a-z, 0-9 and `-`.
    #[error("may contain only lowercase letters, digits and single hyphens; found {0:?}")]
    BadChar(char),
    /// The name contains `--`, which the derived names use as a separator.
    #[error("must not contain two hyphens in a row")]
    DoubleHyphen,
}

/// Checks a DNS-label-like slug: `^[a-z][a-z0-9-]*[a-z0-9]$`, no `--`, length within `min..=max`.
pub fn check_slug(value: &str, min: usize, max: usize) -> Result<(), NameError> {
    let len = value.chars().count();
    if len == 0 {
        return Err(NameError::Empty);
    }
    if len > max {
        return Err(NameError::TooLong { max, len });
    }
    if len < min {
        return Err(NameError::TooShort { min });
    }
    if let Some(c) = value
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '-'))
    {
        return Err(NameError::BadChar(c));
    }
    if !value.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(NameError::BadStart);
    }
    if value.ends_with('-') {
        return Err(NameError::BadEnd);
    }
    if value.contains("--") {
        return Err(NameError::DoubleHyphen);
    }
    Ok(())
}

/// A tenant's short name: 2–30 characters, used as the prefix of every name the tenant owns.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantSlug(String);

impl TenantSlug {
    /// The longest slug: short enough that `<tenant>--<app>` stays a valid 63-character DNS label.
    pub const MAX_LEN: usize = 30;

    /// Validates `value` as a tenant slug.
    pub fn parse(value: &str) -> Result<Self, NameError> {
        check_slug(value, 2, Self::MAX_LEN)?;
        Ok(Self(value.to_owned()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The Nomad namespace that holds the tenant's jobs: the slug itself, so Nomad's own tools read naturally.
    pub fn nomad_namespace(&self) -> String {
        self.0.clone()
    }
}

impl TryFrom<String> for TenantSlug {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TenantSlug> for String {
    fn from(slug: TenantSlug) -> Self {
        slug.0
    }
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An app's name within its tenant: 2–30 characters, the same shape as a tenant slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AppName(String);

impl AppName {
    /// The longest app name: `<tenant>--<app>` must fit a 63-character DNS label.
    pub const MAX_LEN: usize = 30;

    /// Validates `value` as an app name.
    pub fn parse(value: &str) -> Result<Self, NameError> {
        check_slug(value, 2, Self::MAX_LEN)?;
        Ok(Self(value.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AppName {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<AppName> for String {
    fn from(name: AppName) -> Self {
        name.0
    }
}

impl fmt::Display for AppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Separates the parts of every derived name. Neither tenant slugs nor app names can contain it (nor start or
/// end with a hyphen), so the first `--` of a name is always where the tenant ends and the app begins: no two
/// (tenant, app) pairs share a job, service or router name.
pub const SEPARATOR: &str = "--";

/// The names an app is known by in Nomad, Consul and Traefik. All carry the tenant, because Consul CE and
/// Traefik have one global name space for every tenant: `<tenant>--<app>` and what follows from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedNames {
    /// Nomad job ID (also the Consul service name of the primary port): `<tenant>--<app>`.
    pub job: String,
}

impl DerivedNames {
    /// The names of `app` in `tenant`.
    pub fn new(tenant: &TenantSlug, app: &AppName) -> Self {
        Self {
            job: format!("{tenant}{SEPARATOR}{app}"),
        }
    }

    /// What every job of `tenant` starts with.
    pub fn job_prefix(tenant: &str) -> String {
        format!("{tenant}{SEPARATOR}")
    }

    /// The tenant and app a job ID names, when it follows the scheme.
    pub fn parse_job(job: &str) -> Option<(TenantSlug, AppName)> {
        let (tenant, app) = job.split_once(SEPARATOR)?;
        Some((TenantSlug::parse(tenant).ok()?, AppName::parse(app).ok()?))
    }

    /// The app `tenant`'s job `job` runs, when the job is one of the tenant's.
    pub fn app_of(tenant: &str, job: &str) -> Option<AppName> {
        Self::parse_job(job)
            .filter(|(t, _)| t.as_str() == tenant)
            .map(|(_, app)| app)
    }

    /// The Consul service of a port: the job name for the primary port, `<job>--<port>` for others (port names
    /// are lower-case letters, digits and `_`, written with `-` for DNS).
    pub fn service(&self, port: &str, primary: bool) -> String {
        if primary {
            self.job.clone()
        } else {
            format!("{}{SEPARATOR}{}", self.job, port.replace('_', "-"))
        }
    }

    /// Whether `service` is one of this app's Consul services.
    pub fn owns_service(&self, service: &str) -> bool {
        service == self.job
            || service
                .strip_prefix(self.job.as_str())
                .and_then(|rest| rest.strip_prefix(SEPARATOR))
                .is_some_and(|port| !port.is_empty())
    }

    /// The Traefik router of the `index`th route.
    pub fn router(&self, index: usize) -> String {
        format!("{}{SEPARATOR}r{index}", self.job)
    }

    /// The Traefik router serving unpromoted canaries of the `index`th route.
    pub fn canary_router(&self, index: usize) -> String {
        format!("{}{SEPARATOR}r{index}{SEPARATOR}canary", self.job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_slugs() {
        for ok in ["ab", "acme", "team-7", "a1", "x".repeat(30).as_str()] {
            assert!(TenantSlug::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_each_bad_shape_with_its_reason() {
        assert_eq!(TenantSlug::parse(""), Err(NameError::Empty));
        assert_eq!(TenantSlug::parse("a"), Err(NameError::TooShort { min: 2 }));
        assert_eq!(
            TenantSlug::parse(&"a".repeat(31)),
            Err(NameError::TooLong { max: 30, len: 31 })
        );
        assert_eq!(TenantSlug::parse("Acme"), Err(NameError::BadChar('A')));
        assert_eq!(TenantSlug::parse("1acme"), Err(NameError::BadStart));
        assert_eq!(TenantSlug::parse("-acme"), Err(NameError::BadStart));
        assert_eq!(TenantSlug::parse("acme-"), Err(NameError::BadEnd));
        assert_eq!(TenantSlug::parse("ac--me"), Err(NameError::DoubleHyphen));
        assert_eq!(TenantSlug::parse("ac me"), Err(NameError::BadChar(' ')));
        assert_eq!(TenantSlug::parse("acmé"), Err(NameError::BadChar('é')));
        assert_eq!(TenantSlug::parse("a${x}"), Err(NameError::BadChar('$')));
    }

    #[test]
    fn deserialising_validates() {
        let ok: Result<TenantSlug, _> = serde_json::from_str("\"acme\"");
        assert_eq!(ok.unwrap().nomad_namespace(), "acme");
        assert!(serde_json::from_str::<TenantSlug>("\"ACME\"").is_err());
    }
}

#[cfg(test)]
mod derived_tests {
    use super::*;

    #[test]
    fn derived_names_carry_the_tenant_and_fit_a_dns_label() {
        let tenant = TenantSlug::parse(&"t".repeat(TenantSlug::MAX_LEN)).unwrap();
        let app = AppName::parse(&"a".repeat(AppName::MAX_LEN)).unwrap();
        let names = DerivedNames::new(&tenant, &app);
        assert!(names.job.len() <= 63);
        let acme = DerivedNames::new(
            &TenantSlug::parse("acme").unwrap(),
            &AppName::parse("web").unwrap(),
        );
        assert_eq!(acme.job, "acme--web");
        assert_eq!(acme.service("http", true), "acme--web");
        assert_eq!(acme.service("admin_api", false), "acme--web--admin-api");
        assert_eq!(
            (acme.router(0), acme.canary_router(1)),
            ("acme--web--r0".into(), "acme--web--r1--canary".into())
        );
        assert!(acme.owns_service("acme--web--admin-api"));
        assert!(!acme.owns_service("acme--web-admin"));
        assert!(!acme.owns_service("acme--webshop"));
        assert_eq!(
            DerivedNames::app_of("acme", "acme--web").map(|a| a.to_string()),
            Some("web".into())
        );
        assert_eq!(DerivedNames::app_of("acme", "acme-shop--web"), None);
        assert_eq!(DerivedNames::app_of("acme", "acme-web"), None);
    }
}
