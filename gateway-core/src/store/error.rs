//! The one error type of the store.

use std::path::PathBuf;

use thiserror::Error;

use crate::ids::AppealId;

/// What went wrong in the store. Every variant says where; messages are lower case.
///
/// It is `Clone` because one failed group commit answers every writer in the batch.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// The database could not be opened.
    #[error(
        "could not open the {backend} store at {path}: {reason}; check that the path is \
         writable and that no other process holds it"
    )]
    Open {
        /// The backend's name.
        backend: &'static str,
        /// The configured path.
        path: PathBuf,
        /// What the engine said.
        reason: String,
    },
    /// The configured backend was not compiled in.
    #[error(
        "the {backend} backend is not built in; rebuild gateway-core with `--features {backend}`"
    )]
    BackendNotBuilt {
        /// The backend's name.
        backend: &'static str,
    },
    /// The config has a value the store cannot use.
    #[error("invalid store config field `{field}`: {reason}")]
    InvalidConfig {
        /// The field.
        field: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// The engine failed a read or a commit.
    #[error("the {backend} backend failed to {operation}: {reason}")]
    Backend {
        /// The backend's name.
        backend: &'static str,
        /// What was being done (`commit a batch`, `read table store_appeals`).
        operation: String,
        /// What the engine said.
        reason: String,
    },
    /// A stored value could not be decoded.
    #[error("corrupt record in table {table} at key {key}: {reason}")]
    Corrupt {
        /// The table.
        table: String,
        /// The key, printable.
        key: String,
        /// What did not decode.
        reason: String,
    },
    /// A value could not be encoded for storage.
    #[error("could not encode {what} for storage: {reason}")]
    Encode {
        /// What was being encoded.
        what: String,
        /// What serde said.
        reason: String,
    },
    /// A table name that the generic record API does not accept.
    #[error(
        "invalid table name {name:?}: {reason}; use 1 to 64 characters of a-z, 0-9, `_` or \
         `-` that do not start with `store_`"
    )]
    InvalidTableName {
        /// The name given.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// An attachment over the configured size limit.
    #[error(
        "attachment of {size_bytes} bytes is over the limit of {max_attachment_bytes} bytes; \
         raise `max_attachment_bytes` or keep the attachment by URL"
    )]
    AttachmentTooLarge {
        /// Its size.
        size_bytes: u64,
        /// The configured limit.
        max_attachment_bytes: u64,
    },
    /// An operation on an appeal the store does not have.
    #[error("no appeal with id {id} is stored; {operation} needs an appeal taken in first")]
    UnknownAppeal {
        /// The id given.
        id: AppealId,
        /// What was attempted.
        operation: &'static str,
    },
    /// Intake of an appeal whose id is already stored under another intake key.
    #[error(
        "appeal id {id} is already stored for intake key {stored_key:?}, not {new_key:?}; \
         give the appeal a fresh id"
    )]
    IdConflict {
        /// The id.
        id: AppealId,
        /// The intake key stored with it.
        stored_key: String,
        /// The intake key of the new appeal.
        new_key: String,
    },
    /// A paging cursor that this store did not hand out.
    #[error("invalid paging cursor {cursor:?}; pass back a `next_cursor` exactly as returned")]
    InvalidCursor {
        /// The cursor given.
        cursor: String,
    },
    /// The store was closed, or its writer stopped.
    #[error("the appeal store is closed; open it again")]
    Closed,
}

/// A key as text for an error message: UTF-8 where it is, escapes elsewhere.
pub(crate) fn printable_key(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(text) => text.escape_debug().to_string(),
        Err(_) => key.escape_ascii().to_string(),
    }
}
