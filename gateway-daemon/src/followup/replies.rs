//! The citizen's answers to surveys, wherever they arrive, and the waits that run out.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use gateway_analysis::followup::FollowUpState;
use gateway_analysis::{FollowUpEffect, Rating};
use gateway_core::case::{Action, Actor, CaseNumber};
use gateway_core::store::{HistoryEntry, StoreError, WriteBatch};
use gateway_core::{Appeal, AppealId, AppealStore, mask};

use super::address::reply_key;
use super::records::{FOLLOW_UPS_TABLE, FollowUpRecord, cases_of_contact};
use super::surveys::Surveys;
use crate::cases::locks::CaseLocks;
use crate::cases::{CaseService, CasesError};

/// What a reply to a survey came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTaken {
    /// The appeal the case was opened for.
    pub appeal_id: AppealId,
    /// The case.
    pub case_number: CaseNumber,
    /// How the reply was read.
    pub rating: Rating,
    /// What to answer the citizen on the channel's own reply.
    pub answer: String,
}

/// Replies and waits, applied to cases. Share it behind an `Arc`.
pub struct FollowUps {
    store: AppealStore,
    cases: Arc<CaseService>,
    surveys: Arc<Surveys>,
    signed_sms_accounts: BTreeSet<String>,
    locks: CaseLocks,
}

impl std::fmt::Debug for FollowUps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FollowUps").finish_non_exhaustive()
    }
}

/// How an answer reaches the citizen.
enum Answer {
    /// On the channel's own reply to their message (WeChat passive reply, TwiML).
    InReply {
        /// Whether the routing rules found a matter in the message.
        routed: bool,
    },
    /// As a message of its own (an email reply).
    Message,
}

impl FollowUps {
    /// Follow-ups over the case service that holds `surveys`. An SMS answers a survey only
    /// when it came by one of `signed_sms_accounts`, whose webhook signature proves the
    /// sender's phone (Twilio); from other accounts it is a new appeal.
    pub fn new(
        store: AppealStore,
        cases: Arc<CaseService>,
        surveys: Arc<Surveys>,
        signed_sms_accounts: BTreeSet<String>,
    ) -> FollowUps {
        FollowUps {
            store,
            cases,
            surveys,
            signed_sms_accounts,
            locks: CaseLocks::default(),
        }
    }

    /// Whether the message's sender is proven by its channel: a signed SMS account, or
    /// WeChat (the push is signed with the account's token).
    fn sender_proven(&self, appeal: &Appeal) -> bool {
        match appeal.channel {
            gateway_core::Channel::Sms => appeal
                .channel_message_id
                .split_once(':')
                .is_some_and(|(account, _)| self.signed_sms_accounts.contains(account)),
            _ => true,
        }
    }

    /// The surveys.
    pub fn surveys(&self) -> &Arc<Surveys> {
        &self.surveys
    }

    /// Queues one message to a citizen about a case (a direct answer by mail, say), and
    /// wakes the worker that sends it.
    pub async fn send_to_citizen(
        &self,
        case_number: &CaseNumber,
        address: &super::address::CitizenAddress,
        text: String,
    ) -> Result<(), StoreError> {
        let mut batch = WriteBatch::new();
        self.surveys.stage_message(
            &mut batch,
            case_number,
            address,
            text,
            self.cases.clock().now(),
        )?;
        self.store.commit(batch).await?;
        self.surveys.notify();
        Ok(())
    }

    /// The follow-up record of a case.
    pub fn record(&self, case_number: &CaseNumber) -> Result<Option<FollowUpRecord>, StoreError> {
        self.store.get_json(FOLLOW_UPS_TABLE, case_number.as_str())
    }

    /// Reads an SMS or WeChat message as the answer to a survey, if its sender was asked
    /// and the text is short enough to be an answer (`reply_max_chars`). A message that
    /// gives no rating is a try at one (the survey is asked again) only when the routing
    /// rules found no matter in it (`routed` false); "路灯坏了，请派人修" is a new appeal.
    /// Returns `None` when it is a new appeal. A channel's retry of a reply already read
    /// gets the same answer and changes nothing.
    pub async fn take_reply(
        &self,
        appeal: &Appeal,
        routed: bool,
    ) -> Result<Option<ReplyTaken>, CasesError> {
        // Limitation: the Alibaba and Tencent SMS callbacks carry no signature, so anyone
        // who reaches the intake could post an answer in a citizen's name; their messages
        // are taken in as appeals. Surveys go out over Twilio, whose replies come signed.
        if !self.sender_proven(appeal) {
            return Ok(None);
        }
        let Some(key) = reply_key(appeal) else {
            return Ok(None);
        };
        // A photo, a video or a recording nobody transcribed is something to look at, not a
        // rating: kept as an appeal. A voice message whose transcript rates is an answer.
        let unclear = self
            .surveys
            .settings()
            .plan
            .parser()
            .read(&appeal.body)
            .rating
            == Rating::Unclear;
        if unclear && !appeal.attachments.is_empty() {
            return Ok(None);
        }
        let Some(case_number) = self.survey_of(&key, &appeal.channel_message_id)? else {
            return Ok(None);
        };
        self.reply(
            &case_number,
            &appeal.body,
            &appeal.channel_message_id,
            Answer::InReply { routed },
        )
        .await
    }

