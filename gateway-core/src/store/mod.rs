//! The durable appeal store: every appeal is stored here before it is acknowledged.
//!
//! [`AppealStore::intake`] stores an [`Appeal`](crate::Appeal) with its
//! [`RoutingDecision`](crate::RoutingDecision), gives it a [`CaseNumber`] in the same
//! commit and returns only once that commit is on disk; a retry of the same intake key gets
//! the same ids back. Concurrent writes share one transaction and one fsync (group commit).
//! Later modules keep their own records in named tables through [`WriteBatch`], committed
//! atomically with appeal updates. The store runs on redb (default) or, with the `sled`
//! feature, on sled, both behind [`StorageBackend`].

mod appeal_store;
mod apply;
pub mod backend;
mod batch;
mod case_number;
mod config;
mod error;
mod keys;
mod query;
mod records;
mod writer;

pub use appeal_store::{AppealStore, KeyValue};
pub use backend::{ChangeSet, StorageBackend};
pub use batch::WriteBatch;
pub use case_number::CaseNumber;
pub use config::{BackendType, StoreConfig};
pub use error::StoreError;
pub use query::{AppealFilter, MAX_PAGE_LIMIT, Page, PageRequest};
pub use records::{AppealRecord, HistoryEntry, IntakeOutcome};
