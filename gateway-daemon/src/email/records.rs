//! What the email channel keeps in the store: its tables, their keys and their records.
//!
//! | table | key | value |
//! | --- | --- | --- |
//! | `email_progress` | `user@host/mailbox` | [`MailboxProgress`](channel_adapters::email::imap::MailboxProgress) |
//! | `email_taken_in` | the intake key, `email:<message-id>` | [`TakenIn`] |
//! | `email_outbox` | the acknowledgement's outbox id | [`OutboxEntry`] |
//! | `email_outbox_pending` | the outbox id of each entry still to send | empty |
//! | `email_sent_ids` | a sent Message-ID, without brackets | the case number |
//! | `email_case_replies` | `<appeal id>/<message-id>` | the reply as a [`gateway_core::Appeal`] |

use channel_adapters::email::OutgoingMail;
use chrono::{DateTime, Utc};
use gateway_core::store::CaseNumber;
use gateway_core::{AppealId, Channel, RawOriginal};
use serde::{Deserialize, Serialize};

/// The watermark of each watched mailbox.
pub const PROGRESS: &str = "email_progress";
/// Every message taken in, by intake key: written last, so its presence means done.
pub const TAKEN_IN: &str = "email_taken_in";
/// Every acknowledgement, pending, sent or given up.
pub const OUTBOX: &str = "email_outbox";
/// The outbox ids of the acknowledgements still to send.
pub const OUTBOX_PENDING: &str = "email_outbox_pending";
/// The Message-IDs of the acknowledgements, to tie a citizen's reply to its case.
pub const SENT_IDS: &str = "email_sent_ids";
/// Citizens' replies added to a case, whole, with their raw message.
pub const CASE_REPLIES: &str = "email_case_replies";

/// The intake key of a message with this id: the same as the appeal's, `email:<message-id>`.
pub fn intake_key(message_id: &str) -> String {
    format!("{}:{message_id}", Channel::Email)
}

/// The outbox id of the acknowledgement for an appeal; it makes the Message-ID, so the
/// same appeal always gets the same acknowledgement.
pub fn outbox_id(appeal_id: &AppealId) -> String {
    format!("ack-{}", appeal_id.as_str().to_ascii_lowercase())
}

/// What became of one message taken in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TakenIn {
    /// The mailbox it came from.
    pub mailbox: String,
    /// The mailbox's UIDVALIDITY then.
    pub uid_validity: u32,
    /// Its UID.
    pub uid: u32,
    /// When it was taken in.
    pub at: DateTime<Utc>,
    /// What it became.
    pub outcome: TakenInOutcome,
}

/// What a message became.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TakenInOutcome {
    /// A new appeal and case.
    Appeal {
        /// The stored appeal.
        appeal_id: AppealId,
        /// Its case number.
        case_number: CaseNumber,
        /// The outbox id of its acknowledgement, or why none is sent.
        acknowledgement: Acknowledgement,
    },
    /// A citizen's reply, added to an existing case's history.
    CaseReply {
        /// The case's appeal.
        appeal_id: AppealId,
        /// The case number.
        case_number: CaseNumber,
    },
    /// Mail that is not an appeal (an auto-reply, a bounce, list traffic), kept whole.
    NotAnAppeal {
        /// Why it is not an appeal.
        reason: String,
        /// The message as received.
        raw: RawOriginal,
    },
}

/// Whether an appeal is acknowledged by mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Acknowledgement {
    /// Queued in the outbox under this id.
    Queued {
        /// The outbox id.
        outbox_id: String,
    },
    /// Not sent, and why (no address to answer, an address that does not parse).
    Skipped {
        /// Why.
        reason: String,
    },
}

/// One acknowledgement in the outbox, rendered once and sent unchanged however often it is
/// retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The outbox id.
    pub id: String,
    /// The appeal it acknowledges.
    pub appeal_id: AppealId,
    /// The case number it tells the citizen.
    pub case_number: CaseNumber,
    /// The mail, bytes and envelope.
    pub mail: OutgoingMail,
    /// Where it is.
    pub state: OutboxState,
    /// Failed attempts so far.
    pub failed_attempts: u32,
    /// The earliest time of the next attempt.
    pub next_attempt_at: DateTime<Utc>,
    /// What the last failed attempt said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
}

/// Where an acknowledgement is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be sent, first time or again.
    Pending,
    /// Accepted by the SMTP server.
    Sent {
        /// When.
        at: DateTime<Utc>,
    },
    /// Given up: refused permanently, or too many failures. A person must look.
    GivenUp {
        /// When.
        at: DateTime<Utc>,
    },
}

impl OutboxEntry {
    /// True while the entry waits to be sent.
    pub fn is_pending(&self) -> bool {
        self.state == OutboxState::Pending
    }
}

/// The key of a reply added to a case.
pub fn case_reply_key(case_appeal: &AppealId, message_id: &str) -> String {
    format!("{}/{message_id}", case_appeal.as_str())
}
