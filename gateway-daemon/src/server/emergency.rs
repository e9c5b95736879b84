//! The hand-off of emergencies (110 police, 119 fire, 120 ambulance, 122 traffic police).
//!
//! An emergency decision is pushed at once, in a task of its own (never queued behind
//! normal intake), as an HTTP POST of the appeal and its decision to the service's endpoint.
//! It is retried with doubling backoff until the endpoint answers 2xx. While it is not
//! delivered it is kept in the named table [`PENDING_TABLE`], so a restart resumes it; on
//! delivery the record is deleted and the appeal's history says so, in one commit.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use gateway_core::store::{HistoryEntry, WriteBatch};
use gateway_core::{Appeal, AppealId, AppealStore, EmergencyService, RoutingDecision};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::metrics::Metrics;
use crate::config::EmergencySection;

/// The named table of hand-offs not yet delivered, keyed by appeal id.
pub const PENDING_TABLE: &str = "emergency_handoffs";

/// One hand-off, as stored while pending and as POSTed to the service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handoff {
    /// The appeal's id.
    pub appeal_id: AppealId,
    /// Its case number.
    pub case_number: String,
    /// The service number: 110, 119, 120 or 122.
    pub service: String,
    /// The rule that raised the emergency.
    pub rule: String,
    /// When the gateway raised it.
    pub raised_at: DateTime<Utc>,
    /// The appeal.
    pub appeal: Appeal,
    /// The routing decision.
    pub decision: RoutingDecision,
}

