//! The `np` binary.

use std::process::ExitCode;

use clap::Parser;
use np::cli::{Cli, Command};
use np::config::{Config, ConfigError, Source, vars::VARS};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("np: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let source = Source::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Config => {
            print_config(&source);
            Config::from_source(&source)?;
            Ok(())
        }
        Command::Serve => {
            let config = load(&source)?;
            runtime()?.block_on(np::serve::run(config))
        }
        Command::Sim(args) => {
            np::telemetry::init(
                source.get("NP_LOG").unwrap_or("info"),
                np::config::LogFormat::Pretty,
            );
            runtime()?.block_on(np::sim::run(args))
        }
        Command::Render(args) => {
            let platform = np::config::platform(&source)?;
            match np::render::run(&args, &platform) {
                Ok(rendered) => {
                    eprint!("{}", rendered.stderr);
                    print!("{}", rendered.stdout);
                    Ok(())
                }
                Err(np::render::RenderError::Invalid(lines)) => {
                    eprintln!("{lines}");
                    std::process::exit(2);
                }
                Err(error) => Err(error.into()),
            }
        }
        Command::Tenant(np::cli::TenantCommand::Create(args)) => {
            let config = load(&source)?;
            runtime()?.block_on(async {
                let (database, services) = np::serve::open(&config, 2).await?;
                let created = np::host::create_tenant(&services, &args).await;
                database.close().await;
                let tenant = created?;
                println!(
                    "tenant {} ({}): Nomad namespace {} {}{}",
                    tenant.slug,
                    tenant.display_name,
                    tenant.nomad_namespace,
                    tenant.namespace_state,
                    tenant
                        .namespace_error
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                );
                Ok(())
            })
        }
        Command::Tenant(np::cli::TenantCommand::Settings(args)) => {
            let config = load(&source)?;
            runtime()?.block_on(async {
                let (database, services) = np::serve::open(&config, 2).await?;
                let changed = np::host::set_settings(&services, &args).await;
                database.close().await;
                print!("{}", np::host::describe(&changed?, &services.platform));
                Ok(())
            })
        }
        Command::Tenant(np::cli::TenantCommand::MigrateNames) => {
            let config = load(&source)?;
            runtime()?.block_on(async {
                let (database, services) = np::serve::open(&config, 2).await?;
                let moved = np::host::migrate_names(&services).await;
                database.close().await;
                for line in moved? {
                    println!("{line}");
                }
                Ok(())
            })
        }
        Command::Demo(args) => {
            let config = load(&source)?;
            runtime()?.block_on(async {
                let (database, services) = np::serve::open(&config, 2).await?;
                let seeded = np::demo::seed(&services, &args).await;
                database.close().await;
                for line in seeded? {
                    println!("{line}");
                }
                Ok(())
            })
        }
        Command::Deploy(args) => client_command(np::client::deploy(&args)),
        Command::Status(args) => client_command(np::client::status(&args)),
        Command::Logs(args) => client_command(np::client::logs(&args)),
        Command::Scale(args) => client_command(np::client::scale(&args)),
        Command::Stop(args) => client_command(np::client::stop(&args)),
        Command::Audit(command) => {
            let config = load(&source)?;
            runtime()?.block_on(np::audit::run(&config, command))
        }
        Command::Migrate => {
            let config = load(&source)?;
            runtime()?.block_on(async {
                let (database, _) = np::serve::open(&config, 1).await?;
                tracing::info!("migrations applied");
                database.close().await;
                Ok(())
            })
        }
    }
}

/// Runs a client command: its output on stdout; its error on stderr with exit status 2 (refused) or 1.
fn client_command(
    command: impl std::future::Future<Output = Result<String, np::client::ClientError>>,
) -> anyhow::Result<()> {
    match runtime()?.block_on(command) {
        Ok(out) => {
            print!("{out}");
            Ok(())
        }
        Err(error) => {
            eprintln!("np: {error}");
            std::process::exit(i32::from(error.exit_code()));
        }
    }
}

fn load(source: &Source) -> Result<Config, ConfigError> {
    let config = Config::from_source(source)?;
    np::telemetry::init(&config.log_filter, config.log_format);
    if let Some(file) = source.file() {
        tracing::info!(file = %file.display(), "read configuration file");
    }
    for name in source.unknown_vars() {
        tracing::warn!(variable = name, "unknown NP_ variable ignored (a typo?)");
    }
    Ok(config)
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

fn print_config(source: &Source) {
    for var in VARS {
        let value = match (source.get(var.name), var.secret) {
            (Some(_), true) => "[redacted]".to_owned(),
            (Some(value), false) => value.to_owned(),
            (None, _) => var
                .default
                .map_or_else(|| "(unset)".to_owned(), |d| format!("{d} (default)")),
        };
        println!("{}={value}", var.name);
    }
}
