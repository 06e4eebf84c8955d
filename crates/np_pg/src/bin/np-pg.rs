//! `np-pg`: start or stop a private PostgreSQL cluster from scripts (the test suite, `cargo sqlx`).
//!
//! `np-pg start <dir> [--fast]` prints the cluster's `DATABASE_URL`; `np-pg stop <dir>` stops it.

use std::process::ExitCode;

use np_pg::{Cluster, ClusterOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["start", dir, flags @ ..] if flags.iter().all(|f| *f == "--fast") => {
            start(dir, flags.is_empty())
        }
        ["stop", dir] => stop(dir),
        _ => {
            eprintln!("usage: np-pg start <data-dir> [--fast] | np-pg stop <data-dir>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("np-pg: {e}");
            ExitCode::FAILURE
        }
    }
}

fn options(dir: &str) -> ClusterOptions {
    let mut options = ClusterOptions::new(dir);
    options.bin_dir = std::env::var_os("NP_PG_BIN_DIR").map(Into::into);
    options
}

fn start(dir: &str, durable: bool) -> Result<(), np_pg::PgError> {
    let mut options = options(dir);
    options.durable = durable;
    let cluster = Cluster::start(&options)?;
    println!("{}", cluster.url());
    Ok(())
}

fn stop(dir: &str) -> Result<(), np_pg::PgError> {
    match Cluster::attach(&options(dir))? {
        Some(cluster) if cluster.is_running() => cluster.stop(),
        _ => {
            eprintln!("np-pg: no cluster is running in {dir}");
            Ok(())
        }
    }
}
