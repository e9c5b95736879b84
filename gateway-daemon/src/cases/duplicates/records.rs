//! How duplicate links are kept: one record per linked appeal, and an index by case.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use gateway_core::AppealId;
use gateway_core::case::CaseNumber;
use gateway_core::store::{AppealStore, StoreError, WriteBatch};
use serde::{Deserialize, Serialize};

use crate::cases::records::SCAN_LIMIT;

/// Linked appeal id → its [`DuplicateLink`], as JSON.
pub const LINKS_TABLE: &str = "case_duplicates";
/// `case number \0 appeal id` → empty, for every appeal linked to a case.
pub const BY_CASE_TABLE: &str = "case_duplicates_by_case";

/// Why an appeal was linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkBasis {
    /// Intake found the same citizen's earlier report.
    SameCitizen,
    /// Intake found another citizen's report of the same matter and place.
    OtherCitizen,
    /// A supervisor linked it.
    ByHand,
}

impl LinkBasis {
    /// The words units read in the case history.
    pub fn chinese(self) -> &'static str {
        match self {
            LinkBasis::SameCitizen => "同一市民重复反映",
            LinkBasis::OtherCitizen => "其他市民反映同一事项",
            LinkBasis::ByHand => "平台人工并案",
        }
    }
}

/// One appeal joined to a case it repeats, instead of having a case of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateLink {
    /// The repeating appeal.
    pub appeal_id: AppealId,
    /// The case it joined.
    pub case_number: CaseNumber,
    /// When it was linked.
    pub linked_at: DateTime<Utc>,
    /// Who linked it: `gateway` at intake, `supervisor:{staff_id}` by hand.
    pub linked_by: String,
    /// Why.
    pub basis: LinkBasis,
    /// The similarity intake found, 0 to 1; none for a link by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

fn by_case_key(case_number: &CaseNumber, appeal_id: &AppealId) -> Vec<u8> {
    let mut key = by_case_prefix(case_number);
    key.extend_from_slice(appeal_id.as_str().as_bytes());
    key
}

fn by_case_prefix(case_number: &CaseNumber) -> Vec<u8> {
    let mut key = case_number.as_str().as_bytes().to_vec();
    key.push(0);
    key
}

/// The link of an appeal, if it joined a case.
pub fn link_of(
    store: &AppealStore,
    appeal_id: &AppealId,
) -> Result<Option<DuplicateLink>, StoreError> {
    store.get_json(LINKS_TABLE, appeal_id.as_str())
}

/// The appeals linked to a case, in appeal id order.
pub fn linked_to(
    store: &AppealStore,
    case_number: &CaseNumber,
) -> Result<Vec<AppealId>, StoreError> {
    let prefix = by_case_prefix(case_number);
    Ok(store
        .scan_prefix(BY_CASE_TABLE, &prefix, SCAN_LIMIT)?
        .into_iter()
        .map(|(key, _)| AppealId::from_string(String::from_utf8_lossy(&key[prefix.len()..])))
        .collect())
}

/// How many appeals each case with links holds, its own included.
pub fn appeal_counts(store: &AppealStore) -> Result<BTreeMap<CaseNumber, usize>, StoreError> {
    let mut counts = BTreeMap::new();
    for (key, _) in store.scan_prefix(BY_CASE_TABLE, b"", SCAN_LIMIT)? {
        let Some(end) = key.iter().position(|b| *b == 0) else {
            continue;
        };
        if let Some(case) = CaseNumber::parse(&String::from_utf8_lossy(&key[..end])) {
            *counts.entry(case).or_insert(1) += 1;
        }
    }
    Ok(counts)
}

/// Every link, in appeal id order.
pub fn all(store: &AppealStore) -> Result<Vec<DuplicateLink>, StoreError> {
    store
        .scan_prefix(LINKS_TABLE, b"", SCAN_LIMIT)?
        .into_iter()
        .map(|(key, value)| {
            serde_json::from_slice(&value).map_err(|e| StoreError::Corrupt {
                table: LINKS_TABLE.to_string(),
                key: String::from_utf8_lossy(&key).into_owned(),
                reason: e.to_string(),
            })
        })
        .collect()
}

/// Adds a link to the batch, replacing the appeal's `previous` link if it had one.
pub fn stage_link(
    batch: &mut WriteBatch,
    link: &DuplicateLink,
    previous: Option<&DuplicateLink>,
) -> Result<(), StoreError> {
    if let Some(previous) = previous {
        batch.delete(
            BY_CASE_TABLE,
            by_case_key(&previous.case_number, &previous.appeal_id),
        )?;
    }
    batch.put_json(LINKS_TABLE, link.appeal_id.as_str(), link)?;
    batch.put(
        BY_CASE_TABLE,
        by_case_key(&link.case_number, &link.appeal_id),
        Vec::new(),
    )?;
    Ok(())
}

/// Removes a link in the batch.
pub fn stage_unlink(batch: &mut WriteBatch, link: &DuplicateLink) -> Result<(), StoreError> {
    batch.delete(LINKS_TABLE, link.appeal_id.as_str())?;
    batch.delete(
        BY_CASE_TABLE,
        by_case_key(&link.case_number, &link.appeal_id),
    )?;
    Ok(())
}
