//! What can go wrong acting on a case or building its policy.

use chrono::{DateTime, Utc};

use super::{CaseNumber, CaseState, Role};
use crate::calendar::CalendarError;
use crate::ids::UnitId;

/// An action on a case was refused; the case is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The state does not allow the action.
    #[error("case {case}: action `{action}` is not allowed while the case is {state}")]
    NotAllowed {
        /// The case.
        case: CaseNumber,
        /// The action's name.
        action: &'static str,
        /// The state it was in.
        state: CaseState,
    },
    /// The actor's role may not take the action.
    #[error("case {case}: action `{action}` is for {needed}, not {actor}")]
    WrongRole {
        /// The case.
        case: CaseNumber,
        /// The action's name.
        action: &'static str,
        /// The role that may take it.
        needed: Role,
        /// Who tried.
        actor: String,
    },
    /// A unit other than the lead unit tried a lead unit's action.
    #[error(
        "case {case}: only the lead unit {lead} may {action}; {unit} is not the lead unit \
         (assisting units may add notes)"
    )]
    NotLeadUnit {
        /// The case.
        case: CaseNumber,
        /// The action's name.
        action: &'static str,
        /// The unit that tried.
        unit: UnitId,
        /// The lead unit.
        lead: UnitId,
    },
    /// A text the action needs is empty.
    #[error("case {case}: action `{action}` needs a {field}; write it out")]
    MissingText {
        /// The case.
        case: CaseNumber,
        /// The action's name.
        action: &'static str,
        /// Which text.
        field: &'static str,
    },
    /// An extension outside the allowed number of working days.
    #[error("case {case}: an extension of {working_days} working days is outside 1 to {max}")]
    ExtensionDays {
        /// The case.
        case: CaseNumber,
        /// The working days asked or granted.
        working_days: u32,
        /// The most the policy allows.
        max: u32,
    },
    /// An extension request is already waiting for a decision.
    #[error(
        "case {case}: an extension request is already pending; wait for the platform's decision"
    )]
    ExtensionPending {
        /// The case.
        case: CaseNumber,
    },
    /// A grant or refusal with no request pending.
    #[error("case {case}: no extension request is pending, so there is nothing to {action}")]
    NoPendingExtension {
        /// The case.
        case: CaseNumber,
        /// The action's name.
        action: &'static str,
    },
    /// The case was returned as often as allowed; the platform's coordination decided its unit.
    #[error(
        "case {case}: it was returned {limit} times already, the limit; the lead unit was decided \
         by the platform's coordination, so ask a supervisor to reassign it instead"
    )]
    ReturnLimitReached {
        /// The case.
        case: CaseNumber,
        /// The limit.
        limit: u32,
    },
    /// A reassignment or opening names the lead unit among the assisting units too.
    #[error("case {case}: unit {unit} cannot be both lead and assisting unit")]
    LeadAlsoAssisting {
        /// The case.
        case: CaseNumber,
        /// The unit.
        unit: UnitId,
    },
    /// A supervision step the plan does not have.
    #[error("case {case}: supervision step `{step}` is not in the supervision plan")]
    UnknownStep {
        /// The case.
        case: CaseNumber,
        /// The step's id.
        step: String,
    },
    /// A supervision step recorded before it is due.
    #[error("case {case}: supervision step `{step}` is due at {due_at}, not yet at {at}")]
    StepNotDue {
        /// The case.
        case: CaseNumber,
        /// The step's id.
        step: String,
        /// When it is due.
        due_at: DateTime<Utc>,
        /// When it was recorded.
        at: DateTime<Utc>,
    },
    /// A supervision step already recorded for the current deadline.
    #[error(
        "case {case}: supervision step `{step}` is already recorded for the deadline {deadline}"
    )]
    StepAlreadyRecorded {
        /// The case.
        case: CaseNumber,
        /// The step's id.
        step: String,
        /// The deadline.
        deadline: DateTime<Utc>,
    },
    /// An action dated before the last history entry.
    #[error(
        "case {case}: an action at {at} is earlier than the last history entry at {last}; pass \
         the current time"
    )]
    TimeWentBackwards {
        /// The case.
        case: CaseNumber,
        /// The action's time.
        at: DateTime<Utc>,
        /// The last entry's time.
        last: DateTime<Utc>,
    },
    /// The case number given to open a case is empty.
    #[error("a case needs a case number from the store; it was empty")]
    EmptyCaseNumber,
    /// The deadline could not be counted.
    #[error("case {case}: cannot count the deadline: {source}")]
    Calendar {
        /// The case.
        case: CaseNumber,
        /// The calendar's error.
        source: CalendarError,
    },
}

/// A case or supervision configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A field has a value that makes no sense.
    #[error("case config: `{field}` {problem}")]
    Invalid {
        /// The field, as written in the config.
        field: String,
        /// What is wrong, and how to fix it.
        problem: String,
    },
    /// The config text is not valid TOML of the expected shape.
    #[error("case config is malformed: {0}")]
    Parse(String),
}
