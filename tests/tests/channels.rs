//! Every channel end to end against the real daemon on loopback: real payload shapes,
//! retries that must not double, and the refusals (400/401/403/404/413) with their reasons.
//!
//! The WeChat push is encrypted, and the passive reply decrypted and verified, by wechatpy
//! (`pip install wechatpy==1.8.18 cryptography`), an implementation that shares no code with
//! the daemon's; the Twilio push is signed by the `twilio` package (`pip install twilio==9.13.0`).

use gateway_tests::{Daemon, Sandbox, client, config_text, creds, twilio_peer, wechat_peer};
use reqwest::blocking::multipart;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gateway-under-test");

fn start(sandbox: &Sandbox) -> Daemon {
    let config = sandbox.config(&config_text("redb", None, ""));
    Daemon::start(BIN, &config, &sandbox.data_dir())
}

fn read_appeal(daemon: &Daemon, id: &str) -> Value {
    let response = client()
        .get(daemon.url(&format!("/api/v1/appeals/{id}")))
        .bearer_auth(creds::READER_TOKEN)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200, "appeal {id} reads back");
    response.json().unwrap()
}

fn count_appeals(daemon: &Daemon) -> usize {
    let page: Value = client()
        .get(daemon.url("/api/v1/appeals?limit=1000"))
        .bearer_auth(creds::READER_TOKEN)
        .send()
        .unwrap()
        .json()
        .unwrap();
    page["appeals"].as_array().unwrap().len()
}

