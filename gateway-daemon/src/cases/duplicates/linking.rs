//! Linking appeals to the case they repeat: at intake, and by a supervisor's hand.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use gateway_core::case::{Action, Actor, Case, CaseNumber, CaseState};
use gateway_core::store::{AppealRecord, HistoryEntry, WriteBatch};
use gateway_core::{Appeal, AppealId};
use serde::Serialize;

use super::records::{self, DuplicateLink, LinkBasis};
use crate::cases::error::CasesError;
use crate::cases::service::CaseService;

/// What intake did for a stored appeal.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseIntake {
    /// The appeal has its own case (opened now, or before).
    Opened(CaseNumber),
    /// The appeal joined an open case it repeats; the citizen is given that case's number.
    Linked(DuplicateLink),
}

impl CaseIntake {
    /// The case number the citizen follows.
    pub fn case_number(&self) -> &CaseNumber {
        match self {
            CaseIntake::Opened(number) => number,
            CaseIntake::Linked(link) => &link.case_number,
        }
    }
}

/// A case's duplicates as units and supervisors read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateSummary {
    /// Appeals behind the case, its own included.
    pub appeals: usize,
    /// Distinct citizens among them (by phone, email or WeChat sender; each anonymous
    /// appeal counts as one).
    pub citizens: usize,
    /// The appeals linked to it, oldest first.
    pub linked: Vec<AppealId>,
}

/// Who a citizen is, by the first contact of the appeal: the rule the duplicate index
/// counts citizens by (phone by its last eleven digits, else email, else WeChat sender).
// Limitation: one person writing once by phone and once by email counts twice.
fn citizen_key(appeal: &Appeal) -> Option<String> {
    let citizen = &appeal.citizen;
    if let Some(phone) = &citizen.phone {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        let tail = &digits[digits.len().saturating_sub(11)..];
        if !tail.is_empty() {
            return Some(format!("phone:{tail}"));
        }
    }
    if let Some(email) = &citizen.email {
        return Some(format!("email:{}", email.trim().to_lowercase()));
    }
    citizen
        .wechat_openid
        .as_ref()
        .map(|openid| format!("wechat:{}", openid.trim()))
}

/// When the citizen sent it, or else when it was received: the order of a case's appeals.
fn appeal_time(appeal: &Appeal) -> DateTime<Utc> {
    appeal
        .submitted_at
        .map_or(appeal.received_at, |at| at.with_timezone(&Utc))
}

/// How often a match whose case turns out closed is set aside and the search repeated.
const CLOSED_MATCH_RETRIES: usize = 4;

impl CaseService {
    /// Gives a stored appeal its case: the open case it repeats, if intake finds one, or a
    /// new case of its own, dispatched. Emergencies always get their own case.
    pub async fn open_or_link(&self, appeal_id: &AppealId) -> Result<CaseIntake, CasesError> {
        let record = self
            .store()
            .appeal(appeal_id)?
            .ok_or_else(|| CasesError::NotFound(format!("no appeal {appeal_id} is stored")))?;

        // Decided before: linked, or its case is open.
        if let Some(link) = records::link_of(self.store(), appeal_id)? {
            return Ok(CaseIntake::Linked(link));
        }
        if self.case(&record.case_number)?.is_some() {
            return Ok(CaseIntake::Opened(record.case_number));
        }

        // Look for the open case it repeats; a match on a case closed meanwhile is marked
        // closed and the search repeated.
        // Limitation: two reports of one matter arriving at the same moment may both open a
        // case, since the search and the opening are not one step; a supervisor links them.
        let book = self.duplicates();
        let now = self.clock().now();
        for _ in 0..CLOSED_MATCH_RETRIES {
            let Some(found) = book.find(&record.appeal, &record.decision, now) else {
                break;
            };
            let Some(case) = self.case(&found.case)? else {
                break;
            };
            if case.state() == CaseState::Closed {
                book.track(case.case_number(), CaseState::Closed);
                continue;
            }
            let basis = match found.basis {
                gateway_analysis::duplicate::MatchBasis::SameCitizen => LinkBasis::SameCitizen,
                gateway_analysis::duplicate::MatchBasis::OtherCitizen => LinkBasis::OtherCitizen,
            };
            let link = DuplicateLink {
                appeal_id: appeal_id.clone(),
                case_number: case.case_number().clone(),
                linked_at: now,
                linked_by: "gateway".to_string(),
                basis,
                score: Some(found.score),
            };
            self.commit_links(&case, &[(&record, None)], &link).await?;
            book.add(&record.appeal, &record.decision, link.case_number.clone());
            self.metrics()
                .duplicates
                .with_label_values(&["intake"])
                .inc();
            tracing::debug!(
                case = %link.case_number,
                score = found.score,
                basis = ?basis,
                "appeal linked to the open case it repeats"
            );
            return Ok(CaseIntake::Linked(link));
        }

        let case = self.open_case(appeal_id).await?;
        book.add(&record.appeal, &record.decision, case.case_number().clone());
        Ok(CaseIntake::Opened(case.case_number().clone()))
    }

