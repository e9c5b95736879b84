//! The delivery worker: sends pending deliveries, retries failures with exponential backoff
//! for `retry_for_seconds`, then marks them failed. Nothing is dropped.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use gateway_core::case::Recipient;
use gateway_core::store::{AppealStore, StoreError, WriteBatch};
use tokio::sync::Notify;
use tokio::task::JoinSet;

use super::config::MAX_RETRY_FOR_SECONDS;
use super::config::{DispatchConfig, TargetConfig};
use super::delivery::{Delivery, DeliveryState};
use super::email::{EmailMessage, EmailSender};
use super::outbox;
use super::signature::{IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use super::targets::TargetBook;
use crate::cases::{CaseMetrics, Clock};

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptError {
    /// Worth trying again: no connection, a timeout, a 408, 429 or 5xx.
    Retryable(String),
    /// Trying again cannot help: no target, or the receiver refused the request itself.
    Permanent(String),
}

/// Sends the outbox. Cheap to clone; clones share one HTTP client.
#[derive(Clone)]
pub struct DispatchWorker {
    inner: Arc<Inner>,
}

struct Inner {
    store: AppealStore,
    config: DispatchConfig,
    targets: TargetBook,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    email: Option<Arc<dyn EmailSender>>,
    metrics: CaseMetrics,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for DispatchWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DispatchWorker")
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

/// What a worker needs.
pub struct WorkerParts {
    /// The store that holds the outbox.
    pub store: AppealStore,
    /// The delivery settings.
    pub config: DispatchConfig,
    /// The recipients' targets.
    pub targets: TargetBook,
    /// The clock that decides when a retry is due.
    pub clock: Arc<dyn Clock>,
    /// The sender for email targets, if any.
    pub email: Option<Arc<dyn EmailSender>>,
    /// The counters.
    pub metrics: CaseMetrics,
    /// Woken when new deliveries are queued.
    pub wake: Arc<Notify>,
}

impl DispatchWorker {
    /// A worker with an HTTP client that has the configured timeouts.
    pub fn new(parts: WorkerParts) -> Result<Self, reqwest::Error> {
        // Limitation: webhook certificates are checked against reqwest's default roots only;
        // a receiver behind a private CA needs an option for its CA that is not here yet.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(parts.config.timeout_seconds))
            .connect_timeout(Duration::from_secs(parts.config.connect_timeout_seconds))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                store: parts.store,
                config: parts.config,
                targets: parts.targets,
                clock: parts.clock,
                client,
                email: parts.email,
                metrics: parts.metrics,
                wake: parts.wake,
            }),
        })
    }

    /// Sends what is due until `shutdown` completes: at once when woken by new deliveries,
    /// otherwise every `poll_interval_milliseconds`.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tracing::info!("dispatch worker started");
        let poll = Duration::from_millis(self.inner.config.poll_interval_milliseconds);
        tokio::pin!(shutdown);
        loop {
            if let Err(error) = self.run_once().await {
                tracing::warn!(%error, "dispatch round failed; retrying at the next round");
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
        tracing::info!("dispatch worker stopped");
    }

    /// One round: attempts every due pending delivery (at most `max_in_flight` at once) and
    /// records the outcomes in one batch. Returns how many were attempted.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let now = self.inner.clock.now();
        let due: Vec<Delivery> = outbox::list(
            &self.inner.store,
            DeliveryState::Pending,
            outbox::SCAN_LIMIT,
        )?
        .into_iter()
        .filter(|delivery| delivery.next_attempt_at <= now)
        .take(self.inner.config.max_in_flight)
        .collect();
        if due.is_empty() {
            return Ok(0);
        }

        // Attempt them together; each attempt is bounded by the HTTP timeouts.
        let mut attempts = JoinSet::new();
        for delivery in due {
            let worker = self.clone();
            attempts.spawn(async move {
                let outcome = worker.attempt(&delivery).await;
                (delivery, outcome)
            });
        }
        let mut batch = WriteBatch::new();
        let mut count = 0;
        while let Some(joined) = attempts.join_next().await {
            let Ok((mut delivery, outcome)) = joined else {
                tracing::error!("a delivery attempt panicked; it stays pending");
                continue;
            };
            self.settle(&mut delivery, outcome);
            outbox::put(&mut batch, &delivery)?;
            count += 1;
        }

        // A receiver may see a delivery again if this commit fails; its key makes that safe.
        self.inner.store.commit(batch).await?;
        Ok(count)
    }

    /// Records an attempt's outcome on the delivery: delivered, retried later or failed.
    fn settle(&self, delivery: &mut Delivery, outcome: Result<(), AttemptError>) {
        let now = self.inner.clock.now();
        let metrics = &self.inner.metrics.deliveries;
        delivery.attempts = delivery.attempts.saturating_add(1);
        delivery.last_attempt_at = Some(now);
        let unit = recipient_name(&delivery.recipient);
        let retry_for = i64::try_from(self.inner.config.retry_for_seconds)
            .unwrap_or(i64::MAX)
            .min(MAX_RETRY_FOR_SECONDS as i64);
        let give_up_at = delivery
            .created_at
            .checked_add_signed(chrono::Duration::seconds(retry_for))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        match outcome {
            Ok(()) => {
                delivery.state = DeliveryState::Delivered;
                delivery.finished_at = Some(now);
                delivery.last_error = None;
                metrics.with_label_values(&["delivered"]).inc();
                tracing::debug!(case = %delivery.case_number, unit = %unit, delivery = %delivery.id, "delivered");
            }
            Err(AttemptError::Retryable(reason)) if now < give_up_at => {
                let wait = self.backoff(delivery.attempts);
                delivery.next_attempt_at = (now + wait).min(give_up_at);
                delivery.last_error = Some(reason);
                metrics.with_label_values(&["retried"]).inc();
                tracing::debug!(case = %delivery.case_number, unit = %unit, attempts = delivery.attempts, "delivery will be retried");
            }
            Err(AttemptError::Retryable(reason)) | Err(AttemptError::Permanent(reason)) => {
                delivery.state = DeliveryState::Failed;
                delivery.finished_at = Some(now);
                tracing::error!(
                    case = %delivery.case_number,
                    unit = %unit,
                    delivery = %delivery.id,
                    attempts = delivery.attempts,
                    error = %reason,
                    "delivery failed; it is listed at /api/v1/deliveries?state=failed"
                );
                delivery.last_error = Some(reason);
                metrics.with_label_values(&["failed"]).inc();
            }
        }
    }

    /// The wait after the `attempts`th failure: the initial backoff doubled each time, capped.
    fn backoff(&self, attempts: u32) -> chrono::Duration {
        let initial = self.inner.config.initial_backoff_milliseconds;
        let cap = self.inner.config.max_backoff_seconds.saturating_mul(1_000);
        let doublings = attempts.saturating_sub(1).min(30);
        let millis = initial.saturating_mul(1u64 << doublings).min(cap);
        chrono::Duration::milliseconds(i64::try_from(millis).unwrap_or(i64::MAX / 2))
    }

    /// One attempt to the delivery's target.
    async fn attempt(&self, delivery: &Delivery) -> Result<(), AttemptError> {
        let Some(target) = &delivery.target else {
            return Err(AttemptError::Permanent(format!(
                "{} has no delivery target; add a webhook or email target for it to the cases \
                 config, then retry the delivery",
                recipient_name(&delivery.recipient)
            )));
        };
        let Some(config) =
            self.inner
                .targets
                .find(&delivery.recipient, &target.kind, &target.address)
        else {
            return Err(AttemptError::Permanent(format!(
                "the {} target {} is no longer in the config",
                target.kind, target.address
            )));
        };
        match config {
            TargetConfig::Webhook { url, secret } => self.post(delivery, url, secret).await,
            TargetConfig::Email { address } => self.mail(delivery, address).await,
        }
    }

    async fn post(&self, delivery: &Delivery, url: &str, secret: &str) -> Result<(), AttemptError> {
        // The timestamp is wall time: the receiver compares it with its own clock.
        let timestamp = Utc::now().timestamp();
        let signature = sign(secret.as_bytes(), timestamp, delivery.body.as_bytes());
        let response = self
            .inner
            .client
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .header(IDEMPOTENCY_HEADER, delivery.id.as_str())
            .body(delivery.body.clone())
            .send()
            .await
            .map_err(|e| AttemptError::Retryable(format!("could not post to {url}: {e}")))?;
        // The receiver's answer body is not kept: it may quote the notice.
        status_outcome(response.status(), url)
    }

    async fn mail(&self, delivery: &Delivery, address: &str) -> Result<(), AttemptError> {
        let Some(sender) = &self.inner.email else {
            return Err(AttemptError::Retryable(
                "no email sender is configured; the daemon must pass the email channel's smtp \
                 sender for email targets"
                    .to_string(),
            ));
        };
        let message = EmailMessage {
            to: address.to_string(),
            subject: delivery.subject.clone(),
            body: delivery.text.clone(),
            idempotency_key: delivery.id.as_str().to_string(),
        };
        sender
            .send(&message)
            .await
            .map_err(|e| AttemptError::Retryable(format!("could not email {address}: {e}")))
    }

    /// Whether any delivery is pending and due by `at` (for tests and shutdown).
    pub fn has_due(&self, at: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(outbox::list(
            &self.inner.store,
            DeliveryState::Pending,
            outbox::SCAN_LIMIT,
        )?
        .iter()
        .any(|delivery| delivery.next_attempt_at <= at))
    }
}

/// An HTTP answer as an attempt's outcome: success, worth retrying (408, 429, 5xx), or not.
pub(crate) fn status_outcome(status: reqwest::StatusCode, what: &str) -> Result<(), AttemptError> {
    if status.is_success() {
        return Ok(());
    }
    let reason = format!("{what} answered {status}");
    if status.is_server_error()
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
    {
        Err(AttemptError::Retryable(reason))
    } else {
        Err(AttemptError::Permanent(reason))
    }
}

fn recipient_name(recipient: &Recipient) -> String {
    match recipient {
        Recipient::Unit(unit) => format!("unit {unit}"),
        Recipient::Supervisors => "the supervisors".to_string(),
    }
}
