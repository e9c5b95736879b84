//! Watching one mailbox: connect, take in what is new, wait (IDLE or polling), repeat; and
//! reconnect with backoff when anything fails.
//!
//! Each message goes through [`crate::email::intake_email`] and out through a [`MailSink`].
//! Progress is saved after the sink accepted the message and the message was marked `\Seen`
//! or moved, so nothing is lost; a message in flight when the connection dropped is fetched
//! again and recognized by its Message-ID through [`ProgressStore::already_taken_in`]. A
//! changed UIDVALIDITY restarts the mailbox from UID 1, skipping Message-IDs already taken in.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::timeout;
use tracing::{debug, error, info, warn};

use super::config::{AfterIntake, ImapConfig, ImapSecurity};
use super::progress::{MailboxProgress, ProgressStore};
use super::stream::{ImapStream, wrap_tls};
use crate::email::intake::{EmailOutcome, intake_email};
use crate::email::thread::ThreadLookup;

/// How long `DONE` may take to end an IDLE before the connection is given up.
const DONE_TIMEOUT: Duration = Duration::from_secs(15);

/// A session that lasted this long was healthy: the next failure starts backoff afresh.
const HEALTHY_SESSION: Duration = Duration::from_secs(60);

/// Errors of one IMAP session; every one ends the session and leads to a reconnect.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// TCP, TLS or the greeting failed.
    #[error("connecting to imap server {host}:{port} failed: {reason}")]
    Connect {
        /// The server.
        host: String,
        /// The port.
        port: u16,
        /// What failed.
        reason: String,
    },
    /// The server refused the login.
    #[error("imap login as {username} failed: {reason}; check the username and password")]
    Login {
        /// The login used.
        username: String,
        /// What the server said.
        reason: String,
    },
    /// A command failed.
    #[error("imap {command} on mailbox {mailbox} failed: {reason}")]
    Command {
        /// The mailbox.
        mailbox: String,
        /// The command, e.g. `UID FETCH`.
        command: &'static str,
        /// What failed.
        reason: String,
    },
    /// A command took longer than allowed.
    #[error("imap {command} on mailbox {mailbox} timed out after {seconds} s")]
    Timeout {
        /// The mailbox.
        mailbox: String,
        /// The command.
        command: &'static str,
        /// The limit.
        seconds: u64,
    },
    /// SELECT gave no UIDVALIDITY, without which progress cannot be kept.
    #[error("mailbox {mailbox} reported no uidvalidity; the server does not follow rfc 3501")]
    NoUidValidity {
        /// The mailbox.
        mailbox: String,
    },
    /// The sink did not accept a message; it stays unflagged and is fetched again.
    #[error(
        "delivery of uid {uid} from mailbox {mailbox} failed: {reason}; it will be fetched again"
    )]
    Delivery {
        /// The mailbox.
        mailbox: String,
        /// The message's UID.
        uid: u32,
        /// What the sink said.
        reason: String,
    },
}

/// One message taken in from a mailbox.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedMail {
    /// The mailbox it came from.
    pub mailbox: String,
    /// The mailbox's UIDVALIDITY.
    pub uid_validity: u32,
    /// Its UID.
    pub uid: u32,
    /// The raw message.
    pub raw: Vec<u8>,
    /// What the message is: a new appeal, a reply to a case, or not an appeal.
    pub outcome: EmailOutcome,
}

/// Where taken-in mail goes. `deliver` returns once the mail is safe (stored durably, for the
/// daemon); until then the message is not flagged and its UID not saved.
pub trait MailSink: Send + Sync {
    /// Takes one message; an error stops the session and the message is fetched again.
    fn deliver(&self, mail: FetchedMail) -> impl Future<Output = Result<(), String>> + Send;
}

/// A sink that forwards into a channel; a message counts as delivered once queued.
#[derive(Debug, Clone)]
pub struct ChannelSink(pub mpsc::Sender<FetchedMail>);

impl MailSink for ChannelSink {
    async fn deliver(&self, mail: FetchedMail) -> Result<(), String> {
        self.0
            .send(mail)
            .await
            .map_err(|_| "the receiving side of the mail channel was closed".to_string())
    }
}

