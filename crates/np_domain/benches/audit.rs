//! The audit log's costs: appending a record (the chaining trigger serialises writers on one lock, so every
//! audited change pays this), and reading the log at a million records (the auditor's pages and the record
//! detail).
//!
//! Needs a Postgres: `DATABASE_URL` names the server (as for the tests; `scripts/bench` starts one). The
//! benchmark keeps its own database, `np_bench_audit`, and fills it to `NP_BENCH_AUDIT_RECORDS` records
//! (default 1,000,000) once — through the trigger, so the chain is real; later runs reuse it.
//!
//! `cargo bench -p np_domain --bench audit`; figures in docs/PERFORMANCE.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use np_domain::audit::query::{self, Scope};
use np_domain::audit::{self, Actor, Outcome, Record};
use np_domain::authz::Caller;
use np_spec::audit::AuditFilter;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgPool};

const DATABASE: &str = "np_bench_audit";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The benchmark's database, migrated and filled to the wanted size.
async fn database() -> PgPool {
    let server = std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must name a Postgres server (scripts/bench starts one)");
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
    let mut admin = sqlx::PgConnection::connect(&format!("{base}/postgres"))
        .await
        .unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(DATABASE)
            .fetch_one(&mut admin)
            .await
            .unwrap();
    if !exists {
        sqlx::query(&format!("CREATE DATABASE {DATABASE}"))
            .execute(&mut admin)
            .await
            .unwrap();
    }
    let pool = PgPoolOptions::new()
        .max_connections(24)
        .connect(&format!("{base}/{DATABASE}"))
        .await
        .unwrap();
    sqlx::migrate!("../../migrations").run(&pool).await.unwrap();
    let want: i64 = std::env::var("NP_BENCH_AUDIT_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&pool)
        .await
        .unwrap();
    if have < want {
        let started = Instant::now();
        eprintln!("filling {DATABASE} from {have} to {want} audit records (once)…");
        let mut next = have / 2;
        while next * 2 < want {
            let upto = (next + 50_000).min(want / 2);
            seed(&pool, next + 1, upto).await;
            next = upto;
        }
        sqlx::query("ANALYZE audit_events")
            .execute(&pool)
            .await
            .unwrap();
        eprintln!(
            "filled in {:.1} s ({:.0} records/s through the chaining trigger)",
            started.elapsed().as_secs_f64(),
            (want - have) as f64 / started.elapsed().as_secs_f64()
        );
    }
    pool
}

/// Actions `from..=to`, each an intent and a result, across 20 tenants, 200 people and 5 kinds of action.
async fn seed(pool: &PgPool, from: i64, to: i64) {
    sqlx::query(
        "INSERT INTO audit_events (phase, correlation_id, tenant_id, tenant, actor_kind, actor_iss, actor_sub,
                                   actor_name, source_ip, user_agent, request_id, action, target_type, target,
                                   outcome, details)
         SELECT phase, md5('bench-' || i)::uuid, md5('tenant-' || i % 20)::uuid, 'tenant-' || i % 20, 'user',
                'http://bench.example', 'user-' || i % 200, 'Bench User ' || i % 200, '10.0.' || i % 250 || '.1',
                'bench/1.0', 'bench-' || i,
                (ARRAY['deploy.submit', 'app.scale', 'app.restart', 'member.add', 'token.create'])[1 + i % 5],
                'app', CASE WHEN i = 424242 THEN 'needle' ELSE 'app-' || i % 5000 END,
                CASE WHEN phase = 'intent' THEN NULL WHEN i % 17 = 0 THEN 'failure' ELSE 'success' END,
                jsonb_build_object('n', i)
           FROM generate_series($1::bigint, $2::bigint) AS i
          CROSS JOIN (VALUES (1, 'intent'), (2, 'result')) AS p(k, phase)
          ORDER BY i, k",
    )
    .bind(from)
    .bind(to)
    .execute(pool)
    .await
    .unwrap();
}

fn append(c: &mut Criterion) {
    let rt = runtime();
    let db = rt.block_on(database());
    let actor = Actor::of(&Caller::system("bench"));
    let record = Record::new("app.scale")
        .target("app", "web")
        .details(serde_json::json!({"from": 2, "to": 3}));
    let mut group = c.benchmark_group("audit append");
    group.bench_function("one record", |b| {
        b.to_async(&rt).iter(|| async {
            audit::event(&db, &actor, &record, Outcome::Success)
                .await
                .unwrap()
        });
    });
    {
        let writers = 20u64;
        group.throughput(Throughput::Elements(writers));
        group.bench_function(format!("{writers} writers at once"), |b| {
            b.to_async(&rt).iter_custom(|iters| {
                let (db, actor, record) = (db.clone(), actor.clone(), record.clone());
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let started = Instant::now();
                        let writes = (0..writers).map(|_| {
                            let (db, actor, record) = (db.clone(), actor.clone(), record.clone());
                            tokio::spawn(async move {
                                audit::event(&db, &actor, &record, Outcome::Success)
                                    .await
                                    .unwrap()
                            })
                        });
                        for w in futures::future::join_all(writes).await {
                            w.unwrap();
                        }
                        total += started.elapsed();
                    }
                    total
                }
            });
        });
    }
    group.finish();
}

fn read(c: &mut Criterion) {
    let rt = runtime();
    let db = rt.block_on(database());
    let count: i64 = rt
        .block_on(sqlx::query_scalar("SELECT max(seq) FROM audit_events").fetch_one(&db))
        .unwrap();
    let tenant = rt
        .block_on(sqlx::query_scalar("SELECT md5('tenant-7')::uuid").fetch_one(&db))
        .unwrap();
    let filter = |f: fn(&mut AuditFilter)| {
        let mut filter = AuditFilter::default();
        f(&mut filter);
        filter
    };
    let mut group = c.benchmark_group(format!("audit read ({count} records)"));
    let cases: Vec<(&str, Scope, AuditFilter, Option<i64>)> = vec![
        ("newest page", Scope::All, AuditFilter::default(), None),
        (
            "page in the middle",
            Scope::All,
            AuditFilter::default(),
            Some(count / 2),
        ),
        (
            "one tenant's newest page",
            Scope::Tenants(vec![tenant]),
            AuditFilter::default(),
            None,
        ),
        (
            "action family",
            Scope::All,
            filter(|f| f.action = "deploy".into()),
            None,
        ),
        (
            "actor and outcome",
            Scope::All,
            filter(|f| {
                f.actor = "Bench User 42".into();
                f.outcome = "failure".into();
            }),
            None,
        ),
        (
            "time window",
            Scope::All,
            filter(|f| {
                f.from = "2000-01-01".into();
                f.to = "2100-01-01".into();
            }),
            Some(count / 3),
        ),
        (
            "text search (one match)",
            Scope::All,
            filter(|f| f.text = "needle".into()),
            None,
        ),
    ];
    for (name, scope, filter, before) in cases {
        let page = rt
            .block_on(query::list(&db, &scope, &filter, before, 50))
            .unwrap();
        assert!(!page.entries.is_empty(), "{name}: the seeded log matches");
        group.bench_function(name, |b| {
            b.to_async(&rt).iter(|| async {
                black_box(query::list(&db, &scope, &filter, before, 50).await.unwrap())
            });
        });
    }
    group.bench_function("one record in full", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(query::get(&db, &Scope::All, count / 2).await.unwrap()) });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = append, read
}
criterion_main!(benches);
