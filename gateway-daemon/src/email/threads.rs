//! Which case an acknowledgement belonged to, from its Message-ID.

use channel_adapters::email::thread::strip_brackets;
use channel_adapters::email::{CaseNumber, ThreadLookup};
use gateway_core::AppealStore;
use tracing::error;

use super::records::SENT_IDS;

/// [`ThreadLookup`] on the outbox's record of Message-IDs, written when the acknowledgement
/// is queued (so a reply is tied to its case even if the gateway stopped before it marked
/// the acknowledgement sent).
#[derive(Debug, Clone)]
pub struct OutboxThreads {
    store: AppealStore,
}

impl OutboxThreads {
    /// A lookup on `store`.
    pub fn new(store: AppealStore) -> Self {
        Self { store }
    }
}

impl ThreadLookup for OutboxThreads {
    fn case_for_sent_message(&self, message_id: &str) -> Option<CaseNumber> {
        match self.store.get(SENT_IDS, strip_brackets(message_id)) {
            Ok(found) => {
                found.and_then(|bytes| CaseNumber::parse(&String::from_utf8_lossy(&bytes)))
            }
            Err(problem) => {
                // The subject's case number may still tie the reply to its case.
                error!(error = %problem, "sent message-ids unreadable; the reply is matched by its subject only");
                None
            }
        }
    }
}
