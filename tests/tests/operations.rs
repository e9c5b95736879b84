//! Running the daemon: bearer tokens, the citizens' status lookup, rules reload with a
//! broken then a fixed file, the emergency hand-off to a receiver that fails first, and a
//! graceful stop on SIGTERM.

use std::time::Duration;

use gateway_tests::{
    Daemon, Receiver, Sandbox, client, config_text, copy_tree, creds, eventually, repo_root,
};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gateway-under-test");

fn post_form(daemon: &Daemon, key: &str, body: &str, phone: &str) -> Value {
    let response = client()
        .post(daemon.url("/channels/web-form"))
        .header("idempotency-key", key)
        .json(&json!({"body": body, "phone": phone}))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().unwrap()
}

fn read_appeal(daemon: &Daemon, id: &str) -> Value {
    client()
        .get(daemon.url(&format!("/api/v1/appeals/{id}")))
        .bearer_auth(creds::READER_TOKEN)
        .send()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn bearer_tokens_are_refused_and_accepted_by_role() {
    let sandbox = Sandbox::new();
    let config = sandbox.config(&config_text("redb", None, ""));
    let env_admin = "env-admin-token-0123456789abcdef";
    let daemon = Daemon::start_with_env(
        BIN,
        &config,
        &sandbox.data_dir(),
        &[("GATEWAY_ADMIN_TOKEN", env_admin)],
    );
    let http = client();
    let list = daemon.url("/api/v1/appeals");

    let none = http.get(&list).send().unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.text().unwrap().contains("Bearer"));
    let wrong = http
        .get(&list)
        .bearer_auth("not-a-known-token-000000")
        .send()
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.text().unwrap().contains("not known"));
    let reader = http
        .get(&list)
        .bearer_auth(creds::READER_TOKEN)
        .send()
        .unwrap();
    assert_eq!(reader.status(), 200);

    // The reload needs the admin role: a reader token is forbidden, with the reason.
    let reload = daemon.url("/api/v1/rules/reload");
    let forbidden = http
        .post(&reload)
        .bearer_auth(creds::READER_TOKEN)
        .send()
        .unwrap();
    assert_eq!(forbidden.status(), 403);
    assert!(forbidden.text().unwrap().contains("admin"));
    let admin = http
        .post(&reload)
        .bearer_auth(creds::ADMIN_TOKEN)
        .send()
        .unwrap();
    assert_eq!(admin.status(), 200);
    let from_env = http.post(&reload).bearer_auth(env_admin).send().unwrap();
    assert_eq!(from_env.status(), 200);

    // A bad filter is a 400 that names the parameter.
    let bad = http
        .get(daemon.url("/api/v1/appeals?kind=gossip"))
        .bearer_auth(creds::READER_TOKEN)
        .send()
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().unwrap().contains("kind"));
    let missing = http
        .get(daemon.url("/api/v1/appeals/01JNOTHINGHERE0000000000000"))
        .bearer_auth(creds::READER_TOKEN)
        .send()
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[test]
fn citizens_look_up_status_without_enumeration_and_within_a_rate() {
    let sandbox = Sandbox::new();
    let config = sandbox.config(&config_text(
        "redb",
        None,
        "[status]\nlookups_per_minute = 6\n",
    ));
    let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
    let answer = post_form(
        &daemon,
        "status-1",
        "小区路灯坏了一个月没人修",
        "13800001234",
    );
    let case_number = answer["caseNumber"].as_str().unwrap();
    let http = client();
    let lookup = |case: &str, last4: &str| {
        http.get(daemon.url(&format!(
            "/api/v1/status?case_number={case}&phone_last4={last4}"
        )))
        .send()
        .unwrap()
    };

    let found = lookup(case_number, "1234");
    assert_eq!(found.status(), 200);
    let found: Value = found.json().unwrap();
    assert_eq!(found["case_number"], case_number);
    assert_eq!(found["status"], "routed", "{found}");
    assert!(found["unit_type"].is_string(), "{found}");
    assert!(found.get("appeal").is_none() && !found.to_string().contains("路灯"));

    // A wrong pair and an unknown case answer the same.
    let wrong = lookup(case_number, "9999");
    let unknown = lookup("2001010001", "1234");
    assert_eq!(wrong.status(), 404);
    assert_eq!(unknown.status(), 404);
    assert_eq!(wrong.text().unwrap(), unknown.text().unwrap());

    // Six lookups a minute: the rest are refused with 429.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(lookup(case_number, "1234").status().as_u16());
    }
    assert_eq!(statuses, vec![200, 200, 200, 429], "{statuses:?}");
}

