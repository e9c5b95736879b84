//! What can be done to a case.

use serde::{Deserialize, Serialize};

use super::Role;
use crate::ids::UnitId;

/// How the handling unit told the citizen the result (答复方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyMethod {
    /// By phone.
    Phone,
    /// By SMS.
    Sms,
    /// By email.
    Email,
    /// Through the WeChat Official Account.
    Wechat,
    /// In person, on site or at the office.
    InPerson,
    /// By letter.
    Letter,
    /// The citizen could not be reached (anonymous, or no answer after trying).
    NotReachable,
}

/// One action on a case. Which role may take it is [`Action::role`]; which states allow it is
/// decided by [`Case::apply`](super::Case::apply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// The case was opened and dispatched; only [`Case::open`](super::Case::open) records it.
    Open {
        /// The lead unit (主办).
        lead_unit: UnitId,
        /// The assisting units (协办).
        assisting_units: Vec<UnitId>,
    },
    /// Lead unit: confirms it has the case (签收).
    Acknowledge,
    /// Lead unit: says the case is not its responsibility (退回).
    Return {
        /// Why, for the platform that routes again.
        reason: String,
    },
    /// Lead unit: asks for more time (申请延期).
    RequestExtension {
        /// How many working days more.
        working_days: u32,
        /// Why.
        reason: String,
    },
    /// Lead unit: waits on the citizen (materials, access, a callback).
    WaitForCitizen {
        /// What it waits for.
        reason: String,
    },
    /// Lead unit: the citizen answered; handling goes on.
    CitizenResponded,
    /// Lead unit: reports the result and that the citizen was told (办结).
    Resolve {
        /// The result, as the unit reports it.
        result: String,
        /// How the citizen was told.
        citizen_informed_by: ReplyMethod,
    },
    /// Lead or assisting unit, or supervisor: adds a note without changing the case.
    AddNote {
        /// The note.
        text: String,
    },
    /// Supervisor: gives the case to another lead unit (改派), with a fresh deadline.
    Reassign {
        /// The new lead unit.
        lead_unit: UnitId,
        /// The new assisting units.
        assisting_units: Vec<UnitId>,
        /// Why.
        reason: String,
    },
    /// Supervisor: grants the pending extension request, for this many working days.
    GrantExtension {
        /// The working days granted; may be fewer than asked.
        working_days: u32,
    },
    /// Supervisor: refuses the pending extension request.
    RefuseExtension {
        /// Why.
        reason: String,
    },
    /// Supervisor: closes the case (归档).
    Close {
        /// Why (satisfied, no rating within the follow-up period, duplicate, ...).
        reason: String,
    },
    /// Supervisor: reopens a resolved or closed case, back to its lead unit.
    Reopen {
        /// Why.
        reason: String,
    },
    /// System: the citizen rated the result dissatisfied (不满意); back to the same lead unit.
    ReopenOnDissatisfaction,
    /// System: routing found no other unit for a returned case; the platform decides.
    SendToCoordination {
        /// Why.
        reason: String,
    },
    /// System: a supervision step (督办 / 催办) fell due and was sent.
    RecordSupervision {
        /// The step's id in the supervision plan.
        step: String,
    },
    /// System: the platform answered a consultation itself from the knowledge base
    /// (知识库直答) at intake, so the case is resolved without going to any unit. Only a case
    /// just opened, with nothing else in its history, can be answered so.
    AnswerFromKnowledge {
        /// The knowledge base entry whose answer the citizen was given.
        entry_id: String,
    },
    /// System: the citizen said the knowledge base's answer did not help; the case goes to
    /// its lead unit as a new case with a fresh deadline.
    DispatchAfterAnswer {
        /// Why, for the history.
        reason: String,
    },
}

impl Action {
    /// The action's name as written in JSON and error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Open { .. } => "open",
            Action::Acknowledge => "acknowledge",
            Action::Return { .. } => "return",
            Action::RequestExtension { .. } => "request_extension",
            Action::WaitForCitizen { .. } => "wait_for_citizen",
            Action::CitizenResponded => "citizen_responded",
            Action::Resolve { .. } => "resolve",
            Action::AddNote { .. } => "add_note",
            Action::Reassign { .. } => "reassign",
            Action::GrantExtension { .. } => "grant_extension",
            Action::RefuseExtension { .. } => "refuse_extension",
            Action::Close { .. } => "close",
            Action::Reopen { .. } => "reopen",
            Action::ReopenOnDissatisfaction => "reopen_on_dissatisfaction",
            Action::SendToCoordination { .. } => "send_to_coordination",
            Action::RecordSupervision { .. } => "record_supervision",
            Action::AnswerFromKnowledge { .. } => "answer_from_knowledge",
            Action::DispatchAfterAnswer { .. } => "dispatch_after_answer",
        }
    }

    /// The role that may take the action. Notes are the exception: units and supervisors both
    /// add them, so this says [`Role::HandlingUnit`] and the check lets supervisors through too.
    pub fn role(&self) -> Role {
        match self {
            Action::Acknowledge
            | Action::Return { .. }
            | Action::RequestExtension { .. }
            | Action::WaitForCitizen { .. }
            | Action::CitizenResponded
            | Action::Resolve { .. }
            | Action::AddNote { .. } => Role::HandlingUnit,
            Action::Reassign { .. }
            | Action::GrantExtension { .. }
            | Action::RefuseExtension { .. }
            | Action::Close { .. }
            | Action::Reopen { .. } => Role::Supervisor,
            Action::Open { .. }
            | Action::ReopenOnDissatisfaction
            | Action::SendToCoordination { .. }
            | Action::RecordSupervision { .. }
            | Action::AnswerFromKnowledge { .. }
            | Action::DispatchAfterAnswer { .. } => Role::System,
        }
    }

    /// The reason or text the action carries, if any: the "why" of its history entry.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Action::Return { reason }
            | Action::RequestExtension { reason, .. }
            | Action::WaitForCitizen { reason }
            | Action::Reassign { reason, .. }
            | Action::RefuseExtension { reason }
            | Action::Close { reason }
            | Action::Reopen { reason }
            | Action::SendToCoordination { reason }
            | Action::DispatchAfterAnswer { reason } => Some(reason),
            Action::Resolve { result, .. } => Some(result),
            Action::AddNote { text } => Some(text),
            _ => None,
        }
    }
}
