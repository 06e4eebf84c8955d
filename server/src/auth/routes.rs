//! `/auth/login`, `/auth/callback` and `/auth/logout`.
//!
//! Every failure lands on `/login?error=<code>`, a page that never redirects by itself, so a broken provider
//! cannot cause a redirect loop.

use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use np_domain::authz::Origin;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::oidc::{SignInError, SignedIn};
use super::{LOGIN_COOKIE, SESSION_COOKIE, cookie, set_cookie};
use crate::state::AppState;

/// `?next=` of `/auth/login`.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only the console's own paths: one leading `/`, not `//` or `/\` (which browsers read as another host), no
/// control characters. Anything else becomes `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.contains('\\')
                && path.len() <= 2048
                && !path.chars().any(char::is_control)
                && !path.starts_with("/auth/") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn to_login_page(error: SignInError) -> Response {
    to_login_page_then(error, "/")
}

/// The sign-in page with `error`, offering to start again towards `next`.
fn to_login_page_then(error: SignInError, next: &str) -> Response {
    let target = if next == "/" {
        format!("/login?error={error}")
    } else {
        format!("/login?error={error}&next={}", crate::client::percent(next))
    };
    let mut response = Redirect::to(&target).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", 0));
    response
}

/// Starts a sign-in: remembers state, nonce and PKCE verifier, and sends the browser to the provider.
pub async fn login(
    State(state): State<AppState>,
    Query(q): Query<LoginQuery>,
    client: Option<axum::Extension<np_domain::authz::Origin>>,
) -> Response {
    let Some(oidc) = state.auth.oidc.as_ref() else {
        return to_login_page(SignInError::NotConfigured);
    };
    let next = safe_next(q.next.as_deref());
    let (url, attempt) = match oidc.begin(&next).await {
        Ok(started) => started,
        Err(e) => return to_login_page_then(e, &next),
    };
    let client = client
        .and_then(|axum::Extension(origin)| origin.ip)
        .unwrap_or_default();
    let cookie_value =
        match np_domain::sessions::begin_login(&state.services.db, &client, &attempt).await {
            Ok(value) => value,
            Err(e) => {
                tracing::error!(error = %e, "recording a sign-in attempt failed");
                return to_login_page(SignInError::Unavailable);
            }
        };
    let mut response = Redirect::to(url.as_str()).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LOGIN_COOKIE,
            &cookie_value,
            np_domain::sessions::LOGIN_ATTEMPT_LIFETIME.whole_seconds(),
        ),
    );
    response
}

/// The provider's answer.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Finishes a sign-in: checks the attempt and `state`, exchanges the code, validates the ID token, maps the
/// groups to roles, and starts a fresh session.
pub async fn callback(
    State(state): State<AppState>,
    origin: Option<Extension<Origin>>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let Some(oidc) = state.auth.oidc.as_ref() else {
        return to_login_page(SignInError::NotConfigured);
    };
    let Some(attempt_cookie) = cookie(&headers, LOGIN_COOKIE) else {
        tracing::warn!("sign-in callback without a sign-in in progress");
        return to_login_page(SignInError::NoAttempt);
    };
    let attempt = match np_domain::sessions::take_login(&state.services.db, attempt_cookie).await {
        Ok(Some(attempt)) => attempt,
        Ok(None) => {
            tracing::warn!("sign-in callback for an unknown, used or expired attempt");
            return to_login_page(SignInError::NoAttempt);
        }
        Err(e) => {
            tracing::error!(error = %e, "reading the sign-in attempt failed");
            return to_login_page(SignInError::Unavailable);
        }
    };
    let origin = origin.map(|o| o.0).unwrap_or_default();
    let session = match finish_sign_in(&state, oidc, &attempt, q, &headers, &origin).await {
        Ok(session) => session,
        Err((error, identity)) => {
            record_sign_in_failure(&state, origin, &error, identity.as_ref()).await;
            return to_login_page_then(error, &attempt.next_path);
        }
    };
    let mut response = Redirect::to(&attempt.next_path).into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", 0));
    headers.append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &session,
            state.auth.lifetimes.absolute.whole_seconds(),
        ),
    );
    response
}

/// The checks and exchanges after the attempt was found: the provider's answer, the ID token, the session.
/// A failure comes with the identity when it was already known.
async fn finish_sign_in(
    state: &AppState,
    oidc: &super::oidc::Oidc,
    attempt: &np_domain::sessions::LoginAttempt,
    q: CallbackQuery,
    headers: &HeaderMap,
    origin: &Origin,
) -> Result<String, (SignInError, Option<np_domain::users::Identity>)> {
    let returned_state = q.state.unwrap_or_default();
    if !bool::from(returned_state.as_bytes().ct_eq(attempt.state.as_bytes())) {
        tracing::warn!("sign-in callback with the wrong state");
        return Err((SignInError::StateMismatch, None));
    }
    if let Some(error) = q.error {
        tracing::warn!(
            provider_error = error.chars().take(100).collect::<String>(),
            "the provider refused the sign-in"
        );
        return Err((SignInError::ProviderRefused, None));
    }
    let Some(code) = q.code else {
        return Err((SignInError::ProviderRefused, None));
    };
    let signed_in = oidc.finish(&code, attempt).await.map_err(|e| (e, None))?;
    start_session(state, &signed_in, cookie(headers, SESSION_COOKIE), origin)
        .await
        .map_err(|e| (e, Some(signed_in.identity.clone())))
}

