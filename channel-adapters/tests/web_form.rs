//! The web form adapter: JSON, urlencoded and pre-split multipart submissions.

mod support;

use channel_adapters::web_form::{UploadedFile, WebFormAdapter, WebFormConfig};
use channel_adapters::{Method, WebhookRequest};
use gateway_core::{Channel, EmergencyService};

fn adapter() -> WebFormAdapter {
    WebFormConfig::default().build().unwrap()
}

fn json(body: &str) -> WebhookRequest {
    WebhookRequest::new(Method::Post, "http://127.0.0.1/form", body)
        .with_header("Content-Type", "application/json")
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_json_submission_fills_the_appeal() {
    let body = r#"{"title":"餐馆油烟","body":"楼下餐馆油烟太大，晚上开窗都是油烟味","name":"张某","phone":"138-0000-0000","email":"zhang@example.org","address":"玉壶镇东樟村","client_token":"tok-1"}"#;
    let submission = adapter().parse(&json(body)).unwrap();
    let appeal = submission.appeal().unwrap();
    assert_eq!(appeal.channel, Channel::WebForm);
    assert_eq!(appeal.channel_message_id, "tok-1");
    assert_eq!(appeal.title.as_deref(), Some("餐馆油烟"));
    assert_eq!(appeal.citizen.name.as_deref(), Some("张某"));
    assert_eq!(appeal.citizen.phone.as_deref(), Some("13800000000"));
    assert_eq!(appeal.citizen.email.as_deref(), Some("zhang@example.org"));
    assert_eq!(appeal.location.address.as_deref(), Some("玉壶镇东樟村"));
    assert!(appeal.flags.is_empty());
    assert_eq!(
        appeal.raw.as_ref().unwrap().bytes().unwrap(),
        body.as_bytes()
    );
}

#[test]
fn an_urlencoded_submission_is_read_the_same() {
    let body = "body=%E8%B7%AF%E7%81%AF%E4%B8%8D%E4%BA%AE&phone=13800000000";
    let request = WebhookRequest::new(Method::Post, "http://127.0.0.1/form", body)
        .with_header("Content-Type", "application/x-www-form-urlencoded");
    let submission = adapter().parse(&request).unwrap();
    assert_eq!(submission.appeal().unwrap().body, "路灯不亮");
}

#[test]
fn the_idempotency_key_header_wins_and_otherwise_the_content_decides() {
    let form = adapter();
    let body = r#"{"body":"路灯不亮","phone":"13800000000","client_token":"tok-2"}"#;
    let keyed = form
        .parse(&json(body).with_header("Idempotency-Key", "idem-9"))
        .unwrap();
    assert_eq!(keyed.appeal().unwrap().channel_message_id, "idem-9");

    let anonymous_key = r#"{"body":"路灯不亮","phone":"13800000000"}"#;
    let first = form.parse(&json(anonymous_key)).unwrap();
    let second = form.parse(&json(anonymous_key)).unwrap();
    let id = &first.appeal().unwrap().channel_message_id;
    assert!(id.starts_with("sha256:"), "{id}");
    assert_eq!(
        id,
        &second.appeal().unwrap().channel_message_id,
        "a double click is one appeal"
    );
    let other = form
        .parse(&json(r#"{"body":"路灯不亮了","phone":"13800000000"}"#))
        .unwrap();
    assert_ne!(id, &other.appeal().unwrap().channel_message_id);
}

#[test]
fn a_malformed_phone_is_kept_raw_and_flagged_not_refused() {
    let submission = adapter()
        .parse(&json(
            r#"{"body":"噪音扰民","phone":"138abc","email":"not-an-email"}"#,
        ))
        .unwrap();
    let appeal = submission.appeal().unwrap();
    assert!(appeal.citizen.phone.is_none());
    assert!(appeal.citizen.email.is_none());
    assert_eq!(appeal.flags[0].field, "phone");
    assert_eq!(appeal.flags[0].raw.as_deref(), Some("138abc"));
    assert_eq!(appeal.flags[1].field, "email");
}

#[test]
fn missing_or_too_long_fields_are_refused_in_chinese_with_the_field() {
    let form = WebFormConfig {
        require_title: true,
        max_body_chars: 10,
        ..WebFormConfig::default()
    }
    .build()
    .unwrap();
    let cases = [
        (
            r#"{"title":"t","phone":"13800000000"}"#,
            "body",
            "请填写诉求内容",
        ),
        (
            r#"{"title":"t","body":"   ","phone":"13800000000"}"#,
            "body",
            "请填写诉求内容",
        ),
        (
            r#"{"body":"路灯","phone":"13800000000"}"#,
            "title",
            "请填写标题",
        ),
        (
            r#"{"title":"t","body":"路灯"}"#,
            "phone",
            "请留下联系电话或电子邮箱",
        ),
        (
            r#"{"title":"t","body":"一二三四五六七八九十十一","phone":"13800000000"}"#,
            "body",
            "不能超过10个字",
        ),
        (
            r#"{"title":"t","body":["a"],"phone":"1"}"#,
            "body",
            "格式有误",
        ),
    ];
    for (body, field, message) in cases {
        let error = form.parse(&json(body)).unwrap_err();
        assert_eq!(error.status(), 400, "{body}");
        assert_eq!(error.field(), Some(field), "{body}");
        assert!(
            error.citizen_message().contains(message),
            "{body}: {}",
            error.citizen_message()
        );
        let reply = error.to_reply();
        assert_eq!(reply.status, 400);
        let value: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(value["field"], field);
    }
    assert_eq!(form.parse(&json("{oops")).unwrap_err().status(), 400);
}

#[test]
fn multipart_fields_and_files_make_attachments_by_hash() {
    let form = adapter();
    let files = vec![UploadedFile {
        file_name: Some("现场照片.jpg".to_string()),
        content_type: "image/jpeg".to_string(),
        bytes: b"\xff\xd8\xff\xe0 not really a jpeg".to_vec(),
    }];
    let submission = form
        .parse_fields(
            pairs(&[("body", "垃圾没人清运"), ("phone", "13800000000")]),
            files,
            Some("idem-3"),
        )
        .unwrap();
    let appeal = submission.appeal().unwrap();
    assert_eq!(appeal.channel_message_id, "idem-3");
    let attachment = &appeal.attachments[0];
    assert_eq!(attachment.file_name.as_deref(), Some("现场照片.jpg"));
    assert_eq!(attachment.size_bytes, Some(22));
    assert_eq!(
        attachment.sha256.as_deref(),
        Some(submission.files[0].sha256.as_str())
    );
    assert_eq!(attachment.sha256.as_ref().unwrap().len(), 64);
}

#[test]
fn files_of_a_refused_type_or_size_name_the_file() {
    let form = WebFormConfig {
        max_file_bytes: 8,
        ..WebFormConfig::default()
    }
    .build()
    .unwrap();
    let fields = pairs(&[("body", "x"), ("phone", "13800000000")]);
    let exe = UploadedFile {
        file_name: Some("setup.exe".to_string()),
        content_type: "application/x-msdownload".to_string(),
        bytes: vec![0; 4],
    };
    let error = form
        .parse_fields(fields.clone(), vec![exe], None)
        .unwrap_err();
    assert!(
        error.citizen_message().contains("setup.exe"),
        "{}",
        error.citizen_message()
    );
    let big = UploadedFile {
        file_name: Some("big.png".to_string()),
        content_type: "image/png".to_string(),
        bytes: vec![0; 9],
    };
    let error = form.parse_fields(fields, vec![big], None).unwrap_err();
    assert_eq!(error.status(), 400);
    assert!(error.to_string().contains("max_file_bytes"), "{error}");
}

#[test]
fn the_reply_gives_the_case_number_and_says_when_to_call_the_emergency_service() {
    let form = adapter();
    let reply = form.reply(&support::outcome("2025-000555", None));
    let value: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(value["caseNumber"], "2025-000555");
    assert!(value["message"].as_str().unwrap().contains("2025-000555"));
    let urgent = form.reply(&support::outcome(
        "2025-000556",
        Some(EmergencyService::Ambulance),
    ));
    let value: serde_json::Value = serde_json::from_slice(&urgent.body).unwrap();
    assert_eq!(value["emergency"], "120");
    assert!(value["message"].as_str().unwrap().contains("120"));
}

#[test]
fn the_config_reads_from_toml_with_defaults() {
    let config: WebFormConfig = toml::from_str("max_body_chars = 600\n").unwrap();
    assert_eq!(config.max_body_chars, 600);
    assert!(config.require_contact);
    assert!(toml::from_str::<WebFormConfig>("max_body = 600\n").is_err());
}
