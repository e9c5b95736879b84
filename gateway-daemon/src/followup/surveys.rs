//! Starting a follow-up when a unit resolves a case: the survey queued in the same batch as
//! the resolution, to the channel the citizen used.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use gateway_analysis::{FollowUp, FollowUpEffect};
use gateway_core::Appeal;
use gateway_core::case::CaseNumber;
use gateway_core::store::{AppealStore, StoreError, WriteBatch};
use tokio::sync::Notify;

use super::address::CitizenAddress;
use super::config::FollowUpSettings;
use super::messages::{self, CitizenMessage};
use super::records::{CONTACTS_TABLE, FOLLOW_UPS_TABLE, FollowUpRecord, contact_row};
use super::senders::Senders;
use crate::email::records::SENT_IDS;

/// What the case service needs to start follow-ups: the plan, who can be reached, and
/// where survey emails are threaded from.
pub struct Surveys {
    store: AppealStore,
    settings: FollowUpSettings,
    senders: Senders,
    email_domain: Option<String>,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Surveys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Surveys")
            .field("senders", &self.senders)
            .finish_non_exhaustive()
    }
}

impl Surveys {
    /// Surveys over these senders; `email_domain` is the email channel's Message-ID domain,
    /// when there is one, so that answers to survey emails find their case.
    pub fn new(
        store: AppealStore,
        settings: FollowUpSettings,
        senders: Senders,
        email_domain: Option<String>,
    ) -> Surveys {
        Surveys {
            store,
            settings,
            senders,
            email_domain,
            wake: Arc::new(Notify::new()),
        }
    }

    /// The store.
    pub fn store(&self) -> &AppealStore {
        &self.store
    }

    /// The settings.
    pub fn settings(&self) -> &FollowUpSettings {
        &self.settings
    }

    /// The senders.
    pub fn senders(&self) -> &Senders {
        &self.senders
    }

    /// Woken when messages are queued; the message worker waits on it.
    pub fn wake(&self) -> &Arc<Notify> {
        &self.wake
    }

    /// Tells the message worker that messages were queued.
    pub fn notify(&self) {
        self.wake.notify_one();
    }

    /// Adds to `batch` the follow-up of a case resolved at `at`: the first survey of a new
    /// round (or of a round after a dissatisfied rating reopened it), queued to the citizen.
    /// An appeal with no way to reach its citizen is recorded as not asked.
    pub fn stage_resolved(
        &self,
        batch: &mut WriteBatch,
        case_number: &CaseNumber,
        appeal: &Appeal,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let plan = &self.settings.plan;
        let existing: Option<FollowUpRecord> = self
            .store
            .get_json(FOLLOW_UPS_TABLE, case_number.as_str())?;
        let address = CitizenAddress::for_appeal(appeal, self.senders.single_wechat_account())
            .filter(|address| self.senders.can_send(address));
        let mut record = existing.unwrap_or_else(|| FollowUpRecord {
            case_number: case_number.clone(),
            appeal_id: appeal.id.clone(),
            resolved_at: at,
            follow_up: None,
            address: None,
            read: Vec::new(),
            last_answer: None,
        });
        record.resolved_at = at;
        let Some(address) = address.filter(|_| self.settings.section.enabled) else {
            tracing::debug!(case = %case_number, "resolved case has no reachable citizen; no survey");
            record.follow_up = None;
            batch.put_json(FOLLOW_UPS_TABLE, case_number.as_str(), &record)?;
            return Ok(());
        };

        // A reopened round goes on with the same follow-up, so reopens are counted across it.
        let effects = match record.follow_up.as_mut() {
            Some(follow_up) => match follow_up.resolved_again(at, plan) {
                Ok(effects) => effects,
                Err(_) => {
                    let (fresh, effects) = FollowUp::start(case_number.clone(), at, plan);
                    *follow_up = fresh;
                    effects
                }
            },
            None => {
                let (fresh, effects) = FollowUp::start(case_number.clone(), at, plan);
                record.follow_up = Some(fresh);
                effects
            }
        };
        for effect in effects {
            if let FollowUpEffect::SendToCitizen { text } = effect {
                self.stage_message(batch, case_number, &address, text, at)?;
            }
        }
        batch.put(
            CONTACTS_TABLE,
            contact_row(&address.contact_key(), case_number),
            at.timestamp_millis().to_string().into_bytes(),
        )?;
        record.address = Some(address);
        batch.put_json(FOLLOW_UPS_TABLE, case_number.as_str(), &record)?;
        Ok(())
    }

    /// Queues one message to the citizen in `batch`; an email's Message-ID is recorded so
    /// that the citizen's answer is tied to the case.
    pub fn stage_message(
        &self,
        batch: &mut WriteBatch,
        case_number: &CaseNumber,
        address: &CitizenAddress,
        text: String,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let subject = self
            .settings
            .section
            .email_subject_template
            .replace("{case_number}", case_number.as_str());
        let message = CitizenMessage::new(case_number.clone(), address.clone(), subject, text, at);
        if let (CitizenAddress::Email { .. }, Some(domain)) = (address, &self.email_domain) {
            batch.put(
                SENT_IDS,
                format!("{}@{domain}", message.id),
                case_number.as_str().as_bytes().to_vec(),
            )?;
        }
        messages::put(batch, &message)
    }
}
