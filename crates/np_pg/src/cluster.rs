//! Initialising, starting and stopping one private cluster.

use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};

use crate::PgError;
use crate::binaries::find_bin_dir;
use crate::privileges::RunAs;

/// How to run a private cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// The folder that holds the cluster (in `postgres/`) and its state file.
    pub data_dir: PathBuf,
    /// Where `initdb` and `pg_ctl` live; found automatically when `None`.
    pub bin_dir: Option<PathBuf>,
    /// The database to create and connect to.
    pub database: String,
    /// Whether writes must survive a machine crash; tests turn this off for speed.
    pub durable: bool,
}

impl ClusterOptions {
    /// Options for a durable cluster holding database `np` under `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            bin_dir: None,
            database: "np".into(),
            durable: true,
        }
    }
}

/// What we remember about a cluster between runs (kept beside it, readable by its owner only).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    user: String,
    password: String,
    port: u16,
    cluster_dir: PathBuf,
}

/// A running private cluster.
#[derive(Debug)]
pub struct Cluster {
    state: State,
    bin_dir: PathBuf,
    run_as: RunAs,
    database: String,
    started_here: bool,
}

const SUPERUSER: &str = "np";

impl Cluster {
    /// Initialises the cluster if it does not exist, starts it unless it is already running, and creates the
    /// database. Blocks until the server accepts connections.
    ///
    /// # Errors
    /// When the binaries are missing, a tool fails, or the data folder cannot be written.
    pub fn start(options: &ClusterOptions) -> Result<Self, PgError> {
        let bin_dir = find_bin_dir(options.bin_dir.as_deref()).ok_or(PgError::BinariesNotFound)?;
        let run_as = RunAs::detect()?;
        std::fs::create_dir_all(&options.data_dir)
            .map_err(|e| PgError::io(&options.data_dir, e))?;
        let data_dir = options
            .data_dir
            .canonicalize()
            .map_err(|e| PgError::io(&options.data_dir, e))?;
        let state_path = data_dir.join("postgres.json");
        let mut state = match read_state(&state_path)? {
            Some(state) => state,
            None => State {
                user: SUPERUSER.into(),
                password: random_password(),
                port: 0,
                cluster_dir: cluster_dir_for(&data_dir, &run_as),
            },
        };

        let mut cluster = Self {
            bin_dir,
            run_as,
            database: options.database.clone(),
            started_here: false,
            state: state.clone(),
        };
        if !state.cluster_dir.join("PG_VERSION").is_file() {
            cluster.init()?;
        }
        match cluster.running_port() {
            Some(port) => state.port = port,
            None => {
                state.port = pick_port(state.port);
                cluster.state.port = state.port;
                cluster.start_server(options.durable)?;
                cluster.started_here = true;
            }
        }
        cluster.state = state;
        write_state(&state_path, &cluster.state)?;
        cluster.create_database()?;
        Ok(cluster)
    }

    /// The cluster already initialised under `options.data_dir`, without starting it; `None` if there is none.
    ///
    /// # Errors
    /// When the binaries are missing or the state file is unreadable.
    pub fn attach(options: &ClusterOptions) -> Result<Option<Self>, PgError> {
        let bin_dir = find_bin_dir(options.bin_dir.as_deref()).ok_or(PgError::BinariesNotFound)?;
        let Ok(data_dir) = options.data_dir.canonicalize() else {
            return Ok(None);
        };
        let Some(state) = read_state(&data_dir.join("postgres.json"))? else {
            return Ok(None);
        };
        Ok(Some(Self {
            state,
            bin_dir,
            run_as: RunAs::detect()?,
            database: options.database.clone(),
            started_here: false,
        }))
    }

    /// Whether the server is running now.
    pub fn is_running(&self) -> bool {
        self.running_port().is_some()
    }

    /// The connection URL of the cluster's database.
    pub fn url(&self) -> String {
        self.url_for(&self.database)
    }

    /// The connection URL of another database in the same cluster.
    pub fn url_for(&self, database: &str) -> String {
        format!(
            "postgres://{}:{}@127.0.0.1:{}/{database}",
            self.state.user, self.state.password, self.state.port
        )
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.state.port
    }

    /// Whether this call started the server (so the caller should stop it), rather than finding it running.
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// Where the cluster's files are.
    pub fn cluster_dir(&self) -> &Path {
        &self.state.cluster_dir
    }

    /// Stops the server, waiting for it to shut down (fast mode: open sessions are disconnected).
    ///
    /// # Errors
    /// When `pg_ctl stop` fails.
    pub fn stop(&self) -> Result<(), PgError> {
        let mut cmd = self.run_as.command(&self.bin_dir.join("pg_ctl"));
        cmd.arg("stop")
            .arg("-D")
            .arg(&self.state.cluster_dir)
            .args(["-m", "fast", "-w", "-t", "60"]);
        check("pg_ctl stop", run(&mut cmd)?)
    }

