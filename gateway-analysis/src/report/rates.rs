//! Rates per handling unit and period (考核指标).
//!
//! Which cases count where:
//!
//! - **received** (受理): cases opened in the period whose lead unit is the unit, plus those
//!   opened in the period that the unit returned (they were dispatched to it too).
//! - **returned** (退回) and **return rate**: of those received, the ones the unit returned.
//! - **resolved** (办结): cases whose last resolution falls in the period, for their lead unit.
//! - **on-time resolution rate** (按期办结率): resolved by the deadline, over resolved.
//! - **satisfaction rate** (满意率): satisfied plus partly satisfied, over rated, of the
//!   resolved cases; unclear and unanswered follow-ups are not rated.
//! - **reopened** (重办): resolved cases that were reopened at least once.
//! - **average working days** to resolve: working days from the day after opening up to the
//!   day of the last resolution (`WorkingCalendar::working_days_between`), over resolved.
//!
//! The total row counts each case once, however many units it passed through.
//!
//! Limitation: a case reassigned by a supervisor (改派, not returned) counts only for its
//! last lead unit; the units it was taken from are not counted as having received it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::error::ReportError;
use super::summary::{CaseSummary, Period};
use crate::followup::Rating;
use gateway_core::UnitId;
use gateway_core::calendar::WorkingCalendar;

/// The counts and rates of one unit (or of all) over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitRates {
    /// The unit; `None` for the total row.
    pub unit: Option<UnitId>,
    /// Cases received.
    pub received: u32,
    /// Cases resolved.
    pub resolved: u32,
    /// Of those resolved, by the deadline.
    pub resolved_on_time: u32,
    /// Of those resolved, rated.
    pub rated: u32,
    /// Rated satisfied.
    pub satisfied: u32,
    /// Rated partly satisfied.
    pub partly_satisfied: u32,
    /// Rated dissatisfied.
    pub dissatisfied: u32,
    /// Of those received, returned by the unit.
    pub returned: u32,
    /// Of those resolved, reopened at least once.
    pub reopened: u32,
    /// Working days to resolve, summed over the resolved cases.
    pub working_days_total: i64,
}

impl UnitRates {
    fn empty(unit: Option<UnitId>) -> UnitRates {
        UnitRates {
            unit,
            received: 0,
            resolved: 0,
            resolved_on_time: 0,
            rated: 0,
            satisfied: 0,
            partly_satisfied: 0,
            dissatisfied: 0,
            returned: 0,
            reopened: 0,
            working_days_total: 0,
        }
    }

    /// 按期办结率: resolved on time over resolved; `None` with nothing resolved.
    pub fn on_time_rate(&self) -> Option<f64> {
        ratio(self.resolved_on_time, self.resolved)
    }

    /// 满意率: satisfied and partly satisfied over rated; `None` with nothing rated.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        ratio(self.satisfied + self.partly_satisfied, self.rated)
    }

    /// 退回率: returned over received; `None` with nothing received.
    pub fn return_rate(&self) -> Option<f64> {
        ratio(self.returned, self.received)
    }

    /// Average working days to resolve; `None` with nothing resolved.
    pub fn average_working_days(&self) -> Option<f64> {
        (self.resolved > 0).then(|| self.working_days_total as f64 / f64::from(self.resolved))
    }
}

fn ratio(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

/// The rates of every unit over one period, and the total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateReport {
    /// The period.
    pub period: Period,
    /// One row per unit that received or resolved anything, by unit id.
    pub units: Vec<UnitRates>,
    /// All cases, each counted once.
    pub total: UnitRates,
}

/// Computes the rates of every unit over a period.
pub fn unit_rates(
    cases: &[CaseSummary],
    period: Period,
    calendar: &WorkingCalendar,
) -> Result<RateReport, ReportError> {
    let mut units: BTreeMap<UnitId, UnitRates> = BTreeMap::new();
    let mut total = UnitRates::empty(None);

    for case in cases {
        // Received and returned, for the lead unit and every unit that returned it.
        if period.contains(case.received_at) {
            total.received += 1;
            if !case.returned_by.is_empty() {
                total.returned += 1;
            }
            let mut dispatched_to: Vec<&UnitId> = case.returned_by.iter().collect();
            dispatched_to.push(&case.lead_unit);
            dispatched_to.sort();
            dispatched_to.dedup();
            for unit in dispatched_to {
                let rates = entry(&mut units, unit);
                rates.received += 1;
                if case.returned_by.contains(unit) {
                    rates.returned += 1;
                }
            }
        }

        // Resolution, rating and reopening, for the lead unit.
        let Some(resolved_at) = case.resolved_at.filter(|at| period.contains(*at)) else {
            continue;
        };
        let days = calendar
            .working_days_between(case.received_at, resolved_at)
            .map_err(|source| ReportError::Calendar {
                case_number: case.case_number.to_string(),
                source,
            })?;
        for rates in [entry(&mut units, &case.lead_unit), &mut total] {
            rates.resolved += 1;
            rates.working_days_total += days;
            if case.resolved_on_time == Some(true) {
                rates.resolved_on_time += 1;
            }
            if case.reopen_count > 0 {
                rates.reopened += 1;
            }
            match case.counted_rating() {
                Some(Rating::Satisfied) => rates.satisfied += 1,
                Some(Rating::PartlySatisfied) => rates.partly_satisfied += 1,
                Some(Rating::Dissatisfied) => rates.dissatisfied += 1,
                Some(Rating::Unclear) | None => continue,
            }
            rates.rated += 1;
        }
    }

    Ok(RateReport {
        period,
        units: units.into_values().collect(),
        total,
    })
}

fn entry<'a>(units: &'a mut BTreeMap<UnitId, UnitRates>, unit: &UnitId) -> &'a mut UnitRates {
    units
        .entry(unit.clone())
        .or_insert_with(|| UnitRates::empty(Some(unit.clone())))
}
