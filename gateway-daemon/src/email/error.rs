//! The email channel's errors: at start-up, and while storing a delivered message.

use channel_adapters::email::AckError;
use gateway_core::store::StoreError;

/// Why the email channel could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// The acknowledgement's addresses or templates are wrong.
    #[error("[channels.email.acknowledgement] is invalid: {0}")]
    Acknowledgement(#[source] AckError),
    /// The SMTP transport could not be set up.
    #[error("[channels.email.smtp] could not be set up: {0}")]
    Smtp(#[source] AckError),
    /// No mailbox to watch.
    #[error(
        "[channels.email.imap] lists no mailboxes; name at least one, e.g. mailboxes = [\"INBOX\"]"
    )]
    NoMailboxes,
}

/// Why a delivered message was not stored; the watcher leaves it unflagged and fetches it
/// again, and whatever part was already stored answers as a duplicate then.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// A store read or write failed.
    #[error("storing {what} of uid {uid} from mailbox {mailbox} failed: {source}")]
    Store {
        /// What was being stored: `the appeal`, `an attachment`, ...
        what: &'static str,
        /// The mailbox.
        mailbox: String,
        /// The message's UID.
        uid: u32,
        /// What the store said.
        #[source]
        source: StoreError,
    },
}
