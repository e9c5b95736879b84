//! The case API over real HTTP on loopback: who may see and act on which case, and how a
//! return re-routes a case, then sends it to coordination.

mod cases_support;

use std::sync::Arc;

use cases_support::{Harness, Receiver, SUPERVISOR_TOKEN, config, token, wait_for};
use chrono::Utc;
use gateway_core::UnitId;
use gateway_core::case::CaseNumber;
use gateway_daemon::cases::SystemClock;
use serde_json::{Value, json};

/// The bodies a receiver got at a path, as JSON.
fn bodies_at(receiver: &Receiver, path: &str) -> Vec<Value> {
    receiver
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn notices(receiver: &Receiver, path: &str, case: &str, notice: &str) -> usize {
    bodies_at(receiver, path)
        .iter()
        .filter(|b| b["case_number"] == case && b["notice"]["notice"]["type"] == notice)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_cannot_read_or_act_on_another_units_case() {
    let receiver = Receiver::start().await;
    let harness = Harness::start(config(&receiver), Arc::new(SystemClock), false).await;
    let fumes = harness
        .intake("f-1", "投诉楼下餐馆油烟太大", Utc::now())
        .await;
    let path = format!("/api/v1/cases/{fumes}");

    // The lead and the assisting unit see it, each in its role.
    let (status, lead_view) = harness.get(&token("market-supervision"), &path).await;
    assert_eq!(status, 200, "{lead_view}");
    assert_eq!(lead_view["role"], "lead");
    assert_eq!(lead_view["appeal"]["body"], "投诉楼下餐馆油烟太大");
    let (status, assisting_view) = harness.get(&token("urban-management"), &path).await;
    assert_eq!(status, 200, "{assisting_view}");
    assert_eq!(assisting_view["role"], "assisting");

    // Another unit neither reads nor acts on it, and does not find it in its list.
    let (status, body) = harness.get(&token("housing"), &path).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("not a case of unit housing")
    );
    let (status, _) = harness
        .post(&token("housing"), &format!("{path}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, 403);
    let (status, body) = harness
        .post(
            &token("housing"),
            &format!("{path}/return"),
            json!({"reason": "不是我们的"}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (_, list) = harness.get(&token("housing"), "/api/v1/cases").await;
    assert_eq!(list["cases"].as_array().unwrap().len(), 0, "{list}");

    // An assisting unit may not take the lead unit's actions.
    let (status, body) = harness
        .post(
            &token("urban-management"),
            &format!("{path}/acknowledge"),
            json!({}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("only the lead unit"),
        "{body}"
    );

    // No token, or an unknown one, is 401; a unit cannot use a supervisor's action.
    let response = harness
        .client
        .get(format!("{}{path}", harness.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let (status, _) = harness.get("not-a-token-at-all-xxxxxxxx", &path).await;
    assert_eq!(status, 401);
    let (status, _) = harness
        .post(
            &token("market-supervision"),
            &format!("{path}/close"),
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(status, 403);

    // A supervisor sees every case and acts on it.
    let (status, view) = harness.get(SUPERVISOR_TOKEN, &path).await;
    assert_eq!(status, 200);
    assert_eq!(view["role"], "supervisor");
    let (_, all) = harness
        .get(SUPERVISOR_TOKEN, "/api/v1/cases?state=dispatched")
        .await;
    assert_eq!(all["cases"].as_array().unwrap().len(), 1);

    // The lead unit acknowledges; doing it twice is an illegal transition.
    let (status, view) = harness
        .post(
            &token("market-supervision"),
            &format!("{path}/acknowledge"),
            json!(null),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["state"], "acknowledged");
    let (status, body) = harness
        .post(
            &token("market-supervision"),
            &format!("{path}/acknowledge"),
            json!(null),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("not allowed while the case is acknowledged")
    );

    // Malformed input is refused with a reason, not a panic.
    let (status, body) = harness
        .post(
            &token("market-supervision"),
            &format!("{path}/extension"),
            json!({"days": 3}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = harness.get(SUPERVISOR_TOKEN, "/api/v1/cases/12ab").await;
    assert_eq!(status, 400);
    let (status, _) = harness
        .get(SUPERVISOR_TOKEN, "/api/v1/cases/2601010001")
        .await;
    assert_eq!(status, 404);
    let (status, body) = harness
        .post(
            &token("market-supervision"),
            &format!("{path}/return"),
            json!({"reason": "  "}),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    // Units see their own part of supervision only; the deliveries list is supervisors'.
    let (status, _) = harness
        .get(&token("housing"), "/api/v1/deliveries?state=failed")
        .await;
    assert_eq!(status, 403);
    let (status, _) = harness.get(&token("housing"), "/api/v1/supervision").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_reroutes_to_the_next_owner_then_to_coordination() {
    let receiver = Receiver::start().await;
    let harness = Harness::start(config(&receiver), Arc::new(SystemClock), false).await;
    let fumes = harness
        .intake("f-2", "投诉小区门口烧烤店油烟熏人", Utc::now())
        .await;
    let path = format!("/api/v1/cases/{fumes}");

    // Market supervision returns it: urban management, the other owner, now leads.
    let (status, view) = harness
        .post(
            &token("market-supervision"),
            &format!("{path}/return"),
            json!({"reason": "油烟扰民属综合执法职责"}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["state"], "dispatched");
    assert_eq!(view["lead_unit"], "urban-management");
    assert_eq!(view["assisting_units"], json!([]));
    assert_eq!(view["return_count"], 1);
    let actions: Vec<&str> = view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["open", "return", "reassign"]);

    // The stored decision follows, and the new lead and the old one are told.
    let number = CaseNumber::parse(&fumes).unwrap();
    let record = harness
        .store
        .appeal_by_case_number(&number)
        .unwrap()
        .unwrap();
    assert_eq!(record.decision.lead_unit, UnitId::new("urban-management"));
    wait_for(10, "the new lead's notice", || {
        notices(&receiver, "/urban-management", &fumes, "new_case") == 1
            && notices(&receiver, "/market-supervision", &fumes, "withdrawn") == 1
    })
    .await;
    let lead_notice = bodies_at(&receiver, "/urban-management")
        .into_iter()
        .find(|b| b["notice"]["notice"]["type"] == "new_case")
        .unwrap();
    assert_eq!(lead_notice["role"], "lead");
    assert!(
        lead_notice["text"]
            .as_str()
            .unwrap()
            .contains("县综合行政执法局"),
        "{lead_notice}"
    );

    // The second return reaches the limit of two: coordination, and the supervisors hear.
    let (status, view) = harness
        .post(
            &token("urban-management"),
            &format!("{path}/return"),
            json!({"reason": "经营许可问题应由市场监管处理"}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["state"], "coordination");
    assert_eq!(
        view["returned_by"],
        json!(["market-supervision", "urban-management"])
    );
    wait_for(10, "the coordination notice", || {
        bodies_at(&receiver, "/supervisors")
            .iter()
            .any(|b| b["case_number"] == fumes.as_str() && b["notice"]["type"] == "coordination")
    })
    .await;

    // It waits on the platform now, so it cannot be returned again.
    let (status, body) = harness
        .post(
            &token("urban-management"),
            &format!("{path}/return"),
            json!({"reason": "再退"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");

    // The platform chooses: reassigned to housing, which gets it as lead.
    let (status, view) = harness
        .post(
            SUPERVISOR_TOKEN,
            &format!("{path}/reassign"),
            json!({"lead": "housing"}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["lead_unit"], "housing");
    assert_eq!(view["state"], "dispatched");
    let (status, body) = harness
        .post(
            SUPERVISOR_TOKEN,
            &format!("{path}/reassign"),
            json!({"lead": "tax-bureau"}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    wait_for(10, "housing's notice", || {
        notices(&receiver, "/housing", &fumes, "new_case") == 1
    })
    .await;
    assert_eq!(
        harness
            .service
            .metrics()
            .reroutes
            .with_label_values(&["rerouted"])
            .get(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_owner_case_goes_to_coordination_on_its_first_return() {
    let receiver = Receiver::start().await;
    let harness = Harness::start(config(&receiver), Arc::new(SystemClock), false).await;
    let leak = harness
        .intake("l-1", "投诉楼上卫生间漏水", Utc::now())
        .await;
    let (status, view) = harness
        .post(
            &token("housing"),
            &format!("/api/v1/cases/{leak}/return"),
            json!({"reason": "属物业纠纷"}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["state"], "coordination");
    assert_eq!(
        harness
            .service
            .metrics()
            .reroutes
            .with_label_values(&["coordination"])
            .get(),
        1
    );
}
