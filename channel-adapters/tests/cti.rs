//! The CTI adapter over Generic CTI payloads (JSON and form data) and the hotline's `record`.

mod support;

use channel_adapters::cti::{CallEventKind, CtiAdapter, CtiConfig, CtiEvent};
use channel_adapters::{Method, WebhookRequest};
use gateway_core::{Channel, EmergencyService};

const TOKEN: &str = "pbx-token-0123456789";

fn adapter() -> CtiAdapter {
    CtiConfig {
        blocked_callers: vec!["0577-0000 0099".to_string()],
        ..CtiConfig::new(TOKEN)
    }
    .build()
    .unwrap()
}

fn json(body: &str) -> WebhookRequest {
    WebhookRequest::new(
        Method::Post,
        format!("http://127.0.0.1/api/v1/cti/{TOKEN}"),
        body,
    )
    .with_header("Content-Type", "application/json")
}

fn form(body: &str) -> WebhookRequest {
    WebhookRequest::new(
        Method::Post,
        format!("http://127.0.0.1/api/v1/cti/{TOKEN}"),
        body,
    )
    .with_header("Content-Type", "application/x-www-form-urlencoded")
}

#[test]
fn new_call_is_an_event_answered_with_an_empty_object() {
    let cti = adapter();
    let body = r#"{"event":"newCall","from":"057000000001","to":"12345","direction":"in","callId":"pbx1-20250302-000042","queue":"intake"}"#;
    let intake = cti.parse(TOKEN, &json(body)).unwrap();
    assert_eq!(intake.event, CallEventKind::NewCall);
    let Some(CtiEvent::Call(call)) = intake.items[0].as_event() else {
        panic!("not a call event")
    };
    assert_eq!(call.call_id, "pbx1-20250302-000042");
    assert_eq!(call.to.as_deref(), Some("12345"));
    assert_eq!(call.queue.as_deref(), Some("intake"));
    assert_eq!(call.dedupe_key(), "pbx1-20250302-000042:newCall");
    let reply = cti.reply(&intake, &[]);
    assert_eq!((reply.status, reply.body_text().as_str()), (200, "{}"));
    assert!(reply.content_type.starts_with("application/json"));
}

#[test]
fn form_data_with_repeated_users_is_read_like_json() {
    let body = "event=answer&from=057000000001&to=12315&direction=in&callId=c-7&user%5B%5D=%E6%9D%8E%E5%9B%9B&user%5B%5D=Wang&answeringNumber=8012";
    let intake = adapter().parse(TOKEN, &form(body)).unwrap();
    let Some(CtiEvent::Call(call)) = intake.items[0].as_event() else {
        panic!("not a call event")
    };
    assert_eq!(call.kind, CallEventKind::Answer);
    assert_eq!(call.users, vec!["李四", "Wang"]);
    assert_eq!(call.answering_number.as_deref(), Some("8012"));
}

#[test]
fn a_blocked_caller_is_rejected_busy() {
    let cti = adapter();
    let body =
        r#"{"event":"newCall","from":"057700000099","to":"12345","direction":"in","callId":"c-9"}"#;
    let intake = cti.parse(TOKEN, &json(body)).unwrap();
    assert!(intake.caller_blocked);
    assert_eq!(
        cti.reply(&intake, &[]).body_text(),
        r#"{"action":"reject","reason":"busy"}"#
    );
}

#[test]
fn a_hangup_nobody_answered_becomes_a_call_back_entry() {
    let cti = adapter();
    for cause in ["noAnswer", "cancel", "busy"] {
        let body = format!(
            r#"{{"event":"hangup","from":"057000000001","to":"12345","direction":"in","callId":"c-{cause}","cause":"{cause}"}}"#
        );
        let intake = cti.parse(TOKEN, &json(&body)).unwrap();
        assert_eq!(intake.items.len(), 2, "{cause}");
        let Some(CtiEvent::CallBack(entry)) = intake.items[1].as_event() else {
            panic!("no call-back for {cause}")
        };
        assert_eq!(entry.caller, "057000000001");
        assert_eq!(entry.cause, cause);
        assert_eq!(entry.dialed.as_deref(), Some("12345"));
    }
    // An answered call that ended normally, or an anonymous one, is not called back.
    for body in [
        r#"{"event":"hangup","from":"057000000001","to":"12345","direction":"in","callId":"c-1","cause":"normalClearing","answeringNumber":"8012"}"#,
        r#"{"event":"hangup","from":"anonymous","to":"12345","direction":"in","callId":"c-2","cause":"noAnswer"}"#,
    ] {
        let intake = cti.parse(TOKEN, &json(body)).unwrap();
        assert_eq!(intake.items.len(), 1, "{body}");
    }
}

