//! Routing with the example county's rules: places written the ways citizens write them,
//! emergencies against their look-alikes, and the principles that choose the units.

use std::path::PathBuf;

use gateway_core::{Principle, RoutingDecision};
use routing_rules::{RouteInput, RuleSet};

fn rules() -> RuleSet {
    let entry = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/wencheng/routing.toml");
    RuleSet::load(&entry).unwrap_or_else(|e| panic!("the example rules do not compile:\n{e}"))
}

fn route(rules: &RuleSet, body: &str, address: Option<&str>) -> RoutingDecision {
    rules.route(&RouteInput {
        body,
        address,
        ..Default::default()
    })
}

fn township(decision: &RoutingDecision) -> Option<&str> {
    decision.township.as_ref().map(|t| t.name.as_str())
}

#[test]
fn townships_resolve_from_the_ways_citizens_write_them() {
    let rules = rules();
    let cases: &[(&str, Option<&str>, &str, Option<&str>)] = &[
        // (text, address field, township, village)
        (
            "家门口有违章建筑",
            Some("玉壶镇东樟村"),
            "玉壶镇",
            Some("东樟村委会"),
        ),
        ("玉壶镇东樟村有人违建", None, "玉壶镇", Some("东樟村委会")),
        ("东樟村有人违建", None, "玉壶镇", Some("东樟村委会")),
        ("东樟村委会门口有违建", None, "玉壶镇", Some("东樟村委会")),
        ("在玉壶，小区有人违建", None, "玉壶镇", None),
        ("门口有违建", Some("东樟"), "玉壶镇", Some("东樟村委会")),
        ("周山畲族乡的路灯坏了", None, "周山畲族乡", None),
        ("周山的路灯坏了", None, "周山畲族乡", None),
        ("珊溪镇有工厂偷排废水", None, "珊溪镇", None),
        (
            "中村村有违建",
            Some("大峃镇中村村"),
            "大峃镇",
            Some("中村村委会"),
        ),
        ("玉壶镇中村村有违建", None, "玉壶镇", Some("中村村委会")),
    ];
    for (text, address, expected_township, expected_village) in cases {
        let d = route(&rules, text, *address);
        assert_eq!(
            township(&d),
            Some(*expected_township),
            "{text} / {address:?}: {:?}",
            d.township
        );
        assert_eq!(
            d.village.as_ref().map(|v| v.name.as_str()),
            *expected_village,
            "{text} / {address:?}"
        );
        assert!(
            d.ambiguous_places.is_empty(),
            "{text}: {:?}",
            d.ambiguous_places
        );
    }
}

#[test]
fn a_village_name_in_two_townships_is_ambiguous_not_guessed() {
    let rules = rules();
    for (text, address) in [
        ("中村村有违建，没人管", None),
        ("光明村的路灯坏了", None),
        ("门口有违建", Some("新南村")),
    ] {
        let d = route(&rules, text, address);
        assert_eq!(d.township, None, "{text}: given to {:?}", d.township);
        assert_eq!(d.village, None, "{text}");
        let ambiguity = d
            .ambiguous_places
            .first()
            .unwrap_or_else(|| panic!("{text}: not flagged"));
        assert_eq!(ambiguity.candidates.len(), 2, "{text}: {ambiguity:?}");
    }
}

#[test]
fn a_common_word_that_is_also_a_township_short_name_needs_the_address_field() {
    let rules = rules();
    let d = route(&rules, "他说话态度很平和，但是拖欠工资不给", None);
    assert_eq!(d.township, None);
    let d = route(&rules, "拖欠工资不给", Some("平和"));
    assert_eq!(township(&d), Some("平和乡"));
    let d = route(&rules, "平和乡有人拖欠工资", None);
    assert_eq!(township(&d), Some("平和乡"));
}

