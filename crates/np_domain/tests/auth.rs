//! Sessions, sign-in attempts, API tokens, invites and the sign-in membership sync, against a real Postgres.

use np_domain::DomainError;
use np_domain::api_tokens;
use np_domain::authz::{Action, Principal};
use np_domain::memberships::{self, Invitee, TenantRole};
use np_domain::sessions::{self, LoginAttempt, SessionLifetimes};
use np_domain::tenants::{self, NewTenant, TenantSettings};
use np_domain::users::{self, Identity};
use np_spec::names::TenantSlug;
use sqlx::PgPool;
use time::Duration;

const LIFETIMES: SessionLifetimes = SessionLifetimes {
    idle: Duration::minutes(30),
    absolute: Duration::hours(8),
};

async fn tenant(pool: &PgPool, slug: &str) -> tenants::Tenant {
    tenants::insert(
        pool,
        &NewTenant {
            slug: TenantSlug::parse(slug).unwrap(),
            display_name: slug.into(),
            settings: TenantSettings::default(),
        },
    )
    .await
    .unwrap()
}

async fn user(pool: &PgPool, subject: &str, email: &str) -> users::User {
    users::upsert(
        pool,
        &Identity {
            issuer: "https://idp.test".into(),
            subject: subject.into(),
            email: Some(email.into()),
            display_name: Some(subject.into()),
        },
    )
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_login_attempt_can_be_taken_once(pool: PgPool) {
    let attempt = LoginAttempt {
        state: "s".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        next_path: "/deploy".into(),
    };
    let cookie = sessions::begin_login(&pool, "192.0.2.1", &attempt)
        .await
        .unwrap();
    assert_eq!(
        sessions::take_login(&pool, &cookie).await.unwrap(),
        Some(attempt.clone())
    );
    assert_eq!(sessions::take_login(&pool, &cookie).await.unwrap(), None);
    assert_eq!(sessions::take_login(&pool, "forged").await.unwrap(), None);
    // Only a hash is stored.
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM login_attempts WHERE state = $1")
        .bind(&cookie)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[sqlx::test(migrations = "../../migrations")]
async fn sign_ins_in_progress_are_bounded_per_client(pool: PgPool) {
    let attempt = LoginAttempt {
        state: "s".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        next_path: "/".into(),
    };
    // An unauthenticated client starting sign-in after sign-in keeps only its last few.
    let mut cookies = Vec::new();
    for _ in 0..100 {
        cookies.push(
            sessions::begin_login(&pool, "203.0.113.9", &attempt)
                .await
                .unwrap(),
        );
    }
    sessions::begin_login(&pool, "198.51.100.7", &attempt)
        .await
        .unwrap();
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT client, count(*) FROM login_attempts GROUP BY client ORDER BY client",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            ("198.51.100.7".to_owned(), 1),
            (
                "203.0.113.9".to_owned(),
                sessions::LOGIN_ATTEMPTS_PER_CLIENT
            )
        ]
    );
    // Its newest still works; its oldest are gone.
    assert!(
        sessions::take_login(&pool, cookies.last().unwrap())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        sessions::take_login(&pool, &cookies[0])
            .await
            .unwrap()
            .is_none()
    );
    // Expired attempts go when the next one starts.
    sqlx::query("UPDATE login_attempts SET created_at = now() - interval '1 hour'")
        .execute(&pool)
        .await
        .unwrap();
    sessions::begin_login(&pool, "192.0.2.50", &attempt)
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM login_attempts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 1);
}