/// Records a failed sign-in (after a sign-in this browser started was found).
async fn record_sign_in_failure(
    state: &AppState,
    origin: Origin,
    error: &SignInError,
    identity: Option<&np_domain::users::Identity>,
) {
    let actor = np_domain::audit::Actor::anonymous(
        origin,
        identity.map(|i| i.issuer.clone()),
        identity.map(|i| i.subject.clone()),
    );
    let record = np_domain::audit::Record::new("auth.sign_in")
        .details(json!({ "error": error.to_string() }));
    if let Err(e) = np_domain::audit::event(
        &state.services.db,
        &actor,
        &record,
        np_domain::audit::Outcome::Failure,
    )
    .await
    {
        tracing::error!(error = %e, "recording a failed sign-in failed");
    }
}

async fn start_session(
    state: &AppState,
    signed_in: &SignedIn,
    previous: Option<&str>,
    origin: &Origin,
) -> Result<String, SignInError> {
    let unavailable = |e: np_domain::DomainError| {
        tracing::error!(error = %e, "recording the sign-in failed");
        SignInError::Unavailable
    };
    let mut tx = state
        .services
        .db
        .begin()
        .await
        .map_err(|e| unavailable(e.into()))?;
    let user = np_domain::users::upsert(&mut *tx, &signed_in.identity)
        .await
        .map_err(unavailable)?;
    if user.disabled_at.is_some() {
        tracing::warn!(user = %user.id, "a disabled user tried to sign in");
        return Err(SignInError::Disabled);
    }
    let roles = state.auth.mapping.resolve(&signed_in.groups);
    np_domain::users::set_platform_role(&mut *tx, user.id, roles.platform)
        .await
        .map_err(unavailable)?;
    np_domain::memberships::sync_at_sign_in(&mut tx, &user, &roles.tenants)
        .await
        .map_err(unavailable)?;
    let session = np_domain::sessions::create(
        &mut tx,
        user.id,
        state.auth.lifetimes,
        Some(&signed_in.id_token),
        previous,
    )
    .await
    .map_err(unavailable)?;
    let actor = np_domain::audit::Actor {
        kind: "user",
        user_id: Some(user.id),
        issuer: Some(user.issuer.clone()),
        subject: Some(user.subject.clone()),
        name: user.display_name.clone(),
        origin: origin.clone(),
    };
    let record = np_domain::audit::Record::new("auth.sign_in")
        .target("user", user.id.to_string())
        .details(json!({
            "platform_role": roles.platform.map(|r| r.as_str()),
            "mapped_roles": roles.tenants.iter().map(|(t, r)| json!({"tenant": t, "role": r.as_str()})).collect::<Vec<_>>(),
            "groups": signed_in.groups,
        }));
    np_domain::audit::event(
        &mut *tx,
        &actor,
        &record,
        np_domain::audit::Outcome::Success,
    )
    .await
    .map_err(unavailable)?;
    tx.commit().await.map_err(|e| unavailable(e.into()))?;
    tracing::info!(user = %user.id, "signed in");
    Ok(session)
}

/// Ends the session; sends the browser to the provider's logout when it has one, else to `/`.
pub async fn logout(
    State(state): State<AppState>,
    caller: Option<Extension<np_domain::authz::Caller>>,
    headers: HeaderMap,
) -> Response {
    let id_token = match cookie(&headers, SESSION_COOKIE) {
        Some(value) => match np_domain::sessions::end(&state.services.db, value).await {
            Ok(id_token) => {
                if let Some(Extension(caller)) = &caller {
                    let record = np_domain::audit::Record::new("auth.sign_out");
                    let actor = np_domain::audit::Actor::of(caller);
                    if let Err(e) = np_domain::audit::event(
                        &state.services.db,
                        &actor,
                        &record,
                        np_domain::audit::Outcome::Success,
                    )
                    .await
                    {
                        tracing::error!(error = %e, "recording a sign-out failed");
                    }
                }
                id_token
            }
            Err(e) => {
                tracing::error!(error = %e, "ending a session failed");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the console's database is unavailable",
                )
                    .into_response();
            }
        },
        None => None,
    };
    let target = match state.auth.oidc.as_ref() {
        Some(oidc) if id_token.is_some() => oidc
            .logout_url(id_token.as_deref())
            .await
            .map_or_else(|| "/".to_owned(), |u| u.to_string()),
        _ => "/".to_owned(),
    };
    let mut response = Redirect::to(&target).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_own_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/t/acme/apps?x=1")), "/t/acme/apps?x=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/x\\y",
            "javascript:alert(1)",
            "/auth/login",
            "/a\nb",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
