//! The plain case record that rates and the public feed are computed from.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::followup::Rating;
use gateway_core::calendar::day_of;
use gateway_core::case::{Action, Case, CaseNumber};
use gateway_core::{DivisionRef, Kind, UnitId};

/// What rates need to know of one case. The daemon fills it from its store; the
/// [`CaseSummary::from_case`] helper reads most of it from a [`Case`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseSummary {
    /// The case number.
    pub case_number: CaseNumber,
    /// The lead unit now (主办); resolutions and ratings count for it.
    pub lead_unit: UnitId,
    /// Units that returned the case (退回), in order; each return counts for that unit.
    #[serde(default)]
    pub returned_by: Vec<UnitId>,
    /// What the citizen wanted.
    pub kind: Kind,
    /// The topic path, top level first; empty when none was found.
    #[serde(default)]
    pub topic: Vec<String>,
    /// The township where it happened, if resolved.
    #[serde(default)]
    pub township: Option<DivisionRef>,
    /// When the case was opened (受理).
    pub received_at: DateTime<Utc>,
    /// When it was last resolved (办结), if it was.
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Whether the last resolution came by the deadline then in force.
    #[serde(default)]
    pub resolved_on_time: Option<bool>,
    /// The citizen's final rating; `None` when not rated (no answer, or not asked yet).
    /// [`Rating::Unclear`] also counts as not rated.
    #[serde(default)]
    pub rating: Option<Rating>,
    /// How many times the case was reopened (重办), by a rating or a supervisor.
    #[serde(default)]
    pub reopen_count: u32,
}

impl CaseSummary {
    /// Reads a case; topic, township and rating live outside the case and are given.
    pub fn from_case(
        case: &Case,
        topic: Vec<String>,
        township: Option<DivisionRef>,
        rating: Option<Rating>,
    ) -> CaseSummary {
        let history = case.history();
        let resolved_at = history
            .iter()
            .rev()
            .find(|e| matches!(e.action, Action::Resolve { .. }))
            .map(|e| e.at);
        let reopen_count = history
            .iter()
            .filter(|e| {
                matches!(
                    e.action,
                    Action::Reopen { .. } | Action::ReopenOnDissatisfaction
                )
            })
            .count();
        CaseSummary {
            case_number: case.case_number().clone(),
            lead_unit: case.lead_unit().clone(),
            returned_by: case.returned_by().to_vec(),
            kind: case.kind(),
            topic,
            township,
            // Every case has its opening as the first history entry.
            received_at: history.first().map_or(DateTime::<Utc>::MIN_UTC, |e| e.at),
            resolved_at,
            resolved_on_time: case.resolved_on_time(),
            rating,
            reopen_count: u32::try_from(reopen_count).unwrap_or(u32::MAX),
        }
    }

    /// The rating, if it counts as rated (not unclear).
    pub fn counted_rating(&self) -> Option<Rating> {
        self.rating.filter(|r| *r != Rating::Unclear)
    }
}

/// A span of Beijing calendar days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// The first day.
    pub first_day: NaiveDate,
    /// The last day.
    pub last_day: NaiveDate,
}

impl Period {
    /// A period; the ends are swapped if given backwards.
    pub fn new(first_day: NaiveDate, last_day: NaiveDate) -> Period {
        if first_day <= last_day {
            Period {
                first_day,
                last_day,
            }
        } else {
            Period {
                first_day: last_day,
                last_day: first_day,
            }
        }
    }

    /// Whether an instant falls on a day of the period, in Beijing time.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        let day = day_of(at);
        self.first_day <= day && day <= self.last_day
    }
}
