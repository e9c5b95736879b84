//! The store's own tables and how their keys are laid out.
//!
//! Every list index key ends in a sort key, the receive time in milliseconds (8 bytes, big
//! endian, sign bit flipped so that bytes sort as numbers) and then the appeal id; ids are
//! time-ordered, so for appeals received live the order is the order of ids. Values that
//! name a unit, township, kind or channel are length-prefixed so one never prefixes another.

use crate::ids::AppealId;

/// Appeal id → the appeal with its case number (JSON).
pub(crate) const APPEALS: &str = "store_appeals";
/// Appeal id → the routing decision in force (JSON).
pub(crate) const DECISIONS: &str = "store_decisions";
/// Appeal id → the facets filters test (JSON).
pub(crate) const FACETS: &str = "store_facets";
/// Intake key → appeal id.
pub(crate) const INTAKE_KEYS: &str = "store_intake_keys";
/// Case number → appeal id.
pub(crate) const CASE_NUMBERS: &str = "store_case_numbers";
/// Counter name → u64, big endian: the daily case sequences, the appeal count.
pub(crate) const COUNTERS: &str = "store_counters";
/// Appeal id and entry number → history entry (JSON).
pub(crate) const HISTORY: &str = "store_history";
/// Appeal id → the number of its history entries, u64 big endian.
pub(crate) const HISTORY_LENGTHS: &str = "store_history_lengths";
/// SHA-256 hex → attachment bytes.
pub(crate) const ATTACHMENTS: &str = "store_attachments";
/// Sort key → nothing: every appeal in receive order.
pub(crate) const BY_RECEIVED: &str = "store_by_received";
/// Unit id (lead or assisting) and sort key → nothing.
pub(crate) const BY_UNIT: &str = "store_by_unit";
/// Township code and sort key → nothing.
pub(crate) const BY_TOWNSHIP: &str = "store_by_township";
/// Kind and sort key → nothing.
pub(crate) const BY_KIND: &str = "store_by_kind";
/// Channel and sort key → nothing.
pub(crate) const BY_CHANNEL: &str = "store_by_channel";

/// The counter of stored appeals.
pub(crate) const APPEAL_COUNT: &[u8] = b"appeal_count";

/// The counter of the case sequence of one local date (`YYMMDD`).
pub(crate) fn case_sequence(date_prefix: &str) -> Vec<u8> {
    format!("case_sequence:{date_prefix}").into_bytes()
}

/// Milliseconds as 8 bytes that sort like the numbers they encode.
pub(crate) fn millis_bytes(millis: i64) -> [u8; 8] {
    ((millis as u64) ^ (1 << 63)).to_be_bytes()
}

/// The sort key of an appeal: receive time in milliseconds, then id.
pub(crate) fn sort_key(received_millis: i64, id: &AppealId) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + id.as_str().len());
    key.extend_from_slice(&millis_bytes(received_millis));
    key.extend_from_slice(id.as_str().as_bytes());
    key
}

/// The id at the end of a sort key; `None` when the key is too short or not UTF-8.
pub(crate) fn id_of_sort_key(sort_key: &[u8]) -> Option<AppealId> {
    let id = sort_key.get(8..)?;
    std::str::from_utf8(id).ok().map(AppealId::from_string)
}

/// The prefix of one value in a by-value index: its length (2 bytes) and its bytes.
pub(crate) fn value_prefix(value: &str) -> Vec<u8> {
    // Limitation: values longer than 65,535 bytes share the prefix of their first 65,535.
    let bytes = &value.as_bytes()[..value.len().min(u16::MAX as usize)];
    let mut prefix = Vec::with_capacity(2 + bytes.len());
    prefix.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    prefix.extend_from_slice(bytes);
    prefix
}

/// A by-value index key.
pub(crate) fn index_key(value: &str, sort_key: &[u8]) -> Vec<u8> {
    let mut key = value_prefix(value);
    key.extend_from_slice(sort_key);
    key
}

/// The prefix of one appeal's history entries: the id, length-prefixed.
pub(crate) fn history_prefix(id: &AppealId) -> Vec<u8> {
    value_prefix(id.as_str())
}

/// The key of an appeal's `number`th history entry.
pub(crate) fn history_key(id: &AppealId, number: u64) -> Vec<u8> {
    let mut key = history_prefix(id);
    key.extend_from_slice(&number.to_be_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_bytes_sort_like_numbers() {
        let values = [-5_000, -1, 0, 1, 1_764_700_000_000];
        for pair in values.windows(2) {
            assert!(millis_bytes(pair[0]) < millis_bytes(pair[1]), "{pair:?}");
        }
    }

    #[test]
    fn sort_key_round_trips() {
        let id = AppealId::from_parts(1_764_700_000_000, 7);
        let key = sort_key(1_764_700_000_123, &id);
        assert_eq!(key[..8], millis_bytes(1_764_700_000_123));
        assert_eq!(id_of_sort_key(&key), Some(id));
    }

    #[test]
    fn one_value_never_prefixes_another() {
        assert!(!index_key("ab", b"x").starts_with(&value_prefix("a")));
    }
}