#[test]
fn cti_record_call_events_and_missed_calls() {
    let sandbox = Sandbox::new();
    let daemon = start(&sandbox);
    let http = client();
    let url = daemon.url(&format!("/channels/cti/{}", creds::CTI_TOKEN));

    // newCall: an event, answered with an empty object.
    let response = http
        .post(&url)
        .json(&json!({"event":"newCall","from":"057000000001","to":"12345","direction":"in","callId":"c-1","queue":"intake"}))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().unwrap(), "{}");

    // record: an appeal; an emergency is answered with a transfer to its service.
    let record = json!({"event":"record","callId":"c-1","from":"13800001234","to":"12345","summary":"来电人称其所在小区3幢一楼店面起火了，火很大，请求出警","agent":"8012"});
    let answer: Value = http
        .post(&url)
        .json(&record)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(answer["action"], "transfer", "{answer}");
    assert_eq!(answer["number"], "119", "{answer}");
    let case_number = answer["caseNumber"].as_str().unwrap().to_string();

    // The PBX retries the same record: same case, nothing new.
    let retry: Value = http
        .post(&url)
        .json(&record)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(retry["caseNumber"], case_number.as_str());
    assert_eq!(count_appeals(&daemon), 1);

    // An ordinary record gets its case number and appeal id.
    let ordinary: Value = http
        .post(&url)
        .json(&json!({"event":"record","callId":"c-2","from":"13800005678","to":"12345","summary":"小区路灯坏了一个月没人修"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = ordinary["appealId"].as_str().unwrap();
    let stored = read_appeal(&daemon, id);
    assert_eq!(stored["appeal"]["channel"], "phone");
    assert_eq!(stored["case_number"], ordinary["caseNumber"]);

    // A hangup before anyone answered (form data, as some PBXs send) goes on the call-back list.
    let response = http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("event=hangup&from=13800009999&to=12345&direction=in&callId=c-3&cause=noAnswer")
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let callbacks: Value = http
        .get(daemon.url("/api/v1/callbacks"))
        .bearer_auth(creds::READER_TOKEN)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let list = callbacks["callbacks"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{callbacks}");
    assert_eq!(list[0]["call_id"], "c-3");
    assert_eq!(list[0]["caller"], "13800009999");
    assert_eq!(list[0]["cause"], "noAnswer");

    // A wrong token is refused with 403 and a reason; a malformed event with 400.
    let wrong = http
        .post(daemon.url("/channels/cti/not-the-token-at-all"))
        .json(&json!({"event":"newCall","callId":"c-9"}))
        .send()
        .unwrap();
    assert_eq!(wrong.status(), 403);
    assert!(wrong.text().unwrap().contains("token"));
    let malformed = http
        .post(&url)
        .json(&json!({"event":"ringing","callId":"c-9"}))
        .send()
        .unwrap();
    assert_eq!(malformed.status(), 400);
    assert!(malformed.text().unwrap().contains("event"));

    // The log never carries the caller's number or the text.
    let logs = daemon.logs();
    assert!(
        !logs.contains("13800009999") && !logs.contains("13800001234"),
        "{logs}"
    );
    assert!(!logs.contains("路灯坏了"), "{logs}");
}

#[test]
fn sms_from_all_three_providers() {
    let sandbox = Sandbox::new();
    let daemon = start(&sandbox);
    let http = client();

    // Alibaba: a batch of two, answered as Alibaba expects; the retried batch doubles nothing.
    let aliyun = r#"[
      {"phone_number":"18600000001","content":"路灯修好了，谢谢","send_time":"2025-03-02 19:05:11","dest_code":"0042","sequence_id":700001,"sign_name":"某县政务热线"},
      {"phone_number":"18600000002","content":"小区噪音扰民，晚上施工","send_time":"20250302190740","dest_code":"0042","sequence_id":"700002"}
    ]"#;
    for _ in 0..2 {
        let response = http
            .post(daemon.url("/channels/sms/aliyun"))
            .header("content-type", "application/json")
            .body(aliyun)
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
        let answer: Value = response.json().unwrap();
        assert_eq!(answer, json!({"code": 0, "msg": "接收成功"}));
    }
    assert_eq!(count_appeals(&daemon), 2);

    // Tencent: one object.
    let tencent = json!({"extend":"","mobile":"13800000001","nationcode":"86","sign":"某县政务热线","text":"路边井盖丢了很危险","time":1735700000});
    let answer: Value = http
        .post(daemon.url("/channels/sms/tencent"))
        .json(&tencent)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(answer, json!({"result": 0, "errmsg": "OK"}));
    assert_eq!(count_appeals(&daemon), 3);

    // Twilio: form fields signed over the URL as the daemon was called.
    let url = daemon.url("/channels/sms/twilio");
    let params = vec![
        (
            "MessageSid".to_string(),
            "SM0123456789abcdef0123456789abcdef".to_string(),
        ),
        (
            "AccountSid".to_string(),
            "AC0123456789abcdef0123456789abcdef".to_string(),
        ),
        ("From".to_string(), "+8613800000003".to_string()),
        ("To".to_string(), "+15005550006".to_string()),
        ("Body".to_string(), "垃圾很多天没人清运".to_string()),
        ("NumMedia".to_string(), "0".to_string()),
    ];
    // The signature comes from the `twilio` package itself, not from our code.
    let signed =
        twilio_peer(&json!({"auth_token": creds::TWILIO_TOKEN, "url": url, "params": params}));
    let signature = signed["twilio"].as_str().unwrap().to_string();
    let response = http
        .post(&url)
        .header("x-twilio-signature", &signature)
        .form(&params)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let twiml = response.text().unwrap();
    assert!(twiml.contains("已受理，工单号"), "{twiml}");
    assert_eq!(count_appeals(&daemon), 4);

    // A wrong signature is refused with a reason, an unknown account is a 404.
    let forged = http
        .post(&url)
        .header("x-twilio-signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        .form(&params)
        .send()
        .unwrap();
    assert!(
        matches!(forged.status().as_u16(), 401 | 403),
        "{}",
        forged.status()
    );
    assert!(forged.text().unwrap().to_lowercase().contains("signature"));
    let unknown = http
        .post(daemon.url("/channels/sms/nobody"))
        .json(&tencent)
        .send()
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().unwrap().contains("nobody"));
}

fn inbound_text(content: &str, msg_id: u64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName>\n<FromUserName><![CDATA[oCitizenOpenId000000000000]]></FromUserName>\n<CreateTime>1735700000</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[{content}]]></Content>\n<MsgId>{msg_id}</MsgId>\n</xml>"
    )
}

