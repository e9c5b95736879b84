//! Starting the email channel: one watcher per mailbox and the outbox worker.

use std::sync::Arc;

use channel_adapters::email::imap::{ImapWatcher, ProgressStore};
use gateway_core::AppealStore;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tracing::{error, info};

use super::config::EmailConfig;
use super::error::EmailError;
use super::outbox::Outbox;
use super::progress::StoreProgress;
use super::sink::{AfterStored, CurrentRules, EmergencyHandoff, StoreSink};
use super::threads::OutboxThreads;

/// The running email channel: its tasks, which end once shutdown was signalled.
#[derive(Debug)]
pub struct EmailChannel {
    tasks: Vec<JoinHandle<()>>,
}

impl EmailChannel {
    /// How many tasks run: one per watched mailbox, and the outbox worker.
    pub fn task_count(&self) -> usize {
        self.tasks.len()
    }

    /// Waits for every task to end (after the shutdown signal). A watcher ends after the
    /// message in hand is stored; the outbox after the send in hand is recorded.
    pub async fn join(self) {
        for task in self.tasks {
            if let Err(problem) = task.await {
                error!(error = %problem, "an email channel task ended abnormally");
            }
        }
    }
}

/// Starts the email channel on the current tokio runtime: a watcher per mailbox of
/// `config.imap` taking mail into `store`, routed by `rules`, and the outbox worker sending
/// acknowledgements. Everything stops when `shutdown` turns true; await
/// [`EmailChannel::join`] then.
///
/// Checks the acknowledgement templates and the SMTP settings first, so a mistake fails at
/// start-up rather than at the first mail. Must be called from within a tokio runtime.
pub fn spawn(
    config: &EmailConfig,
    store: AppealStore,
    rules: CurrentRules,
    shutdown: watch::Receiver<bool>,
) -> Result<EmailChannel, EmailError> {
    spawn_with_handoff(config, store, rules, None, shutdown)
}

/// [`spawn`], with emergencies handed to `handoff` (the daemon's 110/119/120/122 hand-off).
pub fn spawn_with_handoff(
    config: &EmailConfig,
    store: AppealStore,
    rules: CurrentRules,
    handoff: Option<EmergencyHandoff>,
    shutdown: watch::Receiver<bool>,
) -> Result<EmailChannel, EmailError> {
    spawn_with_hooks(config, store, rules, handoff, None, shutdown)
}

/// [`spawn_with_handoff`], with `after` told of every email once stored (the daemon opens
/// the case, reads survey answers).
pub fn spawn_with_hooks(
    config: &EmailConfig,
    store: AppealStore,
    rules: CurrentRules,
    handoff: Option<EmergencyHandoff>,
    after: Option<AfterStored>,
    shutdown: watch::Receiver<bool>,
) -> Result<EmailChannel, EmailError> {
    // Settings first: nothing starts with a broken template or transport.
    config
        .acknowledgement
        .validate()
        .map_err(EmailError::Acknowledgement)?;
    if config.imap.mailboxes.is_empty() {
        return Err(EmailError::NoMailboxes);
    }
    let sender = config.smtp.build().map_err(EmailError::Smtp)?;

    // The outbox worker, woken whenever the sink queues an acknowledgement.
    let wake = Arc::new(Notify::new());
    let outbox = Outbox::new(
        store.clone(),
        config.outbox.clone(),
        sender,
        Arc::clone(&wake),
    );
    let mut tasks = vec![tokio::spawn(outbox.run(shutdown.clone()))];

    // One watcher per mailbox, sharing the sink, the progress and the thread lookup.
    let imap = Arc::new(config.imap.clone());
    let account = format!("{}@{}", imap.username, imap.host);
    let progress: Arc<dyn ProgressStore> = Arc::new(StoreProgress::new(store.clone(), account));
    let lookup = Arc::new(OutboxThreads::new(store.clone()));
    let mut sink = StoreSink::new(store, rules, Arc::new(config.acknowledgement.clone()), wake);
    if let Some(handoff) = handoff {
        sink = sink.with_handoff(handoff);
    }
    if let Some(after) = after {
        sink = sink.with_after_stored(after);
    }
    for mailbox in &imap.mailboxes {
        let watcher = ImapWatcher::new(
            Arc::clone(&imap),
            mailbox.clone(),
            Arc::clone(&progress),
            lookup.clone(),
            sink.clone(),
        );
        tasks.push(tokio::spawn(watcher.run(shutdown.clone())));
    }
    info!(
        host = %imap.host,
        mailboxes = imap.mailboxes.len(),
        smtp_host = %config.smtp.host,
        "email channel started"
    );
    Ok(EmailChannel { tasks })
}
