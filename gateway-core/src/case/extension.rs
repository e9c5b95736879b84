//! Extension requests (延期申请) and what became of them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UnitId;

/// What became of an extension request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ExtensionStatus {
    /// Waiting for a supervisor's decision.
    Pending,
    /// Granted, for this many working days.
    Granted {
        /// The working days granted.
        working_days: u32,
    },
    /// Refused.
    Refused,
    /// No longer relevant: the case was resolved, returned, reassigned or closed first.
    Lapsed,
}

/// One request for more time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    /// The unit that asked.
    pub unit: UnitId,
    /// When it asked.
    pub requested_at: DateTime<Utc>,
    /// How many working days it asked for.
    pub working_days: u32,
    /// Why.
    pub reason: String,
    /// What became of it.
    pub status: ExtensionStatus,
}
