//! A case's deadline (限时办结) and what it was counted from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UnitId;

/// How a deadline is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "count", rename_all = "snake_case")]
pub enum DeadlineBasis {
    /// Working days on the calendar; the deadline is 24:00 at the end of the last one.
    WorkingDays(u32),
    /// Calendar hours, for urgent matters; nights and holidays count.
    Hours(u32),
}

/// Whether one unit handles the case or several (complexity, for the deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Complexity {
    /// A lead unit alone.
    SingleUnit,
    /// A lead unit with assisting units (joint handling, 联合办理).
    MultiUnit,
}

impl Complexity {
    /// Multi-unit when there is any assisting unit.
    pub fn of(assisting_units: &[UnitId]) -> Complexity {
        if assisting_units.is_empty() {
            Complexity::SingleUnit
        } else {
            Complexity::MultiUnit
        }
    }
}

/// The instant a case must be resolved by, and how it was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// The instant; for working days, 24:00 Asia/Shanghai at the end of the last one.
    pub due_at: DateTime<Utc>,
    /// How it was counted.
    pub basis: DeadlineBasis,
}
