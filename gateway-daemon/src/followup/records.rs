//! How follow-ups are kept: one JSON record per case in [`FOLLOW_UPS_TABLE`].

use chrono::{DateTime, Utc};
use gateway_analysis::{FollowUp, Rating};
use gateway_core::AppealId;
use gateway_core::case::CaseNumber;
use gateway_core::store::{AppealStore, StoreError};
use serde::{Deserialize, Serialize};

use super::address::CitizenAddress;

pub use crate::cases::records::FOLLOW_UPS_TABLE;

/// `contact key \0 case number` (contact keys: `sms:13800000000`, `wechat:OPENID`,
/// `email:...`) → when that case's latest survey round began, in milliseconds, so that a
/// reply finds the cases surveyed at its sender without reading every follow-up.
pub const CONTACTS_TABLE: &str = "follow_up_contacts";

/// The key of a contact's row for a case.
pub fn contact_row(contact: &str, case_number: &CaseNumber) -> Vec<u8> {
    let mut key = contact_prefix(contact);
    key.extend_from_slice(case_number.as_str().as_bytes());
    key
}

fn contact_prefix(contact: &str) -> Vec<u8> {
    let mut key = contact.as_bytes().to_vec();
    key.push(0);
    key
}

/// The cases surveyed at a contact, the most recently resolved first.
// Limitation: a contact with more than this many surveyed cases is read up to it.
pub fn cases_of_contact(store: &AppealStore, contact: &str) -> Result<Vec<CaseNumber>, StoreError> {
    let prefix = contact_prefix(contact);
    let mut found: Vec<(i64, CaseNumber)> = store
        .scan_prefix(CONTACTS_TABLE, &prefix, 1_000)?
        .into_iter()
        .filter_map(|(key, value)| {
            let number = CaseNumber::parse(&String::from_utf8_lossy(&key[prefix.len()..]))?;
            let millis = std::str::from_utf8(&value).ok()?.parse().ok()?;
            Some((millis, number))
        })
        .collect();
    found.sort_by(|a, b| b.cmp(a));
    Ok(found.into_iter().map(|(_, number)| number).collect())
}

/// The follow-up of one case, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpRecord {
    /// The case.
    pub case_number: CaseNumber,
    /// The appeal behind it.
    pub appeal_id: AppealId,
    /// When the unit last resolved it.
    pub resolved_at: DateTime<Utc>,
    /// The survey's progress; `None` until the first survey is sent.
    #[serde(default)]
    pub follow_up: Option<FollowUp>,
    /// Where the surveys went; `None` when the citizen could not be reached.
    #[serde(default)]
    pub address: Option<CitizenAddress>,
    /// The channel message ids already read as replies, so that a channel's retry of a
    /// reply is not read twice.
    #[serde(default)]
    pub read: Vec<String>,
    /// The last answer given to a reply, repeated to a retry of it.
    #[serde(default)]
    pub last_answer: Option<String>,
}

impl FollowUpRecord {
    /// The citizen's rating as it counts now, if any.
    pub fn rating(&self) -> Option<Rating> {
        self.follow_up.as_ref().and_then(FollowUp::latest_rating)
    }
}

/// The rating of a case's follow-up, for the reports: `None` when it was not rated.
pub fn rating_of(
    store: &AppealStore,
    case_number: &CaseNumber,
) -> Result<Option<Rating>, StoreError> {
    let record: Option<FollowUpRecord> = store.get_json(FOLLOW_UPS_TABLE, case_number.as_str())?;
    Ok(record.and_then(|r| r.rating()))
}
