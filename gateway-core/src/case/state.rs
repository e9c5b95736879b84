//! The states a case can be in.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a case stands.
///
/// ```text
///  open ─▶ dispatched ─ack─▶ acknowledged ─resolve─▶ resolved ─close─▶ closed
///              │  ▲              │   ▲  │                 │               │
///        return│  │reassign      │   │  └─wait─▶ waiting_on_citizen      │
///              ▼  │              │   └─respond─┘           reopen ◀───────┘
///   returned / coordination      └─grant─▶ extended            │
///                                                         reopened ─ack─▶ acknowledged
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// 待签收: sent to the lead unit, which has not acknowledged it yet.
    Dispatched,
    /// 办理中: the lead unit acknowledged it (签收) and is handling it.
    Acknowledged,
    /// 待补充: the lead unit is waiting on the citizen (materials, access, a callback).
    /// Whether the clock stops meanwhile is the policy's `pause_while_waiting_on_citizen`.
    WaitingOnCitizen,
    /// 延期办理: handled under a deadline the platform extended.
    Extended,
    /// 已退回: the lead unit returned it as not its responsibility; the platform routes again.
    Returned,
    /// 平台协调: returned as often as the policy allows, or routing found no other unit; the
    /// platform itself decides the lead unit and then reassigns.
    Coordination,
    /// 已办结: the lead unit reported the result and told the citizen; follow-up (回访) next.
    Resolved,
    /// 已归档: closed by the platform. Only reopening is accepted.
    Closed,
    /// 重办: reopened after a dissatisfied rating or by a supervisor, back with the lead unit,
    /// which acknowledges it again.
    Reopened,
}

impl CaseState {
    /// Every state, in a stable order.
    pub const ALL: [CaseState; 9] = [
        CaseState::Dispatched,
        CaseState::Acknowledged,
        CaseState::WaitingOnCitizen,
        CaseState::Extended,
        CaseState::Returned,
        CaseState::Coordination,
        CaseState::Resolved,
        CaseState::Closed,
        CaseState::Reopened,
    ];

    /// The state's name as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Dispatched => "dispatched",
            CaseState::Acknowledged => "acknowledged",
            CaseState::WaitingOnCitizen => "waiting_on_citizen",
            CaseState::Extended => "extended",
            CaseState::Returned => "returned",
            CaseState::Coordination => "coordination",
            CaseState::Resolved => "resolved",
            CaseState::Closed => "closed",
            CaseState::Reopened => "reopened",
        }
    }

    /// The Chinese name units and citizens read.
    pub fn chinese(self) -> &'static str {
        match self {
            CaseState::Dispatched => "待签收",
            CaseState::Acknowledged => "办理中",
            CaseState::WaitingOnCitizen => "待补充",
            CaseState::Extended => "延期办理",
            CaseState::Returned => "已退回",
            CaseState::Coordination => "平台协调",
            CaseState::Resolved => "已办结",
            CaseState::Closed => "已归档",
            CaseState::Reopened => "重办",
        }
    }

    /// Whether a handling unit holds the case and its deadline is being supervised.
    pub fn is_with_unit(self) -> bool {
        matches!(
            self,
            CaseState::Dispatched
                | CaseState::Acknowledged
                | CaseState::WaitingOnCitizen
                | CaseState::Extended
                | CaseState::Reopened
        )
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