    /// The case number a stored appeal's citizen follows: the case it joined, else its own.
    pub fn followed_case(
        &self,
        appeal_id: &AppealId,
        own: &CaseNumber,
    ) -> Result<CaseNumber, CasesError> {
        Ok(records::link_of(self.store(), appeal_id)?
            .map_or_else(|| own.clone(), |link| link.case_number))
    }

    /// A case's duplicates: its appeals, citizens and linked appeal ids, read from the
    /// store (the case's own appeal and those linked to it), not from the whole index.
    pub fn duplicate_summary(&self, case: &Case) -> Result<DuplicateSummary, CasesError> {
        let mut linked: Vec<(AppealId, DateTime<Utc>)> = Vec::new();
        let mut known = BTreeSet::new();
        let mut anonymous = 0;
        let mut count = |appeal: &Appeal| match citizen_key(appeal) {
            Some(key) => {
                known.insert(key);
            }
            None => anonymous += 1,
        };
        if let Some(own) = self.store().appeal(case.appeal_id())? {
            count(&own.appeal);
        }
        for appeal_id in records::linked_to(self.store(), case.case_number())? {
            match self.store().appeal(&appeal_id)? {
                Some(record) => {
                    count(&record.appeal);
                    linked.push((appeal_id, appeal_time(&record.appeal)));
                }
                None => linked.push((appeal_id, DateTime::<Utc>::MIN_UTC)),
            }
        }
        linked.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        Ok(DuplicateSummary {
            appeals: linked.len() + 1,
            citizens: (known.len() + anonymous).max(1),
            linked: linked.into_iter().map(|(id, _)| id).collect(),
        })
    }

    /// A supervisor links an appeal to a case. If the appeal had an open case of its own,
    /// that case is closed as a duplicate and every appeal linked to it moves along.
    pub async fn link_by_hand(
        &self,
        case_number: &CaseNumber,
        appeal_id: &AppealId,
        staff_id: &str,
    ) -> Result<DuplicateSummary, CasesError> {
        let case = self
            .case(case_number)?
            .ok_or_else(|| CasesError::CaseNotFound(case_number.clone()))?;
        if case.state() == CaseState::Closed {
            return Err(CasesError::Conflict(format!(
                "case {case_number} is closed (已归档) and takes no duplicates; reopen it first"
            )));
        }
        let record = self.store().appeal(appeal_id)?.ok_or_else(|| {
            CasesError::NotFound(format!(
                "no appeal {appeal_id} is stored; check the appeal id"
            ))
        })?;
        if case.appeal_id() == appeal_id {
            return Err(CasesError::Conflict(format!(
                "appeal {appeal_id} is case {case_number}'s own appeal"
            )));
        }
        let previous = records::link_of(self.store(), appeal_id)?;
        if previous
            .as_ref()
            .is_some_and(|link| &link.case_number == case_number)
        {
            return Err(CasesError::Conflict(format!(
                "appeal {appeal_id} is already linked to case {case_number}"
            )));
        }

        // The appeal's own case, if it has one, and the appeals linked to it, move too.
        let own = self.case(&record.case_number)?;
        let mut moving: Vec<(AppealRecord, Option<DuplicateLink>)> = vec![(record, previous)];
        if let Some(own) = &own {
            for follower in records::linked_to(self.store(), own.case_number())? {
                if let Some(follower_record) = self.store().appeal(&follower)? {
                    let link = records::link_of(self.store(), &follower)?;
                    moving.push((follower_record, link));
                }
            }
        }
        let link = DuplicateLink {
            appeal_id: appeal_id.clone(),
            case_number: case_number.clone(),
            linked_at: self.clock().now(),
            linked_by: format!("supervisor:{staff_id}"),
            basis: LinkBasis::ByHand,
            score: None,
        };
        let pairs: Vec<(&AppealRecord, Option<&DuplicateLink>)> = moving
            .iter()
            .map(|(record, link)| (record, link.as_ref()))
            .collect();
        self.commit_links(&case, &pairs, &link).await?;
        for (record, _) in &moving {
            self.duplicates()
                .move_to(&record.appeal.id, case_number.clone());
        }
        self.metrics()
            .duplicates
            .with_label_values(&["linked_by_hand"])
            .inc();

        // Then its own case closes, with the reason units read.
        if let Some(own) = own
            && own.state() != CaseState::Closed
        {
            self.act(
                own.case_number(),
                Actor::Supervisor(staff_id.to_string()),
                Action::Close {
                    reason: format!("重复件，已并入工单 {case_number}"),
                },
            )
            .await?;
        }
        self.duplicate_summary(&case)
    }

