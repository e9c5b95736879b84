//! Duplicates (重复件) through the running daemon: a report that repeats an open case joins
//! it instead of opening another; the unit sees how many citizens raised it; supervisors
//! link and unlink by hand. The texts are real messages of
//! `fixtures/appeals/hot-topics.jsonl`, found by their ids.

use std::time::Duration;

use gateway_tests::{Daemon, Receiver, Sandbox, client, config_text, creds, eventually, repo_root};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gateway-under-test");
const TRANSPORT: &str = "test-unit-transport-0123456789";
const HOUSING: &str = "test-unit-housing-0123456789";
const SUPERVISOR: &str = "test-supervisor-0123456789";

/// A real message: its title and body.
fn message(id: &str) -> (String, String) {
    let path = repo_root().join("fixtures/appeals/hot-topics.jsonl");
    let text = std::fs::read_to_string(&path).expect("the fixture is readable");
    let line = text
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a json line"))
        .find(|line| line["id"] == id)
        .unwrap_or_else(|| panic!("message {id} is in the fixture"));
    (
        line["title"].as_str().unwrap_or_default().to_string(),
        line["body"].as_str().unwrap_or_default().to_string(),
    )
}

/// Units the messages route to, each with its own loopback webhook receiver.
struct Units {
    transport: Receiver,
    housing: Receiver,
    others: Receiver,
}

fn cases_section(units: &Units) -> String {
    let unit = |id: &str, name: &str, token: &str, url: &str| {
        format!(
            "[cases.units.{id}]\nname = \"{name}\"\ntoken = \"{token}\"\n\
             [[cases.units.{id}.targets]]\ntype = \"webhook\"\nurl = \"{url}\"\n\
             secret = \"test-webhook-secret-{id}-0123\"\n\n"
        )
    };
    format!(
        "[cases]\nsupervision_interval_seconds = 3600\n\n{}{}{}{}\
         [[cases.supervisors]]\nstaff_id = \"D001\"\ntoken = \"{SUPERVISOR}\"\n",
        unit("transport", "县交通运输局", TRANSPORT, &units.transport.url),
        unit(
            "housing-construction",
            "县住房和城乡建设局",
            HOUSING,
            &units.housing.url
        ),
        unit(
            "natural-resources",
            "县自然资源和规划局",
            "test-unit-natural-0123456789",
            &units.others.url
        ),
        unit(
            "commerce",
            "县商务局",
            "test-unit-commerce-0123456789",
            &units.others.url
        ),
    )
}

fn start() -> (Sandbox, Units, Daemon) {
    start_with("")
}

/// Starts the daemon with `more` after the cases section.
fn start_with(more: &str) -> (Sandbox, Units, Daemon) {
    let units = Units {
        transport: Receiver::start(0),
        housing: Receiver::start(0),
        others: Receiver::start(0),
    };
    let sandbox = Sandbox::new();
    let extra = format!(
        "{}
{more}",
        cases_section(&units)
    );
    let config = sandbox.config(&config_text("redb", None, &extra));
    let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
    (sandbox, units, daemon)
}

