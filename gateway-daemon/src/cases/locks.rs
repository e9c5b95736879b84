//! One writer at a time per case, so that two actions on the same case never both start
//! from the same stored version (the store has no compare-and-set).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use gateway_core::case::CaseNumber;
use tokio::sync::OwnedMutexGuard;

/// Per-case locks, created on demand and forgotten once nobody holds or waits for them.
#[derive(Debug, Default)]
pub struct CaseLocks {
    locks: Mutex<HashMap<CaseNumber, Arc<tokio::sync::Mutex<()>>>>,
}

/// Held while one action on a case runs.
#[derive(Debug)]
pub struct CaseGuard {
    _guard: OwnedMutexGuard<()>,
}

impl CaseLocks {
    /// Waits for the case's lock.
    pub async fn lock(&self, case_number: &CaseNumber) -> CaseGuard {
        let lock = {
            let mut locks = match self.locks.lock() {
                Ok(locks) => locks,
                Err(poisoned) => poisoned.into_inner(),
            };
            // Drop the entries nobody holds, so the map stays as small as the work in flight.
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            Arc::clone(locks.entry(case_number.clone()).or_default())
        };
        CaseGuard {
            _guard: lock.lock_owned().await,
        }
    }
}
