//! The email channel: the county mailbox (县长信箱).
//!
//! Citizens' mail arrives in GB2312, GBK, GB18030 or UTF-8, often mislabelled, with quoted
//! threads and attachments. This module turns one raw RFC 5322 message into an
//! [`EmailOutcome`]: a new [`gateway_core::Appeal`], a reply to an existing case, or mail that
//! is not an appeal (auto-replies, bounces, list traffic), with the reason.
//!
//! Parsing policy: lenient. `mail-parser` (RFC 5322, 2045–2049, 2047, 2231) reads the structure;
//! this module repairs what it gets wrong with Chinese charsets (split encoded words, raw 8-bit
//! GBK headers, wrong labels), flags every repair on the appeal and keeps the raw message.
//!
//! ```
//! use channel_adapters::email::{EmailOutcome, NoSentMessages, intake_email};
//!
//! let raw = b"From: =?UTF-8?B?5byg5LiJ?= <zhang@example.org>\r\n\
//!             Subject: =?GBK?B?wre1xrK7wcHByw==?=\r\n\
//!             Message-ID: <1@example.org>\r\n\r\nThe street light is out.\r\n";
//! let EmailOutcome::NewAppeal(new) = intake_email(raw, &NoSentMessages) else { panic!() };
//! assert_eq!(new.appeal.title.as_deref(), Some("路灯不亮了"));
//! assert_eq!(new.appeal.citizen.email.as_deref(), Some("zhang@example.org"));
//! ```

pub mod ack;
pub mod charset;
pub mod classify;
pub mod header_repair;
pub mod imap;
pub mod intake;
pub mod parse;
pub mod quote;
pub mod thread;

pub use ack::{
    AckConfig, AckError, AckRequest, AckSender, OutgoingMail, SmtpConfig, SmtpSecurity,
    build_acknowledgement,
};
pub use classify::NotAnAppeal;
pub use intake::{EmailAppeal, EmailOutcome, RAW_CONTENT_TYPE, intake_email, to_appeal};
pub use parse::{BodySource, EmailAttachment, ParsedEmail, Sender, parse_email};
pub use thread::{CaseNumber, NoSentMessages, ThreadLookup, ThreadMatch};
