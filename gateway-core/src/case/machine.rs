//! The case and its state machine.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::supervision::is_recorded;
use super::{
    Action, Actor, CaseError, CaseNumber, CasePolicy, CaseState, Complexity, Deadline,
    DeadlineBasis, Effect, ExtensionRequest, ExtensionStatus, HistoryEntry, Notice, Recipient,
    Role,
};
use crate::calendar::{CalendarError, WorkingCalendar};
use crate::decision::Kind;
use crate::ids::{AppealId, UnitId};

/// What opening a case needs: the store's case number and the routing decision's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOpening {
    /// The case number the store issued.
    pub case_number: CaseNumber,
    /// The appeal the case was made from.
    pub appeal_id: AppealId,
    /// What the citizen wants.
    pub kind: Kind,
    /// An urgent matter, counted in hours rather than working days.
    pub urgent: bool,
    /// The lead unit (主办).
    pub lead_unit: UnitId,
    /// The assisting units (协办); any makes the case multi-unit.
    pub assisting_units: Vec<UnitId>,
    /// When the appeal was received: the clock starts here, and the case opens at this time.
    pub received_at: DateTime<Utc>,
}

/// One action by one actor at one time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// When (from the caller's clock).
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// What.
    pub action: Action,
}

impl Command {
    /// A command.
    pub fn new(at: DateTime<Utc>, actor: Actor, action: Action) -> Self {
        Self { at, actor, action }
    }
}

/// The case is waiting on the citizen since this time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// When the wait began.
    pub since: DateTime<Utc>,
    /// The state to go back to when the citizen answers.
    pub resume_to: CaseState,
}

/// A case (工单): the tracked unit of work made from one appeal.
///
/// Its fields change only through [`Case::apply`], which appends one [`HistoryEntry`] per
/// accepted action; the history is never edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    case_number: CaseNumber,
    appeal_id: AppealId,
    kind: Kind,
    urgent: bool,
    lead_unit: UnitId,
    assisting_units: Vec<UnitId>,
    state: CaseState,
    deadline: Deadline,
    return_count: u32,
    returned_by: Vec<UnitId>,
    extension_requests: Vec<ExtensionRequest>,
    pause: Option<Pause>,
    history: Vec<HistoryEntry>,
}

impl Case {
    /// Opens a case dispatched to its lead unit, with its deadline counted from receipt.
    /// Returns the case and the notices to send.
    pub fn open(
        opening: CaseOpening,
        actor: Actor,
        calendar: &WorkingCalendar,
        policy: &CasePolicy,
    ) -> Result<(Case, Vec<Effect>), CaseError> {
        if opening.case_number.as_str().trim().is_empty() {
            return Err(CaseError::EmptyCaseNumber);
        }
        let case_number = opening.case_number;
        let assisting_units =
            checked_units(&case_number, &opening.lead_unit, opening.assisting_units)?;

        // The clock starts when the appeal was received, not when it was dispatched.
        let deadline = policy
            .deadlines
            .deadline(
                calendar,
                opening.kind,
                Complexity::of(&assisting_units),
                opening.urgent,
                opening.received_at,
            )
            .map_err(|source| CaseError::Calendar {
                case: case_number.clone(),
                source,
            })?;

        let entry = HistoryEntry {
            sequence: 0,
            at: opening.received_at,
            actor,
            action: Action::Open {
                lead_unit: opening.lead_unit.clone(),
                assisting_units: assisting_units.clone(),
            },
            state_before: None,
            state_after: CaseState::Dispatched,
            deadline: deadline.due_at,
        };
        let case = Case {
            case_number,
            appeal_id: opening.appeal_id,
            kind: opening.kind,
            urgent: opening.urgent,
            lead_unit: opening.lead_unit,
            assisting_units,
            state: CaseState::Dispatched,
            deadline,
            return_count: 0,
            returned_by: Vec::new(),
            extension_requests: Vec::new(),
            pause: None,
            history: vec![entry],
        };
        let effects = case.dispatch_notices();
        Ok((case, effects))
    }

