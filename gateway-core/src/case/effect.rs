//! What the caller must do after an accepted action.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::SupervisionLevel;
use crate::calendar::{day_of, to_shanghai};
use crate::ids::UnitId;

/// Who a notice goes to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "unit", rename_all = "snake_case")]
pub enum Recipient {
    /// A handling unit.
    Unit(UnitId),
    /// The platform's supervisors.
    Supervisors,
}

/// What a notice says. [`Notice::chinese`] gives the line a unit or supervisor reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Notice {
    /// A case to handle as lead unit.
    NewCase {
        /// The deadline.
        deadline: DateTime<Utc>,
    },
    /// A case to help with as assisting unit.
    AssistRequested,
    /// The case was taken away from this unit (reassigned or closed).
    Withdrawn,
    /// The case came back to this unit.
    Reopened {
        /// The deadline.
        deadline: DateTime<Utc>,
    },
    /// A unit asks for more time; a supervisor must decide.
    ExtensionRequested {
        /// The working days asked for.
        working_days: u32,
    },
    /// The extension was granted.
    ExtensionGranted {
        /// The working days granted.
        working_days: u32,
        /// The new deadline.
        deadline: DateTime<Utc>,
    },
    /// The extension was refused; the deadline stands.
    ExtensionRefused,
    /// A supervision step fell due.
    Supervision {
        /// The step's id.
        step: String,
        /// How strong it is.
        level: SupervisionLevel,
        /// The deadline it is about.
        deadline: DateTime<Utc>,
    },
}

impl Notice {
    /// The notice in Chinese, for the unit or supervisor who reads it; times in Beijing time.
    pub fn chinese(&self) -> String {
        // A deadline at midnight reads as 24:00 of its day, as units count it.
        let beijing = |at: &DateTime<Utc>| {
            let local = to_shanghai(*at);
            if local.time() == chrono::NaiveTime::MIN {
                format!("{} 24:00", day_of(*at).format("%Y年%m月%d日"))
            } else {
                local.format("%Y年%m月%d日 %H:%M").to_string()
            }
        };
        match self {
            Notice::NewCase { deadline } => {
                format!("新工单，请及时签收，办理时限至{}", beijing(deadline))
            }
            Notice::AssistRequested => "请协办本工单".to_string(),
            Notice::Withdrawn => "本工单已改派或归档，无需继续办理".to_string(),
            Notice::Reopened { deadline } => {
                format!("工单已重办，请重新签收，办理时限至{}", beijing(deadline))
            }
            Notice::ExtensionRequested { working_days } => {
                format!("承办单位申请延期{working_days}个工作日，请审核")
            }
            Notice::ExtensionGranted {
                working_days,
                deadline,
            } => format!(
                "延期申请已同意，延期{working_days}个工作日，办理时限至{}",
                beijing(deadline)
            ),
            Notice::ExtensionRefused => "延期申请未获同意，请按原时限办结".to_string(),
            Notice::Supervision {
                level, deadline, ..
            } => format!("{}：办理时限{}", level.chinese(), beijing(deadline)),
        }
    }
}

/// One thing the caller must do after an accepted action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    /// Send a notice.
    Notify {
        /// To whom.
        recipient: Recipient,
        /// What.
        notice: Notice,
    },
    /// Route the appeal again, leaving out the units that returned it.
    Reroute {
        /// Units that returned this case, in the order they did.
        excluding: Vec<UnitId>,
    },
    /// Put the case before the platform's coordination (平台协调) to choose the lead unit.
    SendToCoordination {
        /// Units that returned this case, in the order they did.
        returned_by: Vec<UnitId>,
    },
    /// The deadline moved; reschedule supervision.
    DeadlineMoved {
        /// The old deadline.
        from: DateTime<Utc>,
        /// The new deadline.
        to: DateTime<Utc>,
    },
    /// Ask the citizen about the result (回访).
    FollowUp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_midnight_deadline_reads_as_24_00_of_its_day() {
        let deadline = DateTime::parse_from_rfc3339("2025-10-15T00:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let text = Notice::NewCase { deadline }.chinese();
        assert_eq!(text, "新工单，请及时签收，办理时限至2025年10月14日 24:00");
    }

    #[test]
    fn an_hours_deadline_reads_in_beijing_time() {
        let deadline = DateTime::parse_from_rfc3339("2025-10-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let text = Notice::Supervision {
            step: "reminder".into(),
            level: SupervisionLevel::Reminder,
            deadline,
        }
        .chinese();
        assert_eq!(text, "催办：办理时限2025年10月01日 20:00");
    }
}