#[test]
fn a_broken_rule_file_keeps_the_old_rules_and_a_fixed_one_takes_effect() {
    let sandbox = Sandbox::new();
    let rules = sandbox.dir.path().join("rules");
    copy_tree(&repo_root().join("examples/wencheng"), &rules);
    std::fs::remove_file(rules.join("gateway.toml")).ok();
    let config = sandbox.config(&config_text("redb", Some(&rules.join("routing.toml")), ""));
    let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());

    let marker = "蓝莓乐园";
    let lead_unit = |key: &str| {
        let answer = post_form(
            &daemon,
            key,
            &format!("{marker}门口的事情没人管"),
            "13800000001",
        );
        read_appeal(&daemon, answer["appealId"].as_str().unwrap())["decision"]["lead_unit"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = lead_unit("reload-0");
    assert_ne!(before, "market-supervision");

    // A broken edit: the set does not compile, the error is logged with file:line:column,
    // and the old rules keep routing.
    let topics = std::fs::read_to_string(rules.join("topics.toml")).unwrap();
    std::fs::write(
        rules.join("topics.toml"),
        format!("{topics}\n[[topic]\nid = \n"),
    )
    .unwrap();
    assert!(
        eventually(Duration::from_secs(10), || daemon
            .logs()
            .contains("rule set does not compile")),
        "no compile error was logged:\n{}",
        daemon.logs()
    );
    assert!(daemon.logs().contains("topics.toml:"), "{}", daemon.logs());
    assert_eq!(lead_unit("reload-1"), before);

    // The fixed file, with the marker as a strong keyword of quality supervision (a market
    // supervision topic), takes effect.
    let anchor = "strong_keywords = [\"质监局\", ";
    assert!(
        topics.contains(anchor),
        "the example's quality topic changed"
    );
    let fixed = topics.replacen(anchor, &format!("{anchor}\"{marker}\", "), 1);
    std::fs::write(rules.join("topics.toml"), fixed).unwrap();
    let mut n = 2;
    let changed = eventually(Duration::from_secs(10), || {
        n += 1;
        daemon.logs().contains("rules reloaded")
            && lead_unit(&format!("reload-{n}")) == "market-supervision"
    });
    assert!(
        changed,
        "the fixed rules did not take effect:\n{}",
        daemon.logs()
    );
}

#[test]
fn sighup_reloads_rules_that_are_not_watched() {
    let sandbox = Sandbox::new();
    let rules = sandbox.dir.path().join("rules");
    copy_tree(&repo_root().join("examples/wencheng"), &rules);
    let config = config_text("redb", Some(&rules.join("routing.toml")), "")
        .replace("watch = true", "watch = false");
    let daemon = Daemon::start(BIN, &sandbox.config(&config), &sandbox.data_dir());
    let marker = "蓝莓乐园";
    let lead_unit = |key: &str| {
        let answer = post_form(
            &daemon,
            key,
            &format!("{marker}门口的事情没人管"),
            "13800000001",
        );
        read_appeal(&daemon, answer["appealId"].as_str().unwrap())["decision"]["lead_unit"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = lead_unit("hup-0");
    let topics = std::fs::read_to_string(rules.join("topics.toml")).unwrap();
    let anchor = "strong_keywords = [\"质监局\", ";
    std::fs::write(
        rules.join("topics.toml"),
        topics.replacen(anchor, &format!("{anchor}\"{marker}\", "), 1),
    )
    .unwrap();
    // Not watched: the edit alone changes nothing.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(lead_unit("hup-1"), before);
    assert!(!daemon.logs().contains("rules reloaded"));

    daemon.signal("HUP");
    assert!(
        eventually(Duration::from_secs(10), || daemon
            .logs()
            .contains("rules reloaded")),
        "SIGHUP did not reload:\n{}",
        daemon.logs()
    );
    assert_eq!(lead_unit("hup-2"), "market-supervision");
}

#[test]
fn an_emergency_is_handed_off_and_retried_until_accepted() {
    let receiver = Receiver::start(2);
    let sandbox = Sandbox::new();
    let extra = format!(
        "[emergency]\ninitial_backoff_millis = 100\nmax_backoff_millis = 400\n\n[emergency.endpoints.119]\nurl = \"{}\"\n",
        receiver.url
    );
    let config = sandbox.config(&config_text("redb", None, &extra));
    let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());

    let answer = post_form(&daemon, "fire-1", "楼道里着火了，烟很大", "13800000119");
    assert_eq!(answer["emergency"], "119", "{answer}");
    let id = answer["appealId"].as_str().unwrap().to_string();

    assert!(
        eventually(Duration::from_secs(10), || !receiver.accepted().is_empty()),
        "the hand-off never arrived; {} requests",
        receiver.requests()
    );
    assert_eq!(receiver.requests(), 3, "two refusals, then the delivery");
    let delivered = &receiver.accepted()[0];
    assert_eq!(delivered["appeal_id"], id.as_str());
    assert_eq!(delivered["service"], "119");
    assert_eq!(delivered["decision"]["emergency"]["service"], "119");
    assert!(
        delivered["appeal"]["body"]
            .as_str()
            .unwrap()
            .contains("着火")
    );

    // The delivery is in the appeal's history; the retry of the submission hands off nothing.
    assert!(eventually(Duration::from_secs(5), || {
        read_appeal(&daemon, &id)["history"]
            .as_array()
            .is_some_and(|h| h.iter().any(|e| e["action"] == "emergency_handed_off"))
    }));
    post_form(&daemon, "fire-1", "楼道里着火了，烟很大", "13800000119");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(receiver.requests(), 3);

    // The retries were logged at WARN with the appeal id, service and rule, not the text.
    let logs = daemon.logs();
    assert!(
        logs.contains("emergency hand-off not accepted; retrying"),
        "{logs}"
    );
    assert!(logs.contains(&id));
    assert!(!logs.contains("着火"), "{logs}");
    assert!(!logs.contains("13800000119"), "{logs}");
}

#[test]
fn a_pending_hand_off_resumes_after_a_restart() {
    let sandbox = Sandbox::new();
    // Nothing listens on the first endpoint; after the restart the receiver does.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}/handoff", closed.local_addr().unwrap());
    drop(closed);
    let endpoint = |url: &str| {
        format!(
            "[emergency]\ninitial_backoff_millis = 100\nmax_backoff_millis = 200\n\n[emergency.endpoints.119]\nurl = \"{url}\"\n"
        )
    };
    let config = sandbox.config(&config_text("redb", None, &endpoint(&dead_url)));
    let mut daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
    let answer = post_form(&daemon, "fire-2", "家里着火了快来", "13800000120");
    let id = answer["appealId"].as_str().unwrap().to_string();
    std::thread::sleep(Duration::from_millis(300));
    daemon.kill();

    let receiver = Receiver::start(0);
    let config = sandbox.config(&config_text("redb", None, &endpoint(&receiver.url)));
    let _daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
    assert!(
        eventually(Duration::from_secs(10), || !receiver.accepted().is_empty()),
        "the pending hand-off was not resumed"
    );
    assert_eq!(receiver.accepted()[0]["appeal_id"], id.as_str());
}

#[test]
fn sigterm_stops_gracefully_and_keeps_what_was_acknowledged() {
    let sandbox = Sandbox::new();
    let config = sandbox.config(&config_text("redb", None, ""));
    let mut daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
    let answer = post_form(&daemon, "term-1", "路边井盖丢了很危险", "13800000005");
    let status = daemon.terminate();
    assert!(status.success(), "exit status {status}");
    assert!(daemon.logs().contains("store closed"), "{}", daemon.logs());

    let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
    let again = post_form(&daemon, "term-1", "路边井盖丢了很危险", "13800000005");
    assert_eq!(again["appealId"], answer["appealId"]);
    assert_eq!(again["caseNumber"], answer["caseNumber"]);
}
