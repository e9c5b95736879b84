//! Intake over IMAP (RFC 3501, IDLE per RFC 2177): one connection per watched mailbox.
//!
//! [`ImapWatcher::run`] keeps a mailbox's connection alive (every command under a timeout,
//! reconnects with backoff), takes in each new message by UID, passes it through
//! [`crate::email::intake_email`] to a [`MailSink`], then marks it `\Seen` or moves it, and
//! saves the mailbox's progress in a [`ProgressStore`].
//!
//! ```no_run
//! # async fn example(config: channel_adapters::email::imap::ImapConfig) {
//! use std::sync::Arc;
//! use channel_adapters::email::imap::{ChannelSink, ImapWatcher, MemoryProgress};
//! use channel_adapters::email::NoSentMessages;
//!
//! let (tx, mut rx) = tokio::sync::mpsc::channel(16);
//! let (_stop, shutdown) = tokio::sync::watch::channel(false);
//! let config = Arc::new(config);
//! for mailbox in config.mailboxes.clone() {
//!     let watcher = ImapWatcher::new(
//!         config.clone(), mailbox, Arc::new(MemoryProgress::new()),
//!         Arc::new(NoSentMessages), ChannelSink(tx.clone()),
//!     );
//!     tokio::spawn(watcher.run(shutdown.clone()));
//! }
//! while let Some(mail) = rx.recv().await { /* store mail.outcome */ }
//! # }
//! ```

pub mod config;
pub mod progress;
pub mod stream;
pub mod watcher;

pub use config::{AfterIntake, ImapConfig, ImapSecurity};
pub use progress::{MailboxProgress, MemoryProgress, ProgressStore};
pub use stream::ImapStream;
pub use watcher::{ChannelSink, FetchedMail, ImapError, ImapWatcher, MailSink};
