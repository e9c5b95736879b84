//! The public feed of resolved cases (办件公开), with personal data removed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::redact::redact;
use super::summary::CaseSummary;
use gateway_core::DivisionRef;
use gateway_core::calendar::day_of;

/// What the feed is made from: the case summary and the texts, which stay private.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRecord {
    /// The case.
    pub summary: CaseSummary,
    /// The village where it happened, if resolved; the finest place published.
    pub village: Option<DivisionRef>,
    /// The citizen's text (title and body).
    pub appeal_text: String,
    /// The unit's reply to the citizen.
    pub result_text: String,
    /// The citizen's name, if given at intake, so it can be removed wherever it appears.
    pub citizen_name: Option<String>,
}

/// One published case: no names, no contacts, no digits, no address below the village.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicCase {
    /// The case number, which citizens use to find their case.
    pub case_number: String,
    /// The kind, in Chinese.
    pub kind: String,
    /// The topic path joined with `/`.
    pub topic: String,
    /// The township's name.
    pub township: Option<String>,
    /// The village's name.
    pub village: Option<String>,
    /// The day it was received (Beijing time).
    pub received_on: NaiveDate,
    /// The day it was resolved (Beijing time).
    pub resolved_on: NaiveDate,
    /// The citizen's text, redacted.
    pub appeal: String,
    /// The reply, redacted.
    pub reply: String,
}

/// The feed: resolved cases only, oldest resolution first.
pub fn public_feed(records: &[FeedRecord]) -> Vec<PublicCase> {
    let mut feed: Vec<PublicCase> = records
        .iter()
        .filter_map(|record| {
            let summary = &record.summary;
            let resolved_at = summary.resolved_at?;
            let names: Vec<&str> = record.citizen_name.as_deref().into_iter().collect();
            Some(PublicCase {
                case_number: summary.case_number.to_string(),
                kind: summary.kind.chinese().to_string(),
                topic: summary.topic.join("/"),
                township: summary.township.as_ref().map(|d| d.name.clone()),
                village: record.village.as_ref().map(|d| d.name.clone()),
                received_on: day_of(summary.received_at),
                resolved_on: day_of(resolved_at),
                appeal: redact(&record.appeal_text, &names),
                reply: redact(&record.result_text, &names),
            })
        })
        .collect();
    feed.sort_by(|a, b| (a.resolved_on, &a.case_number).cmp(&(b.resolved_on, &b.case_number)));
    feed
}