    /// A supervisor takes an appeal out of a case: it gets its own case again (reopened if
    /// it was closed as a duplicate, else opened now), dispatched to its units. Returns the
    /// appeal's own case.
    pub async fn unlink_by_hand(
        &self,
        case_number: &CaseNumber,
        appeal_id: &AppealId,
        staff_id: &str,
    ) -> Result<Case, CasesError> {
        let case = self
            .case(case_number)?
            .ok_or_else(|| CasesError::CaseNotFound(case_number.clone()))?;
        let link = records::link_of(self.store(), appeal_id)?
            .filter(|link| &link.case_number == case_number)
            .ok_or_else(|| {
                CasesError::NotFound(format!(
                    "appeal {appeal_id} is not linked to case {case_number}"
                ))
            })?;
        let record = self.store().appeal(appeal_id)?.ok_or_else(|| {
            CasesError::NotFound(format!(
                "no appeal {appeal_id} is stored; check the appeal id"
            ))
        })?;
        let own_number = record.case_number.clone();

        // The link goes first: should the daemon stop before the case opens, the start-up
        // pass opens the case of an appeal that has neither case nor link.
        let now = self.clock().now();
        let actor = format!("supervisor:{staff_id}");
        let mut batch = WriteBatch::new();
        records::stage_unlink(&mut batch, &link)?;
        batch.append_history(
            case.appeal_id(),
            HistoryEntry {
                at: now,
                actor: actor.clone(),
                action: "duplicate_unlinked".to_string(),
                note: Some(format!("诉求 {appeal_id} 取消并案，另立工单 {own_number}")),
            },
        );
        batch.append_history(
            appeal_id,
            HistoryEntry {
                at: now,
                actor: actor.clone(),
                action: "unlinked_from_case".to_string(),
                note: Some(format!(
                    "取消并入工单 {case_number}，按工单 {own_number} 办理"
                )),
            },
        );
        self.store().commit(batch).await?;
        self.duplicates().move_to(appeal_id, own_number.clone());
        self.metrics()
            .duplicates
            .with_label_values(&["unlinked"])
            .inc();

        match self.case(&own_number)? {
            Some(own) if own.state() == CaseState::Closed => {
                self.act(
                    &own_number,
                    Actor::Supervisor(staff_id.to_string()),
                    Action::Reopen {
                        reason: format!("取消与工单 {case_number} 的并案，恢复办理"),
                    },
                )
                .await
            }
            Some(own) => Ok(own),
            None => self.open_case(appeal_id).await,
        }
    }

    /// Writes the links of `appeals` (each with its previous link) to `case` in one batch,
    /// with a history entry on the case's appeal that units read and one on each appeal.
    async fn commit_links(
        &self,
        case: &Case,
        appeals: &[(&AppealRecord, Option<&DuplicateLink>)],
        template: &DuplicateLink,
    ) -> Result<(), CasesError> {
        let mut batch = WriteBatch::new();
        for (record, previous) in appeals {
            let link = DuplicateLink {
                appeal_id: record.appeal.id.clone(),
                ..template.clone()
            };
            records::stage_link(&mut batch, &link, *previous)?;
            batch.append_history(
                case.appeal_id(),
                HistoryEntry {
                    at: link.linked_at,
                    actor: link.linked_by.clone(),
                    action: "duplicate_linked".to_string(),
                    note: Some(format!(
                        "重复件：诉求 {} 并入本工单（{}）",
                        link.appeal_id,
                        link.basis.chinese()
                    )),
                },
            );
            batch.append_history(
                &link.appeal_id,
                HistoryEntry {
                    at: link.linked_at,
                    actor: link.linked_by.clone(),
                    action: "linked_to_case".to_string(),
                    note: Some(format!("并入工单 {}", link.case_number)),
                },
            );
        }
        self.store().commit(batch).await?;
        Ok(())
    }
}
