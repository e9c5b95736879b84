//! The case service: opens cases for stored appeals, applies actions, and carries out what
//! the case machine asks (notices, re-routing, coordination, follow-up), each action in one
//! durable batch with the case, its history and its outbox entries.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use gateway_core::calendar::{WorkingCalendar, day_of, to_shanghai};
use gateway_core::case::{
    Action, Actor, Case, CaseNumber, CaseOpening, Command, Effect, Notice, Recipient,
    SupervisionList, due_steps, supervision_list,
};
use gateway_core::store::{
    AppealFilter, AppealRecord, AppealStore, HistoryEntry, MAX_PAGE_LIMIT, PageRequest, WriteBatch,
};
use gateway_core::{AppealId, RoutingDecision, UnitId};
use serde_json::json;
use tokio::sync::Notify;

use super::clock::Clock;
use super::config::{CasesSettings, TokenOwner};
use super::duplicates::DuplicateBook;
use super::error::{CasesConfigError, CasesError};
use super::locks::CaseLocks;
use super::metrics::CaseMetrics;
use super::records::{self, FOLLOW_UPS_TABLE};
use super::reroute::{DecisionSource, without_units};
use crate::dispatch::template::render;
use crate::dispatch::{
    Delivery, DeliveryId, DeliveryRole, DeliveryState, DispatchNotice, DispatchWorker, EmailSender,
    TargetRef, WorkerParts, outbox,
};

/// What the service needs.
pub struct CaseServiceParts {
    /// The durable store that issued the case numbers.
    pub store: AppealStore,
    /// The checked cases config.
    pub settings: CasesSettings,
    /// The clock for commands, supervision and retries.
    pub clock: Arc<dyn Clock>,
    /// The rules, for re-routing returned cases.
    pub decisions: Arc<dyn DecisionSource>,
    /// The sender for email targets (the email channel's SMTP sender), if any.
    pub email: Option<Arc<dyn EmailSender>>,
}

/// Cases, their actions and their dispatch. Share it behind an `Arc`.
pub struct CaseService {
    store: AppealStore,
    calendar: WorkingCalendar,
    settings: CasesSettings,
    clock: Arc<dyn Clock>,
    decisions: Arc<dyn DecisionSource>,
    email: Option<Arc<dyn EmailSender>>,
    metrics: CaseMetrics,
    locks: CaseLocks,
    wake: Arc<Notify>,
    surveys: Option<Arc<crate::followup::Surveys>>,
    duplicates: DuplicateBook,
}

impl std::fmt::Debug for CaseService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseService")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// Everything one action changes, gathered before the one commit.
#[derive(Default)]
struct Work {
    history: Vec<HistoryEntry>,
    decision: Option<RoutingDecision>,
    deliveries: Vec<Delivery>,
    follow_up: Option<DateTime<Utc>>,
    actions: Vec<&'static str>,
    reroutes: Vec<&'static str>,
    steps: Vec<String>,
    extra: Option<WriteBatch>,
}

/// The Chinese word for a delivery role, for templates.
fn role_chinese(role: DeliveryRole) -> &'static str {
    match role {
        DeliveryRole::Lead => "主办",
        DeliveryRole::Assisting => "协办",
        DeliveryRole::Former => "原承办",
        DeliveryRole::Supervisor => "督办",
    }
}

/// A deadline in Beijing time; a midnight deadline reads as 24:00 of the day before.
pub(crate) fn beijing(at: DateTime<Utc>) -> String {
    let local = to_shanghai(at);
    if local.time() == chrono::NaiveTime::MIN {
        let day = day_of(at - chrono::Duration::seconds(1));
        format!("{} 24:00", day.format("%Y年%m月%d日"))
    } else {
        local.format("%Y年%m月%d日 %H:%M").to_string()
    }
}

