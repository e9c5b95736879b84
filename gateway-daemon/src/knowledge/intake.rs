//! The knowledge base's two steps in intake: the direct answer to a consultation, and the
//! citizen's "did not help" reply that sends an answered case to its unit.

use std::collections::BTreeMap;

use channel_adapters::IntakeOutcome;
use chrono::{Duration, Utc};
use gateway_core::calendar::day_of;
use gateway_core::case::{Action, Actor};
use gateway_core::store::{IntakeOutcome as StoredOutcome, WriteBatch};
use gateway_core::{Appeal, RoutingDecision, mask};
use routing_rules::RouteInput;

use super::records::{self, CandidateRecord, DirectAnswerRecord, KnowledgeRecord};
use crate::dispatch::template::render;
use crate::server::AppState;

/// Asks the knowledge base about a stored appeal and records what it said, before the case
/// is opened (which reads the record: an answered case is opened resolved, without notices).
/// Returns the answer text for the channel's reply when the platform answers itself.
///
/// A retry gets the first intake's answer. An emergency is never answered. A failure here
/// is logged and the appeal is routed as usual: the knowledge base never loses an appeal.
pub async fn consult_knowledge(
    state: &AppState,
    appeal: &Appeal,
    decision: &RoutingDecision,
    stored: &StoredOutcome,
) -> Option<String> {
    let service = state.knowledge.as_ref()?;
    if stored.duplicate {
        return match records::load(&state.store, &stored.case_number) {
            Ok(record) => record.and_then(|r| r.direct_answer).map(|a| a.reply),
            Err(error) => {
                tracing::warn!(%error, case = %stored.case_number, "could not read the knowledge record of a retry");
                None
            }
        };
    }
    if decision.emergency.is_some() {
        return None;
    }

    // The entry's freshness counts on the day the appeal arrived, in Beijing.
    let today = day_of(appeal.received_at);
    let consultation = match service.consult(appeal, decision, today).await {
        Ok(consultation) => consultation,
        Err(error) => {
            tracing::warn!(%error, case = %stored.case_number, "the knowledge base could not be asked; routing as usual");
            return None;
        }
    };
    let templates = &service.config().templates;
    let direct_answer = consultation.answer.map(|(entry, score)| {
        let mut values = BTreeMap::from([
            ("answer", String::new()),
            ("source", entry.source.clone()),
            ("question", entry.question.clone()),
            ("case_number", stored.case_number.to_string()),
        ]);
        let room = templates
            .max_reply_chars
            .saturating_sub(render(&templates.answer, &values).chars().count());
        values.insert("answer", cut_to(&entry.answer, room));
        DirectAnswerRecord {
            reply: render(&templates.answer, &values),
            entry_id: entry.id,
            question: entry.question,
            owner: entry.owner,
            score,
        }
    });
    let record = KnowledgeRecord {
        case_number: stored.case_number.clone(),
        appeal_id: stored.appeal_id.clone(),
        decided_at: Utc::now(),
        direct_answer,
        route_reason: consultation.route_reason.map(str::to_string),
        candidates: consultation
            .candidates
            .iter()
            .map(CandidateRecord::from)
            .collect(),
        not_helpful_at: None,
        not_helpful_message_id: None,
    };

    // Durable before the case opens, so the case follows what was decided.
    let mut batch = WriteBatch::new();
    let citizen = records::citizen_key(appeal);
    let staged = records::stage(&mut batch, &record, citizen.as_deref());
    let committed = match staged {
        Ok(_) => state.store.commit(batch).await,
        Err(error) => Err(error),
    };
    if let Err(error) = committed {
        tracing::error!(%error, case = %stored.case_number, "could not store the knowledge record; routing as usual");
        return None;
    }
    let outcome = match (&record.direct_answer, &record.route_reason) {
        (Some(_), _) => "answered",
        (None, Some(reason)) => reason.as_str(),
        (None, None) => "routed",
    };
    state.metrics.knowledge.with_label_values(&[outcome]).inc();
    tracing::debug!(
        case = %stored.case_number,
        answered = record.direct_answer.is_some(),
        reason = record.route_reason.as_deref(),
        candidates = record.candidates.len(),
        "knowledge base consulted"
    );
    record.direct_answer.map(|answer| answer.reply)
}

