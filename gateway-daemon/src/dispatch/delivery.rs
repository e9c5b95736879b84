//! One delivery in the outbox: a notice for one target, with its attempts and outcome.

use std::fmt;

use chrono::{DateTime, Utc};
use gateway_core::UnitId;
use gateway_core::case::{CaseNumber, Notice, Recipient};
use serde::{Deserialize, Serialize};

/// A delivery's id, which is also its `Idempotency-Key`: the time it was queued in
/// milliseconds, zero-padded so that ids sort in queue order, then random hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeliveryId(String);

impl DeliveryId {
    /// A fresh id for a delivery queued at `at`.
    pub fn generate(at: DateTime<Utc>) -> Self {
        let millis = at.timestamp_millis().max(0);
        Self(format!("{millis:015}-{:016x}", rand::random::<u64>()))
    }

    /// Wraps an id read from a URL or the store; it is not checked.
    pub fn from_string(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Queued or being retried.
    Pending,
    /// The target accepted it.
    Delivered,
    /// Retried for `retry_for_seconds` (or refused for good) without success: a delivery
    /// failure (派单失败) that people must act on.
    Failed,
}

impl DeliveryState {
    /// The state's name as written in JSON and in `?state=`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    /// Parses a state name.
    pub fn parse(text: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Pending,
            DeliveryState::Delivered,
            DeliveryState::Failed,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// In what role the recipient gets the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryRole {
    /// The lead unit (主办).
    Lead,
    /// An assisting unit (协办).
    Assisting,
    /// A unit that no longer holds the case (after 改派).
    Former,
    /// The platform's supervisors.
    Supervisor,
}

/// What a delivery tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DispatchNotice {
    /// A notice of the case machine.
    Case {
        /// The notice.
        notice: Notice,
    },
    /// The case awaits the platform's coordination (平台协调) after its returns.
    Coordination {
        /// The units that returned it, in order.
        returned_by: Vec<UnitId>,
    },
}

impl DispatchNotice {
    /// The notice's name, for metrics and the deliveries API.
    pub fn name(&self) -> &'static str {
        match self {
            DispatchNotice::Case { notice } => match notice {
                Notice::NewCase { .. } => "new_case",
                Notice::AssistRequested => "assist_requested",
                Notice::Withdrawn => "withdrawn",
                Notice::Reopened { .. } => "reopened",
                Notice::ExtensionRequested { .. } => "extension_requested",
                Notice::ExtensionGranted { .. } => "extension_granted",
                Notice::ExtensionRefused => "extension_refused",
                Notice::Supervision { .. } => "supervision",
            },
            DispatchNotice::Coordination { .. } => "coordination",
        }
    }
}

/// The target a delivery goes to, as the config named it when it was queued. The webhook
/// secret is not kept here; it is read from the config at each attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRef {
    /// `webhook` or `email`.
    pub kind: String,
    /// The URL or email address.
    pub address: String,
}

/// One delivery: a notice for one target of one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The id, sent as `Idempotency-Key`.
    pub id: DeliveryId,
    /// The case it is about.
    pub case_number: CaseNumber,
    /// Who it is for.
    pub recipient: Recipient,
    /// In what role.
    pub role: DeliveryRole,
    /// The target; `None` when the recipient has no target configured, in which case the
    /// delivery is a failure from the start.
    pub target: Option<TargetRef>,
    /// What it tells.
    pub notice: DispatchNotice,
    /// The Chinese text the recipient reads, from the templates.
    pub text: String,
    /// The email subject, from the templates.
    pub subject: String,
    /// The exact JSON body sent to a webhook; every retry sends these same bytes.
    pub body: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: DateTime<Utc>,
    /// When the last attempt was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// What the last failed attempt said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When it was delivered or given up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
}