    /// Opens a case that the platform answers at once from the knowledge base: the opening
    /// and [`Action::AnswerFromKnowledge`] are both recorded at receipt, and no unit is told
    /// (the opening's dispatch notices are not returned). The case is resolved.
    pub fn open_answered(
        opening: CaseOpening,
        entry_id: impl Into<String>,
        calendar: &WorkingCalendar,
        policy: &CasePolicy,
    ) -> Result<Case, CaseError> {
        let at = opening.received_at;
        let (mut case, _dispatch_notices) = Case::open(opening, Actor::System, calendar, policy)?;
        let answer = Command::new(
            at,
            Actor::System,
            Action::AnswerFromKnowledge {
                entry_id: entry_id.into(),
            },
        );
        case.apply(answer, calendar, policy)?;
        Ok(case)
    }

    /// The knowledge base entry the case was answered with, while that answer stands: set by
    /// [`Action::AnswerFromKnowledge`], cleared by [`Action::DispatchAfterAnswer`].
    pub fn knowledge_answer(&self) -> Option<&str> {
        match self
            .history
            .iter()
            .rev()
            .find_map(|entry| match &entry.action {
                Action::AnswerFromKnowledge { entry_id } => Some(Some(entry_id.as_str())),
                Action::DispatchAfterAnswer { .. } => Some(None),
                _ => None,
            }) {
            Some(answer) if self.state == CaseState::Resolved => answer,
            _ => None,
        }
    }

    /// The case number.
    pub fn case_number(&self) -> &CaseNumber {
        &self.case_number
    }

    /// The appeal it was made from.
    pub fn appeal_id(&self) -> &AppealId {
        &self.appeal_id
    }

    /// What the citizen wants.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Whether it is counted in hours as an urgent matter.
    pub fn is_urgent(&self) -> bool {
        self.urgent
    }

    /// The lead unit (主办).
    pub fn lead_unit(&self) -> &UnitId {
        &self.lead_unit
    }

    /// The assisting units (协办).
    pub fn assisting_units(&self) -> &[UnitId] {
        &self.assisting_units
    }

    /// Where it stands.
    pub fn state(&self) -> CaseState {
        self.state
    }

    /// The deadline in force.
    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// How many times it was returned.
    pub fn return_count(&self) -> u32 {
        self.return_count
    }

    /// The units that returned it, in order, each once.
    pub fn returned_by(&self) -> &[UnitId] {
        &self.returned_by
    }

    /// Every extension request, oldest first.
    pub fn extension_requests(&self) -> &[ExtensionRequest] {
        &self.extension_requests
    }

    /// The wait on the citizen, while there is one.
    pub fn pause(&self) -> Option<Pause> {
        self.pause
    }

    /// The history, oldest first; the first entry is the opening.
    pub fn history(&self) -> &[HistoryEntry] {
        &self.history
    }

    /// Whether the latest resolution (办结) came by the deadline then in force, for the
    /// on-time resolution rate (按期办结率); `None` if the case was never resolved.
    pub fn resolved_on_time(&self) -> Option<bool> {
        self.history
            .iter()
            .rev()
            .find(|entry| matches!(entry.action, Action::Resolve { .. }))
            .map(|entry| entry.at <= entry.deadline)
    }

    /// Applies one command. On success exactly one history entry is appended and the effects
    /// to carry out are returned; on error the case is unchanged.
    pub fn apply(
        &mut self,
        command: Command,
        calendar: &WorkingCalendar,
        policy: &CasePolicy,
    ) -> Result<Vec<Effect>, CaseError> {
        // Keep a copy of everything but the history (which the transition only reads), so
        // that a refusal half-way leaves nothing changed and a long history is not copied.
        let history = std::mem::take(&mut self.history);
        let before = self.clone();
        self.history = history;
        let effects = match self.transition(&command, calendar, policy) {
            Ok(effects) => effects,
            Err(error) => {
                let history = std::mem::take(&mut self.history);
                *self = before;
                self.history = history;
                return Err(error);
            }
        };

        // Then the one new entry.
        self.history.push(HistoryEntry {
            sequence: u32::try_from(self.history.len()).unwrap_or(u32::MAX),
            at: command.at,
            actor: command.actor,
            action: command.action,
            state_before: Some(before.state),
            state_after: self.state,
            deadline: self.deadline.due_at,
        });
        Ok(effects)
    }

