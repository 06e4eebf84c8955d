//! `np demo` seeds the demo tenant and its sample apps into the simulator, and is safe to run at every start.

use std::process::Command;

use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn the_demo_is_seeded_once_and_left_alone_after(pool: PgPool) {
    let sim = np_sim::Simulator::start(np_sim::SimConfig::default())
        .await
        .unwrap();
    let base = std::env::var("DATABASE_URL").unwrap();
    let database = pool.connect_options().get_database().unwrap().to_owned();
    let url = format!("{}/{database}", base.rsplit_once('/').unwrap().0);
    let nomad = sim.nomad_url();
    let run = move || {
        let out = Command::new(env!("CARGO_BIN_EXE_np"))
            .args(["demo", "--file", "../examples/demo/np.yaml"])
            .env("DATABASE_URL", &url)
            .env("NP_NOMAD_ADDR", &nomad)
            .env("NP_LOG", "warn")
            .env_remove("NP_CONFIG_FILE")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = tokio::task::spawn_blocking(run.clone()).await.unwrap();
    assert!(first.contains("tenant demo: namespace ready"), "{first}");
    for app in ["web", "api", "jobs"] {
        assert!(
            first.contains(&format!("{app}: deployed as demo--{app}")),
            "{first}"
        );
    }
    let second = tokio::task::spawn_blocking(run).await.unwrap();
    for app in ["web", "api", "jobs"] {
        assert!(
            second.contains(&format!("{app}: already running")),
            "{second}"
        );
    }
    let deploys: i64 = sqlx::query_scalar("SELECT count(*) FROM deploys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(deploys, 3);
}
