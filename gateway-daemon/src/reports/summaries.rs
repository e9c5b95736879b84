//! From stored cases to the records reports are computed from.
//!
//! A case closed because its appeal was linked to another case (merged as a duplicate) is
//! left out: the matter counts once, for the case the citizens follow.

use gateway_analysis::report::{FeedRecord, PublicCase, RateReport, ReportError, public_feed};
use gateway_analysis::{CaseSummary, Period, unit_rates};
use gateway_core::calendar::WorkingCalendar;
use gateway_core::case::{Action, Case};
use gateway_core::store::{AppealStore, StoreError};

use crate::cases::duplicates::records::link_of;
use crate::followup::rating_of;

/// The summaries of every counted case, with the texts the public feed is made from.
#[derive(Debug, Clone, Default)]
pub struct ReportInputs {
    /// One record per counted case, texts beside it.
    pub records: Vec<FeedRecord>,
}

impl ReportInputs {
    /// Reads what reports need of each case: the appeal's decision (topic, township,
    /// village), the citizen's text and name, the unit's last result and the rating.
    pub fn read(store: &AppealStore, cases: &[Case]) -> Result<ReportInputs, StoreError> {
        let mut records = Vec::with_capacity(cases.len());
        for case in cases {
            if link_of(store, case.appeal_id())?.is_some() {
                continue;
            }
            let appeal = store.appeal(case.appeal_id())?;
            let (topic, township, village) = match &appeal {
                Some(record) => (
                    record.decision.topic.clone(),
                    record.decision.township.clone(),
                    record.decision.village.clone(),
                ),
                None => (Vec::new(), None, None),
            };
            let rating = rating_of(store, case.case_number())?;
            let result_text = case
                .history()
                .iter()
                .rev()
                .find_map(|entry| match &entry.action {
                    Action::Resolve { result, .. } => Some(result.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            let (appeal_text, citizen_name) = match &appeal {
                Some(record) => {
                    let appeal = &record.appeal;
                    let text = match &appeal.title {
                        Some(title) if !title.trim().is_empty() => {
                            format!("{title}\n{}", appeal.body)
                        }
                        _ => appeal.body.clone(),
                    };
                    (text, appeal.citizen.name.clone())
                }
                None => (String::new(), None),
            };
            records.push(FeedRecord {
                summary: CaseSummary::from_case(case, topic, township, rating),
                village,
                appeal_text,
                result_text,
                citizen_name,
            });
        }
        Ok(ReportInputs { records })
    }

    /// The case summaries alone.
    pub fn summaries(&self) -> Vec<CaseSummary> {
        self.records.iter().map(|r| r.summary.clone()).collect()
    }

    /// The public feed of the cases resolved in the period, personal data removed.
    pub fn public_cases(&self, period: Period) -> Vec<PublicCase> {
        let resolved: Vec<FeedRecord> = self
            .records
            .iter()
            .filter(|r| r.summary.resolved_at.is_some_and(|at| period.contains(at)))
            .cloned()
            .collect();
        public_feed(&resolved)
    }
}

/// The rates of every unit over the period.
pub fn unit_report(
    inputs: &ReportInputs,
    period: Period,
    calendar: &WorkingCalendar,
) -> Result<RateReport, ReportError> {
    unit_rates(&inputs.summaries(), period, calendar)
}
