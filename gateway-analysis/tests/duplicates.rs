//! Duplicates on the real messages: hand-checked groups are found, hand-checked look-alikes
//! are kept apart, and the candidate search finds what a full scan finds.
//!
//! The expected groups in `tests/fixtures/duplicate-groups.json` were read by eye (the file
//! says how); this test replays all 4,326 messages in the order they were sent.

#[path = "../examples/board/mod.rs"]
mod board;

use chrono::{DateTime, Duration, Utc};
use gateway_analysis::duplicate::{DuplicateConfig, DuplicateIndex, MatchBasis};
use gateway_core::case::CaseNumber;
use gateway_core::{
    Appeal, AppealId, Channel, Citizen, DivisionRef, Kind, Principle, RoutingDecision,
    TownshipCode, UnitId,
};

fn expected() -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/duplicate-groups.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ids(value: &serde_json::Value) -> Vec<AppealId> {
    value["appeals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| AppealId::from_string(id.as_str().unwrap()))
        .collect()
}

#[test]
fn hand_checked_groups_are_found_and_look_alikes_kept_apart() {
    let (index, replayed) = board::replay(DuplicateConfig::default());
    assert_eq!(replayed.len(), 4326);
    let expected = expected();

    for group in expected["groups"].as_array().unwrap() {
        let members = ids(group);
        let case = index
            .case_of(&members[0])
            .expect("fixture ids are in the data");
        for id in &members[1..] {
            assert_eq!(
                index.case_of(id),
                Some(case),
                "group {:?}: {id} is not with {}",
                group["note"],
                members[0]
            );
        }
        let summary = index.group(case).unwrap();
        assert_eq!(
            summary.appeals.len(),
            members.len(),
            "group {:?} has other members: {:?}",
            group["note"],
            summary.appeals
        );
    }
    for pair in expected["not_duplicates"].as_array().unwrap() {
        let members = ids(pair);
        assert_ne!(
            index.case_of(&members[0]),
            index.case_of(&members[1]),
            "{:?} were linked",
            pair["note"]
        );
    }

    // The count the example prints, within a band wide enough for small tuning.
    let groups = index.duplicate_groups().len();
    assert!((250..=350).contains(&groups), "{groups} duplicate groups");
}

#[test]
fn the_candidate_search_finds_the_same_cases_as_a_full_scan_for_held_out_messages() {
    // Index all but every 23rd message; look each held-out one up both ways.
    let (kept, held): (Vec<_>, Vec<_>) = board::load_messages()
        .into_iter()
        .enumerate()
        .partition(|(i, _)| i % 23 != 0);
    let (index, _) = board::replay_messages(
        kept.into_iter().map(|(_, m)| m).collect(),
        DuplicateConfig::default(),
    );
    let rules = board::rules();
    let mut matched = 0;
    for (_, message) in &held {
        let appeal = board::to_appeal(message);
        let decision = rules.route(&routing_rules::RouteInput::from(&appeal));
        let fast = index.best_match(&appeal, &decision, appeal.received_at);
        let scan = index.best_match_by_scan(&appeal, &decision, appeal.received_at);
        matched += usize::from(scan.is_some());
        assert_eq!(
            fast.map(|m| m.case),
            scan.map(|m| m.case),
            "appeal {}",
            appeal.id
        );
    }
    assert!(held.len() > 180);
    assert!(
        matched > 10,
        "only {matched} held-out messages had a duplicate"
    );
}

/// An index holding the real messages, each its own case, so that shingle weights are those
/// of a working index and not of an empty one.
fn background_index() -> DuplicateIndex {
    let mut index = DuplicateIndex::new(DuplicateConfig::default()).unwrap();
    let empty = decision(&[], None);
    for (i, message) in board::load_messages().iter().enumerate() {
        let appeal = board::to_appeal(message);
        index
            .add(
                &appeal,
                &empty,
                CaseNumber::new(appeal.received_at, i as u64),
            )
            .unwrap();
    }
    index
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn decision(topic: &[&str], township: Option<&str>) -> RoutingDecision {
    RoutingDecision {
        kind: Kind::Complaint,
        topic: topic.iter().map(|t| t.to_string()).collect(),
        emergency: None,
        township: township.map(|code| DivisionRef {
            code: TownshipCode::new(code),
            name: code.to_string(),
        }),
        village: None,
        ambiguous_places: vec![],
        lead_unit: UnitId::new("urban-management"),
        assisting_units: vec![],
        principle: Principle::OwnerResponsible,
        rules: vec![],
        confidence: 0.9,
    }
}

fn appeal(id: &str, phone: Option<&str>, body: &str, when: DateTime<Utc>) -> Appeal {
    Appeal::builder(Channel::Sms, id, body)
        .id(AppealId::from_string(id))
        .received_at(when)
        .citizen(Citizen {
            phone: phone.map(str::to_string),
            ..Citizen::default()
        })
        .build()
}

const STALL: &str = "大峃镇东门路夜宵摊每天晚上营业到凌晨两点，油烟和噪音严重扰民，请城管处理";

#[test]
fn the_same_citizen_on_another_channel_joins_the_open_case() {
    let mut index = background_index();
    let t0 = at("2026-12-01T21:00:00+08:00");
    let case = CaseNumber::parse("2612019999").unwrap();
    let d = decision(&["城乡建设", "城市管理", "油烟噪音"], Some("330328100"));
    index
        .add(
            &appeal("a1", Some("13800001111"), STALL, t0),
            &d,
            case.clone(),
        )
        .unwrap();

    // The same person by WeChat, same phone typed with +86, reworded.
    let mut again = appeal(
        "a2",
        Some("+86 138-0000-1111"),
        "东门路夜宵摊每天营业到凌晨两点，油烟和噪音严重扰民，请城管尽快处理",
        t0 + Duration::days(2),
    );
    again.channel = Channel::Wechat;
    let found = index
        .best_match(&again, &d, t0 + Duration::days(2))
        .expect("a duplicate");
    assert_eq!(found.case, case);
    assert_eq!(found.basis, MatchBasis::SameCitizen);
    assert!(found.score >= 0.45 && found.score <= 1.0, "{}", found.score);
    index.add(&again, &d, found.case).unwrap();
    assert_eq!(index.group(&case).unwrap().citizens, 1);

    // Another citizen about another township's stall is not linked, even word for word.
    let elsewhere = decision(&["城乡建设", "城市管理", "油烟噪音"], Some("330328101"));
    assert!(
        index
            .find_duplicate(
                &appeal("a3", Some("13900002222"), STALL, t0),
                &elsewhere,
                t0 + Duration::days(1)
            )
            .is_none()
    );

    // Another citizen about the same place: linked, and the group counts two citizens.
    let other = appeal("a4", Some("13900002222"), STALL, t0 + Duration::days(3));
    let (found, score) = index
        .find_duplicate(&other, &d, t0 + Duration::days(3))
        .unwrap();
    assert_eq!(found, case);
    assert!(score > 0.99);
    index.add(&other, &d, found).unwrap();
    assert_eq!(index.group(&case).unwrap().citizens, 2);

    // A third citizen past the others' window is not linked; the same citizen still is.
    let third = appeal("a5", Some("13700003333"), STALL, t0 + Duration::days(40));
    assert!(
        index
            .find_duplicate(&third, &d, t0 + Duration::days(40))
            .is_none()
    );
    assert!(
        index
            .find_duplicate(&other, &d, t0 + Duration::days(40))
            .is_some()
    );

    // Once the case is closed nothing is linked to it, until it is reopened.
    index.close_case(&case);
    assert!(
        index
            .find_duplicate(&other, &d, t0 + Duration::days(4))
            .is_none()
    );
    index.reopen_case(&case);
    assert!(
        index
            .find_duplicate(&other, &d, t0 + Duration::days(4))
            .is_some()
    );
}

#[test]
fn links_are_made_and_undone_by_hand() {
    let mut index = DuplicateIndex::new(DuplicateConfig::default()).unwrap();
    let t0 = at("2026-12-01T21:00:00+08:00");
    let d = decision(&[], None);
    let first = CaseNumber::parse("2612010001").unwrap();
    let second = CaseNumber::parse("2612010002").unwrap();
    index
        .add(&appeal("a1", None, STALL, t0), &d, first.clone())
        .unwrap();
    index
        .add(
            &appeal("a2", None, "玉壶镇东樟村路灯坏了一个月没人修", t0),
            &d,
            second.clone(),
        )
        .unwrap();
    assert!(index.duplicate_groups().is_empty());

    let a2 = AppealId::from_string("a2");
    index.link(&a2, first.clone()).unwrap();
    let group = index.group(&first).unwrap();
    assert_eq!(group.appeals.len(), 2);
    assert_eq!(
        group.citizens, 2,
        "anonymous appeals count one citizen each"
    );
    index.unlink(&a2, second.clone()).unwrap();
    assert_eq!(index.case_of(&a2), Some(&second));
    assert!(index.duplicate_groups().is_empty());

    let unknown = AppealId::from_string("nope");
    assert!(
        index
            .link(&unknown, first.clone())
            .unwrap_err()
            .to_string()
            .contains("add it first")
    );
    assert!(
        index
            .add(&appeal("a1", None, STALL, t0), &d, first)
            .is_err()
    );
}

#[test]
fn short_or_empty_texts_never_match_and_bad_configs_are_refused() {
    let mut index = DuplicateIndex::new(DuplicateConfig::default()).unwrap();
    let t0 = at("2026-12-01T21:00:00+08:00");
    let d = decision(&[], None);
    index
        .add(
            &appeal("a1", None, "扰民", t0),
            &d,
            CaseNumber::parse("2612010001").unwrap(),
        )
        .unwrap();
    assert!(
        index
            .find_duplicate(&appeal("a2", None, "扰民", t0), &d, t0)
            .is_none()
    );
    assert!(
        index
            .find_duplicate(&appeal("a3", None, "", t0), &d, t0)
            .is_none()
    );
    assert!(
        index
            .find_duplicate(&appeal("a4", None, "！！！？？", t0), &d, t0)
            .is_none()
    );

    let config = DuplicateConfig {
        others_threshold: 1.5,
        ..DuplicateConfig::default()
    };
    assert!(
        DuplicateIndex::new(config)
            .unwrap_err()
            .to_string()
            .contains("others_threshold")
    );
    assert!(DuplicateConfig::from_toml("window_days = 3").is_err());
    assert_eq!(
        DuplicateConfig::from_toml("others_window_days = 7")
            .unwrap()
            .others_window_days,
        7
    );
}