/// Delivers hand-offs; cheap to clone.
#[derive(Debug, Clone)]
pub struct Emergencies {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    endpoints: BTreeMap<String, String>,
    store: AppealStore,
    metrics: Metrics,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Emergencies {
    /// The hand-off as configured.
    pub fn new(
        config: &EmergencySection,
        store: AppealStore,
        metrics: Metrics,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.request_timeout_millis))
            .connect_timeout(Duration::from_millis(config.request_timeout_millis))
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                endpoints: config
                    .endpoints
                    .iter()
                    .map(|(number, endpoint)| (number.clone(), endpoint.url.clone()))
                    .collect(),
                store,
                metrics,
                initial_backoff: Duration::from_millis(config.initial_backoff_millis),
                max_backoff: Duration::from_millis(
                    config.max_backoff_millis.max(config.initial_backoff_millis),
                ),
            }),
        })
    }

    /// Hands a freshly stored emergency off: the first attempt starts at once in its own
    /// task while the pending record is committed; returns once that record is durable.
    pub async fn hand_off(
        &self,
        appeal: Appeal,
        decision: RoutingDecision,
        case_number: String,
    ) -> Result<(), gateway_core::store::StoreError> {
        let Some(emergency) = decision.emergency.clone() else {
            return Ok(());
        };
        let handoff = Handoff {
            appeal_id: appeal.id.clone(),
            case_number,
            service: emergency.service.number().to_string(),
            rule: emergency.rule.clone(),
            raised_at: Utc::now(),
            appeal,
            decision,
        };
        tracing::warn!(
            appeal_id = %handoff.appeal_id,
            service = %handoff.service,
            rule = %handoff.rule,
            "emergency raised; handing off"
        );
        self.inner
            .metrics
            .emergencies
            .with_label_values(&[handoff.service.as_str()])
            .inc();
        let mut batch = WriteBatch::new();
        batch.put_json(PENDING_TABLE, handoff.appeal_id.as_str(), &handoff)?;
        let (recorded, recorded_wait) = oneshot::channel();
        tokio::spawn(self.clone().deliver(handoff, Some(recorded_wait)));
        let result = self.inner.store.commit(batch).await;
        let _ = recorded.send(result.is_ok());
        result
    }

    /// Starts a task for every hand-off a previous run left pending; returns how many.
    pub fn resume(&self) -> Result<usize, gateway_core::store::StoreError> {
        let mut resumed = 0;
        for (key, value) in self
            .inner
            .store
            .scan_prefix(PENDING_TABLE, b"", usize::MAX)?
        {
            match serde_json::from_slice::<Handoff>(&value) {
                Ok(handoff) => {
                    tracing::warn!(
                        appeal_id = %handoff.appeal_id,
                        service = %handoff.service,
                        rule = %handoff.rule,
                        "resuming an emergency hand-off left pending"
                    );
                    tokio::spawn(self.clone().deliver(handoff, None));
                    resumed += 1;
                }
                Err(e) => tracing::error!(
                    key = %String::from_utf8_lossy(&key),
                    error = %e,
                    "a pending emergency hand-off does not decode; it is left in place"
                ),
            }
        }
        Ok(resumed)
    }

    /// Tries until the endpoint answers 2xx, then deletes the pending record.
    async fn deliver(self, handoff: Handoff, recorded: Option<oneshot::Receiver<bool>>) {
        let inner = &self.inner;
        let Some(url) = inner.endpoints.get(&handoff.service) else {
            // Limitation: without an endpoint the hand-off waits in the table until a
            // restart with one configured; the operator sees it in the log and in /metrics.
            tracing::error!(
                appeal_id = %handoff.appeal_id,
                service = %handoff.service,
                rule = %handoff.rule,
                "no endpoint is configured for this emergency service; add [emergency.endpoints.{}]",
                handoff.service
            );
            return;
        };
        let mut backoff = inner.initial_backoff;
        let mut attempts: u32 = 0;
        loop {
            attempts += 1;
            let outcome = inner.client.post(url).json(&handoff).send().await;
            let failure = match outcome {
                Ok(response) if response.status().is_success() => None,
                Ok(response) => Some(format!("the endpoint answered {}", response.status())),
                Err(e) => Some(format!("the request failed: {}", without_url(&e))),
            };
            match failure {
                None => break,
                Some(reason) => {
                    inner
                        .metrics
                        .handoffs
                        .with_label_values(&[handoff.service.as_str(), "failed"])
                        .inc();
                    tracing::warn!(
                        appeal_id = %handoff.appeal_id,
                        service = %handoff.service,
                        rule = %handoff.rule,
                        attempts,
                        retry_in_millis = backoff.as_millis() as u64,
                        reason = %reason,
                        "emergency hand-off not accepted; retrying"
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(inner.max_backoff);
                }
            }
        }
        inner
            .metrics
            .handoffs
            .with_label_values(&[handoff.service.as_str(), "delivered"])
            .inc();
        tracing::warn!(
            appeal_id = %handoff.appeal_id,
            service = %handoff.service,
            rule = %handoff.rule,
            attempts,
            "emergency handed off"
        );
        // The pending record must be on disk before it is deleted, or the delete would be
        // overtaken by the put.
        if let Some(recorded) = recorded
            && !recorded.await.unwrap_or(false)
        {
            return;
        }
        let mut batch = WriteBatch::new();
        let note = format!(
            "handed off to {} after {attempts} attempt(s)",
            handoff.service
        );
        if batch
            .delete(PENDING_TABLE, handoff.appeal_id.as_str())
            .is_ok()
        {
            batch.append_history(
                &handoff.appeal_id,
                HistoryEntry::now("gateway", "emergency_handed_off").with_note(note),
            );
            if let Err(e) = inner.store.commit(batch).await {
                tracing::error!(
                    appeal_id = %handoff.appeal_id,
                    error = %e,
                    "the hand-off was delivered but could not be marked; it will be sent again after a restart"
                );
            }
        }
    }
}

/// A reqwest error's text without the URL (which is configuration, but keeps lines short).
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "<endpoint>");
    }
    if error.is_timeout() {
        text.push_str(" (timed out)");
    }
    text
}

/// The service of a decision, for the channel's answer.
pub fn service_of(decision: &RoutingDecision) -> Option<EmergencyService> {
    decision.emergency.as_ref().map(|e| e.service)
}
