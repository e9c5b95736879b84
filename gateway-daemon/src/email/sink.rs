//! Where taken-in mail goes: routed, stored durably with its acknowledgement queued, or added
//! to the case it answers.
//!
//! Every message ends in one commit that holds its [`TakenIn`] record, so the record's
//! presence means the message is done. The appeal itself is stored first by the store's
//! idempotent intake; if the gateway stops between the two, the message is fetched again,
//! the intake answers as a duplicate with the first case number, and the rest is written
//! then. Nothing is doubled and nothing is lost.

use std::sync::Arc;

use channel_adapters::email::imap::{FetchedMail, MailSink};
use channel_adapters::email::{
    AckConfig, AckRequest, CaseNumber, EmailAppeal, EmailOutcome, NotAnAppeal, ThreadMatch,
    build_acknowledgement, parse_email,
};
use chrono::Utc;
use gateway_core::store::{HistoryEntry, IntakeOutcome, StoreError, WriteBatch};
use gateway_core::{Appeal, AppealStore, IntakeFlag, RawOriginal, RoutingDecision, mask};
use routing_rules::{RouteInput, RuleSet};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tracing::{Instrument as _, debug, warn};

use super::error::DeliverError;
use super::outbox;
use super::records::{
    Acknowledgement, CASE_REPLIES, OUTBOX, TAKEN_IN, TakenIn, TakenInOutcome, case_reply_key,
    intake_key, outbox_id,
};
use super::redact::addresses_masked;

/// The rule set in force, asked once per message (so a reload applies to the next one).
pub type CurrentRules = Arc<dyn Fn() -> Arc<RuleSet> + Send + Sync>;

/// What became of a stored email, told to the daemon once it is durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredEmail {
    /// A new appeal: its case is to be opened.
    NewAppeal {
        /// The stored appeal.
        appeal_id: gateway_core::AppealId,
    },
    /// A reply to a case (to its acknowledgement or its survey): it may answer the survey.
    CaseReply {
        /// The case.
        case_number: CaseNumber,
        /// The reply's text.
        text: String,
        /// The reply's Message-ID.
        message_id: String,
        /// The sender's address, as the mail gave it.
        from: Option<String>,
    },
}

/// Carries out what a stored email calls for in the rest of the daemon (opening its case,
/// reading a survey answer). It must not fail the intake: the mail is stored already.
pub type AfterStored = Arc<
    dyn Fn(StoredEmail) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
        + Send
        + Sync,
>;

