//! The WeChat adapter over real XML: all 74 inbound samples, the official encrypted sample,
//! URL verification, refused signatures, and the passive reply in each mode.

mod support;

use channel_adapters::wechat::crypto::signature;
use channel_adapters::wechat::{EncryptionMode, WechatAdapter, WechatConfig};
use channel_adapters::{Method, WebhookRequest};
use gateway_core::EmergencyService;
use serde_json::Value;

const TOKEN: &str = "spamtest";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APP_ID: &str = "wx2c2769f8efd9abc2";

fn plain() -> WechatAdapter {
    WechatConfig::new(TOKEN, APP_ID).build().unwrap()
}

fn with_mode(mode: EncryptionMode) -> WechatAdapter {
    WechatConfig::new(TOKEN, APP_ID)
        .with_encryption(mode, KEY)
        .build()
        .unwrap()
}

/// Message types that make appeals; everything under `event` or `*_event` does not.
fn expected_appeal(msg_type: &str) -> bool {
    !(msg_type == "event" || msg_type.ends_with("_event"))
}

#[test]
fn all_74_samples_parse_into_appeals_or_events_as_their_type_says() {
    let dir = support::fixtures().join("wechat");
    let index: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("message_xml_index.json")).unwrap())
            .unwrap();
    assert_eq!(index.len(), 74);
    let adapter = plain();
    let (mut appeals, mut events) = (0, 0);
    for entry in &index {
        let file = entry["file"].as_str().unwrap();
        let msg_type = entry["msg_type"].as_str().unwrap();
        let xml = std::fs::read_to_string(dir.join("message_xml").join(file)).unwrap();
        let request = support::wechat_push(TOKEN, "1409735669", "1320562132", &xml, None);
        let push = adapter
            .parse_push(&request)
            .unwrap_or_else(|e| panic!("{file} ({msg_type}) was refused: {e}\n{xml}"));
        assert_eq!(push.items.len(), 1, "{file}");
        let item = &push.items[0];
        if expected_appeal(msg_type) {
            let appeal = item
                .as_appeal()
                .unwrap_or_else(|| panic!("{file} ({msg_type}) is not an appeal"));
            assert!(appeal.citizen.wechat_openid.is_some(), "{file}");
            assert!(!appeal.channel_message_id.is_empty(), "{file}");
            assert_eq!(
                appeal.raw.as_ref().unwrap().bytes().unwrap(),
                xml.as_bytes(),
                "{file}"
            );
            appeals += 1;
        } else {
            let event = item
                .as_event()
                .unwrap_or_else(|| panic!("{file} ({msg_type}) is not an event"));
            assert_eq!(event.event, entry["event"].as_str().unwrap(), "{file}");
            assert!(event.dedupe_key.contains(':'), "{file}");
            events += 1;
        }
        // Events and appeals alike are answered; an event only with `success`.
        let reply = adapter.reply(&push, &[support::outcome("2025-000123", None)]);
        if item.as_event().is_some() {
            assert_eq!(reply.body_text(), "success", "{file}");
        }
    }
    assert_eq!((appeals, events), (15, 59));
}

fn sample(name: &str) -> String {
    std::fs::read_to_string(support::fixtures().join("wechat/message_xml").join(name)).unwrap()
}

fn parse_sample(name: &str) -> gateway_core::Appeal {
    let request = support::wechat_push(TOKEN, "1", "2", &sample(name), None);
    let push = plain().parse_push(&request).unwrap();
    push.items[0].as_appeal().unwrap().clone()
}

#[test]
fn each_message_type_fills_the_appeal() {
    let text = parse_sample("test_parser__test_parse_text_message__000.xml");
    assert_eq!(text.channel_message_id, "1234567890123456");
    assert!(!text.body.is_empty());
    assert!(text.submitted_at.is_some());

    let voice = parse_sample("test_parser__test_parse_voice_message__002.xml");
    assert!(
        voice.attachments[0]
            .url
            .as_deref()
            .unwrap()
            .starts_with("wechat-media:")
    );
    assert!(voice.attachments[0].content_type.starts_with("audio/"));

    let image = parse_sample("test_parser__test_parse_image_message__001.xml");
    assert_eq!(image.attachments[0].content_type, "image/jpeg");
    assert_eq!(image.attachments[0].url.as_deref(), Some("this is a url"));

    let location = parse_sample("test_parser__test_parse_location_message__004.xml");
    let at = location.location.coordinates.unwrap();
    assert_eq!((at.latitude, at.longitude), (23.134521, 113.358803));
    assert_eq!(location.location.address.as_deref(), Some("位置信息"));

    let link = parse_sample("test_parser__test_parse_link_message__005.xml");
    assert_eq!(link.title.as_deref(), Some("公众平台官网链接"));
    assert!(link.body.contains("url"));

    let unknown = parse_sample("test_parser__test_parse_unknown_message__013.xml");
    assert_eq!(unknown.flags[0].field, "MsgType");
}