/// When the appeal is the citizen's "did not help" reply to a direct answer given within
/// the configured window (same WeChat OpenID or SMS phone), sends that case to its lead
/// unit with a fresh deadline and answers with the "turned into a case" text; the channel's
/// retry of that message gets the same kind of answer. The reply itself is kept in the
/// case's history, not stored as an appeal. `None`: an ordinary appeal (or a survey answer),
/// taken in as usual.
pub async fn answer_not_helpful(state: &AppState, appeal: &Appeal) -> Option<IntakeOutcome> {
    let (service, cases) = (state.knowledge.as_ref()?, state.cases.as_ref()?);
    let config = &service.config().not_helpful;
    let key = records::citizen_key(appeal)?;
    if !says_not_helpful(&appeal.body, &config.phrases, config.max_chars) {
        return None;
    }
    // Only on a channel that gives direct answers, whose sender is proven (WeChat, a signed
    // Twilio account): an unsigned SMS callback cannot speak for the citizen's phone.
    if !service.replies_on(appeal) {
        return None;
    }

    // An emergency never waits behind a reply: it takes the usual path to its hand-off.
    let route = state.rules.current().route(&RouteInput::from(appeal));
    if route.emergency.is_some() {
        return None;
    }

    // The citizen's latest direct answer, if it is recent enough. Read under the case's
    // lock: a second delivery of the same reply waits, then finds it already taken.
    let number = match records::latest_answer(&state.store, &key) {
        Ok(Some(number)) => number,
        Ok(None) => return None,
        Err(error) => {
            tracing::warn!(%error, "could not read the citizen's latest direct answer");
            return None;
        }
    };
    let _guard = service.lock_replies(&number).await;
    let mut record = match records::load(&state.store, &number) {
        Ok(Some(record)) => record,
        Ok(None) => return None,
        Err(error) => {
            tracing::warn!(%error, "could not read the citizen's latest direct answer");
            return None;
        }
    };
    let window = Duration::hours(i64::from(config.window_hours));
    if appeal.received_at - record.decided_at > window {
        return None;
    }

    // The case goes to its unit once; a retry of the reply is answered the same way.
    let case = match cases.case(&number) {
        Ok(Some(case)) => case,
        _ => return None,
    };
    let case = if case.knowledge_answer().is_some() {
        let reason = format!(
            "市民回复“{}”，知识库答复未解决问题，转承办单位办理",
            appeal.body.trim()
        );
        match cases
            .act(
                &number,
                Actor::System,
                Action::DispatchAfterAnswer { reason },
            )
            .await
        {
            Ok(case) => {
                record.not_helpful_at = Some(Utc::now());
                record.not_helpful_message_id = Some(appeal.channel_message_id.clone());
                state
                    .metrics
                    .knowledge
                    .with_label_values(&["not_helpful"])
                    .inc();
                mark_not_helpful(state, &record).await;
                tracing::info!(case = %number, "a direct answer did not help; the case went to its unit");
                case
            }
            Err(error) => {
                tracing::warn!(%error, case = %number, text = %mask::text(&appeal.body), "could not send the answered case to its unit");
                return None;
            }
        }
    } else if record.not_helpful_at.is_some()
        && record.not_helpful_message_id.as_deref() == Some(appeal.channel_message_id.as_str())
    {
        // The channel's retry of the reply that sent the case. A later "没用" from the same
        // citizen (an answer to the survey once the unit resolved the case, say) is not
        // swallowed here.
        case
    } else {
        return None;
    };
    let values = BTreeMap::from([
        ("case_number", number.to_string()),
        (
            "deadline",
            crate::cases::service::beijing(case.deadline().due_at),
        ),
    ]);
    Some(IntakeOutcome {
        appeal_id: record.appeal_id,
        case_number: number.to_string(),
        emergency: None,
        reply: Some(render(
            &service.config().templates.turned_into_case,
            &values,
        )),
    })
}

