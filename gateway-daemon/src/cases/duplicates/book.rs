//! The duplicate index the daemon keeps in memory, rebuilt from the store at start.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
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
    window_days: u32,
    index: Mutex<DuplicateIndex>,
}

impl DuplicateBook {
    /// An empty book with these settings.
    pub fn new(config: &DuplicatesConfig) -> Result<Self, DuplicateConfigError> {
        Ok(Self {
            enabled: config.enabled,
            window_days: config
                .same_citizen_window_days
                .max(config.others_window_days),
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

    /// Fills the book from the store: every appeal received within the longest comparison
    /// window before `now` (an older one can never be found as a duplicate again), each under
    /// its own case or the one it joined; then the closed cases. Returns how many appeals it
    /// holds.
    // Limitation: shingle weights then come from the window's appeals only, so scores after
    // a restart can differ slightly from those before it.
    pub fn rebuild(&self, store: &AppealStore, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let links: BTreeMap<AppealId, CaseNumber> = records::all(store)?
            .into_iter()
            .map(|link| (link.appeal_id, link.case_number))
            .collect();
        let since = now - Duration::days(i64::from(self.window_days));
        // Appeals stamped a little ahead of the clock are kept too.
        let filter = AppealFilter::default().received_between(since, now + Duration::days(1));
        let mut page = PageRequest::first(MAX_PAGE_LIMIT);
        loop {
            let found = store.list(&filter, &page)?;
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
    // Limitation: searches take turns on one lock, about 0.2 ms each on an index of 12,000
    // appeals, which bounds intake with duplicate detection near 4,000 appeals/s.
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

    /// The group of one case as the index holds it; this walks every held appeal, so the
    /// case view reads its duplicates from the store instead.
    pub fn group(&self, case_number: &CaseNumber) -> Option<GroupSummary> {
        self.index().group(case_number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_core::{Channel, Citizen, Emergency, EmergencyService, Kind, Principle, UnitId};

    const TEXT: &str = "县城南门菜市场旁边的垃圾站已经一个星期没有清运，臭气熏天，蚊蝇很多";

    fn decision(emergency: bool) -> RoutingDecision {
        RoutingDecision {
            kind: Kind::Complaint,
            topic: vec!["城乡建设".to_string()],
            emergency: emergency.then(|| Emergency {
                service: EmergencyService::Fire,
                rule: "test".to_string(),
            }),
            township: None,
            village: None,
            ambiguous_places: vec![],
            lead_unit: UnitId::new("urban-management"),
            assisting_units: vec![],
            principle: Principle::OwnerResponsible,
            rules: vec![],
            confidence: 0.9,
        }
    }

    fn appeal(key: &str, phone: &str) -> Appeal {
        Appeal::builder(Channel::WebForm, key, TEXT)
            .citizen(Citizen {
                phone: Some(phone.to_string()),
                ..Citizen::default()
            })
            .build()
    }

    fn book() -> DuplicateBook {
        DuplicateBook::new(&DuplicatesConfig::default()).unwrap()
    }

    #[test]
    fn the_same_report_finds_its_case_until_the_case_is_closed() {
        let book = book();
        let case = CaseNumber::parse("2612040001").unwrap();
        book.add(&appeal("a", "13800000001"), &decision(false), case.clone());
        let again = appeal("b", "13800000001");
        let now = again.received_at;
        let found = book
            .find(&again, &decision(false), now)
            .expect("a duplicate");
        assert_eq!(found.case, case);

        book.track(&case, CaseState::Closed);
        assert!(book.find(&again, &decision(false), now).is_none());
        book.track(&case, CaseState::Reopened);
        assert!(book.find(&again, &decision(false), now).is_some());
    }

    #[test]
    fn an_emergency_is_neither_held_nor_matched() {
        let book = book();
        let case = CaseNumber::parse("2612040002").unwrap();
        book.add(&appeal("a", "13800000002"), &decision(true), case.clone());
        assert!(book.group(&case).is_none());
        book.add(&appeal("b", "13800000002"), &decision(false), case);
        let third = appeal("c", "13800000002");
        assert!(
            book.find(&third, &decision(true), third.received_at)
                .is_none()
        );
    }

    #[test]
    fn with_detection_off_nothing_is_found_but_groups_are_kept() {
        let config = DuplicatesConfig {
            enabled: false,
            ..DuplicatesConfig::default()
        };
        let book = DuplicateBook::new(&config).unwrap();
        let case = CaseNumber::parse("2612040003").unwrap();
        book.add(&appeal("a", "13800000003"), &decision(false), case.clone());
        book.add(&appeal("b", "13800000004"), &decision(false), case.clone());
        let again = appeal("c", "13800000003");
        assert!(
            book.find(&again, &decision(false), again.received_at)
                .is_none()
        );
        assert_eq!(book.group(&case).map(|g| g.citizens), Some(2));
    }
}
