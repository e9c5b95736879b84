//! The store handle: intake, batches and attachments through group commit; reads direct.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use super::apply::{decode_id, decode_json};
use super::backend::{self, StorageBackend, prefix_end};
use super::batch::{WriteBatch, check_table_name};
use super::case_number::CaseNumber;
use super::config::{BackendType, StoreConfig};
use super::error::StoreError;
use super::keys;
use super::query::{self, AppealFilter, Page, PageRequest};
use super::records::{AppealRecord, HistoryEntry, IntakeOutcome, PreparedIntake};
use super::writer::{self, Job, Limits, Reply};
use crate::appeal::Appeal;
use crate::decision::RoutingDecision;
use crate::ids::AppealId;

/// A key and its value, as [`AppealStore::scan_prefix`] returns them.
pub type KeyValue = (Vec<u8>, Vec<u8>);

/// The durable appeal store. Cheap to clone; every clone shares one writer thread.
///
/// Writes (intake, batches, attachments) return only once durable, and many concurrent
/// writes share one transaction and one fsync. Each comes in an async form for tokio and a
/// `_blocking` form for threads. Reads go straight to the engine, from the calling thread;
/// they are short, but an async caller listing many appeals may prefer `spawn_blocking`.
///
/// ```
/// use gateway_core::store::{AppealStore, BackendType, StoreConfig};
/// use gateway_core::{Appeal, Channel, Kind, Principle, RoutingDecision, UnitId};
///
/// let dir = tempfile::tempdir()?;
/// let store = AppealStore::open(&StoreConfig::new(BackendType::Redb, dir.path().join("a.redb")))?;
/// let appeal = Appeal::builder(Channel::WebForm, "form-1", "楼下餐馆油烟太大").build();
/// let decision = RoutingDecision {
///     kind: Kind::Complaint,
///     topic: vec![],
///     emergency: None,
///     township: None,
///     village: None,
///     ambiguous_places: vec![],
///     lead_unit: UnitId::new("ecology-environment"),
///     assisting_units: vec![],
///     principle: Principle::OwnerResponsible,
///     rules: vec![],
///     confidence: 0.9,
/// };
/// let first = store.intake_blocking(appeal.clone(), decision.clone())?;
/// let retry = store.intake_blocking(appeal, decision)?;
/// assert!(retry.duplicate && retry.case_number == first.case_number);
/// store.close();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AppealStore {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Arc<dyn StorageBackend>,
    jobs: mpsc::Sender<Job>,
    writer: Mutex<Option<JoinHandle<()>>>,
    max_attachment_bytes: u64,
}

impl Inner {
    /// Commits what is queued, then stops the writer and waits for it.
    fn stop_writer(&self) {
        let _ = self.jobs.send(Job::Shutdown);
        let handle = match self.writer.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(handle) = handle
            && handle.join().is_err()
        {
            tracing::error!("the store's writer thread panicked");
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop_writer();
    }
}

impl std::fmt::Debug for AppealStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppealStore")
            .field("backend", &self.inner.backend.backend_type())
            .finish_non_exhaustive()
    }
}