#[sqlx::test(migrations = "../../migrations")]
async fn sessions_end_on_logout_idle_expiry_absolute_expiry_and_disabling(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let alice = user(&pool, "alice", "alice@example.com").await;
    memberships::set_role(&pool, acme.id, alice.id, TenantRole::Developer)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();

    let cookie = sessions::create(&mut conn, alice.id, LIFETIMES, Some("idt"), None)
        .await
        .unwrap();
    let caller = sessions::caller(&mut conn, &cookie, LIFETIMES.idle)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(caller.user_id(), Some(alice.id));
    assert!(matches!(caller.principal, Principal::User { .. }));
    assert_eq!(caller.role_in("acme"), Some(TenantRole::Developer));
    caller.check("acme", Action::Deploy).unwrap();
    assert!(
        sessions::caller(&mut conn, "forged", LIFETIMES.idle)
            .await
            .unwrap()
            .is_none()
    );

    // Signing in again replaces the browser's session.
    let renewed = sessions::create(&mut conn, alice.id, LIFETIMES, None, Some(&cookie))
        .await
        .unwrap();
    assert_ne!(renewed, cookie);
    assert!(
        sessions::caller(&mut conn, &cookie, LIFETIMES.idle)
            .await
            .unwrap()
            .is_none()
    );

    // Logout returns the ID token for the provider's logout.
    let c2 = sessions::create(&mut conn, alice.id, LIFETIMES, Some("idt"), None)
        .await
        .unwrap();
    assert_eq!(
        sessions::end(&pool, &c2).await.unwrap().as_deref(),
        Some("idt")
    );
    assert!(
        sessions::caller(&mut conn, &c2, LIFETIMES.idle)
            .await
            .unwrap()
            .is_none()
    );

    // Idle too long.
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '31 minutes'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        sessions::caller(&mut conn, &renewed, LIFETIMES.idle)
            .await
            .unwrap()
            .is_none()
    );

    // Past the absolute lifetime, however active.
    let c3 = sessions::create(&mut conn, alice.id, LIFETIMES, None, None)
        .await
        .unwrap();
    sqlx::query("UPDATE sessions SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        sessions::caller(&mut conn, &c3, LIFETIMES.idle)
            .await
            .unwrap()
            .is_none()
    );
    // The idle one and the expired one are swept.
    assert_eq!(sessions::sweep(&mut conn, LIFETIMES.idle).await.unwrap(), 2);

    // Disabling a user ends their sessions at once.
    let c4 = sessions::create(&mut conn, alice.id, LIFETIMES, None, None)
        .await
        .unwrap();
    users::set_disabled(&mut conn, alice.id, true)
        .await
        .unwrap();
    assert!(
        sessions::caller(&mut conn, &c4, LIFETIMES.idle)
            .await
            .unwrap()
            .is_none()
    );
}

#[sqlx::test(migrations = "../../migrations")]
async fn api_tokens_are_shown_once_stored_hashed_scoped_and_revocable(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let made = api_tokens::create(&pool, acme.id, "ci", TenantRole::Developer, 30, None)
        .await
        .unwrap();
    assert!(made.secret.starts_with("np_"));
    assert!(made.secret.starts_with(&made.token.prefix));
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM api_tokens WHERE token_hash = convert_to($1, 'UTF8')",
    )
    .bind(&made.secret)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(stored, 0, "the secret itself is never stored");

    let caller = api_tokens::caller(&pool, &made.secret)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(caller.token_id(), Some(made.token.id));
    assert_eq!(caller.role_in("acme"), Some(TenantRole::Developer));
    assert_eq!(caller.role_in("globex"), None);
    assert!(caller.platform_role.is_none());
    let listed = api_tokens::list(&pool, acme.id).await.unwrap();
    assert!(listed[0].last_used_at.is_some());

    let dup = api_tokens::create(&pool, acme.id, "ci", TenantRole::Admin, 30, None)
        .await
        .unwrap_err();
    assert!(matches!(dup, DomainError::Conflict(_)), "{dup}");
    for days in [0, 367] {
        let bad = api_tokens::create(&pool, acme.id, "x", TenantRole::Admin, days, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&bad, DomainError::Invalid { field, .. } if field == "expires_in_days"),
            "{bad}"
        );
    }

    api_tokens::revoke(&pool, acme.id, made.token.id)
        .await
        .unwrap();
    assert!(
        api_tokens::caller(&pool, &made.secret)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        api_tokens::revoke(&pool, acme.id, made.token.id).await,
        Err(DomainError::NotFound("token"))
    ));

    let expiring = api_tokens::create(&pool, acme.id, "old", TenantRole::Developer, 1, None)
        .await
        .unwrap();
    sqlx::query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(expiring.token.id)
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        api_tokens::caller(&pool, &expiring.secret)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        api_tokens::caller(&pool, "not-a-token")
            .await
            .unwrap()
            .is_none()
    );
}