#[test]
fn wechat_safe_mode_with_wechatpy_as_the_platform() {
    let sandbox = Sandbox::new();
    let daemon = start(&sandbox);
    let http = client();
    let keys = json!({"token": creds::WECHAT_TOKEN, "encoding_aes_key": creds::WECHAT_KEY, "app_id": creds::WECHAT_APP_ID});

    // The URL check: wechatpy signs token, timestamp and nonce; echostr comes back unchanged.
    let signed = wechat_peer(
        "encrypt",
        &json!({"token": creds::WECHAT_TOKEN, "encoding_aes_key": creds::WECHAT_KEY, "app_id": creds::WECHAT_APP_ID, "xml": "<xml/>", "nonce": "42", "timestamp": "1735700001"}),
    );
    let signature = signed["signature"].as_str().unwrap();
    let check = http
        .get(daemon.url(&format!(
            "/channels/wechat/wencheng?signature={signature}&timestamp=1735700001&nonce=42&echostr=hello-12345"
        )))
        .send()
        .unwrap();
    assert_eq!(check.status(), 200);
    assert_eq!(check.text().unwrap(), "hello-12345");

    // A push encrypted by wechatpy; the encrypted passive reply must verify and decrypt there.
    let xml = inbound_text("玉壶镇东樟村路灯坏了好几天", 24500000000000001);
    let mut case_numbers = Vec::new();
    for _ in 0..2 {
        let mut request = keys.clone();
        request["xml"] = json!(xml);
        request["nonce"] = json!("1320562132");
        request["timestamp"] = json!("1735700001");
        let envelope = wechat_peer("encrypt", &request);
        let encrypt = envelope["encrypt"].as_str().unwrap();
        let url = daemon.url(&format!(
            "/channels/wechat/wencheng?signature={}&timestamp=1735700001&nonce=1320562132&openid=oCitizen&encrypt_type=aes&msg_signature={}",
            envelope["signature"].as_str().unwrap(),
            envelope["msg_signature"].as_str().unwrap(),
        ));
        let body = format!(
            "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        );
        let response = http
            .post(&url)
            .header("content-type", "text/xml")
            .body(body)
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
        let reply = response.text().unwrap();
        let mut request = keys.clone();
        request["reply"] = json!(reply);
        let plain = wechat_peer("decrypt", &request);
        let plain = plain["xml"].as_str().unwrap().to_string();
        assert!(
            plain.contains("<ToUserName><![CDATA[oCitizenOpenId000000000000]]></ToUserName>"),
            "{plain}"
        );
        let start = plain
            .find("工单号 ")
            .expect("the reply names the case number")
            + "工单号 ".len();
        let digits: String = plain[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        case_numbers.push(digits);
    }
    // WeChat's retry of the same MsgId gets the same case number and makes no second appeal.
    assert_eq!(case_numbers[0], case_numbers[1]);
    assert!(case_numbers[0].len() >= 10);
    assert_eq!(count_appeals(&daemon), 1);

    // A forged signature is refused with the reason; an unknown account is a 404.
    let forged = http
        .post(daemon.url("/channels/wechat/wencheng?signature=0000&timestamp=1&nonce=1"))
        .body("<xml/>")
        .send()
        .unwrap();
    assert!(
        matches!(forged.status().as_u16(), 401 | 403),
        "{}",
        forged.status()
    );
    assert!(forged.text().unwrap().contains("signature"));
    let unknown = http
        .get(daemon.url("/channels/wechat/elsewhere?signature=1&timestamp=1&nonce=1&echostr=x"))
        .send()
        .unwrap();
    assert_eq!(unknown.status(), 404);

    // No OpenID in the log.
    assert!(
        !daemon.logs().contains("oCitizenOpenId"),
        "{}",
        daemon.logs()
    );
}

#[test]
fn web_form_json_urlencoded_and_multipart_with_files() {
    let sandbox = Sandbox::new();
    let daemon = start(&sandbox);
    let http = client();
    let url = daemon.url("/channels/web-form");

    // JSON, retried with the same Idempotency-Key: one appeal, the same id and case number.
    let body = json!({"title":"餐馆油烟","body":"楼下餐馆油烟太大，晚上开窗都是油烟味","name":"张某","phone":"138-0000-0000","address":"玉壶镇东樟村"});
    let first: Value = http
        .post(&url)
        .header("idempotency-key", "form-a-1")
        .json(&body)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let again: Value = http
        .post(&url)
        .header("idempotency-key", "form-a-1")
        .json(&body)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(first["appealId"], again["appealId"]);
    assert_eq!(first["caseNumber"], again["caseNumber"]);
    assert!(first["message"].as_str().unwrap().contains("工单号"));

    // urlencoded.
    let response = http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("body=%E8%B7%AF%E7%81%AF%E4%B8%8D%E4%BA%AE&phone=13800000000")
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);

    // Multipart with a file: stored by hash, named in the appeal.
    let photo = vec![0x89u8, b'P', b'N', b'G', 1, 2, 3, 4, 5, 6, 7, 8];
    let form = multipart::Form::new()
        .text("body", "路面塌陷了一个大坑")
        .text("phone", "13800000004")
        .part(
            "files",
            multipart::Part::bytes(photo.clone())
                .file_name("hole.png")
                .mime_str("image/png")
                .unwrap(),
        );
    let answer: Value = http
        .post(&url)
        .multipart(form)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let stored = read_appeal(&daemon, answer["appealId"].as_str().unwrap());
    let attachment = &stored["appeal"]["attachments"][0];
    assert_eq!(attachment["file_name"], "hole.png");
    assert_eq!(attachment["size_bytes"], photo.len());
    assert_eq!(count_appeals(&daemon), 3);

    // A missing body is refused in Chinese, naming the field.
    let missing = http.post(&url).json(&json!({"title": "x"})).send().unwrap();
    assert_eq!(missing.status(), 400);
    let missing: Value = missing.json().unwrap();
    assert_eq!(missing["field"], "body");

    // A malformed body is refused saying what is wrong.
    let broken = http
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"body\": ")
        .send()
        .unwrap();
    assert_eq!(broken.status(), 400);

    // Over max_body_bytes (64 KiB in the test config): 413 naming the limit.
    let large = http
        .post(&url)
        .header("content-type", "application/json")
        .body(format!("{{\"body\":\"{}\"}}", "长".repeat(30_000)))
        .send()
        .unwrap();
    assert_eq!(large.status(), 413);
    assert!(large.text().unwrap().contains("max_body_bytes"));
    assert_eq!(count_appeals(&daemon), 3);

    // Metrics count intake per channel.
    let metrics = http
        .get(daemon.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("gateway_intake_total{channel=\"web_form\",result=\"new\"} 3"),
        "{metrics}"
    );
    assert!(metrics.contains("gateway_store_commit_seconds_bucket"));
}