    /// Checks the command and changes every field but the history.
    fn transition(
        &mut self,
        command: &Command,
        calendar: &WorkingCalendar,
        policy: &CasePolicy,
    ) -> Result<Vec<Effect>, CaseError> {
        let at = command.at;
        let action = &command.action;

        // Time only moves forward.
        if let Some(last) = self.history.last()
            && at < last.at
        {
            return Err(CaseError::TimeWentBackwards {
                case: self.case_number.clone(),
                at,
                last: last.at,
            });
        }

        // The actor's role may take the action, and a unit only on its own case.
        self.authorize(&command.actor, action)?;

        // Texts the action needs are given.
        self.require_text(action)?;

        let calendar_error = |source: CalendarError| CaseError::Calendar {
            case: self.case_number.clone(),
            source,
        };
        let max_extension = policy.deadlines.max_extension_working_days();
        match action {
            Action::Open { .. } => Err(self.not_allowed(action)),

            Action::Acknowledge => {
                self.expect_state(action, &[CaseState::Dispatched, CaseState::Reopened])?;
                self.state = CaseState::Acknowledged;
                Ok(Vec::new())
            }

            Action::Return { .. } => {
                self.expect_state(action, &[CaseState::Dispatched, CaseState::Acknowledged])?;
                if self.return_count >= policy.max_returns {
                    return Err(CaseError::ReturnLimitReached {
                        case: self.case_number.clone(),
                        limit: policy.max_returns,
                    });
                }
                self.return_count += 1;
                if !self.returned_by.contains(&self.lead_unit) {
                    self.returned_by.push(self.lead_unit.clone());
                }
                self.lapse_pending();

                // The return that reaches the limit goes to coordination, not to routing.
                if self.return_count >= policy.max_returns {
                    self.state = CaseState::Coordination;
                    Ok(vec![Effect::SendToCoordination {
                        returned_by: self.returned_by.clone(),
                    }])
                } else {
                    self.state = CaseState::Returned;
                    Ok(vec![Effect::Reroute {
                        excluding: self.returned_by.clone(),
                    }])
                }
            }

            Action::RequestExtension {
                working_days,
                reason,
            } => {
                self.expect_state(action, &[CaseState::Acknowledged, CaseState::Extended])?;
                self.check_extension_days(*working_days, max_extension)?;
                if self.pending_extension().is_some() {
                    return Err(CaseError::ExtensionPending {
                        case: self.case_number.clone(),
                    });
                }
                self.extension_requests.push(ExtensionRequest {
                    unit: self.lead_unit.clone(),
                    requested_at: at,
                    working_days: *working_days,
                    reason: reason.clone(),
                    status: ExtensionStatus::Pending,
                });
                Ok(vec![Effect::Notify {
                    recipient: Recipient::Supervisors,
                    notice: Notice::ExtensionRequested {
                        working_days: *working_days,
                    },
                }])
            }

            Action::GrantExtension { working_days } => {
                self.expect_state(action, &[CaseState::Acknowledged, CaseState::Extended])?;
                let index =
                    self.pending_extension()
                        .ok_or_else(|| CaseError::NoPendingExtension {
                            case: self.case_number.clone(),
                            action: action.name(),
                        })?;
                self.check_extension_days(*working_days, max_extension)?;
                let from = self.deadline.due_at;
                let to = calendar
                    .shift_instant(from, i64::from(*working_days))
                    .map_err(calendar_error)?;
                self.extension_requests[index].status = ExtensionStatus::Granted {
                    working_days: *working_days,
                };
                self.deadline.due_at = to;
                self.state = CaseState::Extended;
                Ok(vec![
                    Effect::DeadlineMoved { from, to },
                    Effect::Notify {
                        recipient: Recipient::Unit(self.lead_unit.clone()),
                        notice: Notice::ExtensionGranted {
                            working_days: *working_days,
                            deadline: to,
                        },
                    },
                ])
            }

            Action::RefuseExtension { .. } => {
                self.expect_state(action, &[CaseState::Acknowledged, CaseState::Extended])?;
                let index =
                    self.pending_extension()
                        .ok_or_else(|| CaseError::NoPendingExtension {
                            case: self.case_number.clone(),
                            action: action.name(),
                        })?;
                self.extension_requests[index].status = ExtensionStatus::Refused;
                Ok(vec![Effect::Notify {
                    recipient: Recipient::Unit(self.lead_unit.clone()),
                    notice: Notice::ExtensionRefused,
                }])
            }

            Action::WaitForCitizen { .. } => {
                self.expect_state(action, &[CaseState::Acknowledged, CaseState::Extended])?;
                self.pause = Some(Pause {
                    since: at,
                    resume_to: self.state,
                });
                self.state = CaseState::WaitingOnCitizen;
                Ok(Vec::new())
            }

            Action::CitizenResponded => {
                self.expect_state(action, &[CaseState::WaitingOnCitizen])?;
                let pause = self.pause.take().unwrap_or(Pause {
                    since: at,
                    resume_to: CaseState::Acknowledged,
                });
                self.state = pause.resume_to;
                if !policy.deadlines.pauses_while_waiting_on_citizen() {
                    return Ok(Vec::new());
                }

                // The deadline moves by the time spent waiting, in the deadline's own unit.
                // Limitation: working days are counted by date, so a wait from Monday 17:00 to
                // Tuesday 09:00 costs a whole working day and one within a day costs none.
                let from = self.deadline.due_at;
                let to = match self.deadline.basis {
                    DeadlineBasis::WorkingDays(_) => {
                        let lost = calendar
                            .working_days_between(pause.since, at)
                            .map_err(calendar_error)?;
                        calendar.shift_instant(from, lost).map_err(calendar_error)?
                    }
                    DeadlineBasis::Hours(_) => {
                        from.checked_add_signed(at - pause.since).ok_or_else(|| {
                            calendar_error(CalendarError::OutOfRange {
                                what: format!("the deadline {from} moved by the wait"),
                            })
                        })?
                    }
                };
                if to == from {
                    return Ok(Vec::new());
                }
                self.deadline.due_at = to;
                Ok(vec![Effect::DeadlineMoved { from, to }])
            }

            Action::Resolve { .. } => {
                self.expect_state(
                    action,
                    &[
                        CaseState::Acknowledged,
                        CaseState::Extended,
                        CaseState::WaitingOnCitizen,
                    ],
                )?;
                self.pause = None;
                self.lapse_pending();
                self.state = CaseState::Resolved;
                Ok(vec![Effect::FollowUp])
            }

            Action::AddNote { .. } => {
                if self.state == CaseState::Closed {
                    return Err(self.not_allowed(action));
                }
                Ok(Vec::new())
            }

            Action::Reassign {
                lead_unit,
                assisting_units,
                ..
            } => {
                self.expect_state(
                    action,
                    &[
                        CaseState::Dispatched,
                        CaseState::Acknowledged,
                        CaseState::WaitingOnCitizen,
                        CaseState::Extended,
                        CaseState::Returned,
                        CaseState::Coordination,
                        CaseState::Reopened,
                    ],
                )?;
                let assisting =
                    checked_units(&self.case_number, lead_unit, assisting_units.clone())?;

                // A new lead unit gets a fresh deadline counted from now; it may be earlier.
                let from = self.deadline.due_at;
                let deadline = policy
                    .deadlines
                    .deadline(
                        calendar,
                        self.kind,
                        Complexity::of(&assisting),
                        self.urgent,
                        at,
                    )
                    .map_err(calendar_error)?;
                let mut effects = Vec::new();
                let old_units: Vec<UnitId> = std::iter::once(self.lead_unit.clone())
                    .chain(self.assisting_units.iter().cloned())
                    .collect();
                for unit in old_units {
                    if &unit != lead_unit && !assisting.contains(&unit) {
                        effects.push(Effect::Notify {
                            recipient: Recipient::Unit(unit),
                            notice: Notice::Withdrawn,
                        });
                    }
                }
                self.lead_unit = lead_unit.clone();
                self.assisting_units = assisting;
                self.deadline = deadline;
                self.pause = None;
                self.lapse_pending();
                self.state = CaseState::Dispatched;
                if from != deadline.due_at {
                    effects.push(Effect::DeadlineMoved {
                        from,
                        to: deadline.due_at,
                    });
                }
                effects.extend(self.dispatch_notices());
                Ok(effects)
            }

            Action::Close { .. } => {
                if self.state == CaseState::Closed {
                    return Err(self.not_allowed(action));
                }
                let mut effects = Vec::new();
                if self.state.is_with_unit() {
                    effects.push(Effect::Notify {
                        recipient: Recipient::Unit(self.lead_unit.clone()),
                        notice: Notice::Withdrawn,
                    });
                }
                self.pause = None;
                self.lapse_pending();
                self.state = CaseState::Closed;
                Ok(effects)
            }

            Action::Reopen { .. } | Action::ReopenOnDissatisfaction => {
                self.expect_state(action, &[CaseState::Resolved, CaseState::Closed])?;

                // The same unit gets a new period from now, never less than it had.
                let from = self.deadline.due_at;
                let fresh = policy
                    .deadlines
                    .deadline(
                        calendar,
                        self.kind,
                        Complexity::of(&self.assisting_units),
                        self.urgent,
                        at,
                    )
                    .map_err(calendar_error)?;
                if fresh.due_at > from {
                    self.deadline = fresh;
                }
                self.state = CaseState::Reopened;
                let mut effects = Vec::new();
                if self.deadline.due_at != from {
                    effects.push(Effect::DeadlineMoved {
                        from,
                        to: self.deadline.due_at,
                    });
                }
                effects.push(Effect::Notify {
                    recipient: Recipient::Unit(self.lead_unit.clone()),
                    notice: Notice::Reopened {
                        deadline: self.deadline.due_at,
                    },
                });
                Ok(effects)
            }

            Action::SendToCoordination { .. } => {
                self.expect_state(action, &[CaseState::Returned])?;
                self.state = CaseState::Coordination;
                Ok(vec![Effect::SendToCoordination {
                    returned_by: self.returned_by.clone(),
                }])
            }

            Action::AnswerFromKnowledge { entry_id } => {
                // Only the opening may come before: an answer given at intake.
                self.expect_state(action, &[CaseState::Dispatched])?;
                if self.history.len() != 1 || entry_id.trim().is_empty() {
                    return Err(self.not_allowed(action));
                }
                self.state = CaseState::Resolved;
                Ok(Vec::new())
            }

            Action::DispatchAfterAnswer { .. } => {
                self.expect_state(action, &[CaseState::Resolved])?;
                if self.knowledge_answer().is_none() {
                    return Err(self.not_allowed(action));
                }

                // The lead unit gets a whole period from now, never less than the case had.
                let from = self.deadline.due_at;
                let fresh = policy
                    .deadlines
                    .deadline(
                        calendar,
                        self.kind,
                        Complexity::of(&self.assisting_units),
                        self.urgent,
                        at,
                    )
                    .map_err(calendar_error)?;
                if fresh.due_at > from {
                    self.deadline = fresh;
                }
                self.state = CaseState::Dispatched;
                let mut effects = Vec::new();
                if self.deadline.due_at != from {
                    effects.push(Effect::DeadlineMoved {
                        from,
                        to: self.deadline.due_at,
                    });
                }
                effects.extend(self.dispatch_notices());
                Ok(effects)
            }

            Action::RecordSupervision { step } => {
                let supervised = self.state.is_with_unit()
                    && !(self.state == CaseState::WaitingOnCitizen
                        && policy.deadlines.pauses_while_waiting_on_citizen());
                if !supervised {
                    return Err(self.not_allowed(action));
                }
                let planned =
                    policy
                        .supervision
                        .step(step)
                        .ok_or_else(|| CaseError::UnknownStep {
                            case: self.case_number.clone(),
                            step: step.clone(),
                        })?;
                let due_at = planned
                    .due_at(self.deadline.due_at, calendar)
                    .map_err(calendar_error)?;
                if at < due_at {
                    return Err(CaseError::StepNotDue {
                        case: self.case_number.clone(),
                        step: step.clone(),
                        due_at,
                        at,
                    });
                }
                if is_recorded(self, step) {
                    return Err(CaseError::StepAlreadyRecorded {
                        case: self.case_number.clone(),
                        step: step.clone(),
                        deadline: self.deadline.due_at,
                    });
                }
                let notice = Notice::Supervision {
                    step: step.clone(),
                    level: planned.level,
                    deadline: self.deadline.due_at,
                };
                let mut effects = vec![Effect::Notify {
                    recipient: Recipient::Unit(self.lead_unit.clone()),
                    notice: notice.clone(),
                }];
                if planned.level.tells_supervisors() {
                    effects.push(Effect::Notify {
                        recipient: Recipient::Supervisors,
                        notice,
                    });
                }
                Ok(effects)
            }
        }
    }