#[test]
fn voice_uses_the_recognition_text() {
    let xml = "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName><FromUserName><![CDATA[oEXAMPLEopenid0000000000abcd]]></FromUserName><CreateTime>1735700000</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[example-media-id-01]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[东门菜场旁边的下水道堵了好几天]]></Recognition><MsgId>24500000000000001</MsgId></xml>";
    let push = plain()
        .parse_push(&support::wechat_push(TOKEN, "1", "2", xml, None))
        .unwrap();
    let appeal = push.items[0].as_appeal().unwrap();
    assert_eq!(appeal.body, "东门菜场旁边的下水道堵了好几天");
    assert_eq!(appeal.channel_message_id, "24500000000000001");
    assert_eq!(
        appeal.attachments[0].url.as_deref(),
        Some("wechat-media:example-media-id-01")
    );
    assert_eq!(
        appeal.submitted_at.unwrap().to_rfc3339(),
        "2025-01-01T10:53:20+08:00"
    );
}

#[test]
fn the_url_check_echoes_echostr_and_refuses_a_bad_signature() {
    let adapter = WechatConfig::new("AAAAA", APP_ID).build().unwrap();
    let url = "http://127.0.0.1/wechat?signature=f464b24fc39322e44b38aa78f5edd27bd1441696&echostr=4375120948345356249&timestamp=1714036504&nonce=1514711492";
    let reply = adapter
        .verify_url(&WebhookRequest::new(Method::Get, url, Vec::new()))
        .unwrap();
    assert_eq!(reply.body_text(), "4375120948345356249");
    assert!(reply.content_type.starts_with("text/plain"));

    let forged = url.replace("f464b24f", "f464b24e");
    let error = adapter
        .verify_url(&WebhookRequest::new(Method::Get, forged, Vec::new()))
        .unwrap_err();
    assert_eq!(error.status(), 403);
    assert!(
        error.to_string().contains("`signature` does not match"),
        "{error}"
    );

    let unsigned = "http://127.0.0.1/wechat?echostr=1&timestamp=1&nonce=2";
    let error = adapter
        .verify_url(&WebhookRequest::new(Method::Get, unsigned, Vec::new()))
        .unwrap_err();
    assert_eq!(error.status(), 401);
}

fn official_envelope() -> (String, String) {
    let vectors: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(support::fixtures().join("wechat/crypto_test_vectors.json"))
            .unwrap(),
    )
    .unwrap();
    (
        vectors[0]["envelope_xml"].as_str().unwrap().to_string(),
        vectors[0]["encrypt"].as_str().unwrap().to_string(),
    )
}

#[test]
fn the_official_compat_sample_decrypts_through_the_adapter() {
    let (envelope, encrypt) = official_envelope();
    for mode in [EncryptionMode::Compat, EncryptionMode::Safe] {
        let request =
            support::wechat_push(TOKEN, "1409735669", "1320562132", &envelope, Some(&encrypt));
        assert!(
            request
                .url
                .contains("5d197aaffba7e9b25a30732f161a50dee96bd5fa")
        );
        let push = with_mode(mode).parse_push(&request).unwrap();
        assert!(push.encrypted);
        let appeal = push.items[0].as_appeal().unwrap();
        assert_eq!(appeal.body, "abcdteT");
        assert_eq!(appeal.channel_message_id, "6054768590064713728");
        assert_eq!(
            appeal.citizen.wechat_openid.as_deref(),
            Some("oyORnuP8q7ou2gfYjqLzSIWZf0rs")
        );
    }
}

#[test]
fn wrong_signatures_on_a_push_are_refused_with_the_reason() {
    let (envelope, encrypt) = official_envelope();
    let adapter = with_mode(EncryptionMode::Safe);

    // A flipped character of msg_signature.
    let good = support::wechat_push(TOKEN, "1409735669", "1320562132", &envelope, Some(&encrypt));
    let mut forged = good.clone();
    forged.query.insert(
        "msg_signature".into(),
        "5d197aaffba7e9b25a30732f161a50dee96bd5fb".into(),
    );
    let error = adapter.parse_push(&forged).unwrap_err();
    assert_eq!(error.status(), 403);
    assert!(error.to_string().contains("msg_signature"), "{error}");

    // The plain signature is checked on every push, encrypted or not.
    let mut forged = good.clone();
    forged.query.insert("signature".into(), "0".repeat(40));
    assert_eq!(adapter.parse_push(&forged).unwrap_err().status(), 403);

    // A nonce off by one breaks both.
    let mut forged = good.clone();
    forged.query.insert("nonce".into(), "1320562133".into());
    assert_eq!(adapter.parse_push(&forged).unwrap_err().status(), 403);

    // No msg_signature at all: unsigned.
    let mut unsigned = good.clone();
    unsigned.query.remove("msg_signature");
    assert_eq!(adapter.parse_push(&unsigned).unwrap_err().status(), 401);

    // A plain push to a safe-mode account names the missing element.
    let plain_push = support::wechat_push(
        TOKEN,
        "1",
        "2",
        &sample("test_parser__test_parse_text_message__000.xml"),
        None,
    );
    let error = adapter.parse_push(&plain_push).unwrap_err();
    assert_eq!(error.status(), 400);
    assert!(error.to_string().contains("Encrypt"), "{error}");
}