#[test]
fn a_wechat_push_slower_than_the_reply_bound_answers_503_and_is_still_stored() {
    // A bound of 0 ms: the store is always slower, so the daemon must give up on the passive
    // reply, let WeChat retry, and still finish storing the appeal.
    let sandbox = Sandbox::new();
    let config = sandbox.config(&config_text(
        "redb",
        None,
        "[channels.wechat]\nreply_timeout_millis = 0\n",
    ));
    let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
    let mut request = json!({"token": creds::WECHAT_TOKEN, "encoding_aes_key": creds::WECHAT_KEY, "app_id": creds::WECHAT_APP_ID});
    request["xml"] = json!(inbound_text("路边井盖丢了很危险", 24500000000000777));
    request["nonce"] = json!("99");
    request["timestamp"] = json!("1735700001");
    let envelope = wechat_peer("encrypt", &request);
    let url = daemon.url(&format!(
        "/channels/wechat/wencheng?signature={}&timestamp=1735700001&nonce=99&encrypt_type=aes&msg_signature={}",
        envelope["signature"].as_str().unwrap(),
        envelope["msg_signature"].as_str().unwrap(),
    ));
    let body = format!(
        "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt></xml>",
        envelope["encrypt"].as_str().unwrap()
    );
    let response = client().post(&url).body(body).send().unwrap();
    assert_eq!(response.status(), 503);
    assert_ne!(response.text().unwrap(), "success");
    assert!(
        gateway_tests::eventually(std::time::Duration::from_secs(5), || count_appeals(&daemon)
            == 1),
        "the appeal was not stored after the reply was given up on"
    );
}
