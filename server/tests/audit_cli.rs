//! `np audit checkpoint` and `np audit verify` on two databases from the same folder: each database's
//! checkpoints go to its own file, and neither is reported broken because of the other's.

use std::process::Command;

use np_domain::audit::{self, Actor, Outcome, Record};
use np_domain::authz::Caller;
use sqlx::PgPool;

fn np(url: &str, dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_np"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("NP_DATA_DIR", dir)
        .env("NP_LOG", "warn")
        .env_remove("NP_CONFIG_FILE")
        .env_remove("NP_AUDIT_CHECKPOINT_FILE")
        .env_remove("NP_AUDIT_KEY_FILE")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn records(pool: &PgPool, n: usize) {
    let actor = Actor::of(&Caller::system("test"));
    for _ in 0..n {
        audit::event(pool, &actor, &Record::new("test.step"), Outcome::Success)
            .await
            .unwrap();
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn two_databases_from_one_folder_keep_their_checkpoints_apart(pool: PgPool) {
    let base = std::env::var("DATABASE_URL").unwrap();
    let base = base.rsplit_once('/').unwrap().0.to_owned();
    let first = format!("{base}/{}", pool.connect_options().get_database().unwrap());
    let name = format!("np_audit_cli_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    let second = format!("{base}/{name}");
    let dir = std::env::temp_dir().join(format!("np-audit-cli-{}", uuid::Uuid::new_v4()));

    records(&pool, 5).await;
    let (ok, out) = np(&first, &dir, &["audit", "checkpoint"]);
    assert!(ok, "{out}");
    // The second database: migrated by the console, with a shorter history of its own.
    let (ok, out) = np(&second, &dir, &["migrate"]);
    assert!(ok, "{out}");
    let other = PgPool::connect(&second).await.unwrap();
    records(&other, 2).await;
    let (ok, out) = np(&second, &dir, &["audit", "checkpoint"]);
    assert!(ok, "{out}");

    for url in [&first, &second] {
        let (ok, out) = np(url, &dir, &["audit", "verify"]);
        assert!(ok, "{out}");
        assert!(out.contains("intact"), "{out}");
        assert!(!out.contains("BROKEN"), "{out}");
    }
    let files = std::fs::read_dir(dir.join("audit-checkpoints"))
        .unwrap()
        .count();
    assert_eq!(files, 2, "one checkpoint file per database");

    // Pointing verify at the other database's file sets its checkpoints aside, and says so.
    let (ok, out) = np(
        &second,
        &dir,
        &[
            "audit",
            "verify",
            "--checkpoints",
            &file_of(&dir, &pool).await,
        ],
    );
    assert!(ok, "{out}");
    assert!(out.contains("another audit chain"), "{out}");

    other.close().await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&pool)
        .await
        .unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

async fn file_of(dir: &std::path::Path, pool: &PgPool) -> String {
    let chain = np_domain::audit::chain::chain_id(pool).await.unwrap();
    dir.join("audit-checkpoints")
        .join(format!("{chain}.ndjson"))
        .display()
        .to_string()
}
