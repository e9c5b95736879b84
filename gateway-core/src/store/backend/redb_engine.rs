//! The redb engine: one file, one redb table per store table, fsync on every commit.

use std::ops::Bound;

use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition, TableError};

use super::{ChangeSet, StorageBackend, Visitor};
use crate::store::config::{BackendType, StoreConfig};
use crate::store::error::StoreError;

/// A store table as redb sees it.
fn definition(table: &str) -> TableDefinition<'_, &'static [u8], &'static [u8]> {
    TableDefinition::new(table)
}

/// A redb database opened for the store.
pub(crate) struct RedbBackend {
    db: Database,
}

impl RedbBackend {
    /// Opens or creates the database file; an unclean shutdown is repaired here.
    pub(crate) fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        let cache_bytes = usize::try_from(config.cache_bytes).unwrap_or(usize::MAX);
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(&config.path)
            .map_err(|e| StoreError::Open {
                backend: "redb",
                path: config.path.clone(),
                reason: e.to_string(),
            })?;
        Ok(Self { db })
    }
}

fn failed(operation: impl Into<String>, error: impl Into<redb::Error>) -> StoreError {
    StoreError::Backend {
        backend: "redb",
        operation: operation.into(),
        reason: error.into().to_string(),
    }
}

impl StorageBackend for RedbBackend {
    fn backend_type(&self) -> BackendType {
        BackendType::Redb
    }

    fn get(&self, table: &str, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let operation = || format!("read table {table}");
        let txn = self.db.begin_read().map_err(|e| failed(operation(), e))?;
        let handle = match txn.open_table(definition(table)) {
            Ok(handle) => handle,
            Err(TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(failed(operation(), e)),
        };
        let value = handle.get(key).map_err(|e| failed(operation(), e))?;
        Ok(value.map(|guard| guard.value().to_vec()))
    }

    fn scan(
        &self,
        table: &str,
        lower: &[u8],
        upper: Option<&[u8]>,
        visit: &mut Visitor<'_>,
    ) -> Result<(), StoreError> {
        let operation = || format!("scan table {table}");
        let txn = self.db.begin_read().map_err(|e| failed(operation(), e))?;
        let handle = match txn.open_table(definition(table)) {
            Ok(handle) => handle,
            Err(TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(e) => return Err(failed(operation(), e)),
        };
        let upper = match upper {
            Some(upper) => Bound::Excluded(upper),
            None => Bound::Unbounded,
        };
        let range = handle
            .range((Bound::Included(lower), upper))
            .map_err(|e| failed(operation(), e))?;
        for entry in range {
            let (key, value) = entry.map_err(|e| failed(operation(), e))?;
            if !visit(key.value(), value.value())? {
                break;
            }
        }
        Ok(())
    }

    fn commit(&self, changes: &ChangeSet) -> Result<(), StoreError> {
        let operation = "commit a batch";
        let mut txn = self.db.begin_write().map_err(|e| failed(operation, e))?;
        // Immediate is redb's default; it is set here because the store's promise rests on it.
        txn.set_durability(Durability::Immediate)
            .map_err(|e| failed(operation, e))?;
        for (table, keys) in changes.tables() {
            let mut handle = txn
                .open_table(definition(table))
                .map_err(|e| failed(format!("open table {table}"), e))?;
            for (key, value) in keys {
                match value {
                    Some(value) => {
                        handle
                            .insert(key.as_slice(), value.as_slice())
                            .map_err(|e| failed(format!("write table {table}"), e))?;
                    }
                    None => {
                        handle
                            .remove(key.as_slice())
                            .map_err(|e| failed(format!("delete from table {table}"), e))?;
                    }
                }
            }
        }
        txn.commit().map_err(|e| failed(operation, e))
    }
}
