//! Cases (工单): the tracked unit of work made from one appeal, from dispatch to closing.
//!
//! A [`Case`] carries its case number, appeal, lead and assisting units, [`CaseState`],
//! [`Deadline`], returns, extension requests and an append-only [`HistoryEntry`] list. Every
//! change goes through [`Case::apply`] with a [`Command`]: who ([`Actor`]), when, and what
//! ([`Action`]). An action the actor's role may not take, or that the state does not allow, is
//! refused with a [`CaseError`] and changes nothing; an accepted one appends exactly one
//! history entry and returns the [`Effect`]s the caller must carry out (notify a unit, route
//! again without the units that returned, send to the platform's coordination, ask the citizen
//! about the result).
//!
//! Deadlines come from the [`DeadlinePolicy`] (working days per kind and complexity, hours for
//! urgent matters) counted on the [`WorkingCalendar`](crate::calendar::WorkingCalendar);
//! supervision steps (督办 / 催办) from the [`SupervisionPlan`]: [`due_steps`] says which steps a
//! case owes, [`supervision_list`] groups what is due and overdue per unit.
//!
//! This module does no IO and reads no clock: the caller passes the time of every command.
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use gateway_core::calendar::WorkingCalendar;
//! use gateway_core::case::{
//!     Action, Actor, Case, CaseConfig, CaseNumber, CaseOpening, CaseState, Command,
//! };
//! use gateway_core::{AppealId, Kind, UnitId};
//!
//! let calendar = WorkingCalendar::embedded().unwrap();
//! let policy = CaseConfig::default().build().unwrap();
//! let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc);
//! let unit = UnitId::new("market-supervision");
//!
//! let opening = CaseOpening {
//!     case_number: CaseNumber::parse("2612030042").unwrap(),
//!     appeal_id: AppealId::from_string("01JF0000000000000000000000"),
//!     kind: Kind::Complaint,
//!     urgent: false,
//!     lead_unit: unit.clone(),
//!     assisting_units: vec![],
//!     received_at: at("2026-12-03T10:00:00+08:00"),
//! };
//! let (mut case, _effects) = Case::open(opening, Actor::System, &calendar, &policy).unwrap();
//! // Five working days after Thursday 3 December 2026: 24:00 on Thursday 10 December.
//! assert_eq!(case.deadline().due_at, at("2026-12-11T00:00:00+08:00"));
//!
//! let acknowledge = Command::new(at("2026-12-03T11:00:00+08:00"), Actor::Unit(unit), Action::Acknowledge);
//! case.apply(acknowledge, &calendar, &policy).unwrap();
//! assert_eq!(case.state(), CaseState::Acknowledged);
//! assert_eq!(case.history().len(), 2);
//! ```

mod action;
mod actor;
mod deadline;
mod effect;
mod error;
mod extension;
mod history;
mod machine;
mod policy;
mod state;
mod supervision;

/// The case number the store issues; a case carries it unchanged.
pub use crate::store::CaseNumber;
pub use action::{Action, ReplyMethod};
pub use actor::{Actor, Role};
pub use deadline::{Complexity, Deadline, DeadlineBasis};
pub use effect::{Effect, Notice, Recipient};
pub use error::{CaseError, ConfigError};
pub use extension::{ExtensionRequest, ExtensionStatus};
pub use history::HistoryEntry;
pub use machine::{Case, CaseOpening, Command, Pause};
pub use policy::{CaseConfig, CasePolicy, DeadlineConfig, DeadlinePolicy};
pub use state::CaseState;
pub use supervision::{
    DueStep, ListedCase, StepConfig, StepOffset, SupervisionConfig, SupervisionLevel,
    SupervisionList, SupervisionPlan, SupervisionStep, UnitSupervision, due_steps,
    supervision_list,
};
