//! The store's configuration: which backend, where, and the group commit limits.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The storage engine under the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendType {
    /// redb: one file, a stable file format, ACID transactions, fsync on every commit.
    #[default]
    Redb,
    /// sled: a directory; atomic batches made durable by `flush()`. Needs the `sled` feature.
    Sled,
}

impl BackendType {
    /// The backend's name as written in the config (`redb`, `sled`).
    pub fn as_str(self) -> &'static str {
        match self {
            BackendType::Redb => "redb",
            BackendType::Sled => "sled",
        }
    }
}

impl std::fmt::Display for BackendType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to open the durable appeal store.
///
/// ```toml
/// type = "redb"
/// path = "/var/lib/gateway/appeals.redb"
/// max_attachment_bytes = 20971520
/// max_batch = 256
/// max_batch_wait_micros = 0
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// The storage engine; `redb` when not given.
    #[serde(rename = "type", default)]
    pub backend: BackendType,
    /// Where the data lives: a file for redb, a directory for sled. Missing parent
    /// directories are created.
    pub path: PathBuf,
    /// The largest attachment accepted, in bytes; larger ones are refused. Default 20 MiB.
    #[serde(default = "default_max_attachment_bytes")]
    pub max_attachment_bytes: u64,
    /// The most writes (intakes, batches, attachments) committed in one transaction and one
    /// fsync. `1` turns group commit off. Default 256.
    #[serde(default = "default_max_batch")]
    pub max_batch: usize,
    /// How long the writer waits for more writes to join a batch that is not full, in
    /// microseconds. `0` (the default) commits whatever is queued at once: while one fsync
    /// runs, the next writes queue up and form the next batch by themselves.
    #[serde(default)]
    pub max_batch_wait_micros: u64,
    /// The engine's page cache, in bytes. Default 64 MiB.
    #[serde(default = "default_cache_bytes")]
    pub cache_bytes: u64,
}

fn default_max_attachment_bytes() -> u64 {
    20 * 1024 * 1024
}

fn default_max_batch() -> usize {
    256
}

fn default_cache_bytes() -> u64 {
    64 * 1024 * 1024
}

impl StoreConfig {
    /// A config for `backend` at `path` with every other field at its default.
    pub fn new(backend: BackendType, path: impl Into<PathBuf>) -> Self {
        Self {
            backend,
            path: path.into(),
            max_attachment_bytes: default_max_attachment_bytes(),
            max_batch: default_max_batch(),
            max_batch_wait_micros: 0,
            cache_bytes: default_cache_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_missing_fields() {
        let config: StoreConfig = serde_json::from_str(r#"{"path": "a.redb"}"#).unwrap();
        assert_eq!(config, StoreConfig::new(BackendType::Redb, "a.redb"));
        let sled: StoreConfig =
            serde_json::from_str(r#"{"type": "sled", "path": "d", "max_batch": 8}"#).unwrap();
        assert_eq!(sled.backend, BackendType::Sled);
        assert_eq!(sled.max_batch, 8);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<StoreConfig>(r#"{"path": "a", "max_batch_size": 3}"#)
            .unwrap_err();
        assert!(err.to_string().contains("max_batch_size"), "{err}");
    }
}
