//! Mailbox progress and the taken-in check, kept in the store.

use channel_adapters::email::imap::{MailboxProgress, ProgressStore};
use gateway_core::AppealStore;
use gateway_core::store::WriteBatch;
use tracing::error;

use super::records::{PROGRESS, TAKEN_IN, intake_key};

/// [`ProgressStore`] on the appeal store: one watermark per account and mailbox, saved
/// durably; a message counts as taken in once its [`TakenIn`](super::records::TakenIn) record
/// is stored, which the sink writes last.
#[derive(Debug, Clone)]
pub struct StoreProgress {
    store: AppealStore,
    account: String,
}

impl StoreProgress {
    /// Progress of the mailboxes of `account` (`user@host`, so two accounts never share a
    /// watermark).
    pub fn new(store: AppealStore, account: impl Into<String>) -> Self {
        Self {
            store,
            account: account.into(),
        }
    }

    fn key(&self, mailbox: &str) -> String {
        format!("{}/{mailbox}", self.account)
    }
}

impl ProgressStore for StoreProgress {
    fn load(&self, mailbox: &str) -> Option<MailboxProgress> {
        // An unreadable watermark restarts the mailbox from its first message; the taken-in
        // check below keeps that from doubling anything.
        match self.store.get_json(PROGRESS, self.key(mailbox)) {
            Ok(progress) => progress,
            Err(problem) => {
                error!(mailbox, error = %problem, "mailbox progress unreadable; taking the mailbox in again from its first message");
                None
            }
        }
    }

    fn save(&self, mailbox: &str, progress: MailboxProgress) {
        let mut batch = WriteBatch::new();
        let saved = batch
            .put_json(PROGRESS, self.key(mailbox), &progress)
            .map(|_| ())
            .and_then(|()| blocking(|| self.store.commit_blocking(batch)));
        // Losing a watermark only means fetching again what the taken-in check then skips.
        if let Err(problem) = saved {
            error!(mailbox, last_uid = progress.last_uid, error = %problem, "mailbox progress not saved; messages will be fetched again and skipped");
        }
    }

    fn already_taken_in(&self, message_id: &str) -> bool {
        match self.store.get(TAKEN_IN, intake_key(message_id)) {
            Ok(found) => found.is_some(),
            // Delivering again is safe: the sink checks once more and intake is idempotent.
            Err(problem) => {
                error!(error = %problem, "taken-in record unreadable; delivering the message again");
                false
            }
        }
    }

    fn remember_taken_in(&self, _message_id: &str) {
        // Nothing to do: the sink stores the taken-in record in the same commit as the rest
        // of the message's writes, before `deliver` returns.
    }
}

/// Runs a blocking store call from async code without stalling the other tasks of a
/// multi-threaded runtime; on a current-thread runtime it simply blocks.
pub(crate) fn blocking<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}