    /// The case whose survey a message from the contact `key` answers: of the cases
    /// surveyed there, the most recently resolved that waits for an answer (or already read
    /// this message), so that a citizen with two cases surveyed can answer both, newest
    /// first.
    fn survey_of(&self, key: &str, message_id: &str) -> Result<Option<CaseNumber>, StoreError> {
        for number in cases_of_contact(&self.store, key)? {
            let Some(record) = self.record(&number)? else {
                continue;
            };
            let open = record.read.iter().any(|id| id == message_id)
                || record
                    .follow_up
                    .as_ref()
                    .is_some_and(|f| matches!(f.state(), FollowUpState::Asked { .. }));
            if open {
                return Ok(Some(number));
            }
        }
        Ok(None)
    }

    /// Reads an email that answers a survey email of `case_number`. Returns `None` when the
    /// case is not waiting for a rating, or the mail is no answer to it; the email channel
    /// keeps the mail with the case either way.
    pub async fn take_email_reply(
        &self,
        case_number: &CaseNumber,
        text: &str,
        message_id: &str,
    ) -> Result<Option<ReplyTaken>, CasesError> {
        self.reply(
            case_number,
            &first_paragraph(text),
            message_id,
            Answer::Message,
        )
        .await
    }

    async fn reply(
        &self,
        case_number: &CaseNumber,
        text: &str,
        message_id: &str,
        answer: Answer,
    ) -> Result<Option<ReplyTaken>, CasesError> {
        let _guard = self.locks.lock(case_number).await;
        let Some(mut record) = self.record(case_number)? else {
            return Ok(None);
        };
        let settings = self.surveys.settings();
        let plan = &settings.plan;
        let text = text.trim();
        if record.read.iter().any(|id| id == message_id) {
            let rating = plan.parser().read(text).rating;
            return Ok(Some(ReplyTaken {
                appeal_id: record.appeal_id.clone(),
                case_number: case_number.clone(),
                rating,
                answer: record.last_answer.clone().unwrap_or_default(),
            }));
        }
        let Some(follow_up) = record.follow_up.as_mut() else {
            return Ok(None);
        };
        if !matches!(follow_up.state(), FollowUpState::Asked { .. }) {
            return Ok(None);
        }
        // An SMS or WeChat message longer than an answer is a new appeal even when it says
        // 满意 somewhere ("希望尽快处理，让群众满意"): taken in, it is kept and seen; read as a
        // rating, it would close the case and be lost. A reply mail is tied to its case by
        // threading, so its length does not matter.
        let rating = plan.parser().read(text).rating;
        let long = text.chars().count() > settings.section.reply_max_chars;
        if long && (rating == Rating::Unclear || matches!(answer, Answer::InReply { .. })) {
            return Ok(None);
        }
        // A short message without a rating that the rules route somewhere is about a
        // matter of its own, not a garbled rating.
        if rating == Rating::Unclear && matches!(answer, Answer::InReply { routed: true }) {
            return Ok(None);
        }

        let now = self.cases.clock().now();
        let effects = follow_up
            .reply(text, now, plan)
            .map_err(|e| CasesError::BadRequest(e.to_string()))?;
        tracing::debug!(case = %case_number, rating = rating.as_str(), text = %mask::text(text), "survey answered");

        let section = &settings.section;
        let fill = |template: &str| template.replace("{case_number}", case_number.as_str());
        let mut said: Option<String> = None;
        let mut action: Option<Action> = None;
        let mut batch = WriteBatch::new();
        let mut history = vec![
            HistoryEntry::now("citizen", "follow_up_reply").with_note(format!(
                "回访答复：{}（{}）",
                text,
                rating.chinese()
            )),
        ];
        for effect in effects {
            match effect {
                FollowUpEffect::SendToCitizen { text } => said = Some(text),
                FollowUpEffect::RecordRating { .. } => {}
                FollowUpEffect::ReopenCase => action = Some(Action::ReopenOnDissatisfaction),
                FollowUpEffect::ReopenLimitReached { reopens } => {
                    said = Some(fill(&section.escalated_template));
                    history.push(
                        HistoryEntry::now("gateway", "follow_up_escalated").with_note(format!(
                            "市民不满意，已重办 {reopens} 次，达到上限，请督办人员处理"
                        )),
                    );
                    tracing::warn!(case = %case_number, reopens, "dissatisfied after the last allowed reopening; supervisors decide");
                }
                FollowUpEffect::CloseCase { reason } => {
                    if said.is_none() {
                        said = Some(fill(&section.thanks_template));
                    }
                    action = Some(Action::Close { reason });
                }
            }
        }
        let said = said.unwrap_or_else(|| fill(&section.thanks_template));
        record.read.push(message_id.to_string());
        record.last_answer = Some(said.clone());
        if let (Answer::Message, Some(address)) = (&answer, &record.address) {
            self.surveys
                .stage_message(&mut batch, case_number, address, said.clone(), now)?;
        }
        batch.put_json(FOLLOW_UPS_TABLE, case_number.as_str(), &record)?;
        for entry in history {
            batch.append_history(&record.appeal_id, entry);
        }
        self.commit(case_number, action, batch).await?;
        if matches!(answer, Answer::Message) {
            self.surveys.notify();
        }
        Ok(Some(ReplyTaken {
            appeal_id: record.appeal_id,
            case_number: case_number.clone(),
            rating,
            answer: said,
        }))
    }

