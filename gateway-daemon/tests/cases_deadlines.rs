//! Deadlines and supervision on a test clock, over real HTTP on loopback: an extension moves
//! the deadline across National Day, and an overdue case escalates step by step, each step
//! once, recorded in its history, its notices sent through the outbox.

mod cases_support;

use std::sync::Arc;
use std::time::Duration;

use cases_support::{Harness, Receiver, SUPERVISOR_TOKEN, at, config, token, wait_for};
use gateway_daemon::cases::ManualClock;
use serde_json::{Value, json};

fn supervision_notices(receiver: &Receiver, path: &str, case: &str) -> Vec<String> {
    receiver
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap())
        .filter(|b| b["case_number"] == case && b["notice"]["notice"]["type"] == "supervision")
        .map(|b| b["notice"]["notice"]["step"].as_str().unwrap().to_string())
        .collect()
}

fn recorded_steps(view: &Value) -> Vec<String> {
    view["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"]["type"] == "record_supervision")
        .map(|entry| entry["action"]["step"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extension_granted_moves_the_deadline_across_national_day() {
    let receiver = Receiver::start().await;
    let clock = Arc::new(ManualClock::new(at("2026-09-22T10:00:00+08:00")));
    let harness = Harness::start(config(&receiver), clock.clone(), false).await;

    // A complaint on Tuesday 22 September 2026: five working days skip the Mid-Autumn days
    // off (25 to 27 September) and end at 24:00 on Wednesday 30 September.
    let leak = harness
        .intake("l-2", "投诉楼上卫生间漏水", at("2026-09-22T10:00:00+08:00"))
        .await;
    let path = format!("/api/v1/cases/{leak}");
    let (_, view) = harness.get(SUPERVISOR_TOKEN, &path).await;
    assert_eq!(view["kind"], "complaint");
    assert_eq!(view["deadline"]["due_at"], "2026-09-30T16:00:00Z", "{view}");

    clock.set(at("2026-09-28T09:00:00+08:00"));
    let (status, _) = harness
        .post(&token("housing"), &format!("{path}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, view) = harness
        .post(
            &token("housing"),
            &format!("{path}/extension"),
            json!({"working_days": 3, "reason": "需协调物业入户查看"}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["extension_requests"][0]["status"]["status"], "pending");

    // A unit cannot grant its own request.
    let (status, _) = harness
        .post(
            &token("housing"),
            &format!("{path}/extension/grant"),
            json!({}),
        )
        .await;
    assert_eq!(status, 403);

    // Three working days after 30 September: 1 to 7 October are off, so 8, 9 and the
    // make-up working Saturday 10 October; the deadline is 24:00 on 10 October.
    clock.set(at("2026-09-29T09:00:00+08:00"));
    let (status, view) = harness
        .post(
            SUPERVISOR_TOKEN,
            &format!("{path}/extension/grant"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["state"], "extended");
    assert_eq!(view["deadline"]["due_at"], "2026-10-10T16:00:00Z", "{view}");
    let (status, body) = harness
        .post(
            SUPERVISOR_TOKEN,
            &format!("{path}/extension/grant"),
            json!({"working_days": 2}),
        )
        .await;
    assert_eq!(status, 409, "{body}");

    // The supervisors were asked, and the unit told the new deadline in Chinese.
    wait_for(10, "the extension notices", || {
        let bodies: Vec<Value> = receiver
            .requests()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect();
        bodies
            .iter()
            .any(|b| b["notice"]["notice"]["type"] == "extension_requested")
            && bodies.iter().any(|b| {
                b["notice"]["notice"]["type"] == "extension_granted"
                    && b["text"].as_str().unwrap().contains("2026年10月10日 24:00")
            })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_case_escalates_step_by_step_each_step_once() {
    let receiver = Receiver::start().await;
    let clock = Arc::new(ManualClock::new(at("2026-09-22T10:00:00+08:00")));
    let harness = Harness::start(config(&receiver), clock.clone(), true).await;
    let leak = harness
        .intake("l-3", "投诉楼上卫生间漏水", at("2026-09-22T10:00:00+08:00"))
        .await;
    let path = format!("/api/v1/cases/{leak}");

    // Deadline 24:00 on 30 September. The steps fall due at 24:00 on 29 September
    // (warning), 30 September (reminder), 8 October (supervisor notice, the first working
    // day after the holiday) and 10 October (formal supervision, three working days on).
    let rounds = [
        ("2026-09-29T12:00:00+08:00", vec![]),
        ("2026-09-30T08:00:00+08:00", vec!["warning"]),
        ("2026-10-01T09:00:00+08:00", vec!["warning", "reminder"]),
        ("2026-10-07T12:00:00+08:00", vec!["warning", "reminder"]),
        (
            "2026-10-09T09:00:00+08:00",
            vec!["warning", "reminder", "supervisor_notice"],
        ),
        (
            "2026-10-12T09:00:00+08:00",
            vec![
                "warning",
                "reminder",
                "supervisor_notice",
                "formal_supervision",
            ],
        ),
    ];
    for (now, expected) in rounds {
        clock.set(at(now));
        let expected: Vec<String> = expected.into_iter().map(String::from).collect();

        // The scheduler runs every second: wait for the steps, then two more rounds so that
        // a repeat would show.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (_, view) = harness.get(SUPERVISOR_TOKEN, &path).await;
            if recorded_steps(&view) == expected {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "at {now}: steps {:?}, expected {expected:?}",
                recorded_steps(&view)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(2_200)).await;
        let (_, view) = harness.get(SUPERVISOR_TOKEN, &path).await;
        assert_eq!(
            recorded_steps(&view),
            expected,
            "at {now}, after more rounds"
        );
    }

    // Each step's notice reached the unit once; the two strongest reached the supervisors.
    wait_for(10, "the supervision notices", || {
        supervision_notices(&receiver, "/housing", &leak).len() == 4
            && supervision_notices(&receiver, "/supervisors", &leak).len() == 2
    })
    .await;
    assert_eq!(
        supervision_notices(&receiver, "/housing", &leak),
        [
            "warning",
            "reminder",
            "supervisor_notice",
            "formal_supervision"
        ]
    );
    assert_eq!(
        supervision_notices(&receiver, "/supervisors", &leak),
        ["supervisor_notice", "formal_supervision"]
    );
    let texts: Vec<String> = receiver
        .requests()
        .iter()
        .filter(|r| r.path == "/housing")
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(texts.iter().any(|t| t.contains("正式督办")), "{texts:?}");

    // The supervision list shows the case overdue for housing.
    let (status, list) = harness.get(SUPERVISOR_TOKEN, "/api/v1/supervision").await;
    assert_eq!(status, 200);
    let overdue = &list["units"]["housing"]["overdue"];
    assert_eq!(overdue[0]["case_number"], leak.as_str(), "{list}");
    assert!(overdue[0]["working_days"].as_i64().unwrap() >= 3, "{list}");

    // Resolved, the case leaves supervision.
    let (status, _) = harness
        .post(&token("housing"), &format!("{path}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, view) = harness
        .post(
            &token("housing"),
            &format!("{path}/resolve"),
            json!({"result": "已维修防水层", "citizen_informed_by": "phone"}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    let (_, list) = harness.get(SUPERVISOR_TOKEN, "/api/v1/supervision").await;
    assert!(list["units"].get("housing").is_none(), "{list}");
}
