//! The email channel in the daemon: IMAP intake into the store, acknowledgements through a
//! durable outbox.
//!
//! `channel-adapters` reads mail (parsing, charsets, threading, the IMAP watcher, SMTP);
//! this module gives it the daemon's durability:
//! - [`config`]: [`EmailConfig`], the `[channels.email]` section.
//! - [`sink`]: [`StoreSink`], which routes each message and stores it, or adds a citizen's
//!   reply to its case, before the watcher marks the message taken in.
//! - [`outbox`]: [`Outbox`], the acknowledgements queued with each intake and sent by one
//!   worker, retried with doubling waits, resumed after a restart.
//! - [`progress`]: [`StoreProgress`], each mailbox's UIDVALIDITY and last UID, kept durably.
//! - [`threads`]: [`OutboxThreads`], which ties a reply to the case from the Message-ID of
//!   the acknowledgement it answers.
//! - [`records`]: the tables and records all of these keep in the store.
//! - [`notices`]: [`notices::SmtpNoticeSender`], case notices to units with an email target.
//! - [`spawn()`]: starts it all; [`EmailChannel::join`] waits for it after shutdown.
//!
//! ```no_run
//! # async fn example(config: gateway_daemon::email::EmailConfig, store: gateway_core::AppealStore) {
//! use std::sync::Arc;
//! let rules = Arc::new(gateway_daemon::defaults::load_rules(None).unwrap());
//! let (stop, shutdown) = tokio::sync::watch::channel(false);
//! let channel = gateway_daemon::email::spawn(&config, store, Arc::new(move || rules.clone()), shutdown)
//!     .expect("email settings are valid");
//! // ... on SIGTERM:
//! stop.send(true).ok();
//! channel.join().await;
//! # }
//! ```
//!
//! Logs carry the mailbox, UID, appeal id, case number and outcome; addresses are masked
//! and texts appear only as their length (`gateway_core::mask`).

pub mod config;
pub mod error;
pub mod notices;
pub mod outbox;
pub mod progress;
pub mod records;
pub mod redact;
pub mod sink;
pub mod spawn;
pub mod threads;

pub use config::{EmailConfig, OutboxConfig};
pub use error::{DeliverError, EmailError};
pub use outbox::{Outbox, PassReport};
pub use progress::StoreProgress;
pub use records::{Acknowledgement, OutboxEntry, OutboxState, TakenIn, TakenInOutcome};
pub use sink::{CurrentRules, StoreSink};
pub use spawn::{EmailChannel, spawn};
pub use threads::OutboxThreads;
