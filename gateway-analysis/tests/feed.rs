//! The public feed: resolved cases only, and nothing personal left in the text.

use chrono::{DateTime, Utc};
use gateway_analysis::report::{CaseSummary, FeedRecord, public_feed, redact};
use gateway_core::case::CaseNumber;
use gateway_core::{DivisionRef, Kind, TownshipCode, UnitId};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn personal_data_is_removed_from_published_text() {
    let table: &[(&str, &[&str], &str)] = &[
        (
            "我叫王小明，电话13812345678",
            &[],
            "我叫王**，电话***********",
        ),
        (
            "联系人：李四 手机 138-1234-5678",
            &[],
            "联系人：李* 手机 ***-****-****",
        ),
        (
            "身份证号330328199001011234",
            &[],
            "身份证号******************",
        ),
        ("身份证33032819900101123X", &[], "身份证******************"),
        ("邮箱 zhang.san@example.org 联系", &[], "邮箱 ***@*** 联系"),
        (
            "玉壶镇东樟村3组15号门口堆满垃圾",
            &[],
            "玉壶镇东樟村门口堆满垃圾",
        ),
        (
            "大峃镇华府小区五栋二单元601室漏水",
            &[],
            "大峃镇华府小区漏水",
        ),
        (
            "张建国反映：张建国家门口路灯坏了",
            &["张建国"],
            "张**反映：张**家门口路灯坏了",
        ),
        ("车牌浙C12345乱停", &[], "车牌浙C*****乱停"),
        ("路灯不亮", &[], "路灯不亮"),
    ];
    for (text, names, expected) in table {
        assert_eq!(redact(text, names), *expected, "input {text:?}");
    }
}

#[test]
fn the_feed_holds_resolved_cases_with_places_no_finer_than_the_village() {
    let summary = |number: &str, resolved: Option<&str>| CaseSummary {
        case_number: CaseNumber::parse(number).unwrap(),
        lead_unit: UnitId::new("yuhu-town"),
        returned_by: vec![],
        kind: Kind::Complaint,
        topic: vec!["城乡建设".into(), "市政设施".into(), "路灯".into()],
        township: Some(DivisionRef {
            code: TownshipCode::new("330328102"),
            name: "玉壶镇".into(),
        }),
        received_at: at("2026-12-01T09:00:00+08:00"),
        resolved_at: resolved.map(at),
        resolved_on_time: resolved.map(|_| true),
        rating: None,
        reopen_count: 0,
    };
    let records = vec![
        FeedRecord {
            summary: summary("2612010002", Some("2026-12-03T17:00:00+08:00")),
            village: Some(DivisionRef {
                code: TownshipCode::new("330328102201"),
                name: "东樟村".into(),
            }),
            appeal_text: "我是东樟村3组的陈阿大，村口路灯坏了，电话13900001111".into(),
            result_text: "已派人于12月3日修复，并电话告知陈阿大。".into(),
            citizen_name: Some("陈阿大".into()),
        },
        FeedRecord {
            summary: summary("2612010001", None),
            village: None,
            appeal_text: "还没办完的".into(),
            result_text: String::new(),
            citizen_name: None,
        },
    ];
    let feed = public_feed(&records);
    assert_eq!(feed.len(), 1, "unresolved cases are not published");
    let case = &feed[0];
    assert_eq!(case.township.as_deref(), Some("玉壶镇"));
    assert_eq!(case.village.as_deref(), Some("东樟村"));
    assert_eq!(case.topic, "城乡建设/市政设施/路灯");
    assert_eq!(case.resolved_on.to_string(), "2026-12-03");
    assert_eq!(
        case.appeal,
        "我是东樟村的陈**，村口路灯坏了，电话***********"
    );
    assert_eq!(case.reply, "已派人于**月*日修复，并电话告知陈**。");
    let json = serde_json::to_string(&feed).unwrap();
    for secret in ["陈阿大", "13900001111", "3组"] {
        assert!(!json.contains(secret), "{secret} was published");
    }
}
