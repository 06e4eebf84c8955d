//! The OpenID Connect relying party: discovery, the authorization-code flow with PKCE, ID-token validation,
//! JWKS refresh on an unknown key, and the provider's logout endpoint.
//!
//! Discovery happens at the first sign-in, not at start-up, so the console starts (and API tokens work)
//! while the provider is down; a failed discovery is retried at the next sign-in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClient,
    CoreClientAuthMethod, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType,
    CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, JsonWebKeySet, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata, RedirectUrl, Scope,
    SignatureVerificationError, TokenResponse,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use url::Url;

use np_domain::sessions::LoginAttempt;
use np_domain::users::Identity;

/// How far clocks may disagree when checking `exp` and `iat`.
pub const CLOCK_LEEWAY: Duration = Duration::from_secs(60);

/// At most one JWKS refresh per this interval, however many unknown key ids arrive.
pub const JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(30);

/// The provider settings.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// Issuer identifier, exactly as the provider writes it in `iss` (no trailing slash added).
    pub issuer: String,
    /// Client ID.
    pub client_id: String,
    /// Client secret, for a confidential client.
    pub client_secret: Option<SecretString>,
    /// Scopes requested.
    pub scopes: Vec<String>,
    /// Claim holding the groups.
    pub groups_claim: String,
    /// Signature algorithms accepted.
    pub algorithms: Vec<CoreJwsSigningAlgorithm>,
    /// `<public url>/auth/callback`.
    pub redirect_url: Url,
    /// Where the provider sends the browser after logout (`<public url>/`).
    pub post_logout_url: Url,
}

/// The discovery document's logout endpoint (RP-initiated logout), which the core metadata lacks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogoutMetadata {
    /// `end_session_endpoint`.
    pub end_session_endpoint: Option<Url>,
}
impl AdditionalProviderMetadata for LogoutMetadata {}

type Metadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in failed. The code is shown on the sign-in page; details go to the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// Sign-in is not configured.
    #[error("not_configured")]
    NotConfigured,
    /// The provider could not be reached or answered nonsense.
    #[error("provider_unreachable")]
    ProviderUnreachable,
    /// The provider refused (its own `error` parameter, or the code exchange failed).
    #[error("provider_refused")]
    ProviderRefused,
    /// The callback does not belong to a sign-in this browser started (no cookie, expired, replayed).
    #[error("no_attempt")]
    NoAttempt,
    /// `state` does not match.
    #[error("state_mismatch")]
    StateMismatch,
    /// The ID token failed validation (signature, issuer, audience, expiry, nonce, algorithm).
    #[error("invalid_token")]
    InvalidToken,
    /// The user is disabled.
    #[error("disabled")]
    Disabled,
    /// The console's own database failed.
    #[error("unavailable")]
    Unavailable,
}

impl SignInError {
    /// Parses the code shown in `/login?error=`.
    pub fn parse(code: &str) -> Option<Self> {
        Some(match code {
            "not_configured" => Self::NotConfigured,
            "provider_unreachable" => Self::ProviderUnreachable,
            "provider_refused" => Self::ProviderRefused,
            "no_attempt" => Self::NoAttempt,
            "state_mismatch" => Self::StateMismatch,
            "invalid_token" => Self::InvalidToken,
            "disabled" => Self::Disabled,
            "unavailable" => Self::Unavailable,
            _ => return None,
        })
    }
}

/// The outcome of a successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Who.
    pub identity: Identity,
    /// Their groups (from the configured claim).
    pub groups: Vec<String>,
    /// The raw ID token, kept for the logout hint.
    pub id_token: String,
}

struct Discovered {
    metadata: Metadata,
    client: Client,
    fetched: Instant,
}

/// Every sign-in re-reads the discovery document (and key set) before sending the browser to the provider,
/// so a provider that went down gets the console's clear error page rather than a browser error, and moved
/// endpoints and rotated keys are followed. Sign-ins are rare; the two requests are cheap. The callback
/// reuses the copy the sign-in read.
const DISCOVERY_MAX_AGE: Duration = Duration::ZERO;

/// The relying party for one provider.
pub struct Oidc {
    settings: OidcSettings,
    http: reqwest::Client,
    discovered: Mutex<Option<Arc<Discovered>>>,
    last_jwks_refresh: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer", &self.settings.issuer)
            .finish_non_exhaustive()
    }
}