    /// Refuses an actor whose role may not take the action, and a unit not on this case.
    fn authorize(&self, actor: &Actor, action: &Action) -> Result<(), CaseError> {
        let wrong_role = || CaseError::WrongRole {
            case: self.case_number.clone(),
            action: action.name(),
            needed: action.role(),
            actor: actor.to_string(),
        };
        match (action, actor) {
            // The gateway closes a case itself when its follow-up ends (rated, no answer).
            (Action::Close { .. }, Actor::System) => Ok(()),
            // Notes come from the lead unit, an assisting unit or a supervisor.
            (Action::AddNote { .. }, Actor::Supervisor(_)) => Ok(()),
            (Action::AddNote { .. }, Actor::Unit(unit)) => {
                if unit == &self.lead_unit || self.assisting_units.contains(unit) {
                    Ok(())
                } else {
                    Err(CaseError::NotLeadUnit {
                        case: self.case_number.clone(),
                        action: action.name(),
                        unit: unit.clone(),
                        lead: self.lead_unit.clone(),
                    })
                }
            }
            (_, Actor::Unit(unit)) if action.role() == Role::HandlingUnit => {
                if unit == &self.lead_unit {
                    Ok(())
                } else {
                    Err(CaseError::NotLeadUnit {
                        case: self.case_number.clone(),
                        action: action.name(),
                        unit: unit.clone(),
                        lead: self.lead_unit.clone(),
                    })
                }
            }
            _ if action.role() == actor.role() => Ok(()),
            _ => Err(wrong_role()),
        }
    }

