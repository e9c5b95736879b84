//! How long the webhook adapters take per request, against a baseline measured in the same
//! run.
//!
//! Run: `cargo bench -p channel-adapters --bench webhook_parse`
//!
//! - WeChat safe mode (signature, AES-256-CBC, XML) against the same message in plain mode:
//!   the ratio is what encryption costs.
//! - An Alibaba batch of 100 messages against `serde_json` parsing the same bytes into a
//!   `Value`: the ratio is what the adapter adds to the JSON floor.
//! - A Twilio message (form parse and HMAC-SHA1 check) against parsing the form alone.

use std::hint::black_box;
use std::time::Instant;

use channel_adapters::sms::{SmsConfig, twilio_signature};
use channel_adapters::wechat::crypto::signature;
use channel_adapters::wechat::{EncryptionMode, WechatConfig};
use channel_adapters::{Method, WebhookRequest};

const SAMPLES: usize = 31;
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// The median time of one call, in nanoseconds, over `SAMPLES` batches of `batch` calls.
fn median_ns(batch: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..batch {
        f();
    }
    let mut samples: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..batch {
                f();
            }
            start.elapsed().as_nanos() as f64 / batch as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[SAMPLES / 2]
}

fn report(name: &str, measured: f64, baseline_name: &str, baseline: f64) {
    println!(
        "{name:<34} median {:>9.1} µs | baseline {baseline_name:<26} {:>9.1} µs | ratio {:>5.2}",
        measured / 1000.0,
        baseline / 1000.0,
        measured / baseline
    );
}

fn wechat() {
    let token = "spamtest";
    let xml = "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName><FromUserName><![CDATA[oEXAMPLEopenid0000000000abcd]]></FromUserName><CreateTime>1735700000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[东门菜场旁边的下水道堵了好几天，臭气熏天，希望尽快派人疏通]]></Content><MsgId>24500000000000001</MsgId></xml>";
    let plain = WechatConfig::new(token, "wx2c2769f8efd9abc2")
        .build()
        .unwrap();
    let safe = WechatConfig::new(token, "wx2c2769f8efd9abc2")
        .with_encryption(EncryptionMode::Safe, KEY)
        .build()
        .unwrap();
    let encrypt = safe.crypto().unwrap().encrypt([3; 16], xml);
    let sig = signature(&[token, "1735700000", "42"]);
    let msg_sig = signature(&[token, "1735700000", "42", &encrypt]);
    let plain_request = WebhookRequest::new(
        Method::Post,
        format!("http://127.0.0.1/wx?signature={sig}&timestamp=1735700000&nonce=42"),
        xml,
    );
    let safe_request = WebhookRequest::new(
        Method::Post,
        format!(
            "http://127.0.0.1/wx?signature={sig}&timestamp=1735700000&nonce=42&encrypt_type=aes&msg_signature={msg_sig}"
        ),
        format!(
            "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        ),
    );
    let baseline = median_ns(2000, || {
        black_box(plain.parse_push(black_box(&plain_request)).unwrap());
    });
    let measured = median_ns(2000, || {
        black_box(safe.parse_push(black_box(&safe_request)).unwrap());
    });
    report(
        "wechat safe-mode push",
        measured,
        "plain-mode push",
        baseline,
    );
}

fn aliyun() {
    let sms = toml::from_str::<SmsConfig>("[accounts.a]\ntype = \"aliyun\"\n")
        .unwrap()
        .build()
        .unwrap();
    let messages: Vec<String> = (0..100)
        .map(|i| {
            format!(
                r#"{{"phone_number":"186{i:08}","content":"小区门口路灯坏了一个星期，晚上很黑","send_time":"2025-03-02 19:05:11","dest_code":"0042","sequence_id":{}}}"#,
                700000 + i
            )
        })
        .collect();
    let body = format!("[{}]", messages.join(","));
    let request = WebhookRequest::new(Method::Post, "http://127.0.0.1/sms/a", body.clone())
        .with_header("Content-Type", "application/json");
    let baseline = median_ns(50, || {
        black_box(serde_json::from_slice::<serde_json::Value>(black_box(body.as_bytes())).unwrap());
    });
    let measured = median_ns(50, || {
        black_box(sms.parse("a", black_box(&request)).unwrap());
    });
    report(
        "aliyun batch of 100",
        measured,
        "serde_json to Value",
        baseline,
    );
}

fn twilio() {
    let token = "0123456789abcdef0123456789abcdef";
    let sms = toml::from_str::<SmsConfig>(&format!(
        "[accounts.w]\ntype = \"twilio\"\nauth_token = \"{token}\"\n"
    ))
    .unwrap()
    .build()
    .unwrap();
    let body = "MessageSid=SM00000000000000000000000000000001&AccountSid=AC00000000000000000000000000000001&From=%2B15555550100&To=%2B15555550199&Body=Pothole+on+Main+St&NumMedia=0&NumSegments=1";
    let url = "https://hotline.example.gov.cn/sms/w";
    let params: Vec<(String, String)> = serde_urlencoded::from_str(body).unwrap();
    let request = WebhookRequest::new(Method::Post, url, body)
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_header("X-Twilio-Signature", twilio_signature(token, url, &params));
    let baseline = median_ns(2000, || {
        black_box(serde_urlencoded::from_str::<Vec<(String, String)>>(black_box(body)).unwrap());
    });
    let measured = median_ns(2000, || {
        black_box(sms.parse("w", black_box(&request)).unwrap());
    });
    report(
        "twilio signed message",
        measured,
        "form parse alone",
        baseline,
    );
}

fn main() {
    println!("webhook adapters, median of {SAMPLES} batches per figure");
    wechat();
    aliyun();
    twilio();
}
