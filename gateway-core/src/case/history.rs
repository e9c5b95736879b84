//! The case history: one entry per accepted action, never changed afterwards.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Action, Actor, CaseState};

/// One accepted action: who, when, what and why, and what it left behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The entry's position, from 0 (the opening).
    pub sequence: u32,
    /// When the action was taken.
    pub at: DateTime<Utc>,
    /// Who took it.
    pub actor: Actor,
    /// What was done, with its reason or text (see [`Action::reason`]).
    pub action: Action,
    /// The state before; `None` for the opening.
    pub state_before: Option<CaseState>,
    /// The state after.
    pub state_after: CaseState,
    /// The deadline in force after the action.
    pub deadline: DateTime<Utc>,
}
