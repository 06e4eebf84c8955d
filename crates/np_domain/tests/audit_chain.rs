//! The audit chain's tamper evidence, against a real Postgres: every kind of change to the log is found and
//! named, checkpoints signed outside the database catch a rewrite with every hash recomputed, and each
//! database's chain is checked only against its own checkpoints.

use std::time::Duration;

use np_domain::audit::chain::{self, Keys};
use np_domain::audit::{self, Actor, Outcome, Record};
use np_domain::authz::Caller;
use sqlx::PgPool;
use uuid::Uuid;

/// Writes `n` records across two tenants, signs a checkpoint, and returns the keys.
async fn chain_of(pool: &PgPool, n: usize) -> Keys {
    let keys = Keys::ephemeral();
    let actor = Actor::of(&Caller::system("test"));
    for i in 0..n {
        let record = Record::new("test.step")
            .target("app", format!("app-{i}"))
            .details(serde_json::json!({"i": i, "text": "grüße \"quoted\"\n", "n": null}));
        audit::event(pool, &actor, &record, Outcome::Success)
            .await
            .unwrap();
    }
    chain::checkpoint(pool, &keys, 1, Duration::ZERO)
        .await
        .unwrap();
    keys
}

async fn as_superuser(pool: &PgPool, statements: &[&str]) {
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut *conn)
        .await
        .unwrap();
    for s in statements {
        sqlx::query(s).execute(&mut *conn).await.unwrap();
    }
    sqlx::query("SET session_replication_role = origin")
        .execute(&mut *conn)
        .await
        .unwrap();
}

async fn broken_at(
    pool: &PgPool,
    keys: &Keys,
    outside: Vec<chain::Checkpoint>,
) -> (Option<i64>, String) {
    let report = chain::verify(pool, Some(keys.public()), outside)
        .await
        .unwrap();
    assert_eq!(report.intact, report.first_broken.is_none());
    (report.first_broken, report.problem.unwrap_or_default())
}

