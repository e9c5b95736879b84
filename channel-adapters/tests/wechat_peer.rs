//! Cross-checks against wechatpy, an implementation that shares no code with ours.
//!
//! Needs `python3` with `pip install wechatpy==1.8.18 cryptography`; fails, naming that
//! command, when they are missing.

mod support;

use channel_adapters::wechat::{EncryptionMode, WechatConfig};
use serde_json::json;

const TOKEN: &str = "hotline12345";
const KEY: &str = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";
const APP_ID: &str = "wx1234567890abcdef";

fn peer_request(xml: &str, nonce: &str, timestamp: &str) -> serde_json::Value {
    json!({"token": TOKEN, "encoding_aes_key": KEY, "app_id": APP_ID, "xml": xml, "nonce": nonce, "timestamp": timestamp})
}

fn inbound_text(content: &str, msg_id: u64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName>\n<FromUserName><![CDATA[oCitizenOpenId000000000000]]></FromUserName>\n<CreateTime>1735700000</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[{content}]]></Content>\n<MsgId>{msg_id}</MsgId>\n</xml>"
    )
}

#[test]
fn pushes_encrypted_by_wechatpy_decrypt_and_verify_here_at_every_pad() {
    let adapter = WechatConfig::new(TOKEN, APP_ID)
        .with_encryption(EncryptionMode::Safe, KEY)
        .build()
        .unwrap();
    let mut pads = std::collections::BTreeSet::new();
    // Contents of growing length walk the pad through both halves of its 1..=32 range.
    for (i, extra) in [0usize, 5, 11, 17, 23, 29].into_iter().enumerate() {
        let content = format!("玉壶镇东樟村路灯坏了{}", "a".repeat(extra));
        let xml = inbound_text(&content, 24500000000000000 + i as u64);
        let nonce = format!("{}", 1320562132 + i);
        let answer = support::run_peer(
            "wechat_peer.py",
            &["encrypt"],
            &peer_request(&xml, &nonce, "1735700001"),
        )
        .expect("wechatpy encrypts");
        let encrypt = answer["encrypt"].as_str().unwrap();
        let body = format!(
            "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        );
        let request = support::wechat_push(TOKEN, "1735700001", &nonce, &body, Some(encrypt));
        // Our signatures are the ones wechatpy computed.
        assert!(
            request
                .url
                .contains(answer["msg_signature"].as_str().unwrap())
        );
        assert!(request.url.contains(answer["signature"].as_str().unwrap()));
        let push = adapter
            .parse_push(&request)
            .unwrap_or_else(|e| panic!("push {i} refused: {e}"));
        let appeal = push.items[0].as_appeal().unwrap();
        assert_eq!(appeal.body, content);
        assert_eq!(
            appeal.channel_message_id,
            (24500000000000000 + i as u64).to_string()
        );
        pads.insert(adapter.crypto().unwrap().decrypt(encrypt).unwrap().pad);
    }
    assert!(
        pads.iter().any(|&p| p > 16),
        "no pad above 16 was exercised: {pads:?}"
    );
    assert!(
        pads.iter().any(|&p| p <= 16),
        "no pad of 16 or less was exercised: {pads:?}"
    );
}

#[test]
fn our_encrypted_passive_reply_decrypts_and_verifies_in_wechatpy() {
    let adapter = WechatConfig::new(TOKEN, APP_ID)
        .with_encryption(EncryptionMode::Safe, KEY)
        .build()
        .unwrap();
    let xml = inbound_text("楼下餐馆油烟太大", 24500000000000099);
    let answer = support::run_peer(
        "wechat_peer.py",
        &["encrypt"],
        &peer_request(&xml, "77", "1735700001"),
    )
    .unwrap();
    let encrypt = answer["encrypt"].as_str().unwrap();
    let body = format!(
        "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    );
    let push = adapter
        .parse_push(&support::wechat_push(
            TOKEN,
            "1735700001",
            "77",
            &body,
            Some(encrypt),
        ))
        .unwrap();

    let reply = adapter.reply(&push, &[support::outcome("2025-000321", None)]);
    let request = json!({"token": TOKEN, "encoding_aes_key": KEY, "app_id": APP_ID, "reply": reply.body_text()});
    let decrypted = support::run_peer("wechat_peer.py", &["decrypt"], &request)
        .expect("wechatpy accepts our reply");
    let plain = decrypted["xml"].as_str().unwrap();
    assert!(
        plain.contains("<ToUserName><![CDATA[oCitizenOpenId000000000000]]></ToUserName>"),
        "{plain}"
    );
    assert!(plain.contains("2025-000321"), "{plain}");

    // A reply whose signature was tampered with is refused by wechatpy.
    let tampered =
        reply
            .body_text()
            .replacen("<MsgSignature><![CDATA[", "<MsgSignature><![CDATA[0", 1);
    let request =
        json!({"token": TOKEN, "encoding_aes_key": KEY, "app_id": APP_ID, "reply": tampered});
    let refusal = support::run_peer("wechat_peer.py", &["decrypt"], &request).unwrap_err();
    assert!(refusal.contains("Signature"), "{refusal}");
}

#[test]
fn a_push_encrypted_by_wechatpy_for_another_account_is_refused() {
    let adapter = WechatConfig::new(TOKEN, "wx0000000000000000")
        .with_encryption(EncryptionMode::Safe, KEY)
        .build()
        .unwrap();
    let xml = inbound_text("测试", 1);
    let answer = support::run_peer(
        "wechat_peer.py",
        &["encrypt"],
        &peer_request(&xml, "5", "1735700001"),
    )
    .unwrap();
    let encrypt = answer["encrypt"].as_str().unwrap();
    let body = format!("<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
    let error = adapter
        .parse_push(&support::wechat_push(
            TOKEN,
            "1735700001",
            "5",
            &body,
            Some(encrypt),
        ))
        .unwrap_err();
    assert_eq!(error.status(), 403);
    assert!(error.to_string().contains(APP_ID), "{error}");
}
