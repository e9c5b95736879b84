//! Supervision steps (督办 / 催办): escalating notices before and after a case's deadline.
//!
//! A step is due once `now` reaches its offset from the deadline. A step counts as done once
//! it is recorded in the case's history *for the deadline in force*: when an extension or a
//! reassignment moves the deadline, the steps start over against the new one.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Action, Case, CaseNumber, CasePolicy, CaseState, ConfigError};
use crate::calendar::{CalendarError, WorkingCalendar};
use crate::ids::UnitId;

/// How strong a step is, which decides who hears of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionLevel {
    /// 预警: the deadline is near; to the lead unit.
    Warning,
    /// 催办: the deadline is here; to the lead unit.
    Reminder,
    /// 督办通知: overdue; to the lead unit and the platform's supervisors.
    SupervisorNotice,
    /// 正式督办: long overdue; formal supervision, recorded for assessment (考核).
    FormalSupervision,
}

impl SupervisionLevel {
    /// The Chinese name units read.
    pub fn chinese(self) -> &'static str {
        match self {
            SupervisionLevel::Warning => "超期预警",
            SupervisionLevel::Reminder => "催办",
            SupervisionLevel::SupervisorNotice => "督办通知",
            SupervisionLevel::FormalSupervision => "正式督办",
        }
    }

    /// Whether the platform's supervisors hear of it too.
    pub fn tells_supervisors(self) -> bool {
        matches!(
            self,
            SupervisionLevel::SupervisorNotice | SupervisionLevel::FormalSupervision
        )
    }
}

/// One step as written in config (`[[supervision.steps]]`). Exactly one of the two offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    /// The step's id, recorded in history, e.g. `warning`.
    pub id: String,
    /// How strong it is.
    pub level: SupervisionLevel,
    /// Working days from the deadline: negative before, 0 at, positive after. The step keeps
    /// the deadline's time of day, so for a 24:00 deadline `-1` is 24:00 of the working day
    /// before and `1` is 24:00 of the working day after.
    #[serde(default)]
    pub offset_working_days: Option<i32>,
    /// Calendar hours from the deadline: negative before, positive after.
    #[serde(default)]
    pub offset_hours: Option<i32>,
}

/// The supervision steps as written in config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupervisionConfig {
    /// The steps, weakest first. Default: warning 1 working day before the deadline, reminder
    /// at the deadline, supervisor notice 1 working day after, formal supervision 3 after.
    pub steps: Vec<StepConfig>,
}

impl Default for SupervisionConfig {
    fn default() -> Self {
        let step = |id: &str, level, days| StepConfig {
            id: id.to_string(),
            level,
            offset_working_days: Some(days),
            offset_hours: None,
        };
        Self {
            steps: vec![
                step("warning", SupervisionLevel::Warning, -1),
                step("reminder", SupervisionLevel::Reminder, 0),
                step("supervisor_notice", SupervisionLevel::SupervisorNotice, 1),
                step("formal_supervision", SupervisionLevel::FormalSupervision, 3),
            ],
        }
    }
}

/// Where a step sits relative to the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "count", rename_all = "snake_case")]
pub enum StepOffset {
    /// Working days on the calendar.
    WorkingDays(i32),
    /// Calendar hours.
    Hours(i32),
}

/// One checked step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisionStep {
    /// The step's id.
    pub id: String,
    /// How strong it is.
    pub level: SupervisionLevel,
    /// Where it sits relative to the deadline.
    pub offset: StepOffset,
}

impl SupervisionStep {
    /// When the step falls due for a case with this deadline.
    pub fn due_at(
        &self,
        deadline: DateTime<Utc>,
        calendar: &WorkingCalendar,
    ) -> Result<DateTime<Utc>, CalendarError> {
        match self.offset {
            StepOffset::WorkingDays(days) => calendar.shift_instant(deadline, i64::from(days)),
            StepOffset::Hours(hours) => deadline
                .checked_add_signed(Duration::hours(i64::from(hours)))
                .ok_or_else(|| CalendarError::OutOfRange {
                    what: format!("{hours} hours from {deadline}"),
                }),
        }
    }
}

/// The running supervision plan.
// Limitation: one list of steps serves every case. An urgent (hours) case gets the same
// working-day offsets unless the plan uses `offset_hours`, so a warning one working day
// before a 24-hour deadline is due as soon as the case opens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SupervisionPlan {
    steps: Vec<SupervisionStep>,
}

impl SupervisionConfig {
    /// Checks the steps and returns the running plan.
    pub fn build(self) -> Result<SupervisionPlan, ConfigError> {
        let mut steps: Vec<SupervisionStep> = Vec::with_capacity(self.steps.len());
        for step in self.steps {
            let field = format!("supervision.steps[{}]", step.id);
            if step.id.trim().is_empty() {
                return Err(ConfigError::Invalid {
                    field: "supervision.steps.id".to_string(),
                    problem: "is empty; give every step an id".to_string(),
                });
            }
            if steps.iter().any(|known| known.id == step.id) {
                return Err(ConfigError::Invalid {
                    field,
                    problem: "appears twice; step ids must be unique".to_string(),
                });
            }
            let offset = match (step.offset_working_days, step.offset_hours) {
                (Some(days), None) if days.abs() <= 60 => StepOffset::WorkingDays(days),
                (None, Some(hours)) if hours.abs() <= 24 * 60 => StepOffset::Hours(hours),
                (Some(_), None) | (None, Some(_)) => {
                    return Err(ConfigError::Invalid {
                        field,
                        problem: "has an offset beyond 60 working days or 60 days of hours"
                            .to_string(),
                    });
                }
                _ => {
                    return Err(ConfigError::Invalid {
                        field,
                        problem: "needs exactly one of offset_working_days and offset_hours"
                            .to_string(),
                    });
                }
            };
            steps.push(SupervisionStep {
                id: step.id,
                level: step.level,
                offset,
            });
        }
        Ok(SupervisionPlan { steps })
    }
}