#[test]
fn emergencies_are_danger_now_and_only_that() {
    let rules = rules();
    let cases: &[(&str, Option<&str>)] = &[
        ("楼道里着火了，烟很大", Some("119")),
        ("有人拿刀在街上追人", Some("110")),
        ("上个月小区失火后的赔偿一直没落实", None),
        ("咨询一下办理消防验收要什么材料", None),
        ("消防通道被占了，不是着火", None),
        ("小区消防通道被占，车停得满满的", None),
        ("楼下饭店油烟很大", None),
    ];
    for (text, service) in cases {
        let d = route(&rules, text, None);
        let got = d.emergency.as_ref().map(|e| e.service.number());
        assert_eq!(got, *service, "{text}");
        if service.is_some() {
            assert_eq!(d.principle, Principle::Emergency, "{text}");
            assert_eq!(d.lead_unit.as_str(), service.unwrap(), "{text}");
        }
    }
    let d = route(&rules, "上个月小区失火后的赔偿一直没落实", None);
    assert_eq!(d.kind.as_str(), "complaint");
    let d = route(&rules, "咨询一下办理消防验收要什么材料", None);
    assert_eq!(d.kind.as_str(), "consultation");
}

#[test]
fn territorial_topics_go_to_the_township_where_it_happened() {
    let rules = rules();
    let d = route(
        &rules,
        "村口有人违章搭建，占了公共通道",
        Some("玉壶镇东樟村"),
    );
    assert_eq!(d.principle, Principle::TerritorialFirst);
    assert_eq!(d.lead_unit.as_str(), "yuhu");
}

#[test]
fn owner_topics_go_to_the_department_and_the_township_assists() {
    let rules = rules();
    let d = route(&rules, "珊溪镇的化工厂晚上偷排废水，河水发黑发臭", None);
    assert_eq!(d.principle, Principle::OwnerResponsible);
    assert_eq!(d.lead_unit.as_str(), "ecology-environment");
    assert!(
        d.assisting_units.iter().any(|u| u.as_str() == "shanxi"),
        "{:?}",
        d.assisting_units
    );
}

#[test]
fn a_call_to_an_old_department_hotline_is_an_owner_hint() {
    let rules = rules();
    let d = rules.route(&RouteInput {
        body: "我想问一下这个事情该找谁",
        dialed: Some("12315"),
        ..Default::default()
    });
    assert_eq!(d.lead_unit.as_str(), "market-supervision");
    assert!(d.rule_ids().any(|r| r == "dialed:12315"));
    let d = rules.route(&RouteInput {
        body: "我想问一下这个事情该找谁",
        dialed: Some("0577-67861371"),
        ..Default::default()
    });
    assert_eq!(
        d.lead_unit.as_str(),
        "urban-management",
        "a local number with its area code"
    );
}

#[test]
fn what_the_rules_cannot_decide_goes_to_coordination() {
    let rules = rules();
    let d = route(&rules, "你好，我有个事情想反映一下", None);
    assert_eq!(d.principle, Principle::Coordination);
    assert_eq!(d.lead_unit.as_str(), "coordination");
    assert!(d.topic.is_empty());
    assert_eq!(d.confidence, 0.0);
}

#[test]
fn matched_words_are_quoted_as_the_citizen_wrote_them() {
    let rules = rules();
    let d = route(&rules, "樓道裡着火了，煙很大", None);
    assert_eq!(
        d.emergency.as_ref().map(|e| e.service.number()),
        Some("119")
    );
    let fire = d.rules.iter().find(|h| h.rule == "fire-now").unwrap();
    assert_eq!(fire.matched, vec!["着火了"]);
    let d = route(&rules, "ＸＸ公司拖欠工資三個月", None);
    let quoted: Vec<&String> = d.rules.iter().flat_map(|h| &h.matched).collect();
    assert!(quoted.iter().any(|w| w.contains("工資")), "{quoted:?}");
}

#[test]
fn every_example_in_the_rule_files_routes_as_written() {
    let failures = rules().run_examples();
    let report: Vec<String> = failures
        .iter()
        .map(|f| {
            format!(
                "{}:{}: {} {:?}",
                f.file.display(),
                f.line,
                f.text,
                f.mismatches
            )
        })
        .collect();
    assert!(failures.is_empty(), "{}", report.join("\n"));
}

#[test]
fn a_short_hotline_dialed_with_its_area_code_is_still_an_owner_hint() {
    let d = rules().route(&RouteInput {
        body: "我想问一下这个事情该找谁",
        dialed: Some("0577-12315"),
        ..Default::default()
    });
    assert_eq!(d.lead_unit.as_str(), "market-supervision");
}

#[test]
fn an_emergency_that_says_nothing_else_is_a_help_request() {
    let d = route(&rules(), "楼道里着火了，烟很大", None);
    assert_eq!(d.kind.as_str(), "help_request");
}
