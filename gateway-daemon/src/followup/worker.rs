//! The worker that sends the citizen messages' outbox.

use std::sync::Arc;
use std::time::Duration;

use gateway_core::store::{AppealStore, StoreError, WriteBatch};
use tokio::sync::{Notify, watch};

use super::messages::{self, CitizenMessage, MessageState};
use super::senders::Senders;
use crate::cases::Clock;
use crate::dispatch::AttemptError;

/// The longest wait between two attempts at one message.
const MAX_BACKOFF_SECONDS: i64 = 300;
/// How often the outbox is read when nothing wakes the worker.
const POLL: Duration = Duration::from_millis(500);

/// Sends messages to citizens; cheap to clone.
#[derive(Clone)]
pub struct MessageWorker {
    store: AppealStore,
    senders: Senders,
    clock: Arc<dyn Clock>,
    retry_for: chrono::Duration,
    wake: Arc<Notify>,
}

impl MessageWorker {
    /// A worker over the store's outbox.
    pub fn new(
        store: AppealStore,
        senders: Senders,
        clock: Arc<dyn Clock>,
        retry_for_seconds: u64,
        wake: Arc<Notify>,
    ) -> MessageWorker {
        MessageWorker {
            store,
            senders,
            clock,
            retry_for: chrono::Duration::seconds(
                i64::try_from(retry_for_seconds).unwrap_or(i64::MAX / 2_000),
            ),
            wake,
        }
    }

    /// Sends what is due until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            if let Err(error) = self.run_once().await {
                tracing::warn!(%error, "citizen message round failed; retrying at the next round");
            }
            tokio::select! {
                _ = stop.wait_for(|stopped| *stopped) => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// One round: every due message once, the outcomes in one batch. Returns how many
    /// were attempted.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let due: Vec<CitizenMessage> = messages::pending(&self.store)?
            .into_iter()
            .filter(|m| m.next_attempt_at <= now)
            .take(16)
            .collect();
        if due.is_empty() {
            return Ok(0);
        }
        let mut batch = WriteBatch::new();
        let count = due.len();
        for mut message in due {
            let outcome = self.senders.send(&message).await;
            self.settle(&mut message, outcome);
            messages::put(&mut batch, &message)?;
        }
        self.store.commit(batch).await?;
        Ok(count)
    }

    fn settle(&self, message: &mut CitizenMessage, outcome: Result<(), AttemptError>) {
        let now = self.clock.now();
        message.attempts = message.attempts.saturating_add(1);
        let give_up_at = message.created_at + self.retry_for;
        match outcome {
            Ok(()) => {
                message.state = MessageState::Sent;
                message.last_error = None;
                tracing::debug!(case = %message.case_number, to = %message.address.masked(), "citizen message sent");
            }
            Err(AttemptError::Retryable(reason)) if now < give_up_at => {
                let doublings = message.attempts.saturating_sub(1).min(12);
                let wait = (1i64 << doublings).min(MAX_BACKOFF_SECONDS);
                message.next_attempt_at = (now + chrono::Duration::seconds(wait)).min(give_up_at);
                message.last_error = Some(reason);
            }
            Err(AttemptError::Retryable(reason)) | Err(AttemptError::Permanent(reason)) => {
                tracing::error!(
                    case = %message.case_number,
                    to = %message.address.masked(),
                    attempts = message.attempts,
                    error = %reason,
                    "a message to a citizen could not be sent; it is kept as failed"
                );
                message.state = MessageState::Failed;
                message.last_error = Some(reason);
            }
        }
    }
}