/// The name of an actor in the appeal's history.
fn actor_name(actor: &Actor) -> String {
    match actor {
        Actor::Unit(unit) => unit.as_str().to_string(),
        Actor::Supervisor(staff_id) => format!("supervisor:{staff_id}"),
        Actor::System => "gateway".to_string(),
    }
}

impl CaseService {
    /// The service over the store, with the embedded working calendar. The duplicate index
    /// is rebuilt here from the stored appeals of the comparison window.
    pub fn new(parts: CaseServiceParts) -> Result<Self, CasesConfigError> {
        let calendar =
            WorkingCalendar::embedded().map_err(|e| CasesConfigError::Calendar(e.to_string()))?;
        let duplicates = DuplicateBook::new(&parts.settings.duplicates)
            .map_err(|e| CasesConfigError::Duplicates(e.to_string()))?;
        let started = std::time::Instant::now();
        let indexed = duplicates
            .rebuild(&parts.store, parts.clock.now())
            .map_err(|e| CasesConfigError::Duplicates(e.to_string()))?;
        tracing::info!(
            indexed,
            millis = started.elapsed().as_millis() as u64,
            detection = duplicates.enabled(),
            "duplicate index rebuilt"
        );
        Ok(Self {
            store: parts.store,
            calendar,
            settings: parts.settings,
            clock: parts.clock,
            decisions: parts.decisions,
            email: parts.email,
            metrics: CaseMetrics::new(),
            locks: CaseLocks::default(),
            wake: Arc::new(Notify::new()),
            surveys: None,
            duplicates,
        })
    }

    /// Sends a survey (回访) to the citizen whenever a unit resolves a case.
    pub fn with_surveys(mut self, surveys: Arc<crate::followup::Surveys>) -> Self {
        self.surveys = Some(surveys);
        self
    }

    /// The surveys, when follow-up is configured.
    pub fn surveys(&self) -> Option<&Arc<crate::followup::Surveys>> {
        self.surveys.as_ref()
    }

    /// The store the cases live in.
    pub fn store(&self) -> &AppealStore {
        &self.store
    }

    /// The duplicate index.
    pub fn duplicates(&self) -> &DuplicateBook {
        &self.duplicates
    }

    /// The working calendar deadlines and reports count on.
    pub fn calendar(&self) -> &WorkingCalendar {
        &self.calendar
    }

    /// The counters.
    pub fn metrics(&self) -> &CaseMetrics {
        &self.metrics
    }

