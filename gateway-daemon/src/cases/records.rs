//! How cases are kept in the store: each case as JSON, with indexes by unit and of the
//! cases a unit holds now.

use gateway_core::UnitId;
use gateway_core::case::{Case, CaseNumber};
use gateway_core::store::{AppealStore, StoreError, WriteBatch};

/// Every case by case number, as JSON (with its whole history).
pub const CASES_TABLE: &str = "cases";
/// `unit \0 case number` → `lead` or `assisting`, for every unit on a case now.
pub const BY_UNIT_TABLE: &str = "cases_by_unit";
/// The case numbers of cases a unit holds now, which supervision reads.
pub const ACTIVE_TABLE: &str = "cases_active";
/// The case numbers of resolved cases waiting for the citizen's rating (回访), for the
/// follow-up module to take.
pub const FOLLOW_UPS_TABLE: &str = "case_follow_ups";

/// The most rows one scan reads.
// Limitation: listings stop at this many cases; a county with more open cases per unit
// than this needs paging here.
pub const SCAN_LIMIT: usize = 100_000;

fn unit_key(unit: &UnitId, case_number: &CaseNumber) -> Vec<u8> {
    let mut key = unit_prefix(unit);
    key.extend_from_slice(case_number.as_str().as_bytes());
    key
}

fn unit_prefix(unit: &UnitId) -> Vec<u8> {
    let mut key = unit.as_str().as_bytes().to_vec();
    key.push(0);
    key
}

/// The units on a case and their role.
fn units_of(case: &Case) -> Vec<(UnitId, &'static str)> {
    std::iter::once((case.lead_unit().clone(), "lead"))
        .chain(
            case.assisting_units()
                .iter()
                .map(|unit| (unit.clone(), "assisting")),
        )
        .collect()
}

/// The case with this number.
pub fn load(store: &AppealStore, case_number: &CaseNumber) -> Result<Option<Case>, StoreError> {
    store.get_json(CASES_TABLE, case_number.as_str())
}

/// Adds the case and its index changes (from `before`, if it was stored) to the batch.
pub fn stage(
    batch: &mut WriteBatch,
    before: Option<&Case>,
    after: &Case,
) -> Result<(), StoreError> {
    let number = after.case_number();
    batch.put_json(CASES_TABLE, number.as_str(), after)?;

    // The unit index follows the units on the case now.
    let now_units = units_of(after);
    if let Some(before) = before {
        for (unit, _) in units_of(before) {
            if !now_units.iter().any(|(known, _)| known == &unit) {
                batch.delete(BY_UNIT_TABLE, unit_key(&unit, number))?;
            }
        }
    }
    for (unit, role) in &now_units {
        batch.put(
            BY_UNIT_TABLE,
            unit_key(unit, number),
            role.as_bytes().to_vec(),
        )?;
    }

    // The active index holds the cases a unit holds now.
    if after.state().is_with_unit() {
        batch.put(ACTIVE_TABLE, number.as_str(), Vec::new())?;
    } else {
        batch.delete(ACTIVE_TABLE, number.as_str())?;
    }
    Ok(())
}

/// The cases a unit leads or assists now, in case number order.
pub fn of_unit(store: &AppealStore, unit: &UnitId) -> Result<Vec<Case>, StoreError> {
    let prefix = unit_prefix(unit);
    let mut cases = Vec::new();
    for (key, _) in store.scan_prefix(BY_UNIT_TABLE, &prefix, SCAN_LIMIT)? {
        let number = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
        if let Some(case) = store.get_json::<Case>(CASES_TABLE, number.as_bytes())? {
            cases.push(case);
        }
    }
    Ok(cases)
}

/// Every case, in case number order.
pub fn all(store: &AppealStore) -> Result<Vec<Case>, StoreError> {
    store
        .scan_prefix(CASES_TABLE, b"", SCAN_LIMIT)?
        .into_iter()
        .map(|(key, value)| {
            serde_json::from_slice(&value).map_err(|e| StoreError::Corrupt {
                table: CASES_TABLE.to_string(),
                key: String::from_utf8_lossy(&key).into_owned(),
                reason: e.to_string(),
            })
        })
        .collect()
}

/// The cases a unit holds now.
pub fn active(store: &AppealStore) -> Result<Vec<Case>, StoreError> {
    let mut cases = Vec::new();
    for (key, _) in store.scan_prefix(ACTIVE_TABLE, b"", SCAN_LIMIT)? {
        if let Some(case) = store.get_json::<Case>(CASES_TABLE, &key)? {
            cases.push(case);
        }
    }
    Ok(cases)
}
