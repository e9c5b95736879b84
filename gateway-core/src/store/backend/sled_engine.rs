//! The sled engine: one tree holding every store table under a length-prefixed name, so that
//! one sled batch (atomic within a tree) covers changes to many tables.
//!
//! Durability: on Linux, sled 0.34's `flush()` ends its log writes with `sync_file_range`,
//! which neither flushes the drive's write cache nor the file's metadata, so a flushed batch
//! survives a killed process but not surely a power cut. After `flush()` this engine
//! therefore also calls `fdatasync` on sled's data file (`<path>/db`) through a handle of its
//! own: fsync acts on the file, whichever descriptor asks.

use super::{ChangeSet, StorageBackend, Visitor, prefix_end};
use crate::store::config::{BackendType, StoreConfig};
use crate::store::error::StoreError;

/// The name of the one tree.
const TREE: &str = "gateway-store";

/// A sled database opened for the store.
pub(crate) struct SledBackend {
    _db: sled::Db,
    tree: sled::Tree,
    data_file: std::fs::File,
}

impl SledBackend {
    /// Opens or creates the database directory; sled recovers its log here.
    pub(crate) fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        let open_error = |e: sled::Error| StoreError::Open {
            backend: "sled",
            path: config.path.clone(),
            reason: e.to_string(),
        };
        let db = sled::Config::new()
            .path(&config.path)
            .cache_capacity(config.cache_bytes)
            .open()
            .map_err(open_error)?;
        let tree = db.open_tree(TREE).map_err(open_error)?;
        let data_file =
            std::fs::File::open(config.path.join("db")).map_err(|e| StoreError::Open {
                backend: "sled",
                path: config.path.clone(),
                reason: format!("could not open sled's data file `db` to fsync it: {e}"),
            })?;
        Ok(Self {
            _db: db,
            tree,
            data_file,
        })
    }
}

/// The sled key of `key` in `table`: the name's length, the name, the key.
fn full_key(table: &str, key: &[u8]) -> Vec<u8> {
    let mut full = table_prefix(table);
    full.extend_from_slice(key);
    full
}

fn table_prefix(table: &str) -> Vec<u8> {
    // Table names are at most 64 bytes (checked where they enter), so one byte holds the length.
    let mut prefix = Vec::with_capacity(table.len() + 1);
    prefix.push(table.len().min(255) as u8);
    prefix.extend_from_slice(table.as_bytes());
    prefix
}

fn failed(operation: impl Into<String>, error: sled::Error) -> StoreError {
    StoreError::Backend {
        backend: "sled",
        operation: operation.into(),
        reason: error.to_string(),
    }
}

impl StorageBackend for SledBackend {
    fn backend_type(&self) -> BackendType {
        BackendType::Sled
    }

    fn get(&self, table: &str, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let value = self
            .tree
            .get(full_key(table, key))
            .map_err(|e| failed(format!("read table {table}"), e))?;
        Ok(value.map(|v| v.to_vec()))
    }

    fn scan(
        &self,
        table: &str,
        lower: &[u8],
        upper: Option<&[u8]>,
        visit: &mut Visitor<'_>,
    ) -> Result<(), StoreError> {
        let prefix = table_prefix(table);
        let start = full_key(table, lower);
        let end = match upper {
            Some(upper) => Some(full_key(table, upper)),
            None => prefix_end(&prefix),
        };
        let iter = match end {
            Some(end) => self.tree.range(start..end),
            None => self.tree.range(start..),
        };
        for entry in iter {
            let (key, value) = entry.map_err(|e| failed(format!("scan table {table}"), e))?;
            let Some(key) = key.strip_prefix(prefix.as_slice()) else {
                break;
            };
            if !visit(key, &value)? {
                break;
            }
        }
        Ok(())
    }

    fn commit(&self, changes: &ChangeSet) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (table, keys) in changes.tables() {
            for (key, value) in keys {
                match value {
                    Some(value) => batch.insert(full_key(table, key), value.as_slice()),
                    None => batch.remove(full_key(table, key)),
                }
            }
        }
        self.tree
            .apply_batch(batch)
            .map_err(|e| failed("apply a batch", e))?;
        // Limitation: if the flush fails, the batch stays visible to readers of this process
        // though it may not be on disk; the writers are told it failed.
        self.tree
            .flush()
            .map_err(|e| failed("flush a batch to disk", e))?;
        self.data_file.sync_data().map_err(|e| StoreError::Backend {
            backend: "sled",
            operation: "fsync the data file".to_string(),
            reason: e.to_string(),
        })
    }
}
