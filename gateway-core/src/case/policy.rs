//! The deadline policy and the case policy, from config.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Complexity, ConfigError, Deadline, DeadlineBasis, SupervisionConfig, SupervisionPlan};
use crate::calendar::{CalendarError, StartRule, WorkingCalendar};
use crate::decision::Kind;

/// Deadlines per kind and complexity, as written in config (`[deadlines]`).
///
/// ```toml
/// consultation_working_days = 2
/// complaint_working_days = 5
/// multi_unit_working_days = 15
/// urgent_hours = 24
/// pause_while_waiting_on_citizen = true
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeadlineConfig {
    /// Working days for a consultation (咨询). Default 2.
    pub consultation_working_days: u32,
    /// Working days for a complaint (投诉). Default 5.
    pub complaint_working_days: u32,
    /// Working days for a report (举报). Default 5.
    pub report_working_days: u32,
    /// Working days for a help request (求助). Default 5.
    pub help_request_working_days: u32,
    /// Working days for a suggestion (建议). Default 10.
    pub suggestion_working_days: u32,
    /// Working days for a case with assisting units, whatever its kind, unless the kind's own
    /// number is larger. Default 15.
    pub multi_unit_working_days: u32,
    /// Calendar hours for an urgent matter (one close to an emergency but not handed to
    /// 110/119/120/122), counted from receipt through nights and holidays. Default 24.
    pub urgent_hours: u32,
    /// Whether time waiting on the citizen stops the clock: on resuming, the deadline moves
    /// by the working days (or, for an hours deadline, the hours) spent waiting. Default true.
    pub pause_while_waiting_on_citizen: bool,
    /// The most working days one extension may ask for or grant. Default 10.
    pub max_extension_working_days: u32,
    /// When set (`HH:MM`, Asia/Shanghai), an appeal received on a working day before this
    /// time counts that day as working day 1. Unset by default: the day of receipt is never
    /// counted.
    pub receipt_day_counts_before: Option<String>,
}

impl Default for DeadlineConfig {
    fn default() -> Self {
        Self {
            consultation_working_days: 2,
            complaint_working_days: 5,
            report_working_days: 5,
            help_request_working_days: 5,
            suggestion_working_days: 10,
            multi_unit_working_days: 15,
            urgent_hours: 24,
            pause_while_waiting_on_citizen: true,
            max_extension_working_days: 10,
            receipt_day_counts_before: None,
        }
    }
}

/// The most working days any deadline setting may have: half a year of working days. More is
/// surely a typing error, and it would run past the loaded calendar years anyway.
const MAX_WORKING_DAYS: u32 = 120;

/// The most hours an urgent deadline may have (one week).
const MAX_URGENT_HOURS: u32 = 168;

impl DeadlineConfig {
    /// Checks every field and returns the running policy.
    pub fn build(self) -> Result<DeadlinePolicy, ConfigError> {
        // Every working-day number is between 1 and the maximum.
        let counts = [
            ("consultation_working_days", self.consultation_working_days),
            ("complaint_working_days", self.complaint_working_days),
            ("report_working_days", self.report_working_days),
            ("help_request_working_days", self.help_request_working_days),
            ("suggestion_working_days", self.suggestion_working_days),
            ("multi_unit_working_days", self.multi_unit_working_days),
            (
                "max_extension_working_days",
                self.max_extension_working_days,
            ),
        ];
        for (field, value) in counts {
            if !(1..=MAX_WORKING_DAYS).contains(&value) {
                return Err(ConfigError::Invalid {
                    field: field.to_string(),
                    problem: format!("is {value}; it must be 1 to {MAX_WORKING_DAYS}"),
                });
            }
        }
        if !(1..=MAX_URGENT_HOURS).contains(&self.urgent_hours) {
            return Err(ConfigError::Invalid {
                field: "urgent_hours".to_string(),
                problem: format!(
                    "is {}; it must be 1 to {MAX_URGENT_HOURS}",
                    self.urgent_hours
                ),
            });
        }

        // The optional cut-off is a time of day.
        let start_rule = match &self.receipt_day_counts_before {
            None => StartRule::NextWorkingDay,
            Some(text) => {
                let cutoff =
                    NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| ConfigError::Invalid {
                        field: "receipt_day_counts_before".to_string(),
                        problem: format!("is `{text}`; write a time of day as HH:MM, e.g. 17:00"),
                    })?;
                StartRule::SameDayBefore(cutoff)
            }
        };
        Ok(DeadlinePolicy {
            config: self,
            start_rule,
        })
    }
}