impl SupervisionPlan {
    /// The steps, in config order.
    pub fn steps(&self) -> &[SupervisionStep] {
        &self.steps
    }

    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&SupervisionStep> {
        self.steps.iter().find(|step| step.id == id)
    }
}

/// A step a case owes: due and not yet recorded for its current deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueStep {
    /// The case.
    pub case_number: CaseNumber,
    /// Its lead unit.
    pub unit: UnitId,
    /// The step's id, to record with [`Action::RecordSupervision`].
    pub step: String,
    /// How strong it is.
    pub level: SupervisionLevel,
    /// When it fell due.
    pub due_at: DateTime<Utc>,
    /// The deadline it is about.
    pub deadline: DateTime<Utc>,
}

/// Whether the case's clock runs: a unit holds it, and it is not paused on the citizen.
fn is_supervised(case: &Case, policy: &CasePolicy) -> bool {
    let paused = case.state() == CaseState::WaitingOnCitizen
        && policy.deadlines.pauses_while_waiting_on_citizen();
    case.state().is_with_unit() && !paused
}

/// Whether `step` is already recorded in the case's history for its current deadline.
pub(crate) fn is_recorded(case: &Case, step: &str) -> bool {
    let deadline = case.deadline().due_at;
    case.history().iter().any(|entry| {
        entry.deadline == deadline
            && matches!(&entry.action, Action::RecordSupervision { step: recorded } if recorded == step)
    })
}

/// The steps due for `case` at `now` and not yet recorded for its current deadline, in plan
/// order. None while no unit holds the case (returned, in coordination, resolved, closed) or
/// while it waits on the citizen and that pauses the clock.
pub fn due_steps(
    case: &Case,
    calendar: &WorkingCalendar,
    policy: &CasePolicy,
    now: DateTime<Utc>,
) -> Result<Vec<DueStep>, CalendarError> {
    if !is_supervised(case, policy) {
        return Ok(Vec::new());
    }
    let deadline = case.deadline().due_at;
    let mut due = Vec::new();
    for step in policy.supervision.steps() {
        let due_at = step.due_at(deadline, calendar)?;
        if due_at <= now && !is_recorded(case, &step.id) {
            due.push(DueStep {
                case_number: case.case_number().clone(),
                unit: case.lead_unit().clone(),
                step: step.id.clone(),
                level: step.level,
                due_at,
                deadline,
            });
        }
    }
    Ok(due)
}

/// One case on a supervision list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedCase {
    /// The case.
    pub case_number: CaseNumber,
    /// Its state.
    pub state: CaseState,
    /// Its deadline.
    pub deadline: DateTime<Utc>,
    /// Working days begun since the deadline's day, for an overdue case (1 on the first
    /// working day after it, 0 over the weekend straight after it); working days left until the deadline's day, for a case due soon (0 when
    /// it ends today).
    pub working_days: i64,
}

/// One unit's part of a supervision list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UnitSupervision {
    /// Steps due and not yet recorded.
    pub steps_due: Vec<DueStep>,
    /// Cases past their deadline, most overdue first.
    pub overdue: Vec<ListedCase>,
    /// Cases whose deadline ends today or on the next working day, soonest first.
    pub due_soon: Vec<ListedCase>,
}

/// What is due and overdue, per lead unit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SupervisionList {
    /// Per lead unit; units with nothing to report are left out.
    pub units: BTreeMap<UnitId, UnitSupervision>,
}

/// The supervision list of a set of cases at `now`: per lead unit, the steps due, the cases
/// overdue and the cases due by the end of the next working day. Cases no unit holds, and
/// cases paused on the citizen, are left out.
pub fn supervision_list<'a>(
    cases: impl IntoIterator<Item = &'a Case>,
    calendar: &WorkingCalendar,
    policy: &CasePolicy,
    now: DateTime<Utc>,
) -> Result<SupervisionList, CalendarError> {
    let mut list = SupervisionList::default();
    for case in cases {
        if !is_supervised(case, policy) {
            continue;
        }
        let steps = due_steps(case, calendar, policy, now)?;
        let deadline = case.deadline().due_at;
        let listed = |working_days| ListedCase {
            case_number: case.case_number().clone(),
            state: case.state(),
            deadline,
            working_days,
        };

        // Overdue counts the working days begun since the deadline; due soon the days left.
        let mut overdue = None;
        let mut due_soon = None;
        if deadline < now {
            overdue = Some(listed(calendar.working_days_between(deadline, now)?));
        } else {
            let left = calendar.working_days_between(now, deadline)?;
            if left <= 1 {
                due_soon = Some(listed(left));
            }
        }

        if steps.is_empty() && overdue.is_none() && due_soon.is_none() {
            continue;
        }
        let entry = list.units.entry(case.lead_unit().clone()).or_default();
        entry.steps_due.extend(steps);
        entry.overdue.extend(overdue);
        entry.due_soon.extend(due_soon);
    }

    // Most urgent first within each unit.
    for unit in list.units.values_mut() {
        unit.overdue.sort_by(|a, b| {
            a.deadline
                .cmp(&b.deadline)
                .then(a.case_number.cmp(&b.case_number))
        });
        unit.due_soon.sort_by(|a, b| {
            a.deadline
                .cmp(&b.deadline)
                .then(a.case_number.cmp(&b.case_number))
        });
        unit.steps_due.sort_by(|a, b| {
            a.due_at
                .cmp(&b.due_at)
                .then(a.case_number.cmp(&b.case_number))
        });
    }
    Ok(list)
}