    /// Refuses an action whose reason, result or note is blank.
    fn require_text(&self, action: &Action) -> Result<(), CaseError> {
        let field = match action {
            Action::Resolve { .. } => "result",
            Action::AddNote { .. } => "note",
            Action::RecordSupervision { step } if step.trim().is_empty() => {
                return Err(CaseError::MissingText {
                    case: self.case_number.clone(),
                    action: action.name(),
                    field: "step id",
                });
            }
            _ => "reason",
        };
        match action.reason() {
            Some(text) if text.trim().is_empty() => Err(CaseError::MissingText {
                case: self.case_number.clone(),
                action: action.name(),
                field,
            }),
            _ => Ok(()),
        }
    }

    fn not_allowed(&self, action: &Action) -> CaseError {
        CaseError::NotAllowed {
            case: self.case_number.clone(),
            action: action.name(),
            state: self.state,
        }
    }

    fn expect_state(&self, action: &Action, allowed: &[CaseState]) -> Result<(), CaseError> {
        if allowed.contains(&self.state) {
            Ok(())
        } else {
            Err(self.not_allowed(action))
        }
    }

    fn check_extension_days(&self, working_days: u32, max: u32) -> Result<(), CaseError> {
        if (1..=max).contains(&working_days) {
            Ok(())
        } else {
            Err(CaseError::ExtensionDays {
                case: self.case_number.clone(),
                working_days,
                max,
            })
        }
    }

