//! The real message-board data (`fixtures/appeals/hot-topics.jsonl`) as appeals, routed by
//! the example rules, and replayed through a duplicate index in the order they were sent.
//! Shared by the examples, the tests and the benchmark.

#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, Utc};
use gateway_analysis::duplicate::{DuplicateConfig, DuplicateIndex, DuplicateMatch};
use gateway_core::case::CaseNumber;
use gateway_core::{Appeal, AppealId, Channel, Citizen, RoutingDecision};
use routing_rules::{RouteInput, RuleSet};

/// One message of the board.
#[derive(Debug, Clone)]
pub struct BoardMessage {
    pub id: String,
    pub user: String,
    pub title: String,
    pub body: String,
    pub submitted_at: DateTime<FixedOffset>,
}

/// The workspace root, from this crate's folder.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every message, in file order.
pub fn load_messages() -> Vec<BoardMessage> {
    let path = workspace_root().join("fixtures/appeals/hot-topics.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("fixture lines are JSON");
            let field = |name: &str| v[name].as_str().unwrap_or("").to_string();
            BoardMessage {
                id: field("id"),
                user: field("user"),
                title: field("title"),
                body: field("body"),
                submitted_at: DateTime::parse_from_rfc3339(&field("submitted_at"))
                    .expect("fixture times are RFC 3339"),
            }
        })
        .collect()
}

/// The example rules of the county.
pub fn rules() -> RuleSet {
    RuleSet::load(&workspace_root().join("examples/wencheng/routing.toml"))
        .unwrap_or_else(|e| panic!("example rules do not load: {e}"))
}

/// A message as a web-form appeal; the board's account id stands in for the sender's
/// opaque id (the WeChat OpenID field), which is what tells the same citizen.
pub fn to_appeal(message: &BoardMessage) -> Appeal {
    let at = message.submitted_at.with_timezone(&Utc);
    Appeal::builder(Channel::WebForm, message.id.clone(), message.body.clone())
        .id(AppealId::from_string(message.id.clone()))
        .title(message.title.clone())
        .submitted_at(message.submitted_at)
        .received_at(at)
        .citizen(Citizen {
            wechat_openid: Some(message.user.clone()),
            ..Citizen::default()
        })
        .build()
}

/// One replayed appeal and what the index said of it.
pub struct Replayed {
    pub appeal: Appeal,
    pub decision: RoutingDecision,
    pub found: Option<DuplicateMatch>,
}

/// Routes every message and replays them in the order sent: each is linked to the open case
/// it duplicates or opens its own.
pub fn replay(config: DuplicateConfig) -> (DuplicateIndex, Vec<Replayed>) {
    replay_messages(load_messages(), config)
}

/// Like [`replay`], for a chosen set of messages.
pub fn replay_messages(
    mut messages: Vec<BoardMessage>,
    config: DuplicateConfig,
) -> (DuplicateIndex, Vec<Replayed>) {
    let rules = rules();
    messages.sort_by_key(|m| (m.submitted_at, m.id.clone()));
    let mut index = DuplicateIndex::new(config).expect("the config is valid");
    let mut replayed = Vec::with_capacity(messages.len());
    for (sequence, message) in messages.iter().enumerate() {
        let appeal = to_appeal(message);
        let decision = rules.route(&RouteInput::from(&appeal));
        let now = appeal.received_at;
        let found = index.best_match(&appeal, &decision, now);
        let case = match &found {
            Some(found) => found.case.clone(),
            None => CaseNumber::new(now, sequence as u64),
        };
        index.add(&appeal, &decision, case).expect("ids are unique");
        replayed.push(Replayed {
            appeal,
            decision,
            found,
        });
    }
    (index, replayed)
}