/// Hands an emergency that arrived by email to the daemon's 110/119/120/122 hand-off:
/// given the stored appeal, its decision and its case number, it returns once the hand-off is
/// durably pending.
pub type EmergencyHandoff = Arc<
    dyn Fn(
            Appeal,
            RoutingDecision,
            String,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>
        + Send
        + Sync,
>;

/// [`MailSink`] on the appeal store.
#[derive(Clone)]
pub struct StoreSink {
    store: AppealStore,
    rules: CurrentRules,
    acknowledgement: Arc<AckConfig>,
    outbox_wake: Arc<Notify>,
    handoff: Option<EmergencyHandoff>,
    after: Option<AfterStored>,
}

impl std::fmt::Debug for StoreSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSink")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// Where a message came from, for its record and its errors.
#[derive(Debug, Clone)]
struct Origin {
    mailbox: String,
    uid_validity: u32,
    uid: u32,
}

impl Origin {
    fn store_error(&self, what: &'static str) -> impl FnOnce(StoreError) -> DeliverError + '_ {
        move |source| DeliverError::Store {
            what,
            mailbox: self.mailbox.clone(),
            uid: self.uid,
            source,
        }
    }

    fn taken_in(&self, outcome: TakenInOutcome) -> TakenIn {
        TakenIn {
            mailbox: self.mailbox.clone(),
            uid_validity: self.uid_validity,
            uid: self.uid,
            at: Utc::now(),
            outcome,
        }
    }
}

impl MailSink for StoreSink {
    async fn deliver(&self, mail: FetchedMail) -> Result<(), String> {
        // The watcher logs this text: keep addresses in Message-IDs and keys out of it.
        self.take_in(mail)
            .await
            .map_err(|problem| addresses_masked(&problem.to_string()))
    }
}

impl StoreSink {
    /// A sink that routes with `rules`, renders acknowledgements with `acknowledgement` and
    /// wakes the outbox worker through `outbox_wake` when one is queued.
    pub fn new(
        store: AppealStore,
        rules: CurrentRules,
        acknowledgement: Arc<AckConfig>,
        outbox_wake: Arc<Notify>,
    ) -> Self {
        Self {
            store,
            rules,
            acknowledgement,
            outbox_wake,
            handoff: None,
            after: None,
        }
    }

    /// Tells `after` of every email stored, once durable.
    pub fn with_after_stored(mut self, after: AfterStored) -> Self {
        self.after = Some(after);
        self
    }

    /// Hands emergencies to `handoff` (the daemon's 110/119/120/122 hand-off) instead of
    /// only logging them.
    pub fn with_handoff(mut self, handoff: EmergencyHandoff) -> Self {
        self.handoff = Some(handoff);
        self
    }

    /// Stores one message durably; returns once every write of it is on disk.
    pub async fn take_in(&self, mail: FetchedMail) -> Result<(), DeliverError> {
        let FetchedMail {
            mailbox,
            uid_validity,
            uid,
            raw,
            outcome,
        } = mail;
        let origin = Origin {
            mailbox,
            uid_validity,
            uid,
        };
        let span = tracing::debug_span!("email_intake", mailbox = %origin.mailbox, uid);
        async move {
            // A message done before (seen again under another UID or after a reconnect).
            let key = match outcome.message_id() {
                Some(id) => intake_key(id),
                None => intake_key(&format!("sha256:{}", hex::encode(Sha256::digest(&raw)))),
            };
            let done = self
                .store
                .get(TAKEN_IN, &key)
                .map_err(origin.store_error("the taken-in check"))?;
            if done.is_some() {
                debug!("message was already taken in");
                return Ok(());
            }

            match outcome {
                EmailOutcome::NewAppeal(new) => self.new_appeal(&origin, &key, &raw, new).await,
                EmailOutcome::CaseReply {
                    case_number,
                    matched_by,
                    reply,
                } => {
                    self.case_reply(&origin, &key, &raw, case_number, matched_by, reply)
                        .await
                }
                EmailOutcome::NotAnAppeal { reason, .. } => {
                    self.not_an_appeal(&origin, &key, &raw, &reason).await
                }
            }
        }
        .instrument(span)
        .await
    }

    async fn new_appeal(
        &self,
        origin: &Origin,
        key: &str,
        raw: &[u8],
        new: EmailAppeal,
    ) -> Result<(), DeliverError> {
        // Attachments first, by hash: the appeal refers to them.
        let mut appeal = self.store_attachments(origin, new).await?;

        // Route with the rules in force now, then store: durable before anything else.
        let decision = (self.rules)().route(&RouteInput::from(&appeal));
        let stored = self
            .store
            .intake(appeal.clone(), decision.clone())
            .await
            .map_err(origin.store_error("the appeal"))?;
        appeal.id = stored.appeal_id.clone();
        self.hand_off_emergency(&appeal, &decision, &stored).await;

        // The acknowledgement, queued once per appeal, and the record that the mail is done.
        // Limitation: this is a second commit after the intake's (about twice the fsync time
        // per mail, see benches/email_sink.rs), because the store's intake takes no batch.
        let mut batch = WriteBatch::new();
        let acknowledgement =
            self.queue_acknowledgement(origin, &mut batch, &appeal, &stored, raw)?;
        let queued = matches!(acknowledgement, Acknowledgement::Queued { .. });
        let record = origin.taken_in(TakenInOutcome::Appeal {
            appeal_id: stored.appeal_id.clone(),
            case_number: stored.case_number.clone(),
            acknowledgement,
        });
        batch
            .put_json(TAKEN_IN, key, &record)
            .map_err(origin.store_error("the taken-in record"))?;
        self.store
            .commit(batch)
            .await
            .map_err(origin.store_error("the acknowledgement and taken-in record"))?;
        if queued {
            self.outbox_wake.notify_one();
        }
        debug!(
            appeal_id = %stored.appeal_id,
            case_number = %stored.case_number,
            duplicate = stored.duplicate,
            lead_unit = %decision.lead_unit,
            text = %mask::text(&appeal.body),
            acknowledged = queued,
            "email taken in as an appeal"
        );
        if !stored.duplicate
            && let Some(after) = &self.after
        {
            after(StoredEmail::NewAppeal {
                appeal_id: stored.appeal_id.clone(),
            })
            .await;
        }
        Ok(())
    }

    /// Adds the acknowledgement to `batch` unless the appeal has one already; says what was
    /// done.
    fn queue_acknowledgement(
        &self,
        origin: &Origin,
        batch: &mut WriteBatch,
        appeal: &Appeal,
        stored: &IntakeOutcome,
        raw: &[u8],
    ) -> Result<Acknowledgement, DeliverError> {
        let id = outbox_id(&stored.appeal_id);
        let existing = self
            .store
            .get(OUTBOX, &id)
            .map_err(origin.store_error("the outbox check"))?;
        if existing.is_some() {
            return Ok(Acknowledgement::Queued { outbox_id: id });
        }

        // Whom to answer: the citizen's Reply-To or From, never the gateway itself.
        let Some(mut request) = AckRequest::for_appeal(appeal, stored.case_number.clone()) else {
            return Ok(Acknowledgement::Skipped {
                reason: "the mail gave no address to answer".into(),
            });
        };
        if request
            .to_address
            .trim()
            .eq_ignore_ascii_case(self.acknowledgement.from_address.trim())
        {
            return Ok(Acknowledgement::Skipped {
                reason: "the mail came from the gateway's own address".into(),
            });
        }
        request.original_references = parse_email(raw).references;

        // Rendered once, here: every retry sends these bytes under this Message-ID.
        let mail = match build_acknowledgement(&self.acknowledgement, &request, &id) {
            Ok(mail) => mail,
            Err(problem) => {
                warn!(appeal_id = %stored.appeal_id, to = %mask::email(&request.to_address), error = %addresses_masked(&problem.to_string()), "acknowledgement cannot be built; the appeal is stored without one");
                return Ok(Acknowledgement::Skipped {
                    reason: problem.to_string(),
                });
            }
        };
        let entry = outbox::new_entry(
            id.clone(),
            stored.appeal_id.clone(),
            stored.case_number.clone(),
            mail,
        );
        outbox::queue(batch, &entry).map_err(origin.store_error("the outbox entry"))?;
        Ok(Acknowledgement::Queued { outbox_id: id })
    }

    async fn case_reply(
        &self,
        origin: &Origin,
        key: &str,
        raw: &[u8],
        case_number: CaseNumber,
        matched_by: ThreadMatch,
        mut reply: EmailAppeal,
    ) -> Result<(), DeliverError> {
        // A reply naming a case the store does not have is a new appeal, flagged.
        let case = self
            .store
            .appeal_by_case_number(&case_number)
            .map_err(origin.store_error("the case lookup"))?;
        let Some(case) = case else {
            let field = match matched_by {
                ThreadMatch::InReplyTo(_) => "In-Reply-To",
                ThreadMatch::References(_) => "References",
                ThreadMatch::Subject => "Subject",
            };
            reply.appeal.flags.push(IntakeFlag {
                field: field.into(),
                problem: format!(
                    "names case {case_number}, which is not stored; taken in as a new appeal"
                ),
                raw: Some(case_number.to_string()),
            });
            debug!(case_number = %case_number, "reply names an unknown case; taking it in as a new appeal");
            return self.new_appeal(origin, key, raw, reply).await;
        };

        // The reply kept whole beside the case, and a line in the case's history.
        let reply = self.store_attachments(origin, reply).await?;
        let case_id = case.appeal.id.clone();
        let mut batch = WriteBatch::new();
        batch
            .put_json(
                CASE_REPLIES,
                case_reply_key(&case_id, &reply.channel_message_id),
                &reply,
            )
            .map_err(origin.store_error("the reply"))?;
        batch.append_history(
            &case_id,
            HistoryEntry::now("citizen", "citizen_replied").with_note(reply_note(&reply)),
        );
        let record = origin.taken_in(TakenInOutcome::CaseReply {
            appeal_id: case_id.clone(),
            case_number: case_number.clone(),
        });
        batch
            .put_json(TAKEN_IN, key, &record)
            .map_err(origin.store_error("the taken-in record"))?;
        self.store
            .commit(batch)
            .await
            .map_err(origin.store_error("the reply and its history entry"))?;
        debug!(appeal_id = %case_id, case_number = %case_number, text = %mask::text(&reply.body), "email added to its case");
        if let Some(after) = &self.after {
            after(StoredEmail::CaseReply {
                case_number: case_number.clone(),
                text: reply.body.clone(),
                message_id: reply.channel_message_id.clone(),
                from: reply.citizen.email.clone(),
            })
            .await;
        }
        Ok(())
    }

    async fn not_an_appeal(
        &self,
        origin: &Origin,
        key: &str,
        raw: &[u8],
        reason: &NotAnAppeal,
    ) -> Result<(), DeliverError> {
        // Kept whole, so an operator can still read what was passed over.
        let record = origin.taken_in(TakenInOutcome::NotAnAppeal {
            reason: reason.to_string(),
            raw: RawOriginal::new(channel_adapters::email::RAW_CONTENT_TYPE, raw),
        });
        let mut batch = WriteBatch::new();
        batch
            .put_json(TAKEN_IN, key, &record)
            .map_err(origin.store_error("the taken-in record"))?;
        self.store
            .commit(batch)
            .await
            .map_err(origin.store_error("the taken-in record"))?;
        let kind = match reason {
            NotAnAppeal::AutoReply { .. } => "auto_reply",
            NotAnAppeal::Bounce { .. } => "bounce",
            NotAnAppeal::MailingList { .. } => "mailing_list",
        };
        debug!(kind, "email is not an appeal; kept, not acknowledged");
        Ok(())
    }

    /// Stores each attachment's bytes under its hash; one over the store's limit is flagged
    /// and stays readable inside the raw message the appeal keeps.
    async fn store_attachments(
        &self,
        origin: &Origin,
        email: EmailAppeal,
    ) -> Result<Appeal, DeliverError> {
        let EmailAppeal {
            mut appeal,
            attachments,
        } = email;
        let mut too_large = Vec::new();
        for (reference, attachment) in appeal.attachments.iter_mut().zip(attachments) {
            match self.store.put_attachment(attachment.bytes).await {
                Ok(_) => {}
                Err(StoreError::AttachmentTooLarge {
                    size_bytes,
                    max_attachment_bytes,
                }) => {
                    reference.sha256 = None;
                    too_large.push(IntakeFlag {
                        field: "attachment".into(),
                        problem: format!(
                            "attachment of {size_bytes} bytes is over the store's limit of \
                             {max_attachment_bytes}; kept only inside the raw message"
                        ),
                        raw: reference.file_name.clone(),
                    });
                }
                Err(problem) => return Err(origin.store_error("an attachment")(problem)),
            }
        }
        appeal.flags.extend(too_large);
        Ok(appeal)
    }
}

/// The history note of a citizen's reply, for the people handling the case.
fn reply_note(reply: &Appeal) -> String {
    let mut note = format!("市民邮件补充：{}", reply.body.trim());
    if !reply.attachments.is_empty() {
        note.push_str(&format!("\n（附件 {} 个）", reply.attachments.len()));
    }
    note
}

impl StoreSink {
    /// An emergency that came by email goes to the hand-off once, when it is first stored; a
    /// redelivered mail is a duplicate and raises nothing again.
    async fn hand_off_emergency(
        &self,
        appeal: &Appeal,
        decision: &RoutingDecision,
        stored: &IntakeOutcome,
    ) {
        let Some(emergency) = decision.emergency.as_ref().filter(|_| !stored.duplicate) else {
            return;
        };
        warn!(appeal_id = %stored.appeal_id, case_number = %stored.case_number, service = emergency.service.number(), "emergency appeal arrived by email");
        let Some(handoff) = &self.handoff else {
            return;
        };
        // The appeal is stored whatever happens here; a failed hand-off is for the people
        // on duty, and failing the mail would only make its redelivery a duplicate.
        if let Err(error) = handoff(
            appeal.clone(),
            decision.clone(),
            stored.case_number.to_string(),
        )
        .await
        {
            tracing::error!(appeal_id = %stored.appeal_id, %error, "could not hand the emergency off");
        }
    }
}
