//! The path of every appeal: route, store durably, open its case or join the open case it
//! repeats, hand an emergency off, then answer.
//!
//! Each stage runs in its own span (`intake`, `route`, `store`) carrying the appeal id and
//! the channel; nothing personal is logged, only ids, the channel and the text's length.

use std::time::Instant;

use channel_adapters::IntakeOutcome;
use gateway_core::mask;
use gateway_core::{Appeal, Principle};
use routing_rules::RouteInput;
use tracing::Instrument as _;

use super::emergency::service_of;
use super::error::ApiError;
use super::state::AppState;
use crate::knowledge::intake as knowledge;

/// Routes the appeal with the rules in force and stores it with its decision. Returns only
/// once the appeal is durable. A retry of the same channel message gets the first intake's
/// appeal id and case number, creates nothing and raises no second hand-off.
pub async fn take_in(state: &AppState, appeal: Appeal) -> Result<IntakeOutcome, ApiError> {
    let span = tracing::info_span!(
        "intake",
        appeal_id = %appeal.id,
        channel = %appeal.channel,
    );
    async move {
        let channel = appeal.channel;

        // A citizen's "没有帮助" to a direct answer sends that case to its unit instead.
        if let Some(outcome) = knowledge::answer_not_helpful(state, &appeal).await {
            return Ok(outcome);
        }

        let decision = {
            let _route = tracing::info_span!("route").entered();
            let rules = state.rules.current();
            let decision = rules.route(&RouteInput::from(&appeal));
            tracing::debug!(
                text = %mask::text(&appeal.body),
                lead_unit = %decision.lead_unit,
                principle = decision.principle.as_str(),
                emergency = decision.emergency.as_ref().map(|e| e.service.number()),
                "routed"
            );
            decision
        };

        // A citizen answering a survey is not a new appeal, unless it reports an emergency.
        // If the follow-up cannot be read, the message is taken in as an appeal: kept either
        // way, and people can see it.
        if decision.emergency.is_none()
            && let Some(follow_ups) = &state.follow_ups
            && let Some(taken) = follow_ups
                .take_reply(&appeal, decision.principle != Principle::Coordination)
                .await
                .inspect_err(|error| tracing::warn!(%error, "the survey answer could not be read; taking the message in as an appeal"))
                .ok()
                .flatten()
        {
            state
                .metrics
                .intake
                .with_label_values(&[channel.as_str(), "follow_up_reply"])
                .inc();
            return Ok(IntakeOutcome {
                appeal_id: taken.appeal_id,
                case_number: taken.case_number.to_string(),
                emergency: None,
                reply: Some(taken.answer),
            });
        }

        let started = Instant::now();
        let stored = state
            .store
            .intake(appeal.clone(), decision.clone())
            .instrument(tracing::info_span!("store"))
            .await;
        state
            .metrics
            .store_commit_seconds
            .with_label_values(&["intake"])
            .observe(started.elapsed().as_secs_f64());
        let outcome = stored?;

        // The knowledge base answers a consultation itself or attaches its best entries.
        let knowledge_reply =
            knowledge::consult_knowledge(state, &appeal, &decision, &outcome).await;

        // Its case: the open case it repeats (重复件), or a new one; a consultation answered
        // from the knowledge base has its own, resolved at once. A retry answers with
        // whichever the first intake gave.
        let mut case_number = outcome.case_number.clone();
        if let Some(cases) = &state.cases {
            if outcome.duplicate {
                match cases.followed_case(&outcome.appeal_id, &outcome.case_number) {
                    Ok(followed) => case_number = followed,
                    Err(error) => tracing::warn!(%error, "could not read the appeal's link"),
                }
            } else if knowledge_reply.is_some() {
                if let Err(error) = cases.open_case(&outcome.appeal_id).await {
                    // The appeal is stored; its case is opened at the next start.
                    tracing::error!(%error, case = %outcome.case_number, "could not open the case");
                }
            } else {
                match cases.open_or_link(&outcome.appeal_id).await {
                    Ok(intake) => case_number = intake.case_number().clone(),
                    // The appeal is stored; its case is opened at the next start.
                    Err(error) => {
                        tracing::error!(%error, case = %outcome.case_number, "could not open the case")
                    }
                }
            }
        }

        let result = if outcome.duplicate {
            "duplicate"
        } else {
            "new"
        };
        state
            .metrics
            .intake
            .with_label_values(&[channel.as_str(), result])
            .inc();

        // A retry answers with what was decided the first time.
        let emergency = if outcome.duplicate {
            let stored_decision = state.store.decision(&outcome.appeal_id)?;
            stored_decision.as_ref().and_then(service_of)
        } else {
            state
                .metrics
                .decisions
                .with_label_values(&[decision.principle.as_str()])
                .inc();
            let emergency = service_of(&decision);
            if emergency.is_some() {
                let mut appeal = appeal;
                appeal.id = outcome.appeal_id.clone();
                state
                    .emergencies
                    .hand_off(appeal, decision, outcome.case_number.to_string())
                    .await?;
            }
            emergency
        };

        tracing::debug!(
            stored_id = %outcome.appeal_id,
            case_number = %case_number,
            duplicate = outcome.duplicate,
            "appeal stored"
        );
        Ok(IntakeOutcome {
            appeal_id: outcome.appeal_id,
            case_number: case_number.to_string(),
            emergency,
            reply: knowledge_reply,
        })
    }
    .instrument(span)
    .await
}

/// Takes in every appeal of a request in order, stopping at the first failure (the channel
/// then retries the whole request, and what was stored answers as a duplicate).
pub async fn take_in_all(
    state: &AppState,
    appeals: impl IntoIterator<Item = Appeal>,
) -> Result<Vec<IntakeOutcome>, ApiError> {
    let mut outcomes = Vec::new();
    for appeal in appeals {
        outcomes.push(take_in(state, appeal).await?);
    }
    Ok(outcomes)
}
