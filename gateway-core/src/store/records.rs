//! What the store hands back: intake outcomes, stored appeals and their history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::case_number::CaseNumber;
use crate::appeal::Appeal;
use crate::decision::RoutingDecision;
use crate::ids::AppealId;

/// The answer to an intake: the ids the citizen and the channel are given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeOutcome {
    /// The stored appeal's id; on a duplicate, the id of the first intake, not the retry's.
    pub appeal_id: AppealId,
    /// The case number (工单号) given to the citizen.
    pub case_number: CaseNumber,
    /// True when the intake key was already stored: nothing new was written.
    pub duplicate: bool,
}

/// One stored appeal with its case number and current routing decision.
#[derive(Debug, Clone, PartialEq)]
pub struct AppealRecord {
    /// The appeal as taken in.
    pub appeal: Appeal,
    /// Its case number.
    pub case_number: CaseNumber,
    /// The routing decision in force: the one from intake, or the last replacement.
    pub decision: RoutingDecision,
}

/// One entry of an appeal's history, which is only ever appended to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it: `gateway`, a unit id, an operator's id.
    pub actor: String,
    /// What was done, as a snake_case word: `accepted`, `rerouted`, `dispatched`.
    pub action: String,
    /// Free text for people, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl HistoryEntry {
    /// An entry stamped now.
    pub fn now(actor: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            at: Utc::now(),
            actor: actor.into(),
            action: action.into(),
            note: None,
        }
    }

    /// The same entry with a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// The appeal table's value: the appeal with its case number and intake key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredAppeal {
    pub(crate) case_number: CaseNumber,
    pub(crate) appeal: Appeal,
}

/// The fields list filters test, kept small beside each appeal so that filtering does not
/// load whole appeals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Facets {
    pub(crate) received_millis: i64,
    pub(crate) channel: String,
    pub(crate) kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) township: Option<String>,
    pub(crate) units: Vec<String>,
}

impl Facets {
    pub(crate) fn of(appeal: &Appeal, decision: &RoutingDecision) -> Self {
        Self {
            received_millis: appeal.received_at.timestamp_millis(),
            channel: appeal.channel.as_str().to_string(),
            kind: String::new(),
            township: None,
            units: Vec::new(),
        }
        .rerouted(decision)
    }

    /// The same appeal's facets under another decision.
    pub(crate) fn rerouted(&self, decision: &RoutingDecision) -> Self {
        let mut units: Vec<String> = std::iter::once(&decision.lead_unit)
            .chain(&decision.assisting_units)
            .map(|unit| unit.as_str().to_string())
            .collect();
        units.sort();
        units.dedup();
        Self {
            received_millis: self.received_millis,
            channel: self.channel.clone(),
            kind: decision.kind.as_str().to_string(),
            township: decision
                .township
                .as_ref()
                .map(|t| t.code.as_str().to_string()),
            units,
        }
    }
}

/// An intake worked out before it reaches the writer thread: the JSON is encoded (and checked
/// to read back) by the caller, so that the one writer thread only assembles and commits.
#[derive(Debug, Clone)]
pub(crate) struct PreparedIntake {
    pub(crate) id: crate::ids::AppealId,
    pub(crate) intake_key: String,
    pub(crate) received_at: DateTime<Utc>,
    pub(crate) facets: Facets,
    pub(crate) appeal_json: Vec<u8>,
    pub(crate) decision_json: Vec<u8>,
}

impl PreparedIntake {
    /// Encodes the appeal and its decision, refusing any that would not read back: serde
    /// writes a non-finite number (coordinates, confidence) as `null`, which then fails to
    /// decode, and a stored appeal that cannot be read is a lost appeal.
    pub(crate) fn new(
        appeal: &Appeal,
        decision: &RoutingDecision,
    ) -> Result<Self, super::error::StoreError> {
        let refuse = |what: &str, reason: String| super::error::StoreError::Encode {
            what: format!("the {what} of appeal {}", appeal.id),
            reason,
        };
        let appeal_json =
            serde_json::to_vec(appeal).map_err(|e| refuse("record", e.to_string()))?;
        serde_json::from_slice::<Appeal>(&appeal_json).map_err(|e| {
            refuse(
                "record",
                format!("its JSON does not read back ({e}); keep non-finite coordinates as a flag"),
            )
        })?;
        let decision_json =
            serde_json::to_vec(decision).map_err(|e| refuse("routing decision", e.to_string()))?;
        serde_json::from_slice::<RoutingDecision>(&decision_json).map_err(|e| {
            refuse(
                "routing decision",
                format!("its JSON does not read back ({e}); a confidence must be a finite number"),
            )
        })?;
        Ok(Self {
            id: appeal.id.clone(),
            intake_key: appeal.intake_key(),
            received_at: appeal.received_at,
            facets: Facets::of(appeal, decision),
            appeal_json,
            decision_json,
        })
    }

    /// The appeal table's value: the case number and the appeal, as [`StoredAppeal`] reads it.
    pub(crate) fn stored_json(&self, case_number: &CaseNumber) -> Vec<u8> {
        // Case numbers are ASCII digits, so they need no escaping inside the JSON string.
        let mut json = Vec::with_capacity(self.appeal_json.len() + 48);
        json.extend_from_slice(b"{\"case_number\":\"");
        json.extend_from_slice(case_number.as_str().as_bytes());
        json.extend_from_slice(b"\",\"appeal\":");
        json.extend_from_slice(&self.appeal_json);
        json.push(b'}');
        json
    }
}
