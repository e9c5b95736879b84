//! The running CTI adapter: checks the token, reads the event, answers the PBX.

use chrono::Utc;
use gateway_core::{Appeal, Attachment, Channel, Citizen};
use serde_json::{Map, Value, json};

use super::config::CtiConfig;
use super::error::CtiError;
use super::event::{CallBackEntry, CallEvent, CallEventKind, CallRecord, CtiEvent};
use crate::contact::normalize_phone;
use crate::fields::{self, BodyEncoding};
use crate::webhook::{Inbound, IntakeOutcome, WebhookReply, WebhookRequest, secrets_match};

/// The longest `callId` the API allows.
const MAX_CALL_ID_CHARS: usize = 250;

/// The CTI webhook, ready to take requests. Built by [`CtiConfig::build`].
#[derive(Debug, Clone)]
pub struct CtiAdapter {
    config: CtiConfig,
    blocked: Vec<String>,
}

/// What one CTI request delivered, and what is needed to answer it.
#[derive(Debug, Clone, PartialEq)]
pub struct CtiIntake {
    /// The appeal (for `record`) or the call events, in order.
    pub items: Vec<Inbound<CtiEvent>>,
    /// The event the request carried.
    pub event: CallEventKind,
    /// True when the caller of a `newCall` is on the blocked list.
    pub caller_blocked: bool,
    /// For a `record`: what the call record carries beside the appeal.
    pub record: Option<CallRecord>,
}

impl CtiAdapter {
    pub(super) fn new(config: CtiConfig) -> Self {
        let blocked = config
            .blocked_callers
            .iter()
            .map(|n| normalize_phone(n).unwrap_or_else(|_| n.trim().to_string()))
            .collect();
        Self { config, blocked }
    }

    /// Reads one request to `/api/v1/cti/{path_token}`.
    ///
    /// The daemon passes the token segment of the path as it received it.
    pub fn parse(&self, path_token: &str, request: &WebhookRequest) -> Result<CtiIntake, CtiError> {
        // The token is the only credential: check it before reading anything.
        if !secrets_match(self.config.token.as_bytes(), path_token.as_bytes()) {
            return Err(CtiError::WrongToken);
        }

        // JSON or form data, into one field map.
        let (encoding, map) = fields::read_fields(&request.headers, &request.body)
            .map_err(|reason| CtiError::MalformedBody { reason })?;

        // The event and the call id are required on every event.
        let event_name = required(&map, "event")?;
        let kind = CallEventKind::parse(&event_name).ok_or_else(|| CtiError::MalformedField {
            field: "event",
            problem: format!(
                "has unknown value {event_name:?}; expected newCall, answer, hangup or record"
            ),
        })?;
        let call_id = required(&map, "callId")?;
        if call_id.chars().count() > MAX_CALL_ID_CHARS {
            return Err(CtiError::MalformedField {
                field: "callId",
                problem: format!("is longer than {MAX_CALL_ID_CHARS} characters"),
            });
        }

        if kind == CallEventKind::Record {
            let appeal = self.record_to_appeal(&map, call_id, encoding, &request.body)?;
            let details = CallRecord {
                ivr_choice: optional(&map, "ivrChoice")?,
                agent: optional(&map, "agent")?,
                transcript: optional(&map, "transcript")?,
            };
            return Ok(CtiIntake {
                items: vec![Inbound::Appeal(Box::new(appeal))],
                event: kind,
                caller_blocked: false,
                record: Some(details),
            });
        }

        // newCall, answer, hangup: events, plus a call-back entry for a missed call.
        let call = CallEvent {
            kind,
            call_id,
            from: optional(&map, "from")?,
            to: optional(&map, "to")?,
            direction: optional(&map, "direction")?,
            users: fields::text_list(&map, "user"),
            queue: optional(&map, "queue")?,
            answering_number: optional(&map, "answeringNumber")?,
            cause: optional(&map, "cause")?,
        };
        let caller_blocked =
            kind == CallEventKind::NewCall && self.is_blocked(call.from.as_deref());
        let call_back = self.call_back_entry(&call);
        let mut items = vec![Inbound::Event(CtiEvent::Call(call))];
        if let Some(entry) = call_back {
            items.push(Inbound::Event(CtiEvent::CallBack(entry)));
        }
        Ok(CtiIntake {
            items,
            event: kind,
            caller_blocked,
            record: None,
        })
    }

    /// The answer the PBX expects, given what the daemon did with the appeals of the intake
    /// (one outcome per appeal, in order; empty for events).
    ///
    /// An emergency `record` is answered `{"action":"transfer","number":"119"}` so the PBX
    /// hands the caller over at once; a blocked `newCall` gets
    /// `{"action":"reject","reason":"busy"}`; everything else `{}`, with the case number
    /// added for a `record`.
    pub fn reply(&self, intake: &CtiIntake, outcomes: &[IntakeOutcome]) -> WebhookReply {
        match intake.event {
            CallEventKind::NewCall if intake.caller_blocked => {
                WebhookReply::json(&json!({"action": "reject", "reason": "busy"}))
            }
            CallEventKind::Record => match outcomes.first() {
                Some(IntakeOutcome {
                    emergency: Some(service),
                    reply: None,
                    case_number,
                    ..
                }) => WebhookReply::json(&json!({
                    "action": "transfer",
                    "number": service.number(),
                    "caseNumber": case_number,
                })),
                Some(outcome) => WebhookReply::json(&json!({
                    "caseNumber": outcome.case_number,
                    "appealId": outcome.appeal_id.as_str(),
                })),
                None => WebhookReply::json(&json!({})),
            },
            _ => WebhookReply::json(&json!({})),
        }
    }

