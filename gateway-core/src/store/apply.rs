//! What each write does to the tables, worked out by the writer thread against the stored
//! state plus the earlier writes of the same batch.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::backend::{ChangeSet, StorageBackend};
use super::batch::BatchOp;
use super::case_number::{CaseNumber, date_prefix};
use super::error::{StoreError, printable_key};
use super::keys;
use super::records::{Facets, HistoryEntry, IntakeOutcome, PreparedIntake, StoredAppeal};
use crate::decision::RoutingDecision;
use crate::ids::AppealId;

/// One write's view: its own changes over the batch's changes over the committed state.
pub(crate) struct Staging<'a> {
    backend: &'a dyn StorageBackend,
    batch: &'a ChangeSet,
    changes: ChangeSet,
}

impl<'a> Staging<'a> {
    pub(crate) fn new(backend: &'a dyn StorageBackend, batch: &'a ChangeSet) -> Self {
        Self {
            backend,
            batch,
            changes: ChangeSet::default(),
        }
    }

    /// The changes this write makes, to be merged into the batch once it succeeded.
    pub(crate) fn into_changes(self) -> ChangeSet {
        self.changes
    }

    fn get(&self, table: &str, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(value) = self.changes.lookup(table, key) {
            return Ok(value.map(<[u8]>::to_vec));
        }
        if let Some(value) = self.batch.lookup(table, key) {
            return Ok(value.map(<[u8]>::to_vec));
        }
        self.backend.get(table, key)
    }

    fn get_json<T: DeserializeOwned>(
        &self,
        table: &str,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        self.get(table, key)?
            .map(|bytes| decode_json(table, key, &bytes))
            .transpose()
    }

    fn get_u64(&self, table: &str, key: &[u8]) -> Result<u64, StoreError> {
        match self.get(table, key)? {
            None => Ok(0),
            Some(bytes) => decode_u64(table, key, &bytes),
        }
    }

    fn put(&mut self, table: &str, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.changes.put(table, key.into(), value.into());
    }

    fn put_json<T: Serialize>(
        &mut self,
        table: &str,
        key: impl Into<Vec<u8>>,
        value: &T,
    ) -> Result<(), StoreError> {
        let bytes = encode_json(table, value)?;
        self.put(table, key, bytes);
        Ok(())
    }

    fn delete(&mut self, table: &str, key: impl Into<Vec<u8>>) {
        self.changes.delete(table, key.into());
    }
}

/// Encodes a record as JSON.
pub(crate) fn encode_json<T: Serialize>(table: &str, value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Encode {
        what: format!("a record for table {table}"),
        reason: e.to_string(),
    })
}

/// Decodes a stored JSON record, reporting damage with its table and key.
pub(crate) fn decode_json<T: DeserializeOwned>(
    table: &str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        table: table.to_string(),
        key: printable_key(key),
        reason: e.to_string(),
    })
}

/// Decodes a stored counter.
pub(crate) fn decode_u64(table: &str, key: &[u8], bytes: &[u8]) -> Result<u64, StoreError> {
    let array: [u8; 8] = bytes.try_into().map_err(|_| StoreError::Corrupt {
        table: table.to_string(),
        key: printable_key(key),
        reason: format!("a counter must be 8 bytes, found {}", bytes.len()),
    })?;
    Ok(u64::from_be_bytes(array))
}

/// Decodes a stored appeal id.
pub(crate) fn decode_id(table: &str, key: &[u8], bytes: &[u8]) -> Result<AppealId, StoreError> {
    std::str::from_utf8(bytes)
        .map(AppealId::from_string)
        .map_err(|e| StoreError::Corrupt {
            table: table.to_string(),
            key: printable_key(key),
            reason: format!("appeal id is not utf-8: {e}"),
        })
}

/// Takes one appeal in, or finds it already taken in under its intake key.
pub(crate) fn intake(
    staging: &mut Staging<'_>,
    prepared: &PreparedIntake,
) -> Result<IntakeOutcome, StoreError> {
    let intake_key = &prepared.intake_key;
    let id = &prepared.id;

    // A retry of a stored intake key gets the first intake's ids and writes nothing.
    if let Some(bytes) = staging.get(keys::INTAKE_KEYS, intake_key.as_bytes())? {
        let stored_id = decode_id(keys::INTAKE_KEYS, intake_key.as_bytes(), &bytes)?;
        let stored = stored_appeal(staging, &stored_id)?;
        return Ok(IntakeOutcome {
            appeal_id: stored_id,
            case_number: stored.case_number,
            duplicate: true,
        });
    }
    if staging
        .get(keys::APPEALS, id.as_str().as_bytes())?
        .is_some()
    {
        let stored = stored_appeal(staging, id)?;
        return Err(StoreError::IdConflict {
            id: id.clone(),
            stored_key: stored.appeal.intake_key(),
            new_key: intake_key.clone(),
        });
    }

    // The case number: the next of the receive date's sequence, skipping any number taken.
    let date = date_prefix(prepared.received_at);
    let sequence_key = keys::case_sequence(&date);
    let mut sequence = staging.get_u64(keys::COUNTERS, &sequence_key)? + 1;
    let mut case_number = CaseNumber::new(prepared.received_at, sequence);
    while staging
        .get(keys::CASE_NUMBERS, case_number.as_str().as_bytes())?
        .is_some()
    {
        sequence += 1;
        case_number = CaseNumber::new(prepared.received_at, sequence);
    }
    staging.put(keys::COUNTERS, sequence_key, sequence.to_be_bytes());
    let count = staging.get_u64(keys::COUNTERS, keys::APPEAL_COUNT)? + 1;
    staging.put(keys::COUNTERS, keys::APPEAL_COUNT, count.to_be_bytes());

    // The records and their lookups.
    let id_bytes = id.as_str().as_bytes().to_vec();
    staging.put(
        keys::APPEALS,
        id_bytes.clone(),
        prepared.stored_json(&case_number),
    );
    staging.put(
        keys::DECISIONS,
        id_bytes.clone(),
        prepared.decision_json.clone(),
    );
    staging.put(keys::INTAKE_KEYS, intake_key.as_bytes(), id_bytes.clone());
    staging.put(
        keys::CASE_NUMBERS,
        case_number.as_str().as_bytes(),
        id_bytes,
    );

    // The list indexes and the accepted (受理) entry of the history.
    write_indexes(staging, id, &prepared.facets)?;
    append_history(
        staging,
        id,
        HistoryEntry {
            at: prepared.received_at,
            actor: "gateway".to_string(),
            action: "accepted".to_string(),
            note: Some(format!("受理，工单号 {case_number}")),
        },
    )?;
    Ok(IntakeOutcome {
        appeal_id: id.clone(),
        case_number,
        duplicate: false,
    })
}

