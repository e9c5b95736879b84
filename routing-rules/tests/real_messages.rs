//! Table tests over real citizen messages (see `fixtures/README.md`): the example county's
//! rules must find the official top-level topic for at least 85 % of the labelled messages, and
//! send none of the real messages to 110/119/120/122, since none of them describes danger now.

use std::path::{Path, PathBuf};

use routing_rules::{RouteInput, RuleSet};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rules() -> RuleSet {
    RuleSet::load(&root().join("examples/wencheng/routing.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn messages(file: &str) -> Vec<Value> {
    let path = root().join("fixtures/appeals").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("fixture lines are JSON"))
        .collect()
}

fn route(rules: &RuleSet, m: &Value) -> gateway_core::RoutingDecision {
    rules.route(&RouteInput {
        title: m["title"].as_str(),
        body: m["body"].as_str().unwrap_or(""),
        address: None,
        dialed: None,
    })
}

#[test]
fn labelled_messages_get_their_top_level_topic() {
    let rules = rules();
    let labelled = messages("labelled-dev.jsonl");
    let mut wrong = Vec::new();
    for m in &labelled {
        let label = m["label"].as_str().expect("labelled rows have a label");
        let decision = route(&rules, m);
        let got = decision
            .topic
            .first()
            .map(String::as_str)
            .unwrap_or("(none)");
        if got != label {
            wrong.push(format!("{}: label {label}, got {got}", m["id"]));
        }
    }
    let accuracy = 1.0 - wrong.len() as f64 / labelled.len() as f64;
    assert!(
        accuracy >= 0.85,
        "top-level accuracy {:.1}% is under 85%; the misses:\n{}",
        100.0 * accuracy,
        wrong.join("\n")
    );
}

#[test]
fn no_real_message_is_sent_to_the_emergency_services() {
    let rules = rules();
    let mut raised = Vec::new();
    for file in [
        "labelled-dev.jsonl",
        "silver-dev.jsonl",
        "replied-dev.jsonl",
        "hot-topics.jsonl",
    ] {
        for m in messages(file) {
            if let Some(e) = route(&rules, &m).emergency {
                raised.push(format!("{file} {}: {} by {}", m["id"], e.service, e.rule));
            }
        }
    }
    assert!(
        raised.is_empty(),
        "false emergencies:\n{}",
        raised.join("\n")
    );
}

#[test]
fn the_fixture_files_are_in_the_repository() {
    for file in [
        "labelled-dev.jsonl",
        "silver-dev.jsonl",
        "replied-dev.jsonl",
        "hot-topics.jsonl",
    ] {
        assert!(
            Path::new(&root().join("fixtures/appeals").join(file)).is_file(),
            "{file}"
        );
    }
}