    fn is_blocked(&self, from: Option<&str>) -> bool {
        let Some(from) = from else { return false };
        let number = normalize_phone(from).unwrap_or_else(|_| from.trim().to_string());
        self.blocked.contains(&number)
    }

    fn call_back_entry(&self, call: &CallEvent) -> Option<CallBackEntry> {
        // Only an inbound hangup whose cause says nobody answered, from a number we can call.
        if call.kind != CallEventKind::Hangup || call.direction.as_deref() == Some("out") {
            return None;
        }
        let cause = call.cause.as_ref()?;
        if !self.config.missed_call_causes.iter().any(|c| c == cause) {
            return None;
        }
        let from = call.from.as_deref()?;
        if from.eq_ignore_ascii_case("anonymous") {
            // Limitation: a withheld number cannot be called back; the hangup event is all
            // the daemon gets.
            return None;
        }
        Some(CallBackEntry {
            call_id: call.call_id.clone(),
            caller: normalize_phone(from).unwrap_or_else(|_| from.to_string()),
            dialed: call.to.clone(),
            cause: cause.clone(),
            queue: call.queue.clone(),
            missed_at: Utc::now(),
        })
    }

    fn record_to_appeal(
        &self,
        map: &Map<String, Value>,
        call_id: String,
        encoding: BodyEncoding,
        raw: &[u8],
    ) -> Result<Appeal, CtiError> {
        // The text: the operator's summary, else the transcript.
        let summary = optional(map, "summary")?;
        let transcript = optional(map, "transcript")?;
        let body = match (summary, transcript) {
            (Some(summary), _) => summary,
            (None, Some(transcript)) => transcript,
            (None, None) => {
                return Err(CtiError::MalformedField {
                    field: "summary",
                    problem: "is missing, and so is `transcript`; a record needs one of them"
                        .to_string(),
                });
            }
        };
        let mut builder =
            Appeal::builder(Channel::Phone, call_id, body).raw(encoding.media_type(), raw);

        // The caller: a withheld number stays anonymous, a malformed one is flagged.
        let mut citizen = Citizen::default();
        let caller = optional(map, "from")?.filter(|from| !from.eq_ignore_ascii_case("anonymous"));
        if let Some(from) = caller {
            match normalize_phone(&from) {
                Ok(phone) => citizen.phone = Some(phone),
                Err(problem) => builder = builder.flag("from", problem, Some(from)),
            }
        }
        if let Some(name) = optional(map, "callerName")? {
            citizen.name = Some(name);
        }
        builder = builder.citizen(citizen);

        // The number dialed keeps an old department hotline as the owner hint.
        if let Some(to) = optional(map, "to")? {
            builder = builder.dialed(to);
        }
        if let Some(address) = optional(map, "address")? {
            builder = builder.address(address);
        }

        // The recording, by reference.
        if let Some(url) = optional(map, "recordingUrl")? {
            builder = builder.attachment(Attachment {
                file_name: url
                    .rsplit('/')
                    .next()
                    .filter(|n| !n.is_empty())
                    .map(String::from),
                content_type: recording_media_type(&url).to_string(),
                size_bytes: None,
                sha256: None,
                url: Some(url),
            });
        }
        // Limitation: `ivrChoice`, `agent` and a transcript beside a summary have no field in
        // the appeal record; they are kept in the raw original and handed to the daemon in
        // `CtiIntake::record`, to store beside the case.
        Ok(builder.build())
    }
}

fn required(map: &Map<String, Value>, field: &'static str) -> Result<String, CtiError> {
    optional(map, field)?.ok_or_else(|| CtiError::MalformedField {
        field,
        problem: "is missing or empty".to_string(),
    })
}

fn optional(map: &Map<String, Value>, field: &'static str) -> Result<Option<String>, CtiError> {
    fields::text(map, field).map_err(|problem| CtiError::MalformedField { field, problem })
}

fn recording_media_type(url: &str) -> &'static str {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if path.ends_with(".wav") {
        "audio/wav"
    } else if path.ends_with(".mp3") {
        "audio/mpeg"
    } else if path.ends_with(".ogg") || path.ends_with(".opus") {
        "audio/ogg"
    } else if path.ends_with(".amr") {
        "audio/amr"
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::Method;

    fn adapter() -> CtiAdapter {
        CtiConfig::new("token-123456").build().unwrap()
    }

    fn json_request(body: &str) -> WebhookRequest {
        WebhookRequest::new(
            Method::Post,
            "http://127.0.0.1/api/v1/cti/token-123456",
            body,
        )
        .with_header("Content-Type", "application/json")
    }

    #[test]
    fn recording_types_follow_the_extension() {
        assert_eq!(
            recording_media_type("http://pbx/rec/1.WAV?x=1"),
            "audio/wav"
        );
        assert_eq!(
            recording_media_type("http://pbx/rec/1"),
            "application/octet-stream"
        );
    }

    #[test]
    fn outbound_missed_calls_are_not_called_back() {
        let body = r#"{"event":"hangup","from":"8012","to":"13800000000","direction":"out","callId":"o1","cause":"noAnswer"}"#;
        let intake = adapter()
            .parse("token-123456", &json_request(body))
            .unwrap();
        assert_eq!(intake.items.len(), 1);
    }

    #[test]
    fn a_short_token_is_refused_at_build() {
        assert_eq!(CtiConfig::new("short").build().unwrap_err().status(), 500);
    }
}
