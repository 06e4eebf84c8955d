//! The verifier: walks the chain record by record and checks it against the signed checkpoints of the same
//! chain.

use futures::TryStreamExt;
use sqlx::PgPool;
use uuid::Uuid;

use super::{CHAIN_COLUMNS, ChainRow, Checkpoint, GENESIS, chain_id, stored_checkpoints};
use crate::DomainError;
use ed25519_dalek::VerifyingKey;
use np_spec::audit::VerifyReport;

/// Which of `checkpoints` belong to `chain`, and what was set aside, in words (`from`: where they came from).
/// A checkpoint naming another chain is another database's (the test database's, a staging copy's) and is
/// never checked against this one. One naming no chain was signed before checkpoints named their chain: it is
/// used when it comes from the database itself (`own`) or when no chain is known (an export checked offline
/// against a file of such checkpoints); from a file beside a known chain it cannot be told apart, and is not.
pub fn of_chain(
    chain: Option<Uuid>,
    checkpoints: Vec<Checkpoint>,
    own: bool,
    from: &str,
) -> (Vec<Checkpoint>, Vec<String>) {
    let (mut foreign, mut unbound) = (0, 0);
    let kept = checkpoints
        .into_iter()
        .filter(|c| match c.chain {
            Some(named) if Some(named) == chain => true,
            Some(_) => {
                foreign += 1;
                false
            }
            None if own || chain.is_none() => true,
            None => {
                unbound += 1;
                false
            }
        })
        .collect();
    let mut notes = Vec::new();
    let plural = |n: usize| if n == 1 { "checkpoint" } else { "checkpoints" };
    if foreign > 0 {
        notes.push(format!(
            "{foreign} {} {from} belong to another audit chain (another database) and were not used",
            plural(foreign)
        ));
    }
    if unbound > 0 {
        notes.push(format!(
            "{unbound} {} {from} name no chain (signed before checkpoints named their database) and were not \
             used",
            plural(unbound)
        ));
    }
    (kept, notes)
}

/// Walks a chain of records in seq order and checks each against its predecessor and the checkpoints.
#[derive(Debug)]
pub struct Verifier {
    checkpoints: std::collections::BTreeMap<i64, Checkpoint>,
    /// Whether the records start at seq 1 (a whole chain) rather than anywhere (an export's excerpt).
    whole: bool,
    report: VerifyReport,
    prev: Option<(i64, String)>,
}

impl Verifier {
    /// A verifier of a whole chain (starting at seq 1) against `checkpoints`, whose signatures are checked
    /// with `key` when one is given. A checkpoint with a bad signature is itself reported.
    pub fn new(key: Option<VerifyingKey>, checkpoints: Vec<Checkpoint>, whole: bool) -> Self {
        let mut report = VerifyReport {
            intact: true,
            ..VerifyReport::default()
        };
        let mut kept: std::collections::BTreeMap<i64, Checkpoint> =
            std::collections::BTreeMap::new();
        for c in checkpoints {
            if let Some(key) = &key
                && !c.signed_by(key)
            {
                if report.problem.is_none() {
                    report.intact = false;
                    report.first_broken = Some(c.seq);
                    report.problem = Some(format!(
                        "the checkpoint at record {} is not signed by the console's key",
                        c.seq
                    ));
                }
                continue;
            }
            if let Some(other) = kept.get(&c.seq)
                && c.head != other.head
            {
                report.intact = false;
                report.first_broken.get_or_insert(c.seq);
                report
                    .problem
                    .get_or_insert(format!("two checkpoints disagree about record {}", c.seq));
            }
            kept.insert(c.seq, c);
        }
        report.checkpoints = i64::try_from(kept.len()).unwrap_or(i64::MAX);
        Self {
            checkpoints: kept,
            whole,
            report,
            prev: None,
        }
    }

    fn broken(&mut self, seq: i64, problem: String) {
        if self.report.first_broken.is_none() {
            self.report.intact = false;
            self.report.first_broken = Some(seq);
            self.report.problem = Some(problem);
        }
    }

    /// Checks the next record.
    pub fn push(&mut self, row: &ChainRow) {
        let expected_seq = match &self.prev {
            Some((seq, _)) => Some(seq + 1),
            None if self.whole => Some(1),
            None => None,
        };
        let linked = match (&self.prev, expected_seq) {
            (Some((_, hash)), Some(seq)) if row.seq == seq => Some(hash.clone()),
            (None, Some(1)) if row.seq == 1 => Some(hex::encode(GENESIS)),
            _ => None,
        };
        if let Some(seq) = expected_seq
            && row.seq != seq
            && self.whole
        {
            if row.seq > seq {
                self.broken(
                    seq,
                    format!("record {seq} is missing (the next one is {})", row.seq),
                );
            } else {
                self.broken(row.seq, format!("record {} is out of order", row.seq));
            }
        }
        if let Some(prev) = linked
            && row.prev_hash != prev
        {
            self.broken(
                row.seq,
                format!("record {} does not follow the record before it", row.seq),
            );
        }
        if row.expected_hash() != row.row_hash {
            self.broken(
                row.seq,
                format!("record {} was changed after it was written", row.seq),
            );
        }
        if let Some(c) = self.checkpoints.get(&row.seq) {
            if c.head == row.row_hash {
                self.report.last_checkpoint = Some(row.seq);
            } else {
                let from = self.report.last_checkpoint.map_or(1, |s| s + 1);
                self.broken(
                    from,
                    format!(
                        "the chain up to record {} does not match its signed checkpoint: history between \
                         records {from} and {} was rewritten",
                        row.seq, row.seq
                    ),
                );
            }
        }
        self.report.verified += 1;
        self.report.head_seq = row.seq;
        self.prev = Some((row.seq, row.row_hash.clone()));
    }

    /// The report, once every record was pushed.
    pub fn finish(mut self) -> VerifyReport {
        let last = self.prev.as_ref().map_or(0, |(s, _)| *s);
        if self.whole
            && let Some((&seq, _)) = self.checkpoints.range(last + 1..).next()
        {
            self.broken(
                last + 1,
                format!(
                    "records after {last} are missing: a signed checkpoint covers record {seq}"
                ),
            );
        }
        self.report
    }
}

/// Verifies the whole chain in the database, against its stored checkpoints and `extra` ones (from outside
/// the database), checking their signatures with `key`. Only checkpoints of this database's chain count;
/// the report says what was set aside.
///
/// # Errors
/// On database failure.
pub async fn verify(
    db: &PgPool,
    key: Option<VerifyingKey>,
    extra: Vec<Checkpoint>,
) -> Result<VerifyReport, DomainError> {
    let chain = chain_id(db).await?;
    let (mut checkpoints, mut notes) = of_chain(
        Some(chain),
        stored_checkpoints(db).await?,
        true,
        "in the database",
    );
    let (outside, more) = of_chain(Some(chain), extra, false, "from outside the database");
    checkpoints.extend(outside);
    notes.extend(more);
    let mut verifier = Verifier::new(key, checkpoints, true);
    let sql = format!("SELECT {CHAIN_COLUMNS} FROM audit_events ORDER BY seq");
    let mut rows = sqlx::query_as::<_, ChainRow>(&sql).fetch(db);
    while let Some(row) = rows.try_next().await? {
        verifier.push(&row);
    }
    let mut report = verifier.finish();
    report.chain = Some(chain.to_string());
    report.notes = notes;
    Ok(report)
}
