//! Atomic write batches: several writes that are committed together or not at all.
//!
//! Later modules (cases, the dispatch outbox, IMAP progress, follow-ups) keep their records
//! in named tables of their own through this API, and may touch an appeal in the same batch:
//! replace its decision, append to its history. A batch goes through the same group commit
//! as intakes.

use serde::Serialize;

use super::error::StoreError;
use super::records::HistoryEntry;
use crate::decision::RoutingDecision;
use crate::ids::AppealId;

/// One write of a batch.
#[derive(Debug, Clone)]
pub(crate) enum BatchOp {
    Put {
        table: String,
        key: Vec<u8>,
        value: Vec<u8>,
    },
    Delete {
        table: String,
        key: Vec<u8>,
    },
    AppendHistory {
        appeal_id: AppealId,
        entry: HistoryEntry,
    },
    ReplaceDecision {
        appeal_id: AppealId,
        decision: RoutingDecision,
    },
}

/// Writes committed atomically: all of them become durable together, or none does.
///
/// ```
/// use gateway_core::store::{HistoryEntry, WriteBatch};
/// use gateway_core::AppealId;
///
/// let id = AppealId::generate();
/// let mut batch = WriteBatch::new();
/// batch
///     .put_json("outbox", id.as_str(), &serde_json::json!({"unit": "market-supervision"}))?
///     .append_history(&id, HistoryEntry::now("gateway", "dispatched"));
/// assert_eq!(batch.len(), 2);
/// # Ok::<(), gateway_core::store::StoreError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct WriteBatch {
    pub(crate) ops: Vec<BatchOp>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` in the named table to `value`. Table names are 1 to 64 characters of
    /// `a-z`, `0-9`, `_`, `-`; names starting with `store_` belong to the store itself.
    pub fn put(
        &mut self,
        table: &str,
        key: impl AsRef<[u8]>,
        value: impl Into<Vec<u8>>,
    ) -> Result<&mut Self, StoreError> {
        check_table_name(table)?;
        self.ops.push(BatchOp::Put {
            table: table.to_string(),
            key: key.as_ref().to_vec(),
            value: value.into(),
        });
        Ok(self)
    }

    /// Sets `key` in the named table to `value` as JSON.
    pub fn put_json<T: Serialize + ?Sized>(
        &mut self,
        table: &str,
        key: impl AsRef<[u8]>,
        value: &T,
    ) -> Result<&mut Self, StoreError> {
        let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Encode {
            what: format!("a record for table {table}"),
            reason: e.to_string(),
        })?;
        self.put(table, key, bytes)
    }

    /// Deletes `key` from the named table; deleting an absent key is no error.
    pub fn delete(&mut self, table: &str, key: impl AsRef<[u8]>) -> Result<&mut Self, StoreError> {
        check_table_name(table)?;
        self.ops.push(BatchOp::Delete {
            table: table.to_string(),
            key: key.as_ref().to_vec(),
        });
        Ok(self)
    }

    /// Appends an entry to a stored appeal's history. The batch fails if the appeal is not
    /// stored.
    pub fn append_history(&mut self, appeal_id: &AppealId, entry: HistoryEntry) -> &mut Self {
        self.ops.push(BatchOp::AppendHistory {
            appeal_id: appeal_id.clone(),
            entry,
        });
        self
    }

    /// Replaces a stored appeal's routing decision (re-routing) and updates the list
    /// indexes. The batch fails if the appeal is not stored.
    pub fn replace_decision(
        &mut self,
        appeal_id: &AppealId,
        decision: RoutingDecision,
    ) -> &mut Self {
        self.ops.push(BatchOp::ReplaceDecision {
            appeal_id: appeal_id.clone(),
            decision,
        });
        self
    }

    /// Moves every write of `other` to the end of this batch, so that writes gathered by
    /// different modules commit together.
    pub fn append(&mut self, mut other: WriteBatch) -> &mut Self {
        self.ops.append(&mut other.ops);
        self
    }

    /// How many writes the batch holds.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// True when the batch holds no writes.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Refuses table names the generic record API does not accept.
pub(crate) fn check_table_name(name: &str) -> Result<(), StoreError> {
    let refuse = |reason| {
        Err(StoreError::InvalidTableName {
            name: name.to_string(),
            reason,
        })
    };
    if name.is_empty() || name.len() > 64 {
        return refuse("it must be 1 to 64 characters long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return refuse("it has a character outside a-z, 0-9, `_` and `-`");
    }
    if name.starts_with("store_") {
        return refuse("names starting with `store_` are the store's own");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_checked() {
        assert!(check_table_name("outbox").is_ok());
        assert!(check_table_name("imap-progress_2").is_ok());
        for bad in ["", "Outbox", "out box", "store_appeals", &"x".repeat(65)] {
            let err = check_table_name(bad).unwrap_err();
            assert!(
                matches!(err, StoreError::InvalidTableName { .. }),
                "{bad:?}"
            );
        }
        assert!(
            WriteBatch::new()
                .put("store_counters", b"k", b"v".to_vec())
                .is_err()
        );
    }
}
