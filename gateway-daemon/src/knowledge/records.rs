//! How the knowledge base's part in each case is kept in the store: one JSON record per case
//! in [`KNOWLEDGE_CASES_TABLE`], and the latest direct answer per citizen in
//! [`KNOWLEDGE_ANSWERS_TABLE`], where a "did not help" reply finds its case.

use chrono::{DateTime, Utc};
use gateway_core::case::CaseNumber;
use gateway_core::store::{AppealStore, StoreError, WriteBatch};
use gateway_core::{Appeal, AppealId, UnitId};
use knowledge_base::{Candidate, Freshness};
use serde::{Deserialize, Serialize};

/// Case number → [`KnowledgeRecord`].
pub const KNOWLEDGE_CASES_TABLE: &str = "knowledge_cases";
/// Citizen key (`wechat:OPENID`, `sms:PHONE`) → the case number of the latest direct answer.
pub const KNOWLEDGE_ANSWERS_TABLE: &str = "knowledge_answers";

/// What the knowledge base did for one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeRecord {
    /// The case.
    pub case_number: CaseNumber,
    /// The appeal behind it.
    pub appeal_id: AppealId,
    /// When the knowledge base was asked.
    pub decided_at: DateTime<Utc>,
    /// The answer given at intake, if the platform answered the citizen itself.
    #[serde(default)]
    pub direct_answer: Option<DirectAnswerRecord>,
    /// Why it was not answered directly (`below_threshold`, `only_stale`, `no_match`,
    /// `not_consultation`, `channel_without_reply`); `None` when it was.
    #[serde(default)]
    pub route_reason: Option<String>,
    /// The best entries, best first, stale ones marked: attached for the handling unit.
    #[serde(default)]
    pub candidates: Vec<CandidateRecord>,
    /// When the citizen said the answer did not help, which sent the case to its unit.
    #[serde(default)]
    pub not_helpful_at: Option<DateTime<Utc>>,
    /// The channel's id of that "did not help" message: only its retry gets the same answer
    /// again; any later message from the citizen takes the usual path.
    #[serde(default)]
    pub not_helpful_message_id: Option<String>,
}

/// The entry a citizen was answered with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectAnswerRecord {
    /// The entry's id.
    pub entry_id: String,
    /// Its question.
    pub question: String,
    /// Its owner.
    pub owner: UnitId,
    /// Its normalized score for this appeal.
    pub score: f32,
    /// The text the citizen was sent.
    pub reply: String,
}

/// An entry attached to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateRecord {
    /// The entry's id.
    pub entry_id: String,
    /// Its question.
    pub question: String,
    /// Its owner.
    pub owner: UnitId,
    /// Its normalized score for this appeal.
    pub score: f32,
    /// Whether it could be given on the day of the appeal.
    pub freshness: Freshness,
}

impl From<&Candidate> for CandidateRecord {
    fn from(candidate: &Candidate) -> Self {
        Self {
            entry_id: candidate.entry_id.clone(),
            question: candidate.question.clone(),
            owner: candidate.owner.clone(),
            score: candidate.score,
            freshness: candidate.freshness,
        }
    }
}

/// The key under which a citizen's latest direct answer is found: the WeChat OpenID, or
/// the phone number of an SMS (in the same form as follow-up's, so `+86 138…` and `138…`
/// are one citizen); `None` for other channels and for an unknown sender.
pub fn citizen_key(appeal: &Appeal) -> Option<String> {
    crate::followup::address::reply_key(appeal)
}

/// The record of a case.
pub fn load(
    store: &AppealStore,
    case_number: &CaseNumber,
) -> Result<Option<KnowledgeRecord>, StoreError> {
    store.get_json(KNOWLEDGE_CASES_TABLE, case_number.as_str())
}

/// The case number of the citizen's latest direct answer.
pub fn latest_answer(store: &AppealStore, key: &str) -> Result<Option<CaseNumber>, StoreError> {
    let found: Option<String> = store.get_json(KNOWLEDGE_ANSWERS_TABLE, key)?;
    Ok(found.and_then(|number| CaseNumber::parse(&number)))
}

/// Adds the record, and for a direct answer the citizen's index entry, to the batch.
pub fn stage(
    batch: &mut WriteBatch,
    record: &KnowledgeRecord,
    citizen: Option<&str>,
) -> Result<(), StoreError> {
    batch.put_json(KNOWLEDGE_CASES_TABLE, record.case_number.as_str(), record)?;
    if let (Some(key), Some(_)) = (citizen, &record.direct_answer) {
        batch.put_json(KNOWLEDGE_ANSWERS_TABLE, key, record.case_number.as_str())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_core::{Channel, Citizen};

    fn appeal(channel: Channel, citizen: Citizen) -> Appeal {
        Appeal::builder(channel, "m-1", "没有帮助")
            .citizen(citizen)
            .build()
    }

    #[test]
    fn a_citizen_is_known_by_openid_on_wechat_and_by_phone_on_sms() {
        let citizen = Citizen {
            phone: Some("13800000001".into()),
            wechat_openid: Some("oOpenId".into()),
            ..Citizen::default()
        };
        assert_eq!(
            citizen_key(&appeal(Channel::Wechat, citizen.clone())).as_deref(),
            Some("wechat:oOpenId")
        );
        assert_eq!(
            citizen_key(&appeal(Channel::Sms, citizen.clone())).as_deref(),
            Some("sms:13800000001")
        );
        let international = Citizen {
            phone: Some("+86 138-0000-0001".into()),
            ..Citizen::default()
        };
        assert_eq!(
            citizen_key(&appeal(Channel::Sms, international)).as_deref(),
            Some("sms:13800000001")
        );
        assert_eq!(citizen_key(&appeal(Channel::Phone, citizen)), None);
        assert_eq!(citizen_key(&appeal(Channel::Sms, Citizen::default())), None);
    }
}