    /// The settings in force.
    pub fn settings(&self) -> &CasesSettings {
        &self.settings
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The worker that sends this service's outbox; spawn its `run`.
    pub fn dispatch_worker(&self) -> Result<DispatchWorker, CasesConfigError> {
        DispatchWorker::new(WorkerParts {
            store: self.store.clone(),
            config: self.settings.dispatch.clone(),
            targets: self.settings.targets.clone(),
            clock: Arc::clone(&self.clock),
            email: self.email.clone(),
            metrics: self.metrics.clone(),
            wake: Arc::clone(&self.wake),
        })
        .map_err(|e| CasesConfigError::Client(e.to_string()))
    }

    /// Who holds this bearer token; every known token is compared in constant time.
    pub fn authenticate(&self, token: &str) -> Option<TokenOwner> {
        use subtle::ConstantTimeEq as _;
        let mut found = None;
        for (known, owner) in &self.settings.tokens {
            if bool::from(known.as_bytes().ct_eq(token.as_bytes())) {
                found = Some(owner.clone());
            }
        }
        found
    }

    /// Opens the case of a stored appeal with its routing decision and case number from the
    /// store, and queues its dispatch. Opening an appeal's case again returns the case as it
    /// is and queues nothing.
    pub async fn open_case(&self, appeal_id: &AppealId) -> Result<Case, CasesError> {
        let record = self
            .store
            .appeal(appeal_id)?
            .ok_or_else(|| CasesError::NotFound(format!("no appeal {appeal_id} is stored")))?;
        let _guard = self.locks.lock(&record.case_number).await;
        if let Some(existing) = records::load(&self.store, &record.case_number)? {
            return Ok(existing);
        }

        // The deadline counts from receipt; an emergency handed to 110/119/120/122 is
        // followed up in hours.
        let decision = &record.decision;
        let opening = CaseOpening {
            case_number: record.case_number.clone(),
            appeal_id: appeal_id.clone(),
            kind: decision.kind,
            urgent: decision.emergency.is_some(),
            lead_unit: decision.lead_unit.clone(),
            assisting_units: decision.assisting_units.clone(),
            received_at: record.appeal.received_at,
        };
        let mut work = Work::default();
        work.actions.push("open");
        let now = self.clock.now();
        work.history.push(HistoryEntry {
            at: now,
            actor: "gateway".to_string(),
            action: "case_opened".to_string(),
            note: Some(format!("主办单位 {}", decision.lead_unit)),
        });

        // A consultation the knowledge base answered at intake opens resolved, telling no unit.
        // It is closed once the "did not help" window has passed (`knowledge::closing`).
        // Limitation: no follow-up survey is sent for it; not saying it did not help is
        // its only rating.
        let knowledge = crate::knowledge::records::load(&self.store, &record.case_number)?;
        if let Some(answer) = knowledge.and_then(|k| k.direct_answer) {
            let case = Case::open_answered(
                opening,
                answer.entry_id.clone(),
                &self.calendar,
                &self.settings.policy,
            )?;
            work.actions.push("answer_from_knowledge");
            work.history.push(HistoryEntry {
                at: now,
                actor: "gateway".to_string(),
                action: "case_answer_from_knowledge".to_string(),
                note: Some(format!(
                    "知识库直接答复：条目 {}（{}），匹配度 {:.2}",
                    answer.entry_id, answer.owner, answer.score
                )),
            });
            self.commit(None, &case, &record, work).await?;
            return Ok(case);
        }

        let (mut case, effects) = Case::open(
            opening,
            Actor::System,
            &self.calendar,
            &self.settings.policy,
        )?;
        for effect in effects {
            self.carry_out(&mut case, &record, effect, now, &mut work)?;
        }
        self.commit(None, &case, &record, work).await?;
        Ok(case)
    }

    /// What the knowledge base did for a case (its direct answer or its candidates).
    pub fn knowledge_of(
        &self,
        case_number: &CaseNumber,
    ) -> Result<Option<crate::knowledge::KnowledgeRecord>, CasesError> {
        Ok(crate::knowledge::records::load(&self.store, case_number)?)
    }

    /// Opens the case of every stored appeal that has none: those taken in while the
    /// daemon stopped between storing an appeal and opening its case. Emergencies get a
    /// case too, followed up in hours. Returns how many were opened.
    // Limitation: this walks every stored appeal, so it is meant for start-up, not for
    // every round.
    pub async fn open_missing_cases(&self) -> Result<usize, CasesError> {
        let mut opened = 0;
        let mut page = PageRequest::first(MAX_PAGE_LIMIT);
        loop {
            let found = self.store.list(&AppealFilter::default(), &page)?;
            for record in &found.records {
                // Limitation: an appeal whose case is opened here (one taken in by email, or
                // stored just before a stop) is not checked for duplicates.
                let linked = super::duplicates::records::link_of(&self.store, &record.appeal.id)?;
                if linked.is_none() && records::load(&self.store, &record.case_number)?.is_none() {
                    self.open_case(&record.appeal.id).await?;
                    opened += 1;
                }
            }
            match found.next_cursor {
                Some(cursor) => page = PageRequest::after(MAX_PAGE_LIMIT, cursor),
                None => return Ok(opened),
            }
        }
    }

    /// The case with this number.
    pub fn case(&self, case_number: &CaseNumber) -> Result<Option<Case>, CasesError> {
        Ok(records::load(&self.store, case_number)?)
    }

    /// The appeal behind a case.
    pub fn appeal_of(&self, case: &Case) -> Result<Option<AppealRecord>, CasesError> {
        Ok(self.store.appeal(case.appeal_id())?)
    }

    /// Applies one action at the clock's time and carries out its effects, all in one
    /// durable batch. Returns the case as stored after it.
    pub async fn act(
        &self,
        case_number: &CaseNumber,
        actor: Actor,
        action: Action,
    ) -> Result<Case, CasesError> {
        self.act_with(case_number, actor, action, WriteBatch::new())
            .await
    }

    /// [`act`](Self::act), with `extra` writes (a follow-up's record, say) committed in the
    /// same batch as the action, or not at all when the action is refused.
    pub async fn act_with(
        &self,
        case_number: &CaseNumber,
        actor: Actor,
        action: Action,
        extra: WriteBatch,
    ) -> Result<Case, CasesError> {
        let _guard = self.locks.lock(case_number).await;
        let before = records::load(&self.store, case_number)?
            .ok_or_else(|| CasesError::CaseNotFound(case_number.clone()))?;
        let record = self.store.appeal(before.appeal_id())?.ok_or_else(|| {
            CasesError::NotFound(format!(
                "case {case_number} names appeal {}, which is not stored",
                before.appeal_id()
            ))
        })?;
        let mut case = before.clone();
        let mut work = Work::default();
        let command = Command::new(self.clock.now(), actor, action);
        self.apply(&mut case, &record, command, &mut work)?;
        work.extra = Some(extra);
        self.commit(Some(&before), &case, &record, work).await?;
        if case.state() != before.state() {
            self.duplicates.track(case.case_number(), case.state());
        }
        Ok(case)
    }

    /// Applies a command to the case in memory and gathers what it changes.
    fn apply(
        &self,
        case: &mut Case,
        record: &AppealRecord,
        command: Command,
        work: &mut Work,
    ) -> Result<(), CasesError> {
        let at = command.at;
        let history = HistoryEntry {
            at,
            actor: actor_name(&command.actor),
            action: format!("case_{}", command.action.name()),
            note: command.action.reason().map(str::to_string),
        };
        let name = command.action.name();
        if let Action::Reassign {
            lead_unit,
            assisting_units,
            ..
        } = &command.action
        {
            let mut decision = work
                .decision
                .clone()
                .unwrap_or_else(|| record.decision.clone());
            decision.lead_unit = lead_unit.clone();
            decision.assisting_units = assisting_units.clone();
            work.decision = Some(decision);
        }
        if let Action::RecordSupervision { step } = &command.action {
            work.steps.push(step.clone());
        }
        let effects = case.apply(command, &self.calendar, &self.settings.policy)?;
        work.history.push(history);
        work.actions.push(name);
        for effect in effects {
            self.carry_out(case, record, effect, at, work)?;
        }
        Ok(())
    }

    /// Does what one effect asks.
    fn carry_out(
        &self,
        case: &mut Case,
        record: &AppealRecord,
        effect: Effect,
        at: DateTime<Utc>,
        work: &mut Work,
    ) -> Result<(), CasesError> {
        match effect {
            Effect::Notify { recipient, notice } => {
                let deliveries = self.compose(
                    case,
                    record,
                    &recipient,
                    DispatchNotice::Case { notice },
                    at,
                )?;
                work.deliveries.extend(deliveries);
            }
            Effect::Reroute { excluding } => self.reroute(case, record, &excluding, at, work)?,
            Effect::SendToCoordination { returned_by } => {
                let notice = DispatchNotice::Coordination { returned_by };
                let deliveries = self.compose(case, record, &Recipient::Supervisors, notice, at)?;
                work.deliveries.extend(deliveries);
            }
            // Supervision is counted against the deadline in force at every round, so a
            // moved deadline needs nothing more here.
            Effect::DeadlineMoved { from, to } => {
                tracing::debug!(case = %case.case_number(), %from, %to, "deadline moved");
            }
            Effect::FollowUp => work.follow_up = Some(at),
        }
        Ok(())
    }

    /// Routes a returned case again without the units that returned it; if no unit is left,
    /// it goes to the platform's coordination.
    fn reroute(
        &self,
        case: &mut Case,
        record: &AppealRecord,
        excluding: &[UnitId],
        at: DateTime<Utc>,
        work: &mut Work,
    ) -> Result<(), CasesError> {
        // Limitation: the case machine lets only supervisors reassign, so the gateway's own
        // re-routing is recorded as a reassignment by the configured `reroute_staff_id`.
        let fresh = self.decisions.decide(&record.appeal);
        if let Some(decision) = without_units(fresh, excluding) {
            let reassign = Command::new(
                at,
                Actor::Supervisor(self.settings.reroute_staff_id.clone()),
                Action::Reassign {
                    lead_unit: decision.lead_unit.clone(),
                    assisting_units: decision.assisting_units.clone(),
                    reason: "承办单位退回，按规则重新派单".to_string(),
                },
            );
            let mut attempt = Work::default();
            let mut trial = case.clone();
            if self
                .apply(&mut trial, record, reassign, &mut attempt)
                .is_ok()
            {
                *case = trial;
                let mut decision = decision;
                if let Some(reassigned) = attempt.decision.take() {
                    decision.lead_unit = reassigned.lead_unit;
                    decision.assisting_units = reassigned.assisting_units;
                }
                work.decision = Some(decision);
                work.history.extend(attempt.history);
                work.deliveries.extend(attempt.deliveries);
                work.actions.extend(attempt.actions);
                work.reroutes.push("rerouted");
                return Ok(());
            }
        }
        let coordinate = Command::new(
            at,
            Actor::System,
            Action::SendToCoordination {
                reason: "退回后规则未找到其他承办单位，转平台协调".to_string(),
            },
        );
        self.apply(case, record, coordinate, work)?;
        work.reroutes.push("coordination");
        Ok(())
    }

    /// The deliveries of one notice: one per target of the recipient, or one failed
    /// delivery that says the recipient has no target.
    fn compose(
        &self,
        case: &Case,
        record: &AppealRecord,
        recipient: &Recipient,
        notice: DispatchNotice,
        at: DateTime<Utc>,
    ) -> Result<Vec<Delivery>, CasesError> {
        // A case the rules left to the platform's coordination is the supervisors' to place,
        // unless the config gives coordination a unit entry of its own.
        let coordination = Recipient::Unit(UnitId::coordination());
        let recipient =
            if recipient == &coordination && self.settings.targets.targets(recipient).is_empty() {
                &Recipient::Supervisors
            } else {
                recipient
            };
        let role = match recipient {
            Recipient::Supervisors => DeliveryRole::Supervisor,
            Recipient::Unit(unit) if unit == case.lead_unit() => DeliveryRole::Lead,
            Recipient::Unit(unit) if case.assisting_units().contains(unit) => {
                DeliveryRole::Assisting
            }
            Recipient::Unit(_) => DeliveryRole::Former,
        };
        let values = self.template_values(case, record, recipient, role, &notice);
        let templates = &self.settings.dispatch.templates;
        let template = match &notice {
            DispatchNotice::Coordination { .. } => &templates.coordination,
            DispatchNotice::Case { notice } => match notice {
                Notice::NewCase { .. } => &templates.new_case,
                Notice::AssistRequested => &templates.assist_requested,
                Notice::Withdrawn => &templates.withdrawn,
                Notice::Reopened { .. } => &templates.reopened,
                Notice::ExtensionRequested { .. } => &templates.extension_requested,
                Notice::ExtensionGranted { .. } => &templates.extension_granted,
                Notice::ExtensionRefused => &templates.extension_refused,
                Notice::Supervision { .. } => &templates.supervision,
            },
        };
        let text = render(template, &values);
        let subject = render(&templates.email_subject, &values);

        // A unit that no longer holds the case is told so without the appeal's content.
        let appeal = record.appeal.clone();
        let appeal_json = match role {
            DeliveryRole::Former => serde_json::Value::Null,
            _ => json!({
                "title": appeal.title,
                "body": appeal.body,
                "address": appeal.location.address,
                "channel": appeal.channel,
                "received_at": appeal.received_at,
                "attachments": appeal.attachments,
                "citizen": if role == DeliveryRole::Assisting { serde_json::Value::Null } else {
                    serde_json::to_value(&appeal.citizen).unwrap_or_default()
                },
            }),
        };

        // The knowledge base's best entries help the units that handle the case.
        let candidates = match role {
            DeliveryRole::Lead | DeliveryRole::Assisting => self
                .knowledge_of(case.case_number())?
                .map(|k| k.candidates)
                .unwrap_or_default(),
            DeliveryRole::Former | DeliveryRole::Supervisor => Vec::new(),
        };

        let targets = self.settings.targets.targets(recipient);
        let mut deliveries = Vec::new();
        let one = |target: Option<TargetRef>| -> Result<Delivery, CasesError> {
            let id = DeliveryId::generate(at);
            let body = json!({
                "delivery_id": id,
                "case_number": case.case_number(),
                "recipient": recipient,
                "role": role,
                "notice": &notice,
                "text": text,
                "case": {
                    "state": case.state(),
                    "kind": case.kind(),
                    "lead_unit": case.lead_unit(),
                    "assisting_units": case.assisting_units(),
                    "deadline": case.deadline().due_at,
                },
                "appeal": appeal_json,
                "knowledge_candidates": candidates,
                "sent_for": at,
            });
            let body = serde_json::to_string(&body).map_err(|e| {
                CasesError::BadRequest(format!("the notice could not be encoded: {e}"))
            })?;
            Ok(Delivery {
                id,
                case_number: case.case_number().clone(),
                recipient: recipient.clone(),
                role,
                target,
                notice: notice.clone(),
                text: text.clone(),
                subject: subject.clone(),
                body,
                state: DeliveryState::Pending,
                attempts: 0,
                created_at: at,
                next_attempt_at: at,
                last_attempt_at: None,
                last_error: None,
                finished_at: None,
            })
        };
        if targets.is_empty() {
            // Never dropped: kept as a failure people can see, fix and retry.
            let mut delivery = one(None)?;
            delivery.state = DeliveryState::Failed;
            delivery.finished_at = Some(at);
            delivery.last_error = Some(format!(
                "{} has no delivery target in the cases config; add one, then retry",
                match recipient {
                    Recipient::Unit(unit) => format!("unit {unit}"),
                    Recipient::Supervisors => "the supervisors".to_string(),
                }
            ));
            deliveries.push(delivery);
        }
        for target in targets {
            deliveries.push(one(Some(TargetRef {
                kind: target.kind().to_string(),
                address: target.address().to_string(),
            }))?);
        }
        Ok(deliveries)
    }

    /// The values a notice template may use.
    fn template_values(
        &self,
        case: &Case,
        record: &AppealRecord,
        recipient: &Recipient,
        role: DeliveryRole,
        notice: &DispatchNotice,
    ) -> BTreeMap<&'static str, String> {
        let name_of = |unit: &UnitId| {
            self.settings
                .unit_names
                .get(unit)
                .cloned()
                .unwrap_or_else(|| unit.as_str().to_string())
        };
        let appeal = &record.appeal;
        let title = match &appeal.title {
            Some(title) if !title.trim().is_empty() => title.clone(),
            _ => {
                let mut summary: String = appeal.body.chars().take(40).collect();
                if appeal.body.chars().count() > 40 {
                    summary.push('…');
                }
                summary
            }
        };
        let (unit, unit_name) = match recipient {
            Recipient::Unit(unit) => (unit.as_str().to_string(), name_of(unit)),
            Recipient::Supervisors => ("supervisors".to_string(), "平台督办人员".to_string()),
        };
        let mut values = BTreeMap::from([
            ("case_number", case.case_number().as_str().to_string()),
            ("unit", unit),
            ("unit_name", unit_name),
            ("role", role_chinese(role).to_string()),
            ("kind", case.kind().chinese().to_string()),
            ("title", title),
            (
                "address",
                appeal
                    .location
                    .address
                    .clone()
                    .unwrap_or_else(|| "未填写".to_string()),
            ),
            ("deadline", beijing(case.deadline().due_at)),
            ("lead_unit", name_of(case.lead_unit())),
        ]);
        match notice {
            DispatchNotice::Case { notice } => {
                values.insert("notice", notice.chinese());
                match notice {
                    Notice::ExtensionRequested { working_days }
                    | Notice::ExtensionGranted { working_days, .. } => {
                        values.insert("working_days", working_days.to_string());
                    }
                    Notice::Supervision { level, .. } => {
                        values.insert("level", level.chinese().to_string());
                    }
                    _ => {}
                }
            }
            DispatchNotice::Coordination { .. } => {
                values.insert("working_days", case.return_count().to_string());
                values.insert("notice", "待平台协调".to_string());
            }
        }
        values
    }

