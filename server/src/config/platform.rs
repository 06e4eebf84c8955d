//! The platform's settings for every tenant: the apps domain, the default runtime, the log stream.

use np_domain::Platform;
use np_spec::spec::Runtime;

use super::{ConfigError, Source};

/// Reads `NP_APPS_DOMAIN` and `NP_CONTAINER_RUNTIME`.
///
/// # Errors
/// An invalid domain or runtime.
pub fn platform(source: &Source) -> Result<Platform, ConfigError> {
    let apps_domain = source
        .value_or_default("NP_APPS_DOMAIN")
        .unwrap_or_default()
        .to_owned();
    np_spec::validate::check_host(&apps_domain).map_err(|message| ConfigError::Invalid {
        name: "NP_APPS_DOMAIN",
        message: format!("{apps_domain:?} is not a domain name: {message}"),
    })?;
    let default_runtime = match source.value_or_default("NP_CONTAINER_RUNTIME") {
        Some("podman") | None => Runtime::Podman,
        Some("docker") => Runtime::Docker,
        Some(other) => {
            return Err(ConfigError::Invalid {
                name: "NP_CONTAINER_RUNTIME",
                message: format!("{other:?} is not podman or docker"),
            });
        }
    };
    let log_stream = source
        .value_or_default("NP_OPENOBSERVE_LOG_STREAM")
        .unwrap_or_default()
        .to_owned();
    if log_stream.is_empty()
        || !log_stream
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(ConfigError::Invalid {
            name: "NP_OPENOBSERVE_LOG_STREAM",
            message: format!("{log_stream:?} is not a stream name (letters, digits, underscores)"),
        });
    }
    Ok(Platform {
        apps_domain,
        default_runtime,
        log_stream,
        console_host: None,
    })
}