#[sqlx::test(migrations = "../../migrations")]
async fn invites_become_memberships_at_sign_in_and_group_roles_follow_the_mapping(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let globex = tenant(&pool, "globex").await;
    let mut conn = pool.acquire().await.unwrap();

    // Invited by e-mail before ever signing in.
    let who = Invitee::parse("Bob@Example.com", "https://idp.test").unwrap();
    assert!(
        !memberships::add(&mut conn, acme.id, &who, TenantRole::Admin, None)
            .await
            .unwrap()
    );
    assert_eq!(memberships::invites(&pool, acme.id).await.unwrap().len(), 1);

    let bob = user(&pool, "bob", "bob@example.com").await;
    memberships::sync_at_sign_in(&mut conn, &bob, &[("globex".into(), TenantRole::Developer)])
        .await
        .unwrap();
    let mine = memberships::for_user(&pool, bob.id).await.unwrap();
    assert_eq!(
        mine.iter()
            .map(|m| (m.tenant_slug.as_str(), m.role))
            .collect::<Vec<_>>(),
        [
            ("acme", TenantRole::Admin),
            ("globex", TenantRole::Developer)
        ]
    );
    assert!(
        memberships::invites(&pool, acme.id)
            .await
            .unwrap()
            .is_empty()
    );

    // The next sign-in without the group: the mapped membership goes, the manual one stays; a mapping never
    // overrides a manual membership.
    memberships::sync_at_sign_in(&mut conn, &bob, &[("acme".into(), TenantRole::Auditor)])
        .await
        .unwrap();
    let mine = memberships::for_user(&pool, bob.id).await.unwrap();
    assert_eq!(
        mine.iter()
            .map(|m| (m.tenant_slug.as_str(), m.role))
            .collect::<Vec<_>>(),
        [("acme", TenantRole::Admin)]
    );
    let members = memberships::members(&pool, acme.id).await.unwrap();
    assert_eq!(members[0].source, "manual");

    // An existing user is added at once; removing works once.
    let carol = user(&pool, "carol", "carol@example.com").await;
    let who = Invitee::parse("carol", "https://idp.test").unwrap();
    assert!(
        memberships::add(&mut conn, globex.id, &who, TenantRole::Auditor, None)
            .await
            .unwrap()
    );
    memberships::remove(&pool, globex.id, carol.id)
        .await
        .unwrap();
    assert!(matches!(
        memberships::remove(&pool, globex.id, carol.id).await,
        Err(DomainError::NotFound("member"))
    ));
    assert!(Invitee::parse("a b", "x").is_err());
    assert!(Invitee::parse("@nope", "x").is_err());
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_token_stands_on_its_creators_standing(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let erin = user(&pool, "erin", "erin@example.com").await;
    memberships::set_role(&pool, acme.id, erin.id, TenantRole::Admin)
        .await
        .unwrap();
    let made = api_tokens::create(
        &pool,
        acme.id,
        "ci",
        TenantRole::Developer,
        30,
        Some(erin.id),
    )
    .await
    .unwrap();
    let works = |secret: String| {
        let pool = pool.clone();
        async move { api_tokens::caller(&pool, &secret).await.unwrap().is_some() }
    };
    let suspended = || {
        let pool = pool.clone();
        async move { api_tokens::list(&pool, acme.id).await.unwrap()[0].suspended }
    };
    assert!(works(made.secret.clone()).await);
    assert!(!suspended().await);

    // Disabled: the token is suspended with them, and shown so.
    let mut conn = pool.acquire().await.unwrap();
    users::set_disabled(&mut conn, erin.id, true).await.unwrap();
    assert!(!works(made.secret.clone()).await);
    assert!(suspended().await);
    users::set_disabled(&mut conn, erin.id, false)
        .await
        .unwrap();
    assert!(works(made.secret.clone()).await);

    // No longer an admin of the tenant (demoted, then removed): suspended too.
    memberships::set_role(&pool, acme.id, erin.id, TenantRole::Developer)
        .await
        .unwrap();
    assert!(!works(made.secret.clone()).await);
    memberships::set_role(&pool, acme.id, erin.id, TenantRole::Admin)
        .await
        .unwrap();
    assert!(works(made.secret.clone()).await);
    memberships::remove(&pool, acme.id, erin.id).await.unwrap();
    assert!(!works(made.secret.clone()).await);
    assert!(suspended().await);
}