#[sqlx::test(migrations = "../../migrations")]
async fn an_intact_chain_verifies(pool: PgPool) {
    let keys = chain_of(&pool, 12).await;
    let report = chain::verify(&pool, Some(keys.public()), Vec::new())
        .await
        .unwrap();
    assert!(report.intact, "{report:?}");
    assert_eq!(
        (report.verified, report.checkpoints, report.last_checkpoint),
        (12, 1, Some(12))
    );
    // A checkpoint signed by another key is itself a finding.
    let other = Keys::ephemeral();
    let report = chain::verify(&pool, Some(other.public()), Vec::new())
        .await
        .unwrap();
    assert!(!report.intact);
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_changed_field_is_detected(pool: PgPool) {
    let keys = chain_of(&pool, 12).await;
    as_superuser(
        &pool,
        &["UPDATE audit_events SET target = 'app-x' WHERE seq = 5"],
    )
    .await;
    let (seq, problem) = broken_at(&pool, &keys, Vec::new()).await;
    assert_eq!(seq, Some(5));
    assert!(problem.contains("changed"), "{problem}");
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_deleted_record_is_detected(pool: PgPool) {
    let keys = chain_of(&pool, 12).await;
    as_superuser(&pool, &["DELETE FROM audit_events WHERE seq = 7"]).await;
    let (seq, problem) = broken_at(&pool, &keys, Vec::new()).await;
    assert_eq!(seq, Some(7));
    assert!(problem.contains("missing"), "{problem}");
}

#[sqlx::test(migrations = "../../migrations")]
async fn reordered_records_are_detected(pool: PgPool) {
    let keys = chain_of(&pool, 12).await;
    as_superuser(
        &pool,
        &[
            "UPDATE audit_events SET seq = -1 WHERE seq = 4",
            "UPDATE audit_events SET seq = 4 WHERE seq = 5",
            "UPDATE audit_events SET seq = 5 WHERE seq = -1",
        ],
    )
    .await;
    let (seq, _) = broken_at(&pool, &keys, Vec::new()).await;
    assert_eq!(seq, Some(4));
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_truncated_tail_is_detected_against_the_checkpoint(pool: PgPool) {
    let keys = chain_of(&pool, 12).await;
    as_superuser(&pool, &["DELETE FROM audit_events WHERE seq > 9"]).await;
    let (seq, problem) = broken_at(&pool, &keys, Vec::new()).await;
    assert_eq!(seq, Some(10));
    assert!(problem.contains("after 9 are missing"), "{problem}");
}

/// Rewrites record 3 and recomputes every hash after it, as someone with full database access could.
const REWRITE: &str = "DO $$
DECLARE r audit_events; prev bytea;
BEGIN
    UPDATE audit_events SET actor_name = 'nobody' WHERE seq = 3;
    SELECT row_hash INTO prev FROM audit_events WHERE seq = 2;
    FOR r IN SELECT * FROM audit_events WHERE seq >= 3 ORDER BY seq LOOP
        r.prev_hash := prev;
        r.row_hash := sha256(prev || audit_canonical(r));
        UPDATE audit_events SET prev_hash = r.prev_hash, row_hash = r.row_hash WHERE seq = r.seq;
        prev := r.row_hash;
    END LOOP;
END $$";

#[sqlx::test(migrations = "../../migrations")]
async fn a_rewritten_history_is_detected_by_the_signed_checkpoints(pool: PgPool) {
    let keys = chain_of(&pool, 12).await;
    let outside = chain::stored_checkpoints(&pool).await.unwrap();
    as_superuser(&pool, &[REWRITE]).await;
    // Every link holds, but the head no longer matches what the console signed.
    let (seq, problem) = broken_at(&pool, &keys, Vec::new()).await;
    assert_eq!(seq, Some(1));
    assert!(problem.contains("signed checkpoint"), "{problem}");
    // Deleting the checkpoints in the database as well hides it there — not from the copy kept outside.
    as_superuser(&pool, &["DELETE FROM audit_checkpoints"]).await;
    assert_eq!(broken_at(&pool, &keys, Vec::new()).await.0, None);
    let (seq, _) = broken_at(&pool, &keys, outside).await;
    assert_eq!(seq, Some(1));
}

#[sqlx::test(migrations = "../../migrations")]
async fn checkpoints_are_appended_to_a_file_outside_the_database(pool: PgPool) {
    let dir = std::env::temp_dir().join(format!("np-audit-{}", Uuid::new_v4()));
    let mut keys = Keys::load_or_create(&dir.join("key")).unwrap();
    keys.checkpoint_file = Some(dir.join("nested").join("checkpoints.ndjson"));
    let again = Keys::load_or_create(&dir.join("key")).unwrap();
    assert_eq!(keys.public_hex(), again.public_hex(), "the key is kept");
    let actor = Actor::of(&Caller::system("test"));
    for _ in 0..3 {
        audit::event(&pool, &actor, &Record::new("test.step"), Outcome::Success)
            .await
            .unwrap();
    }
    // Not due yet (fewer than 10 records, last checkpoint recent) once one exists.
    assert!(
        chain::checkpoint(&pool, &keys, 10, Duration::from_secs(300))
            .await
            .unwrap()
            .is_some()
    );
    audit::event(&pool, &actor, &Record::new("test.step"), Outcome::Success)
        .await
        .unwrap();
    assert!(
        chain::checkpoint(&pool, &keys, 10, Duration::from_secs(300))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        chain::checkpoint(&pool, &keys, 1, Duration::from_secs(300))
            .await
            .unwrap()
            .is_some()
    );
    let file = chain::file_checkpoints(&dir.join("nested").join("checkpoints.ndjson")).unwrap();
    assert_eq!(file.iter().map(|c| c.seq).collect::<Vec<_>>(), [3, 4]);
    assert!(file.iter().all(|c| c.signed_by(&keys.public())));
    std::fs::remove_dir_all(dir).unwrap();
}

#[sqlx::test(migrations = "../../migrations")]
async fn each_database_has_its_own_chain_id_and_it_cannot_change(pool: PgPool) {
    let id = chain::chain_id(&pool).await.unwrap();
    assert_eq!(chain::chain_id(&pool).await.unwrap(), id, "stable");
    let keys = chain_of(&pool, 3).await;
    let stored = chain::stored_checkpoints(&pool).await.unwrap();
    assert_eq!(
        stored[0].chain,
        Some(id),
        "every checkpoint names its chain"
    );
    assert!(stored[0].signed_by(&keys.public()));
    // The id is part of what is signed: the same checkpoint claimed for another chain no longer verifies.
    let mut moved = stored[0].clone();
    moved.chain = Some(Uuid::new_v4());
    assert!(!moved.signed_by(&keys.public()));
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET ROLE np_app")
        .execute(&mut *conn)
        .await
        .unwrap();
    for statement in [
        "UPDATE audit_identity SET chain_id = gen_random_uuid()",
        "DELETE FROM audit_identity",
        "INSERT INTO audit_identity (only_one) VALUES (true)",
    ] {
        assert!(
            sqlx::query(statement).execute(&mut *conn).await.is_err(),
            "{statement}"
        );
    }
}

#[sqlx::test(migrations = "../../migrations")]
async fn checkpoints_of_another_database_are_set_aside_not_reported_as_tampering(pool: PgPool) {
    let keys = chain_of(&pool, 12).await;
    // Another database signed with the same key (the test database beside the demo's, in one file): its
    // checkpoints name its own chain, and disagree with this one's records at every seq.
    let other = Uuid::new_v4();
    let outside = vec![
        keys.sign(other, 1, &"ab".repeat(32)),
        keys.sign(other, 12, &"cd".repeat(32)),
        keys.sign(other, 40, &"ef".repeat(32)),
    ];
    let report = chain::verify(&pool, Some(keys.public()), outside)
        .await
        .unwrap();
    assert!(report.intact, "{report:?}");
    assert_eq!(report.checkpoints, 1, "only this chain's own checkpoint");
    assert_eq!(
        report.chain,
        Some(chain::chain_id(&pool).await.unwrap().to_string())
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("3 checkpoints") && n.contains("another audit chain")),
        "{:?}",
        report.notes
    );
    // This chain's own checkpoint from outside still counts: a truncation is found against it.
    let own = chain::stored_checkpoints(&pool).await.unwrap();
    as_superuser(
        &pool,
        &[
            "DELETE FROM audit_events WHERE seq > 9",
            "DELETE FROM audit_checkpoints",
        ],
    )
    .await;
    let (seq, problem) = broken_at(&pool, &keys, own).await;
    assert_eq!(seq, Some(10), "{problem}");
}

#[sqlx::test(migrations = "../../migrations")]
async fn unbound_checkpoints_count_only_from_the_database_itself(pool: PgPool) {
    let keys = chain_of(&pool, 4).await;
    // A checkpoint as the first version signed it, naming no chain, for a head this chain never had.
    let mut unbound = keys.sign(Uuid::nil(), 4, &"00".repeat(32));
    unbound.chain = None;
    let report = chain::verify(&pool, Some(keys.public()), vec![unbound.clone()])
        .await
        .unwrap();
    assert!(report.intact, "{report:?}");
    assert!(
        report.notes.iter().any(|n| n.contains("name no chain")),
        "{:?}",
        report.notes
    );
    let (kept, notes) = chain::of_chain(None, vec![unbound], false, "in the file");
    assert_eq!(
        (kept.len(), notes.len()),
        (1, 0),
        "with no chain known, they are all there is"
    );
}