    /// The index of the request waiting for a decision, if any.
    fn pending_extension(&self) -> Option<usize> {
        self.extension_requests
            .iter()
            .position(|request| request.status == ExtensionStatus::Pending)
    }

    /// A pending request no longer matters once the case leaves the unit's hands.
    fn lapse_pending(&mut self) {
        for request in &mut self.extension_requests {
            if request.status == ExtensionStatus::Pending {
                request.status = ExtensionStatus::Lapsed;
            }
        }
    }

    /// The notices for a case just dispatched: the lead unit's and each assisting unit's.
    fn dispatch_notices(&self) -> Vec<Effect> {
        let mut effects = vec![Effect::Notify {
            recipient: Recipient::Unit(self.lead_unit.clone()),
            notice: Notice::NewCase {
                deadline: self.deadline.due_at,
            },
        }];
        for unit in &self.assisting_units {
            effects.push(Effect::Notify {
                recipient: Recipient::Unit(unit.clone()),
                notice: Notice::AssistRequested,
            });
        }
        effects
    }
}

/// The assisting units without duplicates, refusing the lead unit among them.
fn checked_units(
    case: &CaseNumber,
    lead: &UnitId,
    assisting: Vec<UnitId>,
) -> Result<Vec<UnitId>, CaseError> {
    let mut unique: Vec<UnitId> = Vec::with_capacity(assisting.len());
    for unit in assisting {
        if &unit == lead {
            return Err(CaseError::LeadAlsoAssisting {
                case: case.clone(),
                unit,
            });
        }
        if !unique.contains(&unit) {
            unique.push(unit);
        }
    }
    Ok(unique)
}