    /// Writes the case, its history, decision, outbox entries and follow-up in one batch,
    /// then counts and wakes the dispatch worker.
    async fn commit(
        &self,
        before: Option<&Case>,
        case: &Case,
        record: &AppealRecord,
        work: Work,
    ) -> Result<(), CasesError> {
        let appeal_id = case.appeal_id();
        let mut batch = WriteBatch::new();
        records::stage(&mut batch, before, case)?;
        for entry in work.history {
            batch.append_history(appeal_id, entry);
        }
        if let Some(decision) = work.decision
            && decision != record.decision
        {
            batch.replace_decision(appeal_id, decision);
        }
        let mut failed = 0;
        for delivery in &work.deliveries {
            if delivery.state == DeliveryState::Failed {
                failed += 1;
                tracing::error!(
                    case = %delivery.case_number,
                    delivery = %delivery.id,
                    "a notice has no delivery target; it is listed at /api/v1/deliveries?state=failed"
                );
            }
            outbox::put(&mut batch, delivery)?;
        }
        let mut surveyed = false;
        if let Some(at) = work.follow_up {
            match &self.surveys {
                Some(surveys) => {
                    surveys.stage_resolved(&mut batch, case.case_number(), &record.appeal, at)?;
                    surveyed = true;
                }
                None => {
                    batch.put_json(
                        FOLLOW_UPS_TABLE,
                        case.case_number().as_str(),
                        &json!({"case_number": case.case_number(), "appeal_id": appeal_id, "resolved_at": at}),
                    )?;
                }
            }
        }
        if let Some(extra) = work.extra {
            batch.append(extra);
        }
        self.store.commit(batch).await?;
        if surveyed && let Some(surveys) = &self.surveys {
            surveys.notify();
        }

        // Counted once durable.
        for action in work.actions {
            self.metrics.case_actions.with_label_values(&[action]).inc();
        }
        for outcome in work.reroutes {
            self.metrics.reroutes.with_label_values(&[outcome]).inc();
        }
        for step in work.steps {
            self.metrics
                .supervision_steps
                .with_label_values(&[step.as_str()])
                .inc();
        }
        if failed > 0 {
            self.metrics
                .deliveries
                .with_label_values(&["failed"])
                .inc_by(failed);
        }
        if !work.deliveries.is_empty() {
            self.wake.notify_one();
        }
        Ok(())
    }