#[test]
fn the_plain_reply_swaps_the_parties_and_fills_the_template() {
    let xml = sample("test_parser__test_parse_text_message__000.xml");
    let adapter = WechatConfig {
        reply_template: "您的诉求已受理，工单号 {case_number}。".to_string(),
        ..WechatConfig::new(TOKEN, APP_ID)
    }
    .build()
    .unwrap();
    let push = adapter
        .parse_push(&support::wechat_push(TOKEN, "1", "2", &xml, None))
        .unwrap();
    let reply = adapter.reply_with(
        &push,
        &[support::outcome("2025-000123", None)],
        [0; 16],
        1735700002,
        "1",
    );
    let doc = roxmltree_fields(&reply.body_text());
    assert_eq!(doc["ToUserName"], "fromUser");
    assert_eq!(doc["FromUserName"], "toUser");
    assert_eq!(doc["MsgType"], "text");
    assert_eq!(doc["Content"], "您的诉求已受理，工单号 2025-000123。");
    assert_eq!(doc["CreateTime"], "1735700002");

    let emergency = adapter.reply_with(
        &push,
        &[support::outcome(
            "2025-000124",
            Some(EmergencyService::Fire),
        )],
        [0; 16],
        1735700002,
        "1",
    );
    let content = roxmltree_fields(&emergency.body_text())["Content"].clone();
    assert!(
        content.contains("119") && content.contains("2025-000124"),
        "{content}"
    );
}

#[test]
fn the_safe_mode_reply_is_encrypted_and_signed() {
    let (envelope, encrypt) = official_envelope();
    let adapter = with_mode(EncryptionMode::Safe);
    let push = adapter
        .parse_push(&support::wechat_push(
            TOKEN,
            "1409735669",
            "1320562132",
            &envelope,
            Some(&encrypt),
        ))
        .unwrap();
    let reply = adapter.reply(&push, &[support::outcome("2025-000125", None)]);
    let fields = roxmltree_fields(&reply.body_text());
    assert!(
        !fields.contains_key("Content"),
        "the reply must not leak plain text"
    );
    assert_eq!(
        signature(&[
            TOKEN,
            &fields["TimeStamp"],
            &fields["Nonce"],
            &fields["Encrypt"]
        ]),
        fields["MsgSignature"]
    );
    let inner = adapter
        .crypto()
        .unwrap()
        .decrypt(&fields["Encrypt"])
        .unwrap();
    let inner_fields = roxmltree_fields(&inner.msg);
    assert_eq!(inner_fields["ToUserName"], "oyORnuP8q7ou2gfYjqLzSIWZf0rs");
    assert!(inner_fields["Content"].contains("2025-000125"));
}

fn roxmltree_fields(xml: &str) -> std::collections::BTreeMap<String, String> {
    let doc =
        roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("reply is not xml ({e}): {xml}"));
    doc.root_element()
        .children()
        .filter(|n| n.is_element())
        .map(|n| {
            (
                n.tag_name().name().to_string(),
                n.children().filter_map(|c| c.text()).collect(),
            )
        })
        .collect()
}

#[test]
fn a_document_type_declaration_is_refused_so_no_entity_is_expanded() {
    let xml = r#"<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&x;</Content><MsgId>1</MsgId></xml>"#;
    let error = plain()
        .parse_push(&support::wechat_push(TOKEN, "1", "2", xml, None))
        .unwrap_err();
    assert_eq!(error.status(), 400, "{error}");
}

#[test]
fn a_push_missing_its_sender_names_the_element() {
    let xml = "<xml><ToUserName>gh</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>";
    let error = plain()
        .parse_push(&support::wechat_push(TOKEN, "1", "2", xml, None))
        .unwrap_err();
    assert_eq!(error.status(), 400);
    assert!(error.to_string().contains("FromUserName"), "{error}");
}
