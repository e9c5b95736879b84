//! The acknowledgement outbox: entries queued in the store with the intake, sent by one
//! worker over SMTP, retried with doubling waits, resumed after a restart.
//!
//! An entry is rendered once, when queued, with a Message-ID fixed by its outbox id; every
//! retry sends the same bytes, so a send repeated after a crash (sent, but not yet marked
//! sent) is the same mail, which the citizen's client shows once and threads the same way.

use std::sync::Arc;
use std::time::Duration;

use channel_adapters::email::thread::strip_brackets;
use channel_adapters::email::{AckError, AckSender, OutgoingMail};
use chrono::{DateTime, Utc};
use gateway_core::AppealId;
use gateway_core::AppealStore;
use gateway_core::store::{CaseNumber, StoreError, WriteBatch};
use tokio::sync::{Notify, watch};
use tracing::{debug, error, info, warn};

use super::config::OutboxConfig;
use super::records::{OUTBOX, OUTBOX_PENDING, OutboxEntry, OutboxState, SENT_IDS};
use super::redact::addresses_masked;

/// The most pending entries looked at in one pass.
// Limitation: beyond this many pending acknowledgements (a long SMTP outage at a busy
// hotline), the later ones wait until earlier ones are sent or given up.
const MAX_PENDING_SCAN: usize = 10_000;

/// A new outbox entry for an appeal's acknowledgement, due now.
pub fn new_entry(
    id: String,
    appeal_id: AppealId,
    case_number: CaseNumber,
    mail: OutgoingMail,
) -> OutboxEntry {
    let now = Utc::now();
    OutboxEntry {
        id,
        appeal_id,
        case_number,
        mail,
        state: OutboxState::Pending,
        failed_attempts: 0,
        next_attempt_at: now,
        last_error: None,
        queued_at: now,
    }
}

/// Adds the writes that queue `entry` to `batch`: the entry, its pending mark and its
/// Message-ID, so a reply is tied to the case from the moment the mail can exist.
pub fn queue(batch: &mut WriteBatch, entry: &OutboxEntry) -> Result<(), StoreError> {
    batch.put_json(OUTBOX, &entry.id, entry)?;
    batch.put_json(OUTBOX_PENDING, &entry.id, &entry.next_attempt_at)?;
    batch.put(
        SENT_IDS,
        strip_brackets(&entry.mail.message_id),
        entry.case_number.as_str().as_bytes().to_vec(),
    )?;
    Ok(())
}

/// The worker that sends what the outbox holds.
#[derive(Debug)]
pub struct Outbox {
    store: AppealStore,
    config: OutboxConfig,
    sender: AckSender,
    wake: Arc<Notify>,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Acknowledgements the server accepted.
    pub sent: usize,
    /// Attempts that failed and will be retried.
    pub retrying: usize,
    /// Acknowledgements given up.
    pub given_up: usize,
    /// When the earliest entry not yet due becomes due.
    pub next_due: Option<DateTime<Utc>>,
}

impl Outbox {
    /// A worker on `store`, sending with `sender`; `wake` is notified when an entry is queued.
    pub fn new(
        store: AppealStore,
        config: OutboxConfig,
        sender: AckSender,
        wake: Arc<Notify>,
    ) -> Self {
        Self {
            store,
            config,
            sender,
            wake,
        }
    }

