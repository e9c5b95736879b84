//! From raw mail to what the daemon acts on: a new appeal, a reply to a case, or neither.

use gateway_core::{Appeal, Channel, Citizen};
use sha2::{Digest, Sha256};
use tracing::debug;

use super::classify::NotAnAppeal;
use super::parse::{EmailAttachment, ParsedEmail, parse_email};
use super::quote::trim_quoted;
use super::thread::{CaseNumber, ThreadLookup, ThreadMatch, find_case};

/// The media type the raw message is kept under.
pub const RAW_CONTENT_TYPE: &str = "message/rfc822";

/// An appeal made from a message, with the attachment bytes the store must keep.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailAppeal {
    /// The appeal; its attachments reference [`Self::attachments`] by SHA-256.
    pub appeal: Appeal,
    /// The attachment bytes, in the appeal's order.
    pub attachments: Vec<EmailAttachment>,
}

/// What one message is to the hotline.
#[derive(Debug, Clone, PartialEq)]
pub enum EmailOutcome {
    /// A new appeal, to be stored and acknowledged.
    NewAppeal(EmailAppeal),
    /// A citizen's reply to the gateway's acknowledgement: add it to the case.
    CaseReply {
        /// The case it continues.
        case_number: CaseNumber,
        /// How it was tied to the case.
        matched_by: ThreadMatch,
        /// The reply as an appeal record, for the case history.
        reply: EmailAppeal,
    },
    /// Not a citizen's mail: taken in, not turned into an appeal.
    NotAnAppeal {
        /// The message's id, when it had one.
        message_id: Option<String>,
        /// Why.
        reason: NotAnAppeal,
    },
}

impl EmailOutcome {
    /// The id the message is known by: its Message-ID, or `sha256:…` when it had none.
    pub fn message_id(&self) -> Option<&str> {
        match self {
            EmailOutcome::NewAppeal(new) => Some(&new.appeal.channel_message_id),
            EmailOutcome::CaseReply { reply, .. } => Some(&reply.appeal.channel_message_id),
            EmailOutcome::NotAnAppeal { message_id, .. } => message_id.as_deref(),
        }
    }
}

/// Parses `raw` and decides what it is; `lookup` answers which Message-IDs the gateway sent.
pub fn intake_email(raw: &[u8], lookup: &dyn ThreadLookup) -> EmailOutcome {
    let parsed = parse_email(raw);

    // Loops and automatic mail first: an out-of-office reply to an acknowledgement carries
    // the case number too, and must not be added to the case.
    if let Some(reason) = parsed.not_an_appeal.clone() {
        debug!(reason = %reason, "email is not an appeal");
        return EmailOutcome::NotAnAppeal {
            message_id: parsed.message_id,
            reason,
        };
    }

    let thread = find_case(
        parsed.subject.as_deref(),
        &parsed.in_reply_to,
        &parsed.references,
        lookup,
    );
    let appeal = to_appeal(raw, parsed);
    match thread {
        Some((case_number, matched_by)) => EmailOutcome::CaseReply {
            case_number,
            matched_by,
            reply: appeal,
        },
        None => EmailOutcome::NewAppeal(appeal),
    }
}

/// The appeal record for a parsed message, with the raw bytes kept for audit.
pub fn to_appeal(raw: &[u8], mut parsed: ParsedEmail) -> EmailAppeal {
    // A message without a Message-ID is keyed by its content, so a re-fetch still dedupes.
    let mut flags = std::mem::take(&mut parsed.flags);
    let channel_message_id = match &parsed.message_id {
        Some(id) if !id.is_empty() => id.clone(),
        _ => {
            flags.push(gateway_core::IntakeFlag {
                field: "Message-ID".into(),
                problem: "message-id missing; keyed by the sha-256 of the message".into(),
                raw: None,
            });
            format!("sha256:{}", hex::encode(Sha256::digest(raw)))
        }
    };

    // The body is what the citizen wrote now; a reply that is all quote keeps the whole text.
    let trimmed = trim_quoted(&parsed.text);
    let body = if trimmed.text.trim().is_empty() {
        parsed.text.trim_end().to_string()
    } else {
        trimmed.text
    };
    if body.trim().is_empty() && parsed.attachments.is_empty() {
        flags.push(gateway_core::IntakeFlag {
            field: "body".into(),
            problem: "message has no readable text and no attachment".into(),
            raw: None,
        });
    }

    let citizen = Citizen {
        name: parsed.from.as_ref().and_then(|from| from.name.clone()),
        email: parsed.reply_address().map(str::to_string),
        ..Citizen::default()
    };
    let mut builder = Appeal::builder(Channel::Email, channel_message_id, body)
        .citizen(citizen)
        .raw(RAW_CONTENT_TYPE, raw);
    if let Some(subject) = parsed.subject.filter(|s| !s.trim().is_empty()) {
        builder = builder.title(subject.trim());
    }
    if let Some(date) = parsed.date {
        builder = builder.submitted_at(date);
    }
    for attachment in &parsed.attachments {
        builder = builder.attachment(attachment.to_appeal_attachment());
    }
    for flag in flags {
        builder = builder.flag(flag.field, flag.problem, flag.raw);
    }
    EmailAppeal {
        appeal: builder.build(),
        attachments: parsed.attachments,
    }
}