/// The running deadline policy, built from a checked [`DeadlineConfig`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlinePolicy {
    config: DeadlineConfig,
    start_rule: StartRule,
}

impl DeadlinePolicy {
    /// The config it was built from.
    pub fn config(&self) -> &DeadlineConfig {
        &self.config
    }

    /// How the first working day is chosen.
    pub fn start_rule(&self) -> StartRule {
        self.start_rule
    }

    /// Whether waiting on the citizen stops the clock.
    pub fn pauses_while_waiting_on_citizen(&self) -> bool {
        self.config.pause_while_waiting_on_citizen
    }

    /// The most working days one extension may have.
    pub fn max_extension_working_days(&self) -> u32 {
        self.config.max_extension_working_days
    }

    /// How a case of this kind, complexity and urgency is counted.
    pub fn basis(&self, kind: Kind, complexity: Complexity, urgent: bool) -> DeadlineBasis {
        if urgent {
            return DeadlineBasis::Hours(self.config.urgent_hours);
        }
        let by_kind = match kind {
            Kind::Consultation => self.config.consultation_working_days,
            Kind::Complaint => self.config.complaint_working_days,
            Kind::Report => self.config.report_working_days,
            Kind::HelpRequest => self.config.help_request_working_days,
            Kind::Suggestion => self.config.suggestion_working_days,
        };
        match complexity {
            Complexity::SingleUnit => DeadlineBasis::WorkingDays(by_kind),
            Complexity::MultiUnit => {
                DeadlineBasis::WorkingDays(by_kind.max(self.config.multi_unit_working_days))
            }
        }
    }

    /// The deadline of a case of this kind, complexity and urgency whose clock starts at
    /// `start` (the appeal's receipt, or a reassignment).
    pub fn deadline(
        &self,
        calendar: &WorkingCalendar,
        kind: Kind,
        complexity: Complexity,
        urgent: bool,
        start: DateTime<Utc>,
    ) -> Result<Deadline, CalendarError> {
        let basis = self.basis(kind, complexity, urgent);
        let due_at = match basis {
            DeadlineBasis::WorkingDays(days) => {
                calendar.deadline_after(start, days, self.start_rule)?
            }
            DeadlineBasis::Hours(hours) => calendar.add_hours(start, hours)?,
        };
        Ok(Deadline { due_at, basis })
    }
}

/// The whole case policy as written in config: deadlines, returns, supervision.
///
/// ```toml
/// max_returns = 2
///
/// [deadlines]
/// complaint_working_days = 5
///
/// [[supervision.steps]]
/// id = "warning"
/// level = "warning"
/// offset_working_days = -1
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseConfig {
    /// Deadlines per kind and complexity.
    #[serde(default)]
    pub deadlines: DeadlineConfig,
    /// How many returns (退回) a case may have; the return that reaches this number sends it to
    /// the platform's coordination instead of routing again. Default 2.
    #[serde(default = "default_max_returns")]
    pub max_returns: u32,
    /// The supervision steps.
    #[serde(default)]
    pub supervision: SupervisionConfig,
}

fn default_max_returns() -> u32 {
    2
}

impl Default for CaseConfig {
    fn default() -> Self {
        Self {
            deadlines: DeadlineConfig::default(),
            max_returns: default_max_returns(),
            supervision: SupervisionConfig::default(),
        }
    }
}

impl CaseConfig {
    /// Parses a TOML text.
    pub fn from_toml(text: &str) -> Result<CaseConfig, ConfigError> {
        toml::from_str(text).map_err(|error| ConfigError::Parse(error.to_string()))
    }

    /// Checks everything and returns the running policy.
    pub fn build(self) -> Result<CasePolicy, ConfigError> {
        if !(1..=10).contains(&self.max_returns) {
            return Err(ConfigError::Invalid {
                field: "max_returns".to_string(),
                problem: format!("is {}; it must be 1 to 10", self.max_returns),
            });
        }
        Ok(CasePolicy {
            deadlines: self.deadlines.build()?,
            max_returns: self.max_returns,
            supervision: self.supervision.build()?,
        })
    }
}

/// The running case policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePolicy {
    /// Deadlines.
    pub deadlines: DeadlinePolicy,
    /// How many returns a case may have before coordination.
    pub max_returns: u32,
    /// The supervision steps.
    pub supervision: SupervisionPlan,
}
