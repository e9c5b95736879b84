//! The SMS adapter over the three providers' real payload shapes, with Twilio's signature
//! cross-checked by the `twilio` package's own `RequestValidator`.
//!
//! Needs `python3` with `pip install twilio==9.13.0`; fails, naming that command, without it.

mod support;

use channel_adapters::sms::{SmsAdapter, SmsConfig, SmsProvider, twilio_signature};
use channel_adapters::{Method, WebhookRequest};
use gateway_core::Channel;
use serde_json::json;

const TWILIO_TOKEN: &str = "0123456789abcdef0123456789abcdef";
const TWILIO_URL: &str = "https://hotline.example.gov.cn/sms/twilio-main?src=webhook";

fn adapter() -> SmsAdapter {
    let config: SmsConfig = toml::from_str(&format!(
        r#"
        [accounts.aliyun-7f3k]
        type = "aliyun"

        [accounts.tencent-9q2m]
        type = "tencent"

        [accounts.twilio-main]
        type = "twilio"
        auth_token = "{TWILIO_TOKEN}"
        reply_template = "已受理，工单号 {{case_number}}"
        "#
    ))
    .expect("the sms config parses");
    config.build().unwrap()
}

fn post_json(body: &str) -> WebhookRequest {
    WebhookRequest::new(Method::Post, "http://127.0.0.1/sms/x", body)
        .with_header("Content-Type", "application/json")
}

const ALIYUN_PUSH: &str = r#"[
  {"phone_number":"18600000001","content":"路灯修好了，谢谢","send_time":"2025-03-02 19:05:11",
   "dest_code":"0042","sequence_id":700001,"sign_name":"某县政务热线"},
  {"phone_number":"18600000002","content":"2","send_time":"20250302190740",
   "dest_code":"0042","sequence_id":"700002"}
]"#;

#[test]
fn an_alibaba_batch_makes_one_appeal_per_message_with_both_id_types() {
    let sms = adapter();
    let intake = sms.parse("aliyun-7f3k", &post_json(ALIYUN_PUSH)).unwrap();
    assert_eq!(intake.provider, SmsProvider::Aliyun);
    let appeals: Vec<_> = intake
        .items
        .iter()
        .map(|i| i.as_appeal().unwrap())
        .collect();
    assert_eq!(appeals.len(), 2);
    assert_eq!(appeals[0].channel, Channel::Sms);
    assert_eq!(
        appeals[0].channel_message_id,
        "aliyun-7f3k:700001:18600000001"
    );
    assert_eq!(
        appeals[1].channel_message_id,
        "aliyun-7f3k:700002:18600000002"
    );
    assert_eq!(appeals[0].citizen.phone.as_deref(), Some("18600000001"));
    assert_eq!(appeals[0].body, "路灯修好了，谢谢");
    assert_eq!(appeals[0].location.dialed.as_deref(), Some("0042"));
    assert_eq!(
        appeals[0].submitted_at.unwrap().to_rfc3339(),
        "2025-03-02T19:05:11+08:00"
    );
    assert_eq!(
        appeals[1].submitted_at.unwrap().to_rfc3339(),
        "2025-03-02T19:07:40+08:00"
    );
    assert!(appeals.iter().all(|a| a.flags.is_empty()));
    let reply = sms.reply(
        &intake,
        &[support::outcome("1", None), support::outcome("2", None)],
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&reply.body).unwrap(),
        json!({"code": 0, "msg": "接收成功"})
    );
}

#[test]
fn an_alibaba_message_with_odd_fields_is_kept_and_flagged() {
    let body = r#"[{"phone_number":"186-0000-000x","content":"噪音扰民","send_time":"昨天"}]"#;
    let intake = adapter().parse("aliyun-7f3k", &post_json(body)).unwrap();
    let appeal = intake.items[0].as_appeal().unwrap();
    let fields: Vec<&str> = appeal.flags.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, vec!["phone_number", "sequence_id", "send_time"]);
    assert_eq!(appeal.flags[0].raw.as_deref(), Some("186-0000-000x"));
    assert!(appeal.citizen.phone.is_none());
    assert_eq!(appeal.body, "噪音扰民");
}

