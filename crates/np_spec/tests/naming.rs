//! The names an app gets in Nomad, Consul and Traefik are injective: no two (tenant, app) pairs share a job,
//! service or router name, whatever slugs and app names people choose.

use np_spec::names::{AppName, DerivedNames, TenantSlug};
use proptest::prelude::*;

/// Any name the parsers accept: a letter, then letters, digits and single hyphens, not ending in one.
fn slug() -> impl Strategy<Value = String> {
    "[a-z](-?[a-z0-9]){1,14}"
}

/// Short enough that two of them joined by a hyphen are still a valid name.
fn short_slug() -> impl Strategy<Value = String> {
    "[a-z](-?[a-z0-9]){1,6}"
}

fn port() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,14}"
}

fn names(tenant: &str, app: &str) -> DerivedNames {
    DerivedNames::new(
        &TenantSlug::parse(tenant).unwrap(),
        &AppName::parse(app).unwrap(),
    )
}

/// Every name one app is known by, each tagged with the name space it lives in.
fn all_names(n: &DerivedNames, ports: &[String]) -> Vec<(&'static str, String)> {
    let mut out = vec![("nomad job", n.job.clone())];
    for (i, port) in ports.iter().enumerate() {
        out.push(("consul service", n.service(port, i == 0)));
        out.push(("traefik router", n.router(i)));
        out.push(("traefik router", n.canary_router(i)));
    }
    out
}

#[test]
fn the_collision_once_found_is_gone() {
    let a = names("acme", "shop-api");
    let b = names("acme-shop", "api");
    assert_ne!(a.job, b.job);
    assert_ne!(a.router(0), b.router(0));
    assert!(!a.owns_service(&b.job) && !b.owns_service(&a.job));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_job_name_gives_back_its_tenant_and_app(tenant in slug(), app in slug()) {
        let n = names(&tenant, &app);
        let (t, a) = DerivedNames::parse_job(&n.job).expect("a derived job name parses");
        prop_assert_eq!((t.as_str(), a.as_str()), (tenant.as_str(), app.as_str()));
        prop_assert_eq!(DerivedNames::app_of(&tenant, &n.job).map(|a| a.to_string()), Some(app));
        prop_assert!(n.job.starts_with(&DerivedNames::job_prefix(&tenant)));
    }

    #[test]
    fn two_apps_never_share_a_name(
        (t1, a1) in (slug(), slug()),
        (t2, a2) in (slug(), slug()),
        ports1 in proptest::collection::vec(port(), 1..4),
        ports2 in proptest::collection::vec(port(), 1..4),
    ) {
        prop_assume!((&t1, &a1) != (&t2, &a2));
        let (n1, n2) = (names(&t1, &a1), names(&t2, &a2));
        let theirs = all_names(&n2, &ports2);
        for mine in all_names(&n1, &ports1) {
            prop_assert!(!theirs.contains(&mine), "{:?} is a name of both {}/{} and {}/{}", mine, t1, a1, t2, a2);
        }
        for (i, port) in ports2.iter().enumerate() {
            prop_assert!(!n1.owns_service(&n2.service(port, i == 0)));
        }
        prop_assert_ne!(DerivedNames::app_of(&t1, &n2.job).map(|a| a.to_string()), Some(a1.clone()));
    }

    #[test]
    fn the_same_tenant_joined_differently_is_someone_else(prefix in short_slug(), rest in short_slug(), app in short_slug()) {
        // The shape of the attack: tenant `acme` + app `shop-api` against tenant `acme-shop` + app `api`.
        let long = names(&format!("{prefix}-{rest}"), &app);
        let short = names(&prefix, &format!("{rest}-{app}"));
        prop_assert_ne!(&long.job, &short.job);
        prop_assert_eq!(DerivedNames::app_of(&prefix, &long.job), None);
    }
}