impl Oidc {
    /// A relying party for `settings`; nothing is fetched yet.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(settings: OidcSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // Following redirects would let a provider redirect token requests elsewhere (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self {
            settings,
            http,
            discovered: Mutex::new(None),
            last_jwks_refresh: Mutex::new(None),
        })
    }

    async fn discovered(&self) -> Result<Arc<Discovered>, SignInError> {
        self.discovered_within(None).await
    }

    async fn discovered_within(
        &self,
        max_age: Option<Duration>,
    ) -> Result<Arc<Discovered>, SignInError> {
        let mut slot = self.discovered.lock().await;
        if let Some(d) = slot.as_ref()
            && max_age.is_none_or(|age| d.fetched.elapsed() < age)
        {
            return Ok(d.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(|e| {
            tracing::warn!(error = %e, "NP_OIDC_ISSUER is not a URL");
            SignInError::NotConfigured
        })?;
        let metadata = Metadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, issuer = %self.settings.issuer, "OIDC discovery failed");
                SignInError::ProviderUnreachable
            })?;
        let d = Arc::new(self.build(metadata));
        *slot = Some(d.clone());
        Ok(d)
    }

    /// The issuer identifier.
    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    fn build(&self, metadata: Metadata) -> Discovered {
        let client = CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.settings.client_id.clone()),
            self.settings
                .client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.expose_secret().to_owned())),
        )
        .set_redirect_uri(RedirectUrl::from_url(self.settings.redirect_url.clone()));
        Discovered {
            metadata,
            client,
            fetched: Instant::now(),
        }
    }

    /// Starts a sign-in: the provider URL to send the browser to, and what to remember until it comes back.
    ///
    /// # Errors
    /// `ProviderUnreachable` when discovery fails.
    pub async fn begin(&self, next_path: &str) -> Result<(Url, LoginAttempt), SignInError> {
        let d = self.discovered_within(Some(DISCOVERY_MAX_AGE)).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = d.client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok((
            url,
            LoginAttempt {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                next_path: next_path.to_owned(),
            },
        ))
    }

    /// Finishes a sign-in: exchanges `code` (with the PKCE verifier) and validates the ID token against the
    /// attempt's nonce. An unknown signing key triggers one JWKS refresh (rate-limited) and a second check.
    ///
    /// # Errors
    /// `ProviderRefused` when the exchange fails; `InvalidToken` when validation does.
    pub async fn finish(
        &self,
        code: &str,
        attempt: &LoginAttempt,
    ) -> Result<SignedIn, SignInError> {
        let d = self.discovered().await?;
        let response = d
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| {
                tracing::warn!(error = %e, "the provider has no token endpoint");
                SignInError::ProviderUnreachable
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(attempt.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "OIDC code exchange failed");
                match e {
                    openidconnect::RequestTokenError::ServerResponse(_) => {
                        SignInError::ProviderRefused
                    }
                    _ => SignInError::ProviderUnreachable,
                }
            })?;
        let Some(id_token) = response.id_token() else {
            tracing::warn!("the token response has no ID token");
            return Err(SignInError::InvalidToken);
        };
        let nonce = Nonce::new(attempt.nonce.clone());
        let mut current = d;
        let mut refreshed = false;
        loop {
            match self.verify(&current, id_token, &nonce) {
                Ok(identity) => {
                    let raw = id_token.to_string();
                    let groups = groups_claim(&raw, &self.settings.groups_claim);
                    return Ok(SignedIn {
                        identity,
                        groups,
                        id_token: raw,
                    });
                }
                Err(ClaimsVerificationError::SignatureVerification(
                    SignatureVerificationError::NoMatchingKey,
                )) if !refreshed => {
                    refreshed = true;
                    match self.refresh_jwks(&current).await {
                        Some(next) => current = next,
                        None => return Err(SignInError::InvalidToken),
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "ID token refused");
                    return Err(SignInError::InvalidToken);
                }
            }
        }
    }

    fn verify(
        &self,
        d: &Discovered,
        id_token: &openidconnect::core::CoreIdToken,
        nonce: &Nonce,
    ) -> Result<Identity, ClaimsVerificationError> {
        let leeway = chrono::Duration::from_std(CLOCK_LEEWAY).unwrap_or_default();
        let verifier = d
            .client
            .id_token_verifier()
            .set_allowed_algs(self.settings.algorithms.clone())
            .set_time_fn(move || chrono::Utc::now() - leeway)
            .set_issue_time_verifier_fn(move |iat| {
                if iat > chrono::Utc::now() + leeway {
                    Err("issued in the future".into())
                } else {
                    Ok(())
                }
            });
        let claims = id_token.claims(&verifier, nonce)?;
        Ok(Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            display_name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string())
                .or_else(|| claims.preferred_username().map(|u| u.to_string())),
        })
    }

    /// Fetches the JWKS again unless it was fetched within [`JWKS_REFRESH_INTERVAL`].
    async fn refresh_jwks(&self, current: &Arc<Discovered>) -> Option<Arc<Discovered>> {
        {
            let mut last = self.last_jwks_refresh.lock().await;
            if last.is_some_and(|t| t.elapsed() < JWKS_REFRESH_INTERVAL) {
                tracing::warn!(
                    "unknown signing key, and the key set was refreshed moments ago: refused"
                );
                return None;
            }
            *last = Some(Instant::now());
        }
        let jwks: JsonWebKeySet<CoreJsonWebKey> =
            match JsonWebKeySet::fetch_async(current.metadata.jwks_uri(), &self.http).await {
                Ok(jwks) => jwks,
                Err(e) => {
                    tracing::warn!(error = %e, "refreshing the provider's key set failed");
                    return None;
                }
            };
        let metadata = current.metadata.clone().set_jwks(jwks);
        let next = Arc::new(self.build(metadata));
        *self.discovered.lock().await = Some(next.clone());
        tracing::info!("refreshed the provider's key set after an unknown key id");
        Some(next)
    }

    /// The provider's logout URL for a session that signed in with `id_token`, if the provider has one.
    pub async fn logout_url(&self, id_token: Option<&str>) -> Option<Url> {
        let d = self.discovered().await.ok()?;
        let mut url = d
            .metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(hint) = id_token {
                q.append_pair("id_token_hint", hint);
            }
            q.append_pair("client_id", &self.settings.client_id);
            q.append_pair(
                "post_logout_redirect_uri",
                self.settings.post_logout_url.as_str(),
            );
        }
        Some(url)
    }
}

