//! Messages to citizens (surveys and their answers) in a durable outbox of their own.
//!
//! A message is written in the same batch as the case change or reply that caused it, sent
//! by the [`MessageWorker`](super::worker::MessageWorker), retried with doubling waits for
//! the configured period and then kept as failed. None is dropped.

use chrono::{DateTime, Utc};
use gateway_core::case::CaseNumber;
use gateway_core::store::{AppealStore, StoreError, WriteBatch};
use serde::{Deserialize, Serialize};

use super::address::CitizenAddress;

/// Every message by id.
pub const MESSAGES_TABLE: &str = "citizen_messages";
/// The ids of messages still to send.
pub const PENDING_TABLE: &str = "citizen_messages_pending";

/// The most pending messages read in one round.
// Limitation: beyond this many pending messages the later ones wait for a later round.
pub const SCAN_LIMIT: usize = 10_000;

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    /// Queued or being retried.
    Pending,
    /// Accepted by the channel.
    Sent,
    /// Given up; listed for people to act on.
    Failed,
}

/// One message to a citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitizenMessage {
    /// The id: queue time in milliseconds then random hex, so ids sort in queue order. It
    /// is also the email's Message-ID (local part) and the SMS idempotency key.
    pub id: String,
    /// The case it is about.
    pub case_number: CaseNumber,
    /// Where it goes.
    pub address: CitizenAddress,
    /// The subject, for email.
    pub subject: String,
    /// The text, in Chinese.
    pub text: String,
    /// Where it stands.
    pub state: MessageState,
    /// Attempts so far.
    pub attempts: u32,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due.
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure, without the text.
    #[serde(default)]
    pub last_error: Option<String>,
}

impl CitizenMessage {
    /// A message due now.
    pub fn new(
        case_number: CaseNumber,
        address: CitizenAddress,
        subject: String,
        text: String,
        at: DateTime<Utc>,
    ) -> CitizenMessage {
        let millis = at.timestamp_millis().max(0);
        CitizenMessage {
            id: format!("{millis:015}-{:016x}", rand::random::<u64>()),
            case_number,
            address,
            subject,
            text,
            state: MessageState::Pending,
            attempts: 0,
            created_at: at,
            next_attempt_at: at,
            last_error: None,
        }
    }
}

/// Adds the message and its index change to the batch.
pub fn put(batch: &mut WriteBatch, message: &CitizenMessage) -> Result<(), StoreError> {
    batch.put_json(MESSAGES_TABLE, &message.id, message)?;
    match message.state {
        MessageState::Pending => batch.put(PENDING_TABLE, &message.id, Vec::new())?,
        MessageState::Sent | MessageState::Failed => batch.delete(PENDING_TABLE, &message.id)?,
    };
    Ok(())
}

/// The pending messages, oldest first.
pub fn pending(store: &AppealStore) -> Result<Vec<CitizenMessage>, StoreError> {
    let mut found = Vec::new();
    for (key, _) in store.scan_prefix(PENDING_TABLE, b"", SCAN_LIMIT)? {
        if let Some(message) = store.get_json::<CitizenMessage>(MESSAGES_TABLE, &key)? {
            found.push(message);
        }
    }
    Ok(found)
}

/// Every message about a case, oldest first.
// Limitation: this reads the whole message table; it serves the API and tests, not a loop.
pub fn of_case(
    store: &AppealStore,
    case_number: &CaseNumber,
) -> Result<Vec<CitizenMessage>, StoreError> {
    let mut found = Vec::new();
    for (key, value) in store.scan_prefix(MESSAGES_TABLE, b"", usize::MAX)? {
        let message: CitizenMessage =
            serde_json::from_slice(&value).map_err(|e| StoreError::Corrupt {
                table: MESSAGES_TABLE.to_string(),
                key: String::from_utf8_lossy(&key).into_owned(),
                reason: e.to_string(),
            })?;
        if &message.case_number == case_number {
            found.push(message);
        }
    }
    Ok(found)
}
