//! Dispatch to real webhook receivers on loopback: signed bodies, exactly-once arrival by
//! idempotency key across an outage and lost answers, and delivery failures kept visible.

mod cases_support;

use std::collections::BTreeSet;
use std::sync::Arc;

use cases_support::{Harness, Receiver, SECRET, SUPERVISOR_TOKEN, config, token, wait_for};
use chrono::Utc;
use gateway_daemon::cases::SystemClock;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// The signature checked apart from the gateway's own code.
fn signature_holds(timestamp: &str, body: &[u8], header: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    expected == header
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatch_reaches_the_lead_and_assisting_webhooks_signed() {
    let receiver = Receiver::start().await;
    let harness = Harness::start(config(&receiver), Arc::new(SystemClock), false).await;
    let case = harness
        .intake("d-1", "投诉楼下餐馆油烟太大，晚上睡不着", Utc::now())
        .await;

    wait_for(10, "both units' notices", || {
        let paths: BTreeSet<String> = receiver.requests().into_iter().map(|r| r.path).collect();
        paths.contains("/market-supervision") && paths.contains("/urban-management")
    })
    .await;
    for request in receiver.requests() {
        assert!(
            signature_holds(&request.timestamp, &request.body, &request.signature),
            "bad signature on {}: {}",
            request.path,
            request.signature
        );
        let timestamp: i64 = request.timestamp.parse().unwrap();
        assert!((Utc::now().timestamp() - timestamp).abs() < 60);
        assert!(!request.key.is_empty());
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body["case_number"], case.as_str());
        assert_eq!(body["delivery_id"], request.key.as_str());
        match request.path.as_str() {
            "/market-supervision" => {
                assert_eq!(body["role"], "lead");
                assert_eq!(body["notice"]["notice"]["type"], "new_case");
                let text = body["text"].as_str().unwrap();
                assert!(
                    text.contains("县市场监管局") && text.contains(&case),
                    "{text}"
                );
                assert!(text.contains("办理时限至"), "{text}");
                assert_eq!(body["appeal"]["body"], "投诉楼下餐馆油烟太大，晚上睡不着");
            }
            "/urban-management" => {
                assert_eq!(body["role"], "assisting");
                assert_eq!(body["notice"]["notice"]["type"], "assist_requested");
                assert!(body["text"].as_str().unwrap().contains("协办"));
                // An assisting unit gets the matter, not the citizen's contacts.
                assert!(body["appeal"]["citizen"].is_null());
            }
            other => panic!("unexpected delivery to {other}"),
        }
    }

    // A changed body no longer verifies, so the check above is not vacuous.
    let first = &receiver.requests()[0];
    let mut tampered = first.body.to_vec();
    tampered.push(b' ');
    assert!(!signature_holds(
        &first.timestamp,
        &tampered,
        &first.signature
    ));

    // The API lists them as delivered (recorded just after each send returns).
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, list) = harness
            .get(SUPERVISOR_TOKEN, "/api/v1/deliveries?state=delivered")
            .await;
        assert_eq!(status, 200);
        if list["deliveries"].as_array().map_or(0, Vec::len) == 2 {
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
async fn a_receiver_down_then_up_gets_each_case_exactly_once() {
    let mut receiver = Receiver::down().await;
    let harness = Harness::start(config(&receiver), Arc::new(SystemClock), false).await;
    let mut cases = Vec::new();
    for i in 0..3 {
        cases.push(
            harness
                .intake(&format!("d-2-{i}"), "投诉楼上卫生间漏水", Utc::now())
                .await,
        );
    }

    // While it is down, every delivery is retried and stays pending.
    wait_for(10, "several failed attempts", || {
        let pending = harness
            .service
            .deliveries(gateway_daemon::dispatch::DeliveryState::Pending, 100)
            .unwrap();
        pending.len() == 3 && pending.iter().all(|d| d.attempts >= 2)
    })
    .await;
    assert!(receiver.requests().is_empty());

    // Back up, but the first two answers are lost: those deliveries come again, same key.
    receiver.log.lock().unwrap().fail_next = 2;
    receiver.up().await;
    wait_for(20, "every delivery delivered", || {
        harness
            .service
            .deliveries(gateway_daemon::dispatch::DeliveryState::Pending, 100)
            .unwrap()
            .is_empty()
    })
    .await;

    let requests = receiver.requests();
    assert!(
        requests.len() >= 5,
        "two answers were lost, so two came twice: {}",
        requests.len()
    );
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), 3, "{accepted:?}");

    // Each accepted key is one case, and each case arrived under one key only.
    let mut by_case = std::collections::BTreeMap::<String, BTreeSet<String>>::new();
    for request in &requests {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        by_case
            .entry(body["case_number"].as_str().unwrap().to_string())
            .or_default()
            .insert(request.key.clone());
    }
    let mut expected = cases.clone();
    expected.sort();
    assert_eq!(by_case.keys().cloned().collect::<Vec<_>>(), expected);
    assert!(by_case.values().all(|keys| keys.len() == 1), "{by_case:?}");
    assert_eq!(harness.service.metrics().failed_deliveries(), 0);
    receiver.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_failing_past_retry_for_seconds_is_listed_as_failed() {
    let mut receiver = Receiver::down().await;
    let mut settings = config(&receiver);
    settings.dispatch.retry_for_seconds = 1;
    let harness = Harness::start(settings, Arc::new(SystemClock), false).await;
    let case = harness
        .intake("d-3", "投诉楼上卫生间漏水", Utc::now())
        .await;

    let failed = loop {
        let (status, list) = harness
            .get(SUPERVISOR_TOKEN, "/api/v1/deliveries?state=failed")
            .await;
        assert_eq!(status, 200);
        let found = list["deliveries"].as_array().unwrap().clone();
        if !found.is_empty() {
            break found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(failed.len(), 1, "{failed:?}");
    let delivery = &failed[0];
    assert_eq!(delivery["case_number"], case.as_str());
    assert_eq!(delivery["state"], "failed");
    assert!(delivery["attempts"].as_u64().unwrap() >= 2, "{delivery}");
    assert!(
        delivery["last_error"]
            .as_str()
            .unwrap()
            .contains("could not post"),
        "{delivery}"
    );
    assert_eq!(harness.service.metrics().failed_deliveries(), 1);
    let rendered = harness.service.metrics().render().unwrap();
    assert!(
        rendered.contains("gateway_deliveries_total{result=\"failed\"} 1"),
        "{rendered}"
    );

    // Units may not see the list; the supervisor retries it once the receiver is back.
    let (status, _) = harness
        .get(&token("housing"), "/api/v1/deliveries?state=failed")
        .await;
    assert_eq!(status, 403);
    receiver.up().await;
    let id = delivery["id"].as_str().unwrap();
    let (status, body) = harness
        .post(
            SUPERVISOR_TOKEN,
            &format!("/api/v1/deliveries/{id}/retry"),
            Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    wait_for(10, "the retried delivery", || {
        receiver.accepted() == [id.to_string()]
    })
    .await;
    let (_, list) = harness
        .get(SUPERVISOR_TOKEN, "/api/v1/deliveries?state=failed")
        .await;
    assert!(list["deliveries"].as_array().unwrap().is_empty(), "{list}");
    receiver.stop();
}
