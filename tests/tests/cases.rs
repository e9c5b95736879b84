//! Cases through the running daemon: an appeal posted to a channel becomes a case, dispatched
//! to its lead and assisting units' webhooks; each unit's token sees and acts on its own cases
//! only.

use std::time::Duration;

use gateway_tests::{Daemon, Receiver, Sandbox, client, config_text, eventually};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gateway-under-test");
const MARKET: &str = "test-unit-market-0123456789";
const YUHU: &str = "test-unit-yuhu-0123456789";
const HRSS: &str = "test-unit-hrss-0123456789";
const SUPERVISOR: &str = "test-supervisor-0123456789";

fn cases_section(market_url: &str, yuhu_url: &str, hrss_url: &str) -> String {
    let unit = |id: &str, name: &str, token: &str, url: &str| {
        format!(
            "[cases.units.{id}]\nname = \"{name}\"\ntoken = \"{token}\"\n\
             [[cases.units.{id}.targets]]\ntype = \"webhook\"\nurl = \"{url}\"\n\
             secret = \"test-webhook-secret-{id}-0123\"\n\n"
        )
    };
    format!(
        "[cases]\nsupervision_interval_seconds = 3600\n\n{}{}{}[[cases.supervisors]]\nstaff_id = \"D001\"\ntoken = \"{SUPERVISOR}\"\n",
        unit("market-supervision", "县市场监督管理局", MARKET, market_url),
        unit("yuhu", "玉壶镇人民政府", YUHU, yuhu_url),
        unit(
            "human-resources-social-security",
            "县人力资源和社会保障局",
            HRSS,
            hrss_url
        ),
    )
}

fn get(daemon: &Daemon, path: &str, token: &str) -> (u16, Value) {
    let response = client()
        .get(daemon.url(path))
        .bearer_auth(token)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

fn post(daemon: &Daemon, path: &str, token: &str, body: Value) -> (u16, Value) {
    let response = client()
        .post(daemon.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

#[test]
fn an_appeal_becomes_a_case_dispatched_to_its_units_who_see_only_their_own() {
    let (market, yuhu, hrss) = (Receiver::start(0), Receiver::start(0), Receiver::start(0));
    let sandbox = Sandbox::new();
    let config = sandbox.config(&config_text(
        "redb",
        None,
        &cases_section(&market.url, &yuhu.url, &hrss.url),
    ));
    let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());

    // A citizen's complaint about a shop in 玉壶镇: market supervision leads, the township assists.
    let answer: Value = client()
        .post(daemon.url("/channels/web-form"))
        .json(&json!({"title": "超市卖过期食品", "body": "玉壶镇的超市卖过期食品，要求退款商家不理", "phone": "13800000002"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let case_number = answer["caseNumber"]
        .as_str()
        .expect("the answer carries the case number")
        .to_string();

    // Both units' webhooks receive it; the unit that has no part receives nothing.
    assert!(
        eventually(Duration::from_secs(15), || market.accepted().len() == 1
            && yuhu.accepted().len() == 1),
        "dispatch did not arrive: market {}, yuhu {}",
        market.requests(),
        yuhu.requests()
    );
    assert!(market.accepted()[0].to_string().contains(&case_number));
    assert!(
        yuhu.accepted()[0].to_string().contains("assisting"),
        "{}",
        yuhu.accepted()[0]
    );
    assert_eq!(hrss.requests(), 0);

    // The lead and the assisting unit see it; another unit does not.
    let path = format!("/api/v1/cases/{case_number}");
    assert_eq!(get(&daemon, &path, MARKET).0, 200);
    assert_eq!(get(&daemon, &path, YUHU).0, 200);
    assert_eq!(get(&daemon, &path, HRSS).0, 403);
    let (_, listed) = get(&daemon, "/api/v1/cases", HRSS);
    assert_eq!(
        listed["cases"].as_array().map(Vec::len),
        Some(0),
        "{listed}"
    );

    // Only the lead acts on it; an illegal step is refused with the case machine's reason.
    assert_eq!(
        post(&daemon, &format!("{path}/acknowledge"), YUHU, json!({})).0,
        403
    );
    assert_eq!(
        post(&daemon, &format!("{path}/acknowledge"), MARKET, json!({})).0,
        200
    );
    let resolve = json!({"result": "已责令商家下架过期食品并退款", "citizen_informed_by": "phone"});
    assert_eq!(
        post(&daemon, &format!("{path}/resolve"), MARKET, resolve.clone()).0,
        200
    );
    let (status, refused) = post(&daemon, &format!("{path}/acknowledge"), MARKET, json!({}));
    assert_eq!(status, 409, "{refused}");

    // The supervisor sees everything, and closes it.
    assert_eq!(get(&daemon, &path, SUPERVISOR).0, 200);
    let (status, closed) = post(
        &daemon,
        &format!("{path}/close"),
        SUPERVISOR,
        json!({"reason": "市民满意"}),
    );
    assert_eq!(status, 200, "{closed}");
    let (_, case) = get(&daemon, &path, MARKET);
    assert_eq!(case["state"], "closed", "{case}");
}
