//! Container image references: `[registry/]repository(:tag|@digest)`, normalised the way Docker does.

use std::fmt;

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Registry host (with port), e.g. `docker.io`, `ghcr.io`, `registry.example.com:5000`.
    pub registry: String,
    /// Repository path, e.g. `library/nginx`, `acme/web`.
    pub repository: String,
    /// Tag, if given.
    pub tag: Option<String>,
    /// Digest (`sha256:…`), if given.
    pub digest: Option<String>,
}

impl fmt::Display for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

fn valid_component(c: &str) -> bool {
    // [a-z0-9]+([._-][a-z0-9]+)* (with `__` allowed, as the distribution spec does)
    !c.is_empty()
        && c.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        && c.ends_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        && c.chars().all(|ch| {
            ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '.' | '_' | '-')
        })
        && !c.contains("..")
        && !c.contains("--.")
}

fn valid_tag(t: &str) -> bool {
    (1..=128).contains(&t.len())
        && t.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn valid_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    })
}

fn looks_like_registry(first: &str) -> bool {
    first.contains('.') || first.contains(':') || first == "localhost"
}

fn is_ip_literal(host: &str) -> bool {
    let host = host.split(':').next().unwrap_or(host);
    host.parse::<std::net::Ipv4Addr>().is_ok()
        || host.starts_with('[')
        || host.chars().all(|c| c.is_ascii_digit() || c == '.')
}

impl Image {
    /// Parses and normalises `reference` (`nginx:1.27` → `docker.io/library/nginx:1.27`). A tag or digest is
    /// required; registries must be named hosts, not IP addresses or localhost.
    pub fn parse(reference: &str) -> Result<Self, String> {
        if reference.trim().is_empty() {
            return Err("is required".into());
        }
        let reference = reference.strip_prefix("docker://").unwrap_or(reference);
        if let Some((transport, _)) = reference
            .split_once(':')
            .filter(|(t, rest)| !t.contains('/') && rest.starts_with('/') && !t.contains('.'))
        {
            return Err(format!(
                "the {transport:?} transport reads files on the node and is not allowed; use a registry image"
            ));
        }
        if reference.len() > 512
            || reference
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err("must be a single image reference without spaces".into());
        }
        let (name, digest) = match reference.split_once('@') {
            Some((name, digest)) => {
                if !valid_digest(digest) {
                    return Err(format!(
                        "digest {digest:?} must be sha256: followed by 64 lowercase hex digits"
                    ));
                }
                (name, Some(digest.to_owned()))
            }
            None => (reference, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (path, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (
                &name[..last_slash + i],
                Some(name[last_slash + i + 1..].to_owned()),
            ),
            None => (name, None),
        };
        if let Some(tag) = &tag
            && !valid_tag(tag)
        {
            return Err(format!(
                "tag {tag:?} may contain only letters, digits, '_', '.' and '-' (at most 128)"
            ));
        }
        let mut parts: Vec<&str> = path.split('/').collect();
        let registry = if parts.len() > 1 && looks_like_registry(parts[0]) {
            parts.remove(0).to_owned()
        } else {
            "docker.io".to_owned()
        };
        let host = registry.split(':').next().unwrap_or_default();
        if host.eq_ignore_ascii_case("localhost") || is_ip_literal(&registry) {
            return Err(format!(
                "registry {registry:?} must be a named registry host, not an address"
            ));
        }
        if !registry
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        {
            return Err(format!("registry {registry:?} is not a valid host name"));
        }
        if parts.iter().any(|c| !valid_component(c)) {
            return Err("repository names may contain only lowercase letters, digits and single separators (., _, -)".into());
        }
        if registry == "docker.io" && parts.len() == 1 {
            parts.insert(0, "library");
        }
        if tag.is_none() && digest.is_none() {
            return Err(format!(
                "add a tag or a digest (for example {}:1.0); an implicit \"latest\" is not allowed",
                path
            ));
        }
        Ok(Self {
            registry: registry.to_ascii_lowercase(),
            repository: parts.join("/"),
            tag,
            digest,
        })
    }

    /// Whether the image comes from one of `allowed` (registry hosts or `host/path` prefixes).
    pub fn allowed_by(&self, allowed: &[String]) -> bool {
        allowed.is_empty()
            || allowed.iter().any(|prefix| {
                let full = format!("{}/{}", self.registry, self.repository);
                let prefix = prefix.trim_end_matches('/');
                full == prefix || full.starts_with(&format!("{prefix}/"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_normalise_like_docker() {
        let cases = [
            ("nginx:1.27", "docker.io/library/nginx:1.27"),
            ("docker://redis:7", "docker.io/library/redis:7"),
            ("acme/web:v2", "docker.io/acme/web:v2"),
            ("ghcr.io/acme/web:1.4.2", "ghcr.io/acme/web:1.4.2"),
            (
                "registry.example.com:5000/team/app:prod",
                "registry.example.com:5000/team/app:prod",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                Image::parse(input).unwrap().to_string(),
                expected,
                "{input}"
            );
        }
        let digest = format!("nginx@sha256:{}", "a".repeat(64));
        assert_eq!(
            Image::parse(&digest).unwrap().digest.as_deref(),
            Some(format!("sha256:{}", "a".repeat(64)).as_str())
        );
    }

    #[test]
    fn unsafe_or_vague_references_are_refused() {
        for bad in [
            "",
            "nginx",
            "127.0.0.1:4646/x:1",
            "169.254.169.254/latest:1",
            "localhost:5000/app:1",
            "oci-archive:/tmp/x.tar",
            "docker-archive:/etc/passwd",
            "Nginx:1",
            "nginx:1 --privileged",
            "nginx@sha256:short",
            "nginx:bad/tag",
        ] {
            assert!(Image::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn allow_lists_match_hosts_and_path_prefixes() {
        let image = Image::parse("ghcr.io/acme/web:1").unwrap();
        assert!(image.allowed_by(&[]));
        assert!(image.allowed_by(&["ghcr.io".into()]));
        assert!(image.allowed_by(&["ghcr.io/acme".into()]));
        assert!(!image.allowed_by(&["ghcr.io/acm".into()]));
        assert!(!image.allowed_by(&["docker.io".into()]));
    }
}