impl AppealStore {
    /// Opens (or creates) the store the config describes and starts its writer thread.
    pub fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        if config.max_batch == 0 {
            return Err(StoreError::InvalidConfig {
                field: "max_batch",
                reason: "it must be at least 1 (1 commits every write alone)".to_string(),
            });
        }
        let backend = backend::open(config)?;
        let (jobs, queue) = mpsc::channel();
        let limits = Limits {
            max_batch: config.max_batch,
            max_wait: Duration::from_micros(config.max_batch_wait_micros),
        };
        let writer_backend = Arc::clone(&backend);
        let writer = std::thread::Builder::new()
            .name(format!("store-writer-{}", config.backend))
            .spawn(move || writer::run(writer_backend, queue, limits))
            .map_err(|e| StoreError::Open {
                backend: config.backend.as_str(),
                path: config.path.clone(),
                reason: format!("could not start the writer thread: {e}"),
            })?;
        tracing::info!(backend = %config.backend, path = %config.path.display(), "appeal store open");
        Ok(Self {
            inner: Arc::new(Inner {
                backend,
                jobs,
                writer: Mutex::new(Some(writer)),
                max_attachment_bytes: config.max_attachment_bytes,
            }),
        })
    }

    /// Which engine the store runs on.
    pub fn backend_type(&self) -> BackendType {
        self.inner.backend.backend_type()
    }

    /// Commits what is queued and stops the writer; later writes on any clone fail with
    /// [`StoreError::Closed`]. The engine releases its files when the last clone is dropped.
    pub fn close(self) {
        self.inner.stop_writer();
    }

    // ----- Writes, through group commit -----

    /// Takes in an appeal with its routing decision and gives it a case number, in one
    /// durable commit. A retry with the same intake key (channel and the channel's message
    /// id) returns the first intake's appeal id and case number, marked as a duplicate, and
    /// writes nothing. Dropping the future does not cancel the write.
    pub async fn intake(
        &self,
        appeal: Appeal,
        decision: RoutingDecision,
    ) -> Result<IntakeOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        let prepared = PreparedIntake::new(&appeal, &decision)?;
        self.submit(Job::Intake {
            prepared: Box::new(prepared),
            reply: Reply::Async(reply),
        })?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// [`AppealStore::intake`] for a thread that may block.
    pub fn intake_blocking(
        &self,
        appeal: Appeal,
        decision: RoutingDecision,
    ) -> Result<IntakeOutcome, StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        let prepared = PreparedIntake::new(&appeal, &decision)?;
        self.submit(Job::Intake {
            prepared: Box::new(prepared),
            reply: Reply::Blocking(reply),
        })?;
        answer.recv().map_err(|_| StoreError::Closed)?
    }

    /// Commits every write of the batch atomically and durably.
    pub async fn commit(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Batch {
            ops: batch.ops,
            reply: Reply::Async(reply),
        })?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// [`AppealStore::commit`] for a thread that may block.
    pub fn commit_blocking(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.submit(Job::Batch {
            ops: batch.ops,
            reply: Reply::Blocking(reply),
        })?;
        answer.recv().map_err(|_| StoreError::Closed)?
    }

    /// Stores an attachment's bytes under their SHA-256 (lower-case hex), which it returns.
    /// The same bytes twice are stored once. Bytes over `max_attachment_bytes` are refused.
    pub async fn put_attachment(&self, bytes: Vec<u8>) -> Result<String, StoreError> {
        let sha256 = self.check_attachment(&bytes)?;
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Attachment {
            sha256,
            bytes,
            reply: Reply::Async(reply),
        })?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// [`AppealStore::put_attachment`] for a thread that may block.
    pub fn put_attachment_blocking(&self, bytes: Vec<u8>) -> Result<String, StoreError> {
        let sha256 = self.check_attachment(&bytes)?;
        let (reply, answer) = mpsc::sync_channel(1);
        self.submit(Job::Attachment {
            sha256,
            bytes,
            reply: Reply::Blocking(reply),
        })?;
        answer.recv().map_err(|_| StoreError::Closed)?
    }

    fn check_attachment(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let size_bytes = bytes.len() as u64;
        if size_bytes > self.inner.max_attachment_bytes {
            return Err(StoreError::AttachmentTooLarge {
                size_bytes,
                max_attachment_bytes: self.inner.max_attachment_bytes,
            });
        }
        Ok(hex::encode(Sha256::digest(bytes)))
    }

    fn submit(&self, job: Job) -> Result<(), StoreError> {
        // Limitation: the queue to the writer is unbounded; the daemon bounds the number of
        // requests in flight (its HTTP concurrency limit), which bounds the queue.
        self.inner.jobs.send(job).map_err(|_| StoreError::Closed)
    }

    // ----- Reads -----

    /// The appeal with this id, its case number and decision in force.
    pub fn appeal(&self, id: &AppealId) -> Result<Option<AppealRecord>, StoreError> {
        query::record(self.backend(), id)
    }

    /// The appeal taken in under this intake key ([`Appeal::intake_key`]).
    pub fn appeal_by_intake_key(
        &self,
        intake_key: &str,
    ) -> Result<Option<AppealRecord>, StoreError> {
        self.appeal_by_lookup(keys::INTAKE_KEYS, intake_key.as_bytes())
    }

    /// The appeal with this case number.
    pub fn appeal_by_case_number(
        &self,
        case_number: &CaseNumber,
    ) -> Result<Option<AppealRecord>, StoreError> {
        self.appeal_by_lookup(keys::CASE_NUMBERS, case_number.as_str().as_bytes())
    }

    fn appeal_by_lookup(
        &self,
        table: &str,
        key: &[u8],
    ) -> Result<Option<AppealRecord>, StoreError> {
        let Some(bytes) = self.backend().get(table, key)? else {
            return Ok(None);
        };
        let id = decode_id(table, key, &bytes)?;
        self.appeal(&id)
    }

    /// The routing decision in force for the appeal.
    pub fn decision(&self, id: &AppealId) -> Result<Option<RoutingDecision>, StoreError> {
        let key = id.as_str().as_bytes();
        self.backend()
            .get(keys::DECISIONS, key)?
            .map(|bytes| decode_json(keys::DECISIONS, key, &bytes))
            .transpose()
    }

    /// The appeal's history, oldest first; empty for an unknown appeal.
    pub fn history(&self, id: &AppealId) -> Result<Vec<HistoryEntry>, StoreError> {
        let prefix = keys::history_prefix(id);
        let upper = prefix_end(&prefix);
        let mut entries = Vec::new();
        self.backend().scan(
            keys::HISTORY,
            &prefix,
            upper.as_deref(),
            &mut |key, value| {
                entries.push(decode_json(keys::HISTORY, key, value)?);
                Ok(true)
            },
        )?;
        Ok(entries)
    }

    /// One page of the appeals matching the filter, in receive order, then id order.
    pub fn list(&self, filter: &AppealFilter, page: &PageRequest) -> Result<Page, StoreError> {
        query::list(self.backend(), filter, page)
    }

    /// How many appeals match the filter; the unfiltered count is one counter read.
    pub fn count(&self, filter: &AppealFilter) -> Result<u64, StoreError> {
        query::count(self.backend(), filter)
    }

    /// An attachment's bytes by their SHA-256 hex.
    pub fn attachment(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.backend()
            .get(keys::ATTACHMENTS, sha256.to_ascii_lowercase().as_bytes())
    }

    /// The value at `key` in a named table of the generic record API.
    pub fn get(&self, table: &str, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>, StoreError> {
        check_table_name(table)?;
        self.backend().get(table, key.as_ref())
    }

    /// The value at `key` in a named table, decoded from JSON.
    pub fn get_json<T: DeserializeOwned>(
        &self,
        table: &str,
        key: impl AsRef<[u8]>,
    ) -> Result<Option<T>, StoreError> {
        let key = key.as_ref();
        self.get(table, key)?
            .map(|bytes| decode_json(table, key, &bytes))
            .transpose()
    }

    /// Up to `limit` keys and values of a named table that start with `prefix`, in key order.
    pub fn scan_prefix(
        &self,
        table: &str,
        prefix: impl AsRef<[u8]>,
        limit: usize,
    ) -> Result<Vec<KeyValue>, StoreError> {
        check_table_name(table)?;
        let prefix = prefix.as_ref();
        let upper = prefix_end(prefix);
        let mut entries = Vec::new();
        if limit == 0 {
            return Ok(entries);
        }
        self.backend()
            .scan(table, prefix, upper.as_deref(), &mut |key, value| {
                entries.push((key.to_vec(), value.to_vec()));
                Ok(entries.len() < limit)
            })?;
        Ok(entries)
    }

    fn backend(&self) -> &dyn StorageBackend {
        self.inner.backend.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appeal::Channel;
    use crate::decision::{Kind, Principle};
    use crate::ids::UnitId;
    use crate::store::backend::ChangeSet;

    fn route() -> RoutingDecision {
        RoutingDecision {
            kind: Kind::Complaint,
            topic: vec![],
            emergency: None,
            township: None,
            village: None,
            ambiguous_places: vec![],
            lead_unit: UnitId::new("housing"),
            assisting_units: vec![],
            principle: Principle::OwnerResponsible,
            rules: vec![],
            confidence: 0.5,
        }
    }

    fn damage(store: &AppealStore, table: &str, key: &[u8], value: &[u8]) {
        let mut changes = ChangeSet::default();
        changes.put(table, key.to_vec(), value.to_vec());
        store.inner.backend.commit(&changes).unwrap();
    }

    fn open(dir: &tempfile::TempDir) -> AppealStore {
        AppealStore::open(&StoreConfig::new(
            BackendType::Redb,
            dir.path().join("s.redb"),
        ))
        .unwrap()
    }

    #[test]
    fn damaged_appeal_is_reported_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let appeal = Appeal::builder(Channel::Sms, "s-1", "路面塌陷").build();
        let id = appeal.id.clone();
        store.intake_blocking(appeal.clone(), route()).unwrap();
        damage(
            &store,
            keys::APPEALS,
            id.as_str().as_bytes(),
            b"{\"case_number\":",
        );

        for err in [
            store.appeal(&id).unwrap_err(),
            store.appeal_by_intake_key("sms:s-1").unwrap_err(),
            store
                .list(&AppealFilter::default(), &PageRequest::first(10))
                .unwrap_err(),
            // A retry must read the first intake's case number, and says why it cannot.
            store.intake_blocking(appeal, route()).unwrap_err(),
        ] {
            match &err {
                StoreError::Corrupt { table, key, .. } => {
                    assert_eq!(table, keys::APPEALS);
                    assert_eq!(key, id.as_str());
                }
                other => panic!("expected a corrupt record, got {other}"),
            }
        }
    }

    #[test]
    fn damaged_counter_refuses_intake_instead_of_reusing_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        damage(&store, keys::COUNTERS, keys::APPEAL_COUNT, b"xyz");
        let err = store
            .intake_blocking(Appeal::builder(Channel::Sms, "s-2", "x").build(), route())
            .unwrap_err();
        assert!(
            err.to_string().contains("a counter must be 8 bytes"),
            "{err}"
        );
        assert!(err.to_string().contains("appeal_count"), "{err}");
        assert!(store.count(&AppealFilter::default()).is_err());
    }

    #[test]
    fn damaged_facets_fail_a_combined_filter_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let appeal = Appeal::builder(Channel::Sms, "s-3", "x").build();
        let id = appeal.id.clone();
        store.intake_blocking(appeal, route()).unwrap();
        damage(&store, keys::FACETS, id.as_str().as_bytes(), &[0xff, 0x00]);
        let filter = AppealFilter::default()
            .unit(UnitId::new("housing"))
            .kind(Kind::Complaint);
        let err = store.list(&filter, &PageRequest::first(5)).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    }
}
