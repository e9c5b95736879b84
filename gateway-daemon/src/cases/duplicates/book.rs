//! The duplicate index the daemon keeps in memory, rebuilt from the store at start.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use gateway_analysis::DuplicateIndex;
use gateway_analysis::duplicate::{DuplicateConfigError, DuplicateMatch, GroupSummary};
use gateway_core::case::{CaseNumber, CaseState};
use gateway_core::store::{AppealFilter, AppealStore, MAX_PAGE_LIMIT, PageRequest, StoreError};
use gateway_core::{Appeal, AppealId, RoutingDecision};

use super::config::DuplicatesConfig;
use super::records;
use crate::cases::records as case_records;

/// Every non-emergency appeal under the case it belongs to (its own, or the one it joined),
/// and which cases are closed (归档) and take no more duplicates.
///
/// Emergencies are left out: they are handed to 110/119/120/122 and followed up in hours,
/// and a later ordinary report must not be folded into one.
#[derive(Debug)]
pub struct DuplicateBook {
    enabled: bool,
    index: Mutex<DuplicateIndex>,
}

impl DuplicateBook {
    /// An empty book with these settings.
    pub fn new(config: &DuplicatesConfig) -> Result<Self, DuplicateConfigError> {
        Ok(Self {
            enabled: config.enabled,
            index: Mutex::new(DuplicateIndex::new(config.detection())?),
        })
    }

    fn index(&self) -> MutexGuard<'_, DuplicateIndex> {
        // The index holds no invariant a panic half-way could break beyond one entry.
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether intake looks for duplicates.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Fills the book from the store: every stored appeal, then the closed cases. Returns
    /// how many appeals it holds.
    // Limitation: this reads every stored appeal at start; a county keeping years of
    // appeals would rather index only the last `same_citizen_window_days`.
    pub fn rebuild(&self, store: &AppealStore) -> Result<usize, StoreError> {
        let links: BTreeMap<AppealId, CaseNumber> = records::all(store)?
            .into_iter()
            .map(|link| (link.appeal_id, link.case_number))
            .collect();
        let mut page = PageRequest::first(MAX_PAGE_LIMIT);
        loop {
            let found = store.list(&AppealFilter::default(), &page)?;
            for record in &found.records {
                let case = links
                    .get(&record.appeal.id)
                    .cloned()
                    .unwrap_or_else(|| record.case_number.clone());
                self.add(&record.appeal, &record.decision, case);
            }
            match found.next_cursor {
                Some(cursor) => page = PageRequest::after(MAX_PAGE_LIMIT, cursor),
                None => break,
            }
        }
        for case in case_records::all(store)? {
            if case.state() == CaseState::Closed {
                self.index().close_case(case.case_number());
            }
        }
        Ok(self.index().len())
    }

    /// The open case this appeal repeats, if intake looks for duplicates and one is found.
    pub fn find(
        &self,
        appeal: &Appeal,
        decision: &RoutingDecision,
        now: DateTime<Utc>,
    ) -> Option<DuplicateMatch> {
        if !self.enabled || decision.emergency.is_some() {
            return None;
        }
        self.index().best_match(appeal, decision, now)
    }

    /// Adds an appeal under a case; an appeal already held or an emergency is left as is.
    pub fn add(&self, appeal: &Appeal, decision: &RoutingDecision, case: CaseNumber) {
        if decision.emergency.is_some() {
            return;
        }
        // Already held means added at start or by an earlier intake: nothing to do.
        let _ = self.index().add(appeal, decision, case);
    }

    /// Moves a held appeal to another case (a link or an unlink by hand).
    pub fn move_to(&self, appeal_id: &AppealId, case: CaseNumber) {
        let _ = self.index().link(appeal_id, case);
    }

    /// Follows a case's state: a closed case takes no more duplicates, a reopened one does.
    pub fn track(&self, case_number: &CaseNumber, state: CaseState) {
        let mut index = self.index();
        if state == CaseState::Closed {
            index.close_case(case_number);
        } else {
            index.reopen_case(case_number);
        }
    }

    /// The group of one case: its appeals and how many citizens raised it.
    pub fn group(&self, case_number: &CaseNumber) -> Option<GroupSummary> {
        self.index().group(case_number)
    }

    /// How many appeals each case with duplicates holds.
    pub fn group_sizes(&self) -> BTreeMap<CaseNumber, usize> {
        self.index()
            .duplicate_groups()
            .into_iter()
            .map(|group| (group.case, group.appeals.len()))
            .collect()
    }
}