/// Applies the writes of one batch, all or none.
pub(crate) fn batch(staging: &mut Staging<'_>, ops: &[BatchOp]) -> Result<(), StoreError> {
    for op in ops {
        match op {
            BatchOp::Put { table, key, value } => staging.put(table, key.clone(), value.clone()),
            BatchOp::Delete { table, key } => staging.delete(table, key.clone()),
            BatchOp::AppendHistory { appeal_id, entry } => {
                require_appeal(staging, appeal_id, "appending to the history")?;
                append_history(staging, appeal_id, entry.clone())?;
            }
            BatchOp::ReplaceDecision {
                appeal_id,
                decision,
            } => replace_decision(staging, appeal_id, decision)?,
        }
    }
    Ok(())
}

/// Stores an attachment's bytes under their hash unless they are stored already.
pub(crate) fn attachment(
    staging: &mut Staging<'_>,
    sha256: &str,
    bytes: &[u8],
) -> Result<(), StoreError> {
    if staging.get(keys::ATTACHMENTS, sha256.as_bytes())?.is_none() {
        staging.put(keys::ATTACHMENTS, sha256.as_bytes(), bytes);
    }
    Ok(())
}

fn stored_appeal(staging: &Staging<'_>, id: &AppealId) -> Result<StoredAppeal, StoreError> {
    let key = id.as_str().as_bytes();
    staging
        .get_json(keys::APPEALS, key)?
        .ok_or_else(|| StoreError::Corrupt {
            table: keys::APPEALS.to_string(),
            key: printable_key(key),
            reason: "an index names this appeal but it is missing".to_string(),
        })
}

fn require_appeal(
    staging: &Staging<'_>,
    id: &AppealId,
    operation: &'static str,
) -> Result<(), StoreError> {
    match staging.get(keys::FACETS, id.as_str().as_bytes())? {
        Some(_) => Ok(()),
        None => Err(StoreError::UnknownAppeal {
            id: id.clone(),
            operation,
        }),
    }
}

fn replace_decision(
    staging: &mut Staging<'_>,
    id: &AppealId,
    decision: &RoutingDecision,
) -> Result<(), StoreError> {
    let key = id.as_str().as_bytes();
    let Some(old): Option<Facets> = staging.get_json(keys::FACETS, key)? else {
        return Err(StoreError::UnknownAppeal {
            id: id.clone(),
            operation: "replacing the routing decision",
        });
    };
    for (table, index_key) in index_entries(id, &old) {
        staging.delete(table, index_key);
    }
    write_indexes(staging, id, &old.rerouted(decision))?;
    staging.put_json(keys::DECISIONS, key.to_vec(), decision)
}

fn write_indexes(
    staging: &mut Staging<'_>,
    id: &AppealId,
    facets: &Facets,
) -> Result<(), StoreError> {
    for (table, index_key) in index_entries(id, facets) {
        staging.put(table, index_key, Vec::new());
    }
    staging.put_json(keys::FACETS, id.as_str().as_bytes().to_vec(), facets)
}

/// Every list index entry of one appeal.
fn index_entries(id: &AppealId, facets: &Facets) -> Vec<(&'static str, Vec<u8>)> {
    let sort_key = keys::sort_key(facets.received_millis, id);
    let mut entries = vec![
        (keys::BY_RECEIVED, sort_key.clone()),
        (
            keys::BY_CHANNEL,
            keys::index_key(&facets.channel, &sort_key),
        ),
        (keys::BY_KIND, keys::index_key(&facets.kind, &sort_key)),
    ];
    if let Some(township) = &facets.township {
        entries.push((keys::BY_TOWNSHIP, keys::index_key(township, &sort_key)));
    }
    for unit in &facets.units {
        entries.push((keys::BY_UNIT, keys::index_key(unit, &sort_key)));
    }
    entries
}

fn append_history(
    staging: &mut Staging<'_>,
    id: &AppealId,
    entry: HistoryEntry,
) -> Result<(), StoreError> {
    let length_key = id.as_str().as_bytes();
    let number = staging.get_u64(keys::HISTORY_LENGTHS, length_key)?;
    staging.put_json(keys::HISTORY, keys::history_key(id, number), &entry)?;
    staging.put(
        keys::HISTORY_LENGTHS,
        length_key,
        (number + 1).to_be_bytes(),
    );
    Ok(())
}