/// Watches one mailbox until told to stop.
pub struct ImapWatcher<S> {
    config: Arc<ImapConfig>,
    mailbox: String,
    progress: Arc<dyn ProgressStore>,
    lookup: Arc<dyn ThreadLookup + Send + Sync>,
    sink: S,
}

impl<S> std::fmt::Debug for ImapWatcher<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapWatcher")
            .field("host", &self.config.host)
            .field("mailbox", &self.mailbox)
            .finish_non_exhaustive()
    }
}

type ImapSession = Session<ImapStream>;

impl<S: MailSink> ImapWatcher<S> {
    /// A watcher of `mailbox` (one of the config's mailboxes) on its own connection.
    pub fn new(
        config: Arc<ImapConfig>,
        mailbox: impl Into<String>,
        progress: Arc<dyn ProgressStore>,
        lookup: Arc<dyn ThreadLookup + Send + Sync>,
        sink: S,
    ) -> Self {
        Self {
            config,
            mailbox: mailbox.into(),
            progress,
            lookup,
            sink,
        }
    }

    /// Runs sessions until `shutdown` turns true, reconnecting with doubling backoff.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let initial = Duration::from_secs(self.config.backoff_initial_seconds.max(1));
        let max = Duration::from_secs(self.config.backoff_max_seconds.max(1)).max(initial);
        let mut backoff = initial;
        info!(mailbox = %self.mailbox, host = %self.config.host, "watching mailbox");
        loop {
            if *shutdown.borrow() {
                return;
            }
            let started = Instant::now();
            match self.session(&mut shutdown).await {
                Ok(()) => {
                    info!(mailbox = %self.mailbox, "stopped watching mailbox");
                    return;
                }
                // A refused login needs a person (a changed password); the rest heal alone.
                Err(error @ ImapError::Login { .. }) => {
                    error!(mailbox = %self.mailbox, error = %error, backoff_seconds = backoff.as_secs(), "imap login refused; fix the credentials");
                }
                Err(error) => {
                    warn!(mailbox = %self.mailbox, error = %error, backoff_seconds = backoff.as_secs(), "imap session ended; reconnecting");
                }
            }
            if started.elapsed() >= HEALTHY_SESSION {
                backoff = initial;
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = shutdown.changed() => {}
            }
            backoff = (backoff * 2).min(max);
        }
    }

    /// One connection: take in what is new, wait, repeat; `Ok` only when told to stop.
    pub async fn session(&self, shutdown: &mut watch::Receiver<bool>) -> Result<(), ImapError> {
        let mut session = self.connect().await?;
        let capabilities = self
            .command("CAPABILITY", async { session.capabilities().await })
            .await?;
        let can_idle = capabilities.has_str("IDLE");
        let can_move = capabilities.has_str("MOVE");
        let can_uid_expunge = capabilities.has_str("UIDPLUS");
        drop(capabilities);
        let selected = self
            .command("SELECT", async { session.select(&self.mailbox).await })
            .await?;
        let uid_validity = selected
            .uid_validity
            .ok_or_else(|| ImapError::NoUidValidity {
                mailbox: self.mailbox.clone(),
            })?;
        let actions = Actions {
            can_move,
            can_uid_expunge,
        };

        loop {
            // After every (re)connect and every wake-up, fetch by UID rather than trust EXISTS.
            self.pull_new(&mut session, uid_validity, actions).await?;
            while session.unsolicited_responses.try_recv().is_ok() {}
            if *shutdown.borrow() {
                let _ = timeout(DONE_TIMEOUT, session.logout()).await;
                return Ok(());
            }

            // Wait for news: IDLE where the server has it, else sleep and poll.
            if can_idle {
                session = self.idle(session, shutdown).await?;
            } else {
                tokio::select! {
                    _ = tokio::time::sleep(self.config.poll_interval()) => {}
                    _ = shutdown.changed() => {}
                }
                self.command("NOOP", async { session.noop().await }).await?;
            }
        }
    }

    async fn connect(&self) -> Result<ImapSession, ImapError> {
        let host = self.config.host.clone();
        let port = self.config.effective_port();
        let connect_error = |reason: String| ImapError::Connect {
            host: host.clone(),
            port,
            reason,
        };
        let work = async {
            let tcp = TcpStream::connect((host.as_str(), port))
                .await
                .map_err(|error| connect_error(error.to_string()))?;
            let stream = match self.config.security {
                ImapSecurity::Plain => ImapStream::Plain(tcp),
                ImapSecurity::Tls => wrap_tls(tcp, &host, self.config.tls_ca_file.as_deref())
                    .await
                    .map_err(connect_error)?,
            };
            let mut client = Client::new(stream);
            match client.read_response().await {
                Ok(Some(_greeting)) => {}
                Ok(None) => return Err(connect_error("closed before its greeting".into())),
                Err(error) => return Err(connect_error(error.to_string())),
            }
            client
                .login(&self.config.username, &self.config.password)
                .await
                .map_err(|(error, _)| ImapError::Login {
                    username: self.config.username.clone(),
                    reason: error.to_string(),
                })
        };
        timeout(self.config.connect_timeout(), work)
            .await
            .map_err(|_| ImapError::Timeout {
                mailbox: self.mailbox.clone(),
                command: "connect and LOGIN",
                seconds: self.config.connect_timeout().as_secs(),
            })?
    }

    /// Runs one command under the command timeout.
    async fn command<T>(
        &self,
        command: &'static str,
        work: impl Future<Output = async_imap::error::Result<T>>,
    ) -> Result<T, ImapError> {
        match timeout(self.config.command_timeout(), work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(ImapError::Command {
                mailbox: self.mailbox.clone(),
                command,
                reason: error.to_string(),
            }),
            Err(_) => Err(ImapError::Timeout {
                mailbox: self.mailbox.clone(),
                command,
                seconds: self.config.command_timeout().as_secs(),
            }),
        }
    }

    async fn idle(
        &self,
        session: ImapSession,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<ImapSession, ImapError> {
        let mut handle = session.idle();
        self.command("IDLE", async { handle.init().await }).await?;
        let woke = {
            let (wait, stop) = handle.wait_with_timeout(self.config.idle_duration());
            tokio::pin!(wait);
            let mut stop = Some(stop);
            // The wait future is not cancellation-safe: stop it through its StopSource and
            // let it finish, rather than dropping it.
            tokio::select! {
                woke = &mut wait => woke,
                _ = shutdown.changed() => {
                    drop(stop.take());
                    wait.await
                }
            }
        };
        if let Err(error) = woke {
            return Err(ImapError::Command {
                mailbox: self.mailbox.clone(),
                command: "IDLE",
                reason: error.to_string(),
            });
        }
        match timeout(DONE_TIMEOUT, handle.done()).await {
            Ok(Ok(session)) => Ok(session),
            Ok(Err(error)) => Err(ImapError::Command {
                mailbox: self.mailbox.clone(),
                command: "DONE",
                reason: error.to_string(),
            }),
            Err(_) => Err(ImapError::Timeout {
                mailbox: self.mailbox.clone(),
                command: "DONE",
                seconds: DONE_TIMEOUT.as_secs(),
            }),
        }
    }

    async fn pull_new(
        &self,
        session: &mut ImapSession,
        uid_validity: u32,
        actions: Actions,
    ) -> Result<(), ImapError> {
        // Where to start: the saved UID, or from the beginning when UIDVALIDITY changed.
        let (mut last_uid, resync) = match self.progress.load(&self.mailbox) {
            Some(mark) if mark.uid_validity == uid_validity => (mark.last_uid, false),
            Some(mark) => {
                warn!(mailbox = %self.mailbox, old = mark.uid_validity, new = uid_validity, "uidvalidity changed; resynchronizing and deduplicating by message-id");
                (0, true)
            }
            // A mailbox never watched before is taken in from its first message.
            None => (0, false),
        };

        // `UID n:*` always includes the highest UID, even below n: drop what is not new.
        let query = format!("UID {}:*", last_uid.saturating_add(1));
        let found = self
            .command("UID SEARCH", async { session.uid_search(&query).await })
            .await?;
        let mut uids: Vec<u32> = found.into_iter().filter(|&uid| uid > last_uid).collect();
        uids.sort_unstable();

        for uid in uids {
            // Fetch without setting \Seen: the flag is set only once the mail is safe.
            // Limitation: a message is fetched whole into memory; there is no size cap yet.
            let raw = self.fetch(session, uid).await?;
            if let Some(raw) = raw {
                let outcome = intake_email(&raw, self.lookup.as_ref());
                let message_id = outcome.message_id().map(str::to_string);
                // A message seen before (delivered just before a dropped connection, or again
                // under a new UIDVALIDITY) is flagged and passed over, not delivered twice.
                let duplicate = message_id
                    .as_deref()
                    .is_some_and(|id| self.progress.already_taken_in(id));
                if duplicate {
                    debug!(mailbox = %self.mailbox, uid, resync, "message was already taken in");
                } else {
                    let mail = FetchedMail {
                        mailbox: self.mailbox.clone(),
                        uid_validity,
                        uid,
                        raw,
                        outcome,
                    };
                    self.sink
                        .deliver(mail)
                        .await
                        .map_err(|reason| ImapError::Delivery {
                            mailbox: self.mailbox.clone(),
                            uid,
                            reason,
                        })?;
                    if let Some(id) = &message_id {
                        self.progress.remember_taken_in(id);
                    }
                }
                self.after_intake(session, uid, actions).await?;
            }
            last_uid = uid;
            self.progress.save(
                &self.mailbox,
                MailboxProgress {
                    uid_validity,
                    last_uid,
                },
            );
        }
        Ok(())
    }

    async fn fetch(
        &self,
        session: &mut ImapSession,
        uid: u32,
    ) -> Result<Option<Vec<u8>>, ImapError> {
        let set = uid.to_string();
        let fetches = self
            .command("UID FETCH", async {
                let stream = session.uid_fetch(&set, "(UID BODY.PEEK[])").await?;
                stream.try_collect::<Vec<_>>().await
            })
            .await?;
        // A message expunged between SEARCH and FETCH yields nothing; it is simply skipped.
        Ok(fetches
            .iter()
            .find(|fetch| fetch.uid == Some(uid))
            .and_then(|fetch| fetch.body())
            .map(<[u8]>::to_vec))
    }

    async fn after_intake(
        &self,
        session: &mut ImapSession,
        uid: u32,
        actions: Actions,
    ) -> Result<(), ImapError> {
        let set = uid.to_string();
        match &self.config.after_intake {
            AfterIntake::MarkSeen => {
                self.command("UID STORE", async {
                    let stream = session.uid_store(&set, "+FLAGS.SILENT (\\Seen)").await?;
                    stream.try_collect::<Vec<_>>().await
                })
                .await?;
            }
            AfterIntake::Move { folder } if actions.can_move => {
                self.command("UID MOVE", async { session.uid_mv(&set, folder).await })
                    .await?;
            }
            AfterIntake::Move { folder } => {
                // Without MOVE: copy, flag deleted, expunge (only this UID where UIDPLUS allows).
                self.command("UID COPY", async { session.uid_copy(&set, folder).await })
                    .await?;
                self.command("UID STORE", async {
                    let stream = session
                        .uid_store(&set, "+FLAGS.SILENT (\\Seen \\Deleted)")
                        .await?;
                    stream.try_collect::<Vec<_>>().await
                })
                .await?;
                if actions.can_uid_expunge {
                    self.command("UID EXPUNGE", async {
                        let stream = session.uid_expunge(&set).await?;
                        stream.try_collect::<Vec<_>>().await
                    })
                    .await?;
                } else {
                    // Limitation: without UIDPLUS, EXPUNGE also removes other messages that
                    // someone else flagged \Deleted in this mailbox.
                    self.command("EXPUNGE", async {
                        let stream = session.expunge().await?;
                        stream.try_collect::<Vec<_>>().await
                    })
                    .await?;
                }
            }
        }
        Ok(())
    }
}

/// What the server lets the watcher do after intake.
#[derive(Debug, Clone, Copy)]
struct Actions {
    can_move: bool,
    can_uid_expunge: bool,
}