#[test]
fn a_malformed_alibaba_push_names_the_field() {
    let sms = adapter();
    for (body, field) in [
        (r#"[{"phone_number":"18600000001"}]"#, Some("[0].content")),
        (
            r#"[{"content":"x"},{"content":"y"}]"#,
            Some("[0].phone_number"),
        ),
        (r#"[{"phone_number":"1","content":"x"}, 7]"#, Some("[1]")),
        (r#"{"phone_number":"1"}"#, None),
        ("not json", None),
    ] {
        let error = sms.parse("aliyun-7f3k", &post_json(body)).unwrap_err();
        assert_eq!(error.status(), 400, "{body}: {error}");
        assert_eq!(error.field(), field, "{body}: {error}");
    }
}

#[test]
fn a_tencent_reply_is_keyed_without_a_message_id() {
    let sms = adapter();
    let body = r#"{"extend":"","mobile":"18600000003","nationcode":"86","sign":"某县12345","text":"满意","time":1740913800}"#;
    let intake = sms.parse("tencent-9q2m", &post_json(body)).unwrap();
    let appeal = intake.items[0].as_appeal().unwrap();
    assert!(
        appeal
            .channel_message_id
            .starts_with("tencent-9q2m:86:18600000003:1740913800:")
    );
    assert_eq!(appeal.citizen.phone.as_deref(), Some("18600000003"));
    assert_eq!(appeal.submitted_at.unwrap().timestamp(), 1740913800);
    // A retry of the same reply maps to the same id.
    let again = sms.parse("tencent-9q2m", &post_json(body)).unwrap();
    assert_eq!(
        again.items[0].as_appeal().unwrap().channel_message_id,
        appeal.channel_message_id
    );
    let reply = sms.reply(&intake, &[support::outcome("1", None)]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&reply.body).unwrap(),
        json!({"result": 0, "errmsg": "OK"})
    );

    let foreign = r#"{"mobile":"5555550100","nationcode":"1","text":"hello","time":"1740913801"}"#;
    let appeal = sms
        .parse("tencent-9q2m", &post_json(foreign))
        .unwrap()
        .items[0]
        .as_appeal()
        .unwrap()
        .clone();
    assert_eq!(appeal.citizen.phone.as_deref(), Some("+15555550100"));

    let error = sms
        .parse(
            "tencent-9q2m",
            &post_json(r#"{"mobile":"1860000","time":1}"#),
        )
        .unwrap_err();
    assert_eq!(error.field(), Some("text"));
}

fn twilio_params() -> Vec<(String, String)> {
    [
        ("MessageSid", "SM00000000000000000000000000000001"),
        ("AccountSid", "AC00000000000000000000000000000001"),
        ("From", "+15555550100"),
        ("To", "+15555550199"),
        ("Body", "Pothole on Main St  "),
        ("NumMedia", "1"),
        ("NumSegments", "1"),
        ("MediaUrl0", "https://api.twilio.com/media/ME1"),
        ("MediaContentType0", "image/jpeg"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn twilio_request(signature: Option<&str>) -> WebhookRequest {
    let body = serde_urlencoded::to_string(twilio_params()).unwrap();
    let mut request = WebhookRequest::new(Method::Post, TWILIO_URL, body)
        .with_header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(signature) = signature {
        request = request.with_header("X-Twilio-Signature", signature);
    }
    request
}

#[test]
fn twilio_signatures_match_the_twilio_package_and_a_plain_hmac() {
    let ours = twilio_signature(TWILIO_TOKEN, TWILIO_URL, &twilio_params());
    let request = json!({"auth_token": TWILIO_TOKEN, "url": TWILIO_URL, "params": twilio_params(), "signature": ours});
    let peer = support::run_peer("twilio_peer.py", &[], &request).expect("the twilio peer runs");
    assert_eq!(peer["twilio"], ours.as_str());
    assert_eq!(peer["hmac"], ours.as_str());
    assert_eq!(peer["valid"], true);
}

#[test]
fn a_signed_twilio_message_becomes_an_appeal_answered_in_twiml() {
    let sms = adapter();
    let signature = twilio_signature(TWILIO_TOKEN, TWILIO_URL, &twilio_params());
    let intake = sms
        .parse("twilio-main", &twilio_request(Some(&signature)))
        .unwrap();
    let appeal = intake.items[0].as_appeal().unwrap();
    assert_eq!(
        appeal.channel_message_id,
        "twilio-main:SM00000000000000000000000000000001"
    );
    assert_eq!(appeal.citizen.phone.as_deref(), Some("+15555550100"));
    assert_eq!(
        appeal.body, "Pothole on Main St  ",
        "whitespace is not trimmed"
    );
    assert_eq!(appeal.location.dialed.as_deref(), Some("+15555550199"));
    assert_eq!(
        appeal.attachments[0].url.as_deref(),
        Some("https://api.twilio.com/media/ME1")
    );
    let reply = sms.reply(&intake, &[support::outcome("2025-000901", None)]);
    assert!(reply.content_type.contains("xml"));
    assert!(
        reply
            .body_text()
            .contains("<Response><Message>已受理，工单号 2025-000901</Message></Response>"),
        "{}",
        reply.body_text()
    );
}

#[test]
fn wrong_or_missing_twilio_signatures_are_refused_with_the_reason() {
    let sms = adapter();
    let missing = sms.parse("twilio-main", &twilio_request(None)).unwrap_err();
    assert_eq!(missing.status(), 401);
    assert!(
        missing.to_string().contains("X-Twilio-Signature"),
        "{missing}"
    );

    let wrong_key = twilio_signature("another-token", TWILIO_URL, &twilio_params());
    let error = sms
        .parse("twilio-main", &twilio_request(Some(&wrong_key)))
        .unwrap_err();
    assert_eq!(error.status(), 403);
    assert!(error.to_string().contains("does not match"), "{error}");

    // Signed for another URL (a proxy rewrote the scheme): refused too.
    let other_url = twilio_signature(
        TWILIO_TOKEN,
        &TWILIO_URL.replace("https", "http"),
        &twilio_params(),
    );
    assert_eq!(
        sms.parse("twilio-main", &twilio_request(Some(&other_url)))
            .unwrap_err()
            .status(),
        403
    );

    // A parameter changed after signing.
    let signature = twilio_signature(TWILIO_TOKEN, TWILIO_URL, &twilio_params());
    let mut tampered = twilio_request(Some(&signature));
    tampered.body = String::from_utf8(tampered.body)
        .unwrap()
        .replace("Pothole", "Pothol3")
        .into_bytes();
    assert_eq!(
        sms.parse("twilio-main", &tampered).unwrap_err().status(),
        403
    );
}

#[test]
fn an_unknown_account_is_404() {
    let error = adapter()
        .parse("aliyun-guess", &post_json(ALIYUN_PUSH))
        .unwrap_err();
    assert_eq!(error.status(), 404);
}

#[test]
fn the_config_refuses_unknown_keys_and_providers() {
    assert!(
        toml::from_str::<SmsConfig>("[accounts.a]\ntype = \"aliyun\"\nsecret = \"x\"\n").is_err()
    );
    assert!(toml::from_str::<SmsConfig>("[accounts.a]\ntype = \"cmpp\"\n").is_err());
    let empty_token: SmsConfig =
        toml::from_str("[accounts.t]\ntype = \"twilio\"\nauth_token = \"\"\n").unwrap();
    assert_eq!(empty_token.build().unwrap_err().status(), 500);
}

#[test]
fn a_twilio_get_is_signed_over_the_url_alone() {
    let sms = adapter();
    let url = "https://hotline.example.gov.cn/sms/twilio-main?MessageSid=SM9&From=%2B15555550100&To=%2B15555550199&Body=Hi+there";
    let signature = twilio_signature(TWILIO_TOKEN, url, &[]);
    let request = WebhookRequest::new(Method::Get, url, Vec::new())
        .with_header("x-twilio-signature", &*signature);
    let intake = sms.parse("twilio-main", &request).unwrap();
    let appeal = intake.items[0].as_appeal().unwrap();
    assert_eq!(appeal.body, "Hi there");
    assert_eq!(appeal.channel_message_id, "twilio-main:SM9");
    let unsigned_params = twilio_signature(TWILIO_TOKEN, &url.replace("Hi+there", "Bye"), &[]);
    let forged = WebhookRequest::new(Method::Get, url, Vec::new())
        .with_header("x-twilio-signature", &*unsigned_params);
    assert_eq!(sms.parse("twilio-main", &forged).unwrap_err().status(), 403);
}