    /// The cases a unit leads or assists now.
    pub fn unit_cases(&self, unit: &UnitId) -> Result<Vec<Case>, CasesError> {
        Ok(records::of_unit(&self.store, unit)?)
    }

    /// Every case.
    pub fn all_cases(&self) -> Result<Vec<Case>, CasesError> {
        Ok(records::all(&self.store)?)
    }

    /// What is due and overdue per lead unit, now.
    pub fn supervision(&self) -> Result<SupervisionList, CasesError> {
        let cases = records::active(&self.store)?;
        supervision_list(
            cases.iter(),
            &self.calendar,
            &self.settings.policy,
            self.clock.now(),
        )
        .map_err(|e| CasesError::Calendar(e.to_string()))
    }

    /// One supervision round: records every step that fell due (once per step and
    /// deadline) and queues its notices. Returns how many steps were recorded.
    pub async fn run_supervision(&self) -> Result<usize, CasesError> {
        let now = self.clock.now();
        let mut recorded = 0;
        for case in records::active(&self.store)? {
            let due = match due_steps(&case, &self.calendar, &self.settings.policy, now) {
                Ok(due) => due,
                Err(error) => {
                    tracing::warn!(case = %case.case_number(), %error, "supervision steps could not be counted");
                    continue;
                }
            };
            for step in due {
                let action = Action::RecordSupervision { step: step.step };
                match self.act(case.case_number(), Actor::System, action).await {
                    Ok(_) => recorded += 1,
                    // Another round or an action got there first; nothing is owed.
                    Err(CasesError::Case(error)) => {
                        tracing::debug!(case = %case.case_number(), %error, "supervision step skipped");
                    }
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(recorded)
    }

    /// Deliveries in a state, oldest first.
    pub fn deliveries(
        &self,
        state: DeliveryState,
        limit: usize,
    ) -> Result<Vec<Delivery>, CasesError> {
        Ok(outbox::list(&self.store, state, limit)?)
    }

    /// Puts a failed delivery back in the queue, with a fresh retry period.
    pub async fn retry_delivery(&self, id: &DeliveryId) -> Result<Delivery, CasesError> {
        let mut delivery = outbox::get(&self.store, id)?
            .ok_or_else(|| CasesError::NotFound(format!("no delivery {id}")))?;
        if delivery.state != DeliveryState::Failed {
            return Err(CasesError::BadRequest(format!(
                "delivery {id} is {}; only a failed delivery can be retried",
                delivery.state.as_str()
            )));
        }
        let now = self.clock.now();
        delivery.state = DeliveryState::Pending;
        delivery.created_at = now;
        delivery.next_attempt_at = now;
        delivery.finished_at = None;
        if delivery.target.is_none() {
            // A recipient that had no target may have one now: queue one per target.
            let targets = self.settings.targets.targets(&delivery.recipient);
            if let Some(first) = targets.first() {
                delivery.target = Some(TargetRef {
                    kind: first.kind().to_string(),
                    address: first.address().to_string(),
                });
            }
        }
        let mut batch = WriteBatch::new();
        outbox::put(&mut batch, &delivery)?;
        self.store.commit(batch).await?;
        self.wake.notify_one();
        Ok(delivery)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_midnight_deadline_reads_as_24_00_of_the_day_before() {
        assert_eq!(
            beijing(at("2026-10-11T00:00:00+08:00")),
            "2026年10月10日 24:00"
        );
        assert_eq!(beijing(at("2026-10-01T04:00:00Z")), "2026年10月01日 12:00");
    }

    #[test]
    fn history_names_say_who_acted() {
        assert_eq!(actor_name(&Actor::Unit(UnitId::new("housing"))), "housing");
        assert_eq!(actor_name(&Actor::supervisor("D001")), "supervisor:D001");
        assert_eq!(actor_name(&Actor::System), "gateway");
    }
}
