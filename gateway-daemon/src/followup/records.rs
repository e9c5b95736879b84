//! How follow-ups are kept: one JSON record per case in [`FOLLOW_UPS_TABLE`].

use chrono::{DateTime, Utc};
use gateway_analysis::{FollowUp, Rating};
use gateway_core::AppealId;
use gateway_core::case::CaseNumber;
use gateway_core::store::{AppealStore, StoreError};
use serde::{Deserialize, Serialize};

use super::address::CitizenAddress;

pub use crate::cases::records::FOLLOW_UPS_TABLE;

/// Contact key (`sms:13800000000`, `wechat:OPENID`, `email:...`) → the case number of the
/// latest survey sent there, so that a reply finds its case.
pub const CONTACTS_TABLE: &str = "follow_up_contacts";

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
