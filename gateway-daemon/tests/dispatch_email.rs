//! The email target through the email hook, and cases opened for appeals stored before the
//! daemon could open them.

mod cases_support;

use std::sync::Arc;

use cases_support::{Harness, Receiver, SUPERVISOR_TOKEN, config, wait_for};
use chrono::Utc;
use gateway_daemon::cases::SystemClock;
use gateway_daemon::dispatch::{EmailSender, RecordingEmailSender, TargetConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_target_gets_the_notice_in_chinese_with_its_key() {
    let receiver = Receiver::start().await;
    let mut settings = config(&receiver);
    settings
        .units
        .get_mut("housing")
        .unwrap()
        .targets
        .push(TargetConfig::Email {
            address: "12345@zjj.example.gov.cn".to_string(),
        });
    let recorder = Arc::new(RecordingEmailSender::new());
    let email: Arc<dyn EmailSender> = recorder.clone();
    let harness =
        Harness::start_with_email(settings, Arc::new(SystemClock), false, Some(email)).await;
    let case = harness
        .intake("e-1", "投诉楼上卫生间漏水", Utc::now())
        .await;

    // Both of housing's targets get the new case: its webhook and its mailbox.
    wait_for(10, "the email and the webhook", || {
        !recorder.sent().is_empty() && receiver.requests().iter().any(|r| r.path == "/housing")
    })
    .await;
    let sent = recorder.sent();
    assert_eq!(sent.len(), 1);
    let message = &sent[0];
    assert_eq!(message.to, "12345@zjj.example.gov.cn");
    assert!(
        message.subject.starts_with(&format!("【12345工单】{case}")),
        "{}",
        message.subject
    );
    assert!(
        message.body.contains("县住建局") && message.body.contains("主办"),
        "{}",
        message.body
    );
    let webhook_key = receiver
        .requests()
        .into_iter()
        .find(|r| r.path == "/housing")
        .unwrap()
        .key;
    assert_ne!(
        message.idempotency_key, webhook_key,
        "each target has its own delivery"
    );
    // The worker records a delivery as delivered just after the send returns.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, list) = harness
            .get(SUPERVISOR_TOKEN, "/api/v1/deliveries?state=delivered")
            .await;
        let delivered = list["deliveries"].as_array().map_or(0, Vec::len);
        if delivered == 2 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected 2 delivered after 10 s: {list}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_missing_for_stored_appeals_are_opened_once() {
    let receiver = Receiver::start().await;
    let harness = Harness::start(config(&receiver), Arc::new(SystemClock), false).await;
    harness
        .store_only("m-1", "投诉楼上卫生间漏水", Utc::now())
        .await;
    harness
        .store_only("m-2", "投诉楼下餐馆油烟太大", Utc::now())
        .await;
    harness
        .intake("m-3", "投诉楼上卫生间漏水", Utc::now())
        .await;

    assert_eq!(harness.service.open_missing_cases().await.unwrap(), 2);
    assert_eq!(harness.service.open_missing_cases().await.unwrap(), 0);
    let (_, all) = harness.get(SUPERVISOR_TOKEN, "/api/v1/cases").await;
    assert_eq!(all["cases"].as_array().unwrap().len(), 3, "{all}");
    wait_for(10, "a notice per unit of each case", || {
        receiver.requests().len() == 4
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_without_targets_gets_a_failed_delivery_not_a_lost_one() {
    let receiver = Receiver::start().await;
    let mut settings = config(&receiver);
    settings.units.get_mut("housing").unwrap().targets.clear();
    let harness = Harness::start(settings, Arc::new(SystemClock), false).await;
    let case = harness
        .intake("n-1", "投诉楼上卫生间漏水", Utc::now())
        .await;
    let (status, list) = harness
        .get(SUPERVISOR_TOKEN, "/api/v1/deliveries?state=failed")
        .await;
    assert_eq!(status, 200);
    let failed = list["deliveries"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{list}");
    assert_eq!(failed[0]["case_number"], case.as_str());
    assert!(
        failed[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("no delivery target"),
        "{list}"
    );
    assert_eq!(harness.service.metrics().failed_deliveries(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_the_rules_leave_to_coordination_is_sent_to_the_supervisors() {
    let receiver = Receiver::start().await;
    let harness = Harness::start(config(&receiver), Arc::new(SystemClock), false).await;
    let case = harness
        .intake("c-1", "请问社保卡丢了怎么补办", Utc::now())
        .await;
    let (_, view) = harness
        .get(SUPERVISOR_TOKEN, &format!("/api/v1/cases/{case}"))
        .await;
    assert_eq!(view["lead_unit"], "coordination", "{view}");
    wait_for(10, "the supervisors' notice", || {
        receiver.requests().iter().any(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            r.path == "/supervisors"
                && body["case_number"] == case.as_str()
                && body["notice"]["notice"]["type"] == "new_case"
        })
    })
    .await;
    let (_, failed) = harness
        .get(SUPERVISOR_TOKEN, "/api/v1/deliveries?state=failed")
        .await;
    assert!(
        failed["deliveries"].as_array().unwrap().is_empty(),
        "{failed}"
    );
}
