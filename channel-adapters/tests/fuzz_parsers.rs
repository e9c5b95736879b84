//! Arbitrary bytes into every webhook parser: refusals are fine, panics are not.

mod support;

use channel_adapters::cti::CtiConfig;
use channel_adapters::sms::{SmsConfig, twilio_signature};
use channel_adapters::web_form::{UploadedFile, WebFormConfig};
use channel_adapters::wechat::{EncryptionMode, WechatConfig};
use channel_adapters::{Method, WebhookRequest};
use proptest::prelude::*;

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

fn sms() -> channel_adapters::sms::SmsAdapter {
    toml::from_str::<SmsConfig>(
        "[accounts.a]\ntype = \"aliyun\"\n[accounts.t]\ntype = \"tencent\"\n[accounts.w]\ntype = \"twilio\"\nauth_token = \"k\"\n",
    )
    .unwrap()
    .build()
    .unwrap()
}

/// Bytes that are often near-valid: JSON, XML and form fragments mixed with noise.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        "[\\[\\]{}<>\"=&:,a-zA-Z0-9_%+ ]{0,200}".prop_map(String::into_bytes),
        proptest::collection::vec(
            prop_oneof![
                Just("{\"event\":\"record\",".to_string()),
                Just("\"callId\":".to_string()),
                Just("<xml><MsgType>".to_string()),
                Just("<![CDATA[".to_string()),
                Just("]]>".to_string()),
                Just("</xml>".to_string()),
                Just("[{\"phone_number\":".to_string()),
                Just("&Body=".to_string()),
                "[^\\x00]{0,12}",
            ],
            0..20
        )
        .prop_map(|parts| parts.concat().into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn cti_never_panics(body in body(), form in any::<bool>()) {
        let cti = CtiConfig::new("token-123456").build().unwrap();
        let kind = if form { "application/x-www-form-urlencoded" } else { "application/json" };
        let request = WebhookRequest::new(Method::Post, "http://127.0.0.1/api/v1/cti/token-123456", body)
            .with_header("Content-Type", kind);
        if let Ok(intake) = cti.parse("token-123456", &request) {
            let _ = cti.reply(&intake, &[support::outcome("1", None)]);
        }
    }

    #[test]
    fn wechat_never_panics(body in body(), encrypted in any::<bool>()) {
        let adapter = WechatConfig::new("spamtest", "wx2c2769f8efd9abc2")
            .with_encryption(EncryptionMode::Compat, KEY)
            .build()
            .unwrap();
        let text = String::from_utf8_lossy(&body).into_owned();
        // Signed correctly, so the parser behind the signature check is what is exercised.
        let encrypt = encrypted.then(|| {
            let crypto = adapter.crypto().unwrap();
            crypto.encrypt([1; 16], &text)
        });
        let outer = match &encrypt {
            Some(e) => format!("<xml><Encrypt><![CDATA[{e}]]></Encrypt></xml>"),
            None => text.clone(),
        };
        let request = support::wechat_push("spamtest", "1", "2", &outer, encrypt.as_deref());
        if let Ok(push) = adapter.parse_push(&request) {
            let _ = adapter.reply(&push, &[support::outcome("1", None)]);
        }
        // Raw bytes as the ciphertext itself.
        let _ = adapter.crypto().unwrap().decrypt(&text);
    }

    #[test]
    fn sms_never_panics(body in body(), account in prop_oneof![Just("a"), Just("t"), Just("w")]) {
        let sms = sms();
        let mut request = WebhookRequest::new(Method::Post, "http://127.0.0.1/sms/w", body.clone())
            .with_header("Content-Type", if account == "w" { "application/x-www-form-urlencoded" } else { "application/json" });
        if account == "w" {
            let params: Vec<(String, String)> = std::str::from_utf8(&body)
                .ok()
                .and_then(|t| serde_urlencoded::from_str(t).ok())
                .unwrap_or_default();
            let signature = twilio_signature("k", &request.url, &params);
            request = request.with_header("X-Twilio-Signature", signature);
        }
        if let Ok(intake) = sms.parse(account, &request) {
            let _ = sms.reply(&intake, &[support::outcome("1", None)]);
        }
    }

    #[test]
    fn web_form_never_panics(body in body(), file in proptest::collection::vec(any::<u8>(), 0..64), name in "\\PC{0,20}") {
        let form = WebFormConfig::default().build().unwrap();
        let request = WebhookRequest::new(Method::Post, "http://127.0.0.1/form", body.clone());
        let _ = form.parse(&request);
        let text = String::from_utf8_lossy(&body).into_owned();
        let fields = vec![("body".to_string(), text.clone()), ("phone".to_string(), name.clone()), ("email".to_string(), text)];
        let upload = UploadedFile { file_name: Some(name), content_type: "image/png".to_string(), bytes: file };
        let _ = form.parse_fields(fields, vec![upload], None);
    }
}
