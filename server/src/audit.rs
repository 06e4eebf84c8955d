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
    let read = |path: &std::path::Path| chain::file_checkpoints(path).map_err(anyhow::Error::msg);
    if let Some(export) = &args.export {
        // Offline: the chain is the one named, else the one the checkpoints file names.
        let file = args
            .checkpoints
            .clone()
            .or_else(|| config.audit.checkpoint_file.clone())
            .or_else(|| args.chain.map(|c| config.audit.checkpoint_file_for(c)))
            .filter(|f| f.exists());
        let outside = file.as_deref().map(read).transpose()?.unwrap_or_default();
        let chain = match args.chain {
            Some(chain) => Some(chain),
            None => only_chain(&outside)?,
        };
        let (outside, notes) = chain::of_chain(chain, outside, false, "in the checkpoints file");
        return verify_export(export, key, outside, chain, notes);
    }
    let (database, services) = crate::serve::open(config, 2).await?;
    let file = args
        .checkpoints
        .clone()
        .or_else(|| services.audit.checkpoint_file.clone())
        .filter(|f| f.exists());
    let report = match file.as_deref().map(read).transpose() {
        Ok(outside) => chain::verify(&services.db, key, outside.unwrap_or_default())
            .await
            .map_err(anyhow::Error::from),
        Err(e) => Err(e),
    };
    database.close().await;
    report
}

/// The one chain `checkpoints` name, if they name any.
fn only_chain(checkpoints: &[chain::Checkpoint]) -> anyhow::Result<Option<uuid::Uuid>> {
    let chains: std::collections::BTreeSet<uuid::Uuid> =
        checkpoints.iter().filter_map(|c| c.chain).collect();
    match chains.len() {
        0 | 1 => Ok(chains.into_iter().next()),
        n => anyhow::bail!(
            "the checkpoints file holds checkpoints of {n} audit chains: name the export's with --chain"
        ),
    }
}

fn verify_export(
    export: &std::path::Path,
    key: Option<chain::VerifyingKey>,
    outside: Vec<chain::Checkpoint>,
    chain: Option<uuid::Uuid>,
    notes: Vec<String>,
) -> anyhow::Result<VerifyReport> {
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
    let mut report = verifier.finish();
    report.chain = chain.map(|c| c.to_string());
    report.notes = notes;
    Ok(report)
}

/// The report in words.
pub fn describe(report: &VerifyReport) -> String {
    let mut out = report
        .chain
        .as_ref()
        .map(|c| format!("audit chain {c}\n"))
        .unwrap_or_default();
    out.push_str(&format!(
        "{} records checked (head {}), {} signed checkpoints{}\n",
        report.verified,
        report.head_seq,
        report.checkpoints,
        report
            .last_checkpoint
            .map(|s| format!(", latest matching at record {s}"))
            .unwrap_or_default()
    ));
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    match (&report.problem, report.first_broken) {
        (Some(problem), Some(seq)) => {
            out.push_str(&format!("BROKEN at record {seq}: {problem}\n"));
        }
        _ => out.push_str("intact\n"),
    }
    out
}