/// Posts a real message by web form; returns (case number, appeal id).
fn web_form(daemon: &Daemon, id: &str, phone: &str) -> (String, String) {
    let (title, body) = message(id);
    let answer: Value = client()
        .post(daemon.url("/channels/web-form"))
        .json(&json!({"title": title, "body": body, "phone": phone}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    (
        answer["caseNumber"]
            .as_str()
            .expect("a case number")
            .to_string(),
        answer["appealId"]
            .as_str()
            .expect("an appeal id")
            .to_string(),
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

fn send(daemon: &Daemon, method: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
    let request = match method {
        "POST" => client().post(daemon.url(path)).json(&body),
        "DELETE" => client().delete(daemon.url(path)),
        other => panic!("no {other} in these tests"),
    };
    let response = request.bearer_auth(token).send().unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

/// Waits for `count` deliveries at the receiver, then a moment more to see no extra one.
fn deliveries_settle(receiver: &Receiver, count: usize) -> usize {
    eventually(Duration::from_secs(15), || receiver.requests() >= count);
    std::thread::sleep(Duration::from_millis(700));
    receiver.requests()
}

fn metric(daemon: &Daemon, line_start: &str) -> Option<f64> {
    let text = client()
        .get(daemon.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    text.lines()
        .find(|line| line.starts_with(line_start))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[test]
fn the_same_citizen_on_two_channels_gets_one_case_and_one_dispatch() {
    let (_sandbox, units, daemon) = start();
    let phone = "13800000011";

    // First by web form: a new case for the transport bureau.
    let (case_number, first_id) = web_form(&daemon, "teddycup2020c/附件3-273925", phone);

    // Then the same complaint, a minute later in the data, by phone (the agent's summary).
    let (title, body) = message("teddycup2020c/附件3-278907");
    let answer: Value = client()
        .post(daemon.url(&format!("/channels/cti/{}", creds::CTI_TOKEN)))
        .json(
            &json!({"event": "record", "callId": "dup-call-1", "from": phone, "to": "12345",
                      "summary": format!("{title}。{body}")}),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        answer["caseNumber"], case_number,
        "the second answer names the first case: {answer}"
    );
    let second_id = answer["appealId"].as_str().unwrap().to_string();
    assert_ne!(second_id, first_id);

    // The PBX retries the record: the same linked case again, nothing new.
    let retry: Value = client()
        .post(daemon.url(&format!("/channels/cti/{}", creds::CTI_TOKEN)))
        .json(
            &json!({"event": "record", "callId": "dup-call-1", "from": phone, "to": "12345",
                      "summary": format!("{title}。{body}")}),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(retry["caseNumber"], case_number, "{retry}");

    // One notice reached the unit.
    assert_eq!(deliveries_settle(&units.transport, 1), 1);

    // The unit sees one case raised twice by one citizen.
    let (status, case) = get(&daemon, &format!("/api/v1/cases/{case_number}"), TRANSPORT);
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["duplicates"]["appeals"], 2, "{case}");
    assert_eq!(case["duplicates"]["citizens"], 1, "{case}");
    assert_eq!(case["duplicates"]["linked"], json!([second_id]), "{case}");
    let (_, listed) = get(&daemon, "/api/v1/cases", TRANSPORT);
    let cases = listed["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{listed}");
    assert_eq!(cases[0]["duplicate_appeals"], 2, "{listed}");
    assert_eq!(
        metric(&daemon, "gateway_case_duplicates_total{how=\"intake\"}"),
        Some(1.0)
    );

    // Both appeals' histories say what happened.
    let history = |id: &str| -> Vec<Value> {
        let (status, stored) = get(
            &daemon,
            &format!("/api/v1/appeals/{id}"),
            creds::READER_TOKEN,
        );
        assert_eq!(status, 200, "{stored}");
        stored["history"].as_array().cloned().unwrap_or_default()
    };
    let first_history = history(&first_id);
    let linked = first_history
        .iter()
        .find(|entry| entry["action"] == "duplicate_linked")
        .unwrap_or_else(|| panic!("no link entry: {first_history:?}"));
    assert!(
        linked["note"].as_str().unwrap().contains(&second_id),
        "{linked}"
    );
    assert!(history(&second_id).iter().any(|entry| {
        entry["action"] == "linked_to_case"
            && entry["note"]
                .as_str()
                .unwrap_or_default()
                .contains(&case_number)
    }));
}

#[test]
fn citizens_on_one_matter_share_a_case_that_supervisors_can_split_and_merge() {
    let (sandbox, units, mut daemon) = start();

    // Two citizens report the same refuse station: one case, two citizens.
    let (case_x, own_first) = web_form(&daemon, "teddycup2020c/附件3-272117", "13800000021");
    let (joined, second) = web_form(&daemon, "teddycup2020c/附件3-282074", "13800000022");
    assert_eq!(joined, case_x, "the second citizen follows the first case");
    let path_x = format!("/api/v1/cases/{case_x}");
    let (_, case) = get(&daemon, &path_x, HOUSING);
    assert_eq!(case["duplicates"]["appeals"], 2, "{case}");
    assert_eq!(case["duplicates"]["citizens"], 2, "{case}");

    // The second citizen follows the case with their own phone; a stranger cannot.
    let status = |last4: &str| {
        client()
            .get(daemon.url(&format!(
                "/api/v1/status?case_number={case_x}&phone_last4={last4}"
            )))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status("0022"), 200);
    assert_eq!(status("0021"), 200);
    assert_eq!(status("9999"), 404);

    // A different matter for the same unit (rail noise at another estate) is its own case.
    let (case_y, other) = web_form(&daemon, "teddycup2020c/附件3-243551", "13800000023");
    assert_ne!(case_y, case_x);
    assert_eq!(deliveries_settle(&units.housing, 2), 2);

    // Only supervisors link; bad requests are told why.
    let link = |token: &str, case: &str, appeal: &str| {
        send(
            &daemon,
            "POST",
            &format!("/api/v1/cases/{case}/duplicates"),
            token,
            json!({"appeal_id": appeal}),
        )
    };
    assert_eq!(link(HOUSING, &case_x, &other).0, 403);
    let (status, refused) = link(SUPERVISOR, &case_x, "01NOSUCHAPPEAL000000000000");
    assert_eq!(status, 404, "{refused}");
    assert_eq!(link(SUPERVISOR, "2612319999", &other).0, 404);
    let (status, refused) = link(SUPERVISOR, &case_x, &own_first);
    assert_eq!(status, 409, "{refused}");
    let (status, refused) = link(SUPERVISOR, &case_x, &second);
    assert_eq!(status, 409, "already linked: {refused}");

    // The supervisor splits the second report off: it gets its own case, dispatched.
    let unlink_path = format!("{path_x}/duplicates/{second}");
    assert_eq!(
        send(&daemon, "DELETE", &unlink_path, HOUSING, json!(null)).0,
        403
    );
    let (status, split) = send(&daemon, "DELETE", &unlink_path, SUPERVISOR, json!(null));
    assert_eq!(status, 200, "{split}");
    let case_z = split["case_number"].as_str().unwrap().to_string();
    assert!(![case_x.as_str(), case_y.as_str()].contains(&case_z.as_str()));
    assert_eq!(split["state"], "dispatched", "{split}");
    assert_eq!(deliveries_settle(&units.housing, 3), 3);
    let (_, case) = get(&daemon, &path_x, HOUSING);
    assert_eq!(case["duplicates"]["appeals"], 1, "{case}");
    assert_eq!(
        send(&daemon, "DELETE", &unlink_path, SUPERVISOR, json!(null)).0,
        404
    );

    // And merges it back by hand: its own case is closed as a duplicate.
    let (status, merged) = link(SUPERVISOR, &case_x, &second);
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["duplicates"]["citizens"], 2, "{merged}");
    let (_, case_z_now) = get(&daemon, &format!("/api/v1/cases/{case_z}"), SUPERVISOR);
    assert_eq!(case_z_now["state"], "closed", "{case_z_now}");

    // After a restart the index is rebuilt from the store: a third citizen joins the case
    // (not the closed one), and the case counts three citizens.
    assert!(daemon.terminate().success());
    let config = sandbox.dir.path().join("gateway.toml");
    daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
    let (case_number, third) = web_form(&daemon, "teddycup2020c/附件3-280269", "13800000024");
    assert_eq!(case_number, case_x);
    let (_, case) = get(&daemon, &path_x, HOUSING);
    assert_eq!(case["duplicates"]["appeals"], 3, "{case}");
    assert_eq!(case["duplicates"]["citizens"], 3, "{case}");
    let linked = case["duplicates"]["linked"].as_array().unwrap();
    assert!(
        linked.contains(&json!(second)) && linked.contains(&json!(third)),
        "{case}"
    );
}

#[test]
fn with_detection_off_a_repeated_report_opens_its_own_case() {
    let (_sandbox, units, daemon) = start_with("[cases.duplicates]\nenabled = false\n");
    let phone = "13800000031";
    let (first, _) = web_form(&daemon, "teddycup2020c/附件3-273925", phone);
    // The same text by web form again would be a retry of the same message; so by phone.
    let (title, body) = message("teddycup2020c/附件3-278907");
    let answer: Value = client()
        .post(daemon.url(&format!("/channels/cti/{}", creds::CTI_TOKEN)))
        .json(
            &json!({"event": "record", "callId": "off-call-1", "from": phone, "to": "12345",
                      "summary": format!("{title}。{body}")}),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    let second = answer["caseNumber"].as_str().unwrap().to_string();
    let second_id = answer["appealId"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(deliveries_settle(&units.transport, 2), 2);

    // A supervisor can still merge them by hand.
    let (status, merged) = send(
        &daemon,
        "POST",
        &format!("/api/v1/cases/{first}/duplicates"),
        SUPERVISOR,
        json!({"appeal_id": second_id}),
    );
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["duplicates"]["appeals"], 2, "{merged}");
    assert_eq!(merged["duplicates"]["citizens"], 1, "{merged}");
    let (_, closed) = get(&daemon, &format!("/api/v1/cases/{second}"), TRANSPORT);
    assert_eq!(closed["state"], "closed", "{closed}");
}