    /// Sends due entries until `shutdown` turns true; a send under way is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        info!("acknowledgement outbox started");
        loop {
            if *shutdown.borrow() {
                break;
            }

            // One pass over what is due; a store failure waits a poll interval and retries.
            let poll = self.config.poll_interval();
            let wait = match self.pass(&shutdown).await {
                Ok(report) => report
                    .next_due
                    .and_then(|due| (due - Utc::now()).to_std().ok())
                    .map_or(poll, |until| until.min(poll)),
                Err(problem) => {
                    warn!(error = %problem, "acknowledgement outbox could not read the store; retrying");
                    poll
                }
            };

            // Sleep until something is due, something is queued, or shutdown.
            tokio::select! {
                _ = tokio::time::sleep(wait.max(Duration::from_millis(10))) => {}
                _ = self.wake.notified() => {}
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        info!("acknowledgement outbox stopped");
    }

    /// Sends every entry due now, oldest due first, up to the configured batch size.
    pub async fn pass(&self, shutdown: &watch::Receiver<bool>) -> Result<PassReport, StoreError> {
        let now = Utc::now();
        let mut report = PassReport::default();

        // The pending marks carry their due time, so no entry is read before it is due.
        let mut due = Vec::new();
        for (key, value) in self
            .store
            .scan_prefix(OUTBOX_PENDING, b"", MAX_PENDING_SCAN)?
        {
            let id = String::from_utf8_lossy(&key).into_owned();
            // A damaged mark is treated as due: the entry itself says what to do.
            let at = serde_json::from_slice::<DateTime<Utc>>(&value).unwrap_or(now);
            if at <= now {
                due.push((at, id));
            } else {
                report.next_due = Some(report.next_due.map_or(at, |next| next.min(at)));
            }
        }
        due.sort();
        let more_due = due.len() > self.config.batch_size.max(1);
        due.truncate(self.config.batch_size.max(1));

        for (_, id) in due {
            if *shutdown.borrow() {
                break;
            }
            self.attempt(&id, &mut report).await?;
        }
        if more_due {
            report.next_due = Some(now);
        }
        Ok(report)
    }

    /// One attempt at one entry, and its outcome stored.
    async fn attempt(&self, id: &str, report: &mut PassReport) -> Result<(), StoreError> {
        let entry: Option<OutboxEntry> = self.store.get_json(OUTBOX, id)?;
        let Some(mut entry) = entry.filter(OutboxEntry::is_pending) else {
            // A mark left behind by an entry already finished: drop it.
            let mut batch = WriteBatch::new();
            batch.delete(OUTBOX_PENDING, id)?;
            return self.store.commit(batch).await;
        };

        let result = self.sender.send(&entry.mail).await;
        let now = Utc::now();
        let mut batch = WriteBatch::new();
        match result {
            Ok(()) => {
                entry.state = OutboxState::Sent { at: now };
                batch.delete(OUTBOX_PENDING, id)?;
                report.sent += 1;
                debug!(outbox_id = id, appeal_id = %entry.appeal_id, case_number = %entry.case_number, failed_attempts = entry.failed_attempts, "acknowledgement sent");
            }
            Err(problem) => {
                entry.failed_attempts = entry.failed_attempts.saturating_add(1);
                let reason = addresses_masked(&problem.to_string());
                entry.last_error = Some(reason.clone());
                if is_permanent(&problem) || entry.failed_attempts >= self.config.max_attempts {
                    entry.state = OutboxState::GivenUp { at: now };
                    batch.delete(OUTBOX_PENDING, id)?;
                    report.given_up += 1;
                    error!(outbox_id = id, appeal_id = %entry.appeal_id, case_number = %entry.case_number, failed_attempts = entry.failed_attempts, error = %reason, "acknowledgement given up; tell the citizen the case number another way");
                } else {
                    let delay = self.config.retry_delay(entry.failed_attempts);
                    entry.next_attempt_at = later(now, delay);
                    batch.put_json(OUTBOX_PENDING, id, &entry.next_attempt_at)?;
                    report.retrying += 1;
                    report.next_due = Some(report.next_due.map_or(entry.next_attempt_at, |next| {
                        next.min(entry.next_attempt_at)
                    }));
                    warn!(outbox_id = id, appeal_id = %entry.appeal_id, failed_attempts = entry.failed_attempts, retry_seconds = delay.as_secs(), error = %reason, "acknowledgement not sent; will retry");
                }
            }
        }
        batch.put_json(OUTBOX, id, &entry)?;
        self.store.commit(batch).await
    }
}

/// `delay` after `now`, capped at a year so no configured wait can overflow the clock.
fn later(now: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    let year = chrono::Duration::days(365);
    let delay = chrono::Duration::from_std(delay).map_or(year, |delay| delay.min(year));
    now.checked_add_signed(delay).unwrap_or(now)
}

/// True when sending again cannot help: a 5xx refusal, or a mail that does not build.
fn is_permanent(problem: &AckError) -> bool {
    match problem {
        AckError::Send { transient, .. } => !transient,
        AckError::InvalidAddress { .. } | AckError::Template { .. } | AckError::Build { .. } => {
            true
        }
        AckError::Transport { .. } | AckError::Timeout { .. } => false,
    }
}