#[test]
fn a_record_makes_the_appeal_with_dialed_number_and_recording() {
    let cti = adapter();
    let body = r#"{"event":"record","callId":"pbx1-20250302-000042","from":"057000000001","to":"12315","direction":"in",
        "summary":"来电反映玉壶镇某超市销售过期食品","transcript":"喂你好……","ivrChoice":"2",
        "recordingUrl":"http://pbx.local/rec/2025/03/000042.wav","agent":"8012"}"#;
    let intake = cti.parse(TOKEN, &json(body)).unwrap();
    let appeal = intake.items[0].as_appeal().expect("a record is an appeal");
    assert_eq!(appeal.channel, Channel::Phone);
    assert_eq!(appeal.channel_message_id, "pbx1-20250302-000042");
    assert_eq!(appeal.body, "来电反映玉壶镇某超市销售过期食品");
    assert_eq!(appeal.citizen.phone.as_deref(), Some("057000000001"));
    assert_eq!(appeal.location.dialed.as_deref(), Some("12315"));
    assert_eq!(
        appeal.attachments[0].url.as_deref(),
        Some("http://pbx.local/rec/2025/03/000042.wav")
    );
    assert_eq!(appeal.attachments[0].content_type, "audio/wav");
    assert_eq!(
        appeal.raw.as_ref().unwrap().bytes().unwrap(),
        body.as_bytes()
    );

    let record = intake.record.as_ref().expect("a record has call details");
    assert_eq!(record.ivr_choice.as_deref(), Some("2"));
    assert_eq!(record.agent.as_deref(), Some("8012"));
    assert_eq!(record.transcript.as_deref(), Some("喂你好……"));

    let reply = cti.reply(&intake, &[support::outcome("2025-000777", None)]);
    let value: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(value["caseNumber"], "2025-000777");
    assert!(value.get("action").is_none());
}

#[test]
fn an_emergency_record_is_answered_with_a_transfer() {
    let cti = adapter();
    let body = r#"{"event":"record","callId":"c-fire","from":"13800000000","to":"12345","transcript":"楼道里着火了"}"#;
    let intake = cti.parse(TOKEN, &json(body)).unwrap();
    assert_eq!(intake.items[0].as_appeal().unwrap().body, "楼道里着火了");
    let reply = cti.reply(
        &intake,
        &[support::outcome(
            "2025-000778",
            Some(EmergencyService::Fire),
        )],
    );
    let value: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(value["action"], "transfer");
    assert_eq!(value["number"], "119");
}

#[test]
fn an_anonymous_or_odd_caller_is_kept() {
    let cti = adapter();
    let anonymous = cti
        .parse(
            TOKEN,
            &json(r#"{"event":"record","callId":"a1","from":"anonymous","summary":"咨询社保"}"#),
        )
        .unwrap();
    let appeal = anonymous.items[0].as_appeal().unwrap();
    assert!(appeal.citizen.phone.is_none());
    assert!(appeal.flags.is_empty());

    let odd = cti
        .parse(
            TOKEN,
            &json(
                r#"{"event":"record","callId":"a2","from":"sip:unknown@pbx","summary":"咨询社保"}"#,
            ),
        )
        .unwrap();
    let appeal = odd.items[0].as_appeal().unwrap();
    assert!(appeal.citizen.phone.is_none());
    assert_eq!(appeal.flags[0].field, "from");
    assert_eq!(appeal.flags[0].raw.as_deref(), Some("sip:unknown@pbx"));
}

#[test]
fn a_wrong_token_is_refused_with_403() {
    let error = adapter()
        .parse(
            "guessed-token",
            &json(r#"{"event":"newCall","callId":"c"}"#),
        )
        .unwrap_err();
    assert_eq!(error.status(), 403);
    assert!(error.to_string().contains("token"), "{error}");
}

#[test]
fn malformed_bodies_are_refused_with_400_naming_the_field() {
    let cti = adapter();
    let cases = [
        (r#"{"event":"ring","callId":"c"}"#, Some("event")),
        (r#"{"event":"newCall"}"#, Some("callId")),
        (r#"{"event":"newCall","callId":["a"]}"#, Some("callId")),
        (r#"{"event":"record","callId":"c"}"#, Some("summary")),
        (
            r#"{"event":"newCall","callId":"c","from":{"n":1}}"#,
            Some("from"),
        ),
        (r#"{"event":"#, None),
    ];
    for (body, field) in cases {
        let error = cti.parse(TOKEN, &json(body)).unwrap_err();
        assert_eq!(error.status(), 400, "{body}: {error}");
        assert_eq!(error.field(), field, "{body}: {error}");
    }
    let long_id = format!(r#"{{"event":"newCall","callId":"{}"}}"#, "x".repeat(251));
    assert_eq!(
        cti.parse(TOKEN, &json(&long_id)).unwrap_err().field(),
        Some("callId")
    );
}

#[test]
fn the_config_reads_from_toml_and_refuses_unknown_keys() {
    let config: CtiConfig = toml::from_str("token = \"pbx-token-0123456789\"\n").unwrap();
    assert_eq!(
        config.missed_call_causes,
        vec!["noAnswer", "cancel", "busy"]
    );
    assert!(toml::from_str::<CtiConfig>("token = \"x\"\ntimeout = 3\n").is_err());
}