    fn init(&self) -> Result<(), PgError> {
        let dir = &self.state.cluster_dir;
        let base = dir.parent().unwrap_or(dir);
        std::fs::create_dir_all(dir).map_err(|e| PgError::io(dir, e))?;
        self.run_as.own(dir)?;
        let pwfile = base.join("postgres.pwfile");
        write_private(&pwfile, self.state.password.as_bytes())?;
        self.run_as.own(&pwfile)?;
        let mut cmd = self.run_as.command(&self.bin_dir.join("initdb"));
        cmd.arg("-D")
            .arg(dir)
            .args(["-U", &self.state.user, "-E", "UTF8", "--locale=C"])
            .args(["--auth=scram-sha-256", "--no-instructions"])
            .arg(format!("--pwfile={}", pwfile.display()));
        let result = run(&mut cmd);
        let _ = std::fs::remove_file(&pwfile);
        check("initdb", result?)
    }

    fn running_port(&self) -> Option<u16> {
        let mut cmd = self.run_as.command(&self.bin_dir.join("pg_ctl"));
        cmd.arg("status").arg("-D").arg(&self.state.cluster_dir);
        let running = run(&mut cmd).map(|o| o.status.success()).unwrap_or(false);
        if !running {
            return None;
        }
        // postmaster.pid: pid, data dir, start time, port, ...
        let pid_file =
            std::fs::read_to_string(self.state.cluster_dir.join("postmaster.pid")).ok()?;
        pid_file.lines().nth(3)?.trim().parse().ok()
    }

    fn start_server(&self, durable: bool) -> Result<(), PgError> {
        let dir = &self.state.cluster_dir;
        let mut server_options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300",
            self.state.port
        );
        if !durable {
            server_options
                .push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let log = dir.join("server.log");
        let mut cmd = self.run_as.command(&self.bin_dir.join("pg_ctl"));
        cmd.arg("start")
            .arg("-D")
            .arg(dir)
            .args(["-w", "-t", "60", "-s"])
            .arg("-l")
            .arg(&log)
            .arg("-o")
            .arg(server_options);
        let output = run(&mut cmd)?;
        if output.status.success() {
            return Ok(());
        }
        let tail = std::fs::read_to_string(&log)
            .map(|text| {
                text.lines()
                    .rev()
                    .take(20)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        Err(PgError::Command {
            command: "pg_ctl start".into(),
            status: output.status.to_string(),
            output: format!("{}{tail}", String::from_utf8_lossy(&output.stderr)),
        })
    }

    fn create_database(&self) -> Result<(), PgError> {
        // createdb is a client: it needs no privilege switch, and the password goes through the environment.
        let mut cmd = Command::new(self.bin_dir.join("createdb"));
        cmd.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.state.port.to_string(),
            "-U",
            &self.state.user,
        ])
        .arg(&self.database)
        .env("PGPASSWORD", &self.state.password);
        let output = run(&mut cmd)?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.success() || stderr.contains("already exists") {
            Ok(())
        } else {
            check("createdb", output)
        }
    }
}

/// The cluster lives in the data folder, unless we are root and the `postgres` user cannot reach it (a checkout
/// under `/root`, say): then it lives in a folder of its own under `/var/tmp`, named after the data folder.
fn cluster_dir_for(data_dir: &Path, run_as: &RunAs) -> PathBuf {
    let preferred = data_dir.join("postgres");
    if run_as.can_reach(&preferred) {
        return preferred;
    }
    let digest = data_dir
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    PathBuf::from(format!("/var/tmp/np-postgres-{digest:016x}/postgres"))
}

fn pick_port(previous: u16) -> u16 {
    if previous != 0 && TcpListener::bind((Ipv4Addr::LOCALHOST, previous)).is_ok() {
        return previous;
    }
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(54329)
}

fn random_password() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

fn read_state(path: &Path) -> Result<Option<State>, PgError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| PgError::State {
                path: path.into(),
                source,
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PgError::io(path, e)),
    }
}

fn write_state(path: &Path, state: &State) -> Result<(), PgError> {
    let json = serde_json::to_vec_pretty(state).map_err(|source| PgError::State {
        path: path.into(),
        source,
    })?;
    write_private(path, &json)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), PgError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| PgError::io(path, e))?;
    file.write_all(bytes).map_err(|e| PgError::io(path, e))
}

fn run(cmd: &mut Command) -> Result<Output, PgError> {
    let program = cmd.get_program().to_owned();
    cmd.output().map_err(|e| PgError::io(program, e))
}

fn check(command: &str, output: Output) -> Result<(), PgError> {
    if output.status.success() {
        return Ok(());
    }
    Err(PgError::Command {
        command: command.into(),
        status: output.status.to_string(),
        output: String::from_utf8_lossy(&output.stderr).trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_previous_port_is_kept() {
        let port = pick_port(0);
        assert_ne!(port, 0);
        assert_eq!(pick_port(port), port);
    }

    #[test]
    fn a_taken_previous_port_is_replaced() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let taken = listener.local_addr().unwrap().port();
        assert_ne!(pick_port(taken), taken);
    }

    #[test]
    fn passwords_are_long_and_url_safe() {
        let pw = random_password();
        assert_eq!(pw.len(), 32);
        assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(pw, random_password());
    }

    #[test]
    fn state_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("postgres.json");
        let state = State {
            user: "np".into(),
            password: "pw".into(),
            port: 5,
            cluster_dir: "/x".into(),
        };
        write_state(&path, &state).unwrap();
        let back = read_state(&path).unwrap().unwrap();
        assert_eq!((back.port, back.password.as_str()), (5, "pw"));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn a_corrupt_state_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("postgres.json");
        std::fs::write(&path, "{not json").unwrap();
        assert!(matches!(read_state(&path), Err(PgError::State { .. })));
    }
}