/// A reply mail to a case's direct answer that says it did not help: the case goes to its
/// lead unit, and the citizen is told so by mail. Returns the text to send, or `None` when
/// the mail is no such reply (the email channel keeps it with the case either way).
pub async fn email_not_helpful(
    state: &AppState,
    case_number: &gateway_core::case::CaseNumber,
    text: &str,
) -> Option<String> {
    let (service, cases) = (state.knowledge.as_ref()?, state.cases.as_ref()?);
    let config = &service.config().not_helpful;
    // The citizen's own words sit above the quoted answer.
    let own = text
        .lines()
        .take_while(|line| !line.trim_start().starts_with('>'))
        .collect::<Vec<_>>()
        .join("\n");
    if !says_not_helpful(&own, &config.phrases, config.max_chars) {
        return None;
    }
    let _guard = service.lock_replies(case_number).await;
    let mut record = records::load(&state.store, case_number).ok()??;
    let case = cases.case(case_number).ok()??;
    case.knowledge_answer()?;
    let reason = format!(
        "市民邮件回复“{}”，知识库答复未解决问题，转承办单位办理",
        own.trim()
    );
    let case = match cases
        .act(
            case_number,
            Actor::System,
            Action::DispatchAfterAnswer { reason },
        )
        .await
    {
        Ok(case) => case,
        Err(error) => {
            tracing::warn!(%error, case = %case_number, "could not send the answered case to its unit");
            return None;
        }
    };
    record.not_helpful_at = Some(Utc::now());
    mark_not_helpful(state, &record).await;
    state
        .metrics
        .knowledge
        .with_label_values(&["not_helpful"])
        .inc();
    let values = BTreeMap::from([
        ("case_number", case_number.to_string()),
        (
            "deadline",
            crate::cases::service::beijing(case.deadline().due_at),
        ),
    ]);
    Some(render(
        &service.config().templates.turned_into_case,
        &values,
    ))
}

async fn mark_not_helpful(state: &AppState, record: &KnowledgeRecord) {
    let mut batch = WriteBatch::new();
    let staged = records::stage(&mut batch, record, None);
    let committed = match staged {
        Ok(_) => state.store.commit(batch).await,
        Err(error) => Err(error),
    };
    if let Err(error) = committed {
        tracing::warn!(%error, case = %record.case_number, "could not mark the knowledge record");
    }
}

/// The text, or as much of it as fits in `room` characters ending with `……`.
fn cut_to(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(room.saturating_sub(2)).collect();
    cut.push_str("……");
    cut
}

/// True when a short text says one of the phrases; spaces and punctuation are not counted.
fn says_not_helpful(text: &str, phrases: &[String], max_chars: usize) -> bool {
    let bare: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && !is_cjk_punctuation(*c))
        .collect();
    bare.chars().count() <= max_chars
        && phrases
            .iter()
            .map(|phrase| phrase.trim())
            .any(|phrase| !phrase.is_empty() && bare.contains(phrase))
}

fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '…' | '“' | '”' | '‘' | '’')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrases() -> Vec<String> {
        ["没有帮助", "没帮助", "没用", "不能解决"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn short_replies_with_a_phrase_say_it_did_not_help() {
        assert!(says_not_helpful("没有帮助", &phrases(), 30));
        assert!(says_not_helpful(" 没用！！", &phrases(), 30));
        assert!(says_not_helpful("还是不能解决，怎么办？", &phrases(), 30));
        assert!(!says_not_helpful("谢谢，很有帮助", &phrases(), 30));
    }

    #[test]
    fn a_long_answer_is_cut_to_the_room_left() {
        assert_eq!(cut_to("一二三", 3), "一二三");
        assert_eq!(cut_to("一二三四五六", 5), "一二三……");
        assert_eq!(cut_to("一二三四五六", 5).chars().count(), 5);
    }

    #[test]
    fn a_long_text_is_a_new_appeal_even_with_a_phrase() {
        let long =
            "我家门口的路灯坏了一个多月，打了好几次电话都没用，晚上出门很危险，请尽快派人来修";
        assert!(!says_not_helpful(long, &phrases(), 30));
    }
}