    /// Commits the follow-up's writes with the case action they call for, in one batch.
    /// When the case no longer allows the action (a supervisor closed or reopened it
    /// meanwhile), the reply is still kept, with a note.
    async fn commit(
        &self,
        case_number: &CaseNumber,
        action: Option<Action>,
        batch: WriteBatch,
    ) -> Result<(), CasesError> {
        let Some(action) = action else {
            self.store.commit(batch).await?;
            return Ok(());
        };
        let fallback = batch.clone();
        match self
            .cases
            .act_with(case_number, Actor::System, action, batch)
            .await
        {
            Ok(_) => Ok(()),
            Err(CasesError::Case(error)) => {
                tracing::warn!(case = %case_number, %error, "the follow-up's case action does not apply now; the reply is kept");
                self.store.commit(fallback).await?;
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    /// Records "no answer" for every survey whose wait ran out by `now`, and closes its
    /// case. Returns how many.
    // Limitation: this reads every follow-up record each round; fine for a county's volume,
    // not for a province's.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<usize, CasesError> {
        let mut closed = 0;
        for (key, _) in self.store.scan_prefix(FOLLOW_UPS_TABLE, b"", usize::MAX)? {
            let Some(case_number) = CaseNumber::parse(&String::from_utf8_lossy(&key)) else {
                continue;
            };
            let _guard = self.locks.lock(&case_number).await;
            let Some(mut record) = self.record(&case_number)? else {
                continue;
            };
            let Some(follow_up) = record.follow_up.as_mut() else {
                continue;
            };
            let effects = follow_up.tick(now);
            let Some(reason) = effects.into_iter().find_map(|effect| match effect {
                FollowUpEffect::CloseCase { reason } => Some(reason),
                _ => None,
            }) else {
                continue;
            };
            let mut batch = WriteBatch::new();
            batch.put_json(FOLLOW_UPS_TABLE, case_number.as_str(), &record)?;
            batch.append_history(
                &record.appeal_id,
                at(
                    now,
                    HistoryEntry::now("gateway", "follow_up_no_answer").with_note(reason.clone()),
                ),
            );
            self.commit(&case_number, Some(Action::Close { reason }), batch)
                .await?;
            closed += 1;
        }
        Ok(closed)
    }

    /// Runs [`tick`](Self::tick) every `tick_seconds` until `stop` turns true.
    pub async fn run(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let every = std::time::Duration::from_secs(self.surveys.settings().section.tick_seconds);
        loop {
            let now = self.cases.clock().now();
            match self.tick(now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(count = n, "surveys without an answer recorded"),
                Err(error) => tracing::warn!(%error, "the follow-up round failed"),
            }
            tokio::select! {
                _ = stop.wait_for(|stopped| *stopped) => break,
                () = tokio::time::sleep(every) => {}
            }
        }
    }
}

/// A history entry dated by the service's clock rather than the wall clock.
fn at(when: DateTime<Utc>, mut entry: HistoryEntry) -> HistoryEntry {
    entry.at = when;
    entry
}

/// The citizen's own words of an email answer: up to the first quoted line or the
/// client's "wrote:" line, whichever comes first.
fn first_paragraph(text: &str) -> String {
    let mut kept = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('>')
            || trimmed.starts_with("-----")
            || trimmed.ends_with("写道：")
            || trimmed.ends_with("wrote:")
            || trimmed.starts_with("发件人")
            || trimmed.starts_with("From:")
        {
            break;
        }
        kept.push(trimmed);
    }
    kept.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::first_paragraph;

    #[test]
    fn an_email_answer_is_read_above_the_quote() {
        let mail = "2\n\n在 2026年12月4日，文成12345 写道：\n> 请回复数字：1 满意";
        assert_eq!(first_paragraph(mail), "2");
        assert_eq!(
            first_paragraph("不满意，灯还是坏的\n> 原文"),
            "不满意，灯还是坏的"
        );
    }
}
