//! Who acts on a case.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::UnitId;

/// Who takes an action: a handling unit, a platform supervisor, or the gateway itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A handling unit (承办单位). Only the case's lead unit may act on it; assisting units may
    /// add notes.
    Unit(UnitId),
    /// A platform supervisor (平台督办人员), by staff number (工号).
    Supervisor(String),
    /// The gateway itself: follow-up ratings, routing outcomes, supervision steps.
    System,
}

/// The role an actor acts in, for error messages and permission checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A handling unit.
    HandlingUnit,
    /// A platform supervisor.
    Supervisor,
    /// The gateway itself.
    System,
}

impl Actor {
    /// A supervisor by staff number.
    pub fn supervisor(staff_id: impl Into<String>) -> Self {
        Actor::Supervisor(staff_id.into())
    }

    /// The role this actor acts in.
    pub fn role(&self) -> Role {
        match self {
            Actor::Unit(_) => Role::HandlingUnit,
            Actor::Supervisor(_) => Role::Supervisor,
            Actor::System => Role::System,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::HandlingUnit => "a handling unit",
            Role::Supervisor => "a platform supervisor",
            Role::System => "the system",
        })
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Unit(unit) => write!(f, "handling unit {unit}"),
            Actor::Supervisor(staff_id) => write!(f, "supervisor {staff_id}"),
            Actor::System => f.write_str("the system"),
        }
    }
}
