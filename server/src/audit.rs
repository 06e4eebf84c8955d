//! `np audit …`: verify the audit chain (in the database, or an NDJSON export offline), print the
//! checkpoint key, sign a checkpoint now.

use std::io::BufRead;

use anyhow::Context;
use np_domain::audit::chain::{self, ChainRow, Verifier};
use np_spec::audit::VerifyReport;

use crate::cli::{AuditCommand, VerifyArgs};
use crate::config::Config;

/// Runs an audit command; a broken chain ends the process with status 1.
///
/// # Errors
/// When the database, key or files cannot be read.
pub async fn run(config: &Config, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify(args) => {
            let report = verify(config, &args).await?;
            print!("{}", describe(&report));
            if !report.intact {
                std::process::exit(1);
            }
            Ok(())
        }
        AuditCommand::PublicKey => {
            let keys = chain::Keys::load_or_create(&config.audit.key_file)
                .map_err(|e| anyhow::anyhow!("the audit signing key: {e}"))?;
            println!("{}", keys.public_hex());
            Ok(())
        }
        AuditCommand::Checkpoint => {
            let (database, services) = crate::serve::open(config, 1).await?;
            let made =
                chain::checkpoint(&services.db, &services.audit, 1, std::time::Duration::ZERO)
                    .await;
            database.close().await;
            match made? {
                Some(c) => println!("signed checkpoint at record {} ({})", c.seq, c.head),
                None => println!("nothing new to sign"),
            }
            Ok(())
        }
    }
}

async fn verify(config: &Config, args: &VerifyArgs) -> anyhow::Result<VerifyReport> {
    let key = match &args.public_key {
        Some(hex) => Some(chain::parse_public_key(hex).map_err(anyhow::Error::msg)?),
        None if config.audit.key_file.exists() => Some(
            chain::Keys::load_or_create(&config.audit.key_file)
                .map_err(|e| anyhow::anyhow!("the audit signing key: {e}"))?
                .public(),
        ),
        None => None,
    };
    let file = args
        .checkpoints
        .clone()
        .or_else(|| Some(config.audit.checkpoint_file.clone()).filter(|f| f.exists()));
    let outside = match &file {
        Some(path) => chain::file_checkpoints(path).map_err(anyhow::Error::msg)?,
        None => Vec::new(),
    };
    if let Some(export) = &args.export {
        let reader = std::io::BufReader::new(
            std::fs::File::open(export).with_context(|| format!("{}", export.display()))?,
        );
        let mut verifier = Verifier::new(key, outside, false);
        for (n, line) in reader.lines().enumerate() {
            let line = line.with_context(|| format!("{}", export.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            let row: ChainRow = serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: not an audit record", export.display(), n + 1))?;
            verifier.push(&row);
        }
        return Ok(verifier.finish());
    }
    let (database, services) = crate::serve::open(config, 2).await?;
    let report = chain::verify(&services.db, key, outside).await;
    database.close().await;
    Ok(report?)
}

/// The report in words.
pub fn describe(report: &VerifyReport) -> String {
    let mut out = format!(
        "{} records checked (head {}), {} signed checkpoints{}\n",
        report.verified,
        report.head_seq,
        report.checkpoints,
        report
            .last_checkpoint
            .map(|s| format!(", latest matching at record {s}"))
            .unwrap_or_default()
    );
    match (&report.problem, report.first_broken) {
        (Some(problem), Some(seq)) => {
            out.push_str(&format!("BROKEN at record {seq}: {problem}\n"));
        }
        _ => out.push_str("intact\n"),
    }
    out
}
