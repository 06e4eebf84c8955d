//! Where the chain and its checkpoints are kept: the chain's id and head in the database, and each signed
//! checkpoint both there and appended to a file outside it.

use std::io::Write;
use std::path::Path;

use sqlx::PgExecutor;
use uuid::Uuid;

use super::{Checkpoint, GENESIS, Keys};
use crate::DomainError;

/// The id of the audit chain this database holds, made when the database was created.
///
/// # Errors
/// On database failure.
pub async fn chain_id(db: impl PgExecutor<'_>) -> Result<Uuid, DomainError> {
    Ok(sqlx::query_scalar!("SELECT chain_id FROM audit_identity")
        .fetch_one(db)
        .await?)
}

/// The chain's head as the database holds it: `(seq, hash hex)`.
///
/// # Errors
/// On database failure.
pub async fn head(db: impl PgExecutor<'_>) -> Result<(i64, String), DomainError> {
    let row = sqlx::query!(
        r#"SELECT seq, encode(row_hash, 'hex') AS "head!" FROM audit_events ORDER BY seq DESC LIMIT 1"#
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map_or_else(|| (0, hex::encode(GENESIS)), |r| (r.seq, r.head)))
}

/// Signs the chain's head and stores the checkpoint (in the database, and appended to the keys' file) when
/// there are at least `every` records since the last one, or any record and the last one is older than
/// `max_age`. Returns the new checkpoint, if one was made.
///
/// # Errors
/// On database or file failure.
pub async fn checkpoint(
    db: &sqlx::PgPool,
    keys: &Keys,
    every: i64,
    max_age: std::time::Duration,
) -> Result<Option<Checkpoint>, DomainError> {
    let chain = chain_id(db).await?;
    let (seq, head) = head(db).await?;
    let last = sqlx::query!(
        r#"SELECT seq, (extract(epoch FROM now() - signed_at) * 1000000)::bigint AS "age_us!"
             FROM audit_checkpoints ORDER BY seq DESC LIMIT 1"#
    )
    .fetch_optional(db)
    .await?;
    let due = match last {
        None => seq > 0,
        Some(last) => {
            seq > last.seq
                && (seq - last.seq >= every
                    || u128::try_from(last.age_us).unwrap_or(0) >= max_age.as_micros())
        }
    };
    if !due {
        return Ok(None);
    }
    let signed = keys.sign(chain, seq, &head);
    store_checkpoint(db, keys, &signed).await?;
    Ok(Some(signed))
}

/// Stores a signed checkpoint in the database and appends it to the checkpoint file (making its folder).
async fn store_checkpoint(
    db: impl PgExecutor<'_>,
    keys: &Keys,
    signed: &Checkpoint,
) -> Result<(), DomainError> {
    if let Some(path) = &keys.checkpoint_file {
        append(path, signed).map_err(|e| {
            DomainError::invalid("audit checkpoint file", format!("{}: {e}", path.display()))
        })?;
    }
    let head = hex::decode(&signed.head).unwrap_or_default();
    let signature = hex::decode(&signed.signature).unwrap_or_default();
    sqlx::query!(
        "INSERT INTO audit_checkpoints (chain_id, seq, head, signed_at, key_id, signature)
         VALUES ($1, $2, $3, timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5, $6)
         ON CONFLICT (seq) DO NOTHING",
        signed.chain,
        signed.seq,
        head,
        signed.signed_at_us,
        signed.key_id,
        signature,
    )
    .execute(db)
    .await?;
    Ok(())
}

fn append(path: &Path, signed: &Checkpoint) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let line = serde_json::to_string(signed).unwrap_or_default();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(file, "{line}")
}

/// The checkpoints stored in the database.
///
/// # Errors
/// On database failure.
pub async fn stored_checkpoints(db: impl PgExecutor<'_>) -> Result<Vec<Checkpoint>, DomainError> {
    Ok(sqlx::query_as!(
        Checkpoint,
        r#"SELECT chain_id AS chain, seq, encode(head, 'hex') AS "head!",
                  (extract(epoch FROM signed_at) * 1000000)::bigint AS "signed_at_us!", key_id,
                  encode(signature, 'hex') AS "signature!"
             FROM audit_checkpoints ORDER BY seq"#
    )
    .fetch_all(db)
    .await?)
}

/// Reads checkpoints from a file of JSON lines (the console's checkpoint file).
///
/// # Errors
/// When the file cannot be read or a line is not a checkpoint.
pub fn file_checkpoints(path: &Path) -> Result<Vec<Checkpoint>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}
