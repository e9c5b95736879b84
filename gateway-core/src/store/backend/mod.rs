//! The storage trait the store runs on, and its two engines.
//!
//! A backend is a set of named tables of byte keys and byte values, read one key or one
//! ordered range at a time, written only by [`StorageBackend::commit`], which applies a whole
//! [`ChangeSet`] atomically and returns once it is durable. Everything above (group commit,
//! case numbers, indexes) is written once, against this trait.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::config::{BackendType, StoreConfig};
use super::error::StoreError;

mod redb_engine;
#[cfg(feature = "sled")]
mod sled_engine;

/// Visits one key and value of a scan; returns `false` to stop the scan.
pub type Visitor<'a> = dyn FnMut(&[u8], &[u8]) -> Result<bool, StoreError> + 'a;

/// A storage engine: named tables of ordered byte keys.
pub trait StorageBackend: Send + Sync {
    /// Which engine this is.
    fn backend_type(&self) -> BackendType;

    /// The value at `key` in `table`; `None` when either is absent.
    fn get(&self, table: &str, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// Visits the keys of `table` from `lower` (inclusive) to `upper` (exclusive, or the end
    /// of the table when `None`) in ascending byte order, until `visit` returns `false`.
    fn scan(
        &self,
        table: &str,
        lower: &[u8],
        upper: Option<&[u8]>,
        visit: &mut Visitor<'_>,
    ) -> Result<(), StoreError>;

    /// Applies every change atomically and returns only once it is durable on disk.
    fn commit(&self, changes: &ChangeSet) -> Result<(), StoreError>;
}

/// Writes to apply together: per table, per key, the new value or `None` to delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    tables: BTreeMap<String, BTreeMap<Vec<u8>, Option<Vec<u8>>>>,
}

impl ChangeSet {
    /// Sets `key` in `table` to `value`.
    pub fn put(&mut self, table: &str, key: Vec<u8>, value: Vec<u8>) {
        self.table_mut(table).insert(key, Some(value));
    }

    /// Deletes `key` from `table`.
    pub fn delete(&mut self, table: &str, key: Vec<u8>) {
        self.table_mut(table).insert(key, None);
    }

    /// What this change set says about `key`: `None` if nothing, `Some(None)` if deleted.
    pub fn lookup(&self, table: &str, key: &[u8]) -> Option<Option<&[u8]>> {
        self.tables
            .get(table)
            .and_then(|keys| keys.get(key))
            .map(|value| value.as_deref())
    }

    /// Moves every change of `later` into this set; `later` wins on the same key.
    pub fn absorb(&mut self, later: ChangeSet) {
        for (table, keys) in later.tables {
            self.tables.entry(table).or_default().extend(keys);
        }
    }

    /// The tables touched, each with its changes in key order.
    pub fn tables(&self) -> impl Iterator<Item = (&str, &BTreeMap<Vec<u8>, Option<Vec<u8>>>)> {
        self.tables.iter().map(|(name, keys)| (name.as_str(), keys))
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.tables.values().all(BTreeMap::is_empty)
    }

    /// How many keys are written or deleted.
    pub fn len(&self) -> usize {
        self.tables.values().map(BTreeMap::len).sum()
    }

    fn table_mut(&mut self, table: &str) -> &mut BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        self.tables.entry(table.to_string()).or_default()
    }
}

/// Opens the engine the config names, creating missing parent directories.
pub(crate) fn open(config: &StoreConfig) -> Result<Arc<dyn StorageBackend>, StoreError> {
    let open_error = |reason: String| StoreError::Open {
        backend: config.backend.as_str(),
        path: config.path.clone(),
        reason,
    };
    if let Some(parent) = config.path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|e| open_error(e.to_string()))?;
    }
    match config.backend {
        BackendType::Redb => Ok(Arc::new(redb_engine::RedbBackend::open(config)?)),
        #[cfg(feature = "sled")]
        BackendType::Sled => Ok(Arc::new(sled_engine::SledBackend::open(config)?)),
        #[cfg(not(feature = "sled"))]
        BackendType::Sled => Err(StoreError::BackendNotBuilt { backend: "sled" }),
    }
}

/// The smallest key greater than every key starting with `prefix`; `None` if there is none
/// (the prefix is empty or all `0xff`).
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_is_the_next_prefix() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff]), None);
        assert_eq!(prefix_end(b""), None);
    }

    #[test]
    fn later_changes_win() {
        let mut first = ChangeSet::default();
        first.put("t", b"k".to_vec(), b"1".to_vec());
        let mut later = ChangeSet::default();
        later.delete("t", b"k".to_vec());
        first.absorb(later);
        assert_eq!(first.lookup("t", b"k"), Some(None));
        assert_eq!(first.lookup("t", b"other"), None);
        assert_eq!(first.len(), 1);
    }
}