/// The groups in a verified ID token's payload (`claim` as a list of strings, or one string).
fn groups_claim(raw: &str, claim: &str) -> Vec<String> {
    let Some(payload) = raw.split('.').nth(1) else {
        return Vec::new();
    };
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload) else {
        return Vec::new();
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Vec::new();
    };
    match value.get(claim) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// Parses `NP_OIDC_ALGORITHMS`.
///
/// # Errors
/// The first unknown or unsafe name.
pub fn parse_algorithms(text: &str) -> Result<Vec<CoreJwsSigningAlgorithm>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| {
            Ok(match a {
                "RS256" => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                "RS384" => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
                "RS512" => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
                "PS256" => CoreJwsSigningAlgorithm::RsaSsaPssSha256,
                "PS384" => CoreJwsSigningAlgorithm::RsaSsaPssSha384,
                "PS512" => CoreJwsSigningAlgorithm::RsaSsaPssSha512,
                "ES256" => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
                "ES384" => CoreJwsSigningAlgorithm::EcdsaP384Sha384,
                "EdDSA" => CoreJwsSigningAlgorithm::EdDsa,
                other => return Err(format!("{other:?} is not an accepted signature algorithm")),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_read_from_the_payload() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"groups":["a","b",3],"team":"x"}"#);
        let raw = format!("h.{payload}.s");
        assert_eq!(groups_claim(&raw, "groups"), ["a", "b"]);
        assert_eq!(groups_claim(&raw, "team"), ["x"]);
        assert!(groups_claim(&raw, "none").is_empty());
        assert!(groups_claim("garbage", "groups").is_empty());
    }

    #[test]
    fn algorithms_are_pinned_and_none_or_hmac_refused() {
        assert_eq!(parse_algorithms("RS256, ES256").unwrap().len(), 2);
        assert!(parse_algorithms("none").is_err());
        assert!(parse_algorithms("HS256").is_err());
    }
}
