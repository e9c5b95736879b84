//! Direct answers: only fresh entries that score high enough answer a consultation.

mod common;

use common::{HRSS, day, entry, unit};
use gateway_core::{Appeal, Channel, Kind, Principle, RoutingDecision, UnitId};
use knowledge_base::{DirectAnswer, DirectAnswerConfig, Freshness, KnowledgeBase, RouteReason};

const TODAY: (i32, u32, u32) = (2026, 12, 4);

fn today() -> chrono::NaiveDate {
    day(TODAY.0, TODAY.1, TODAY.2)
}

fn topic() -> Vec<String> {
    vec!["劳动和社会保障".to_string()]
}

fn kb_with(entries: Vec<knowledge_base::Entry>) -> (tempfile::TempDir, KnowledgeBase) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut kb = KnowledgeBase::open(dir.path()).expect("open");
    kb.upsert_many(&unit(HRSS), entries).expect("seed");
    // Unrelated entries, so that document frequencies are not degenerate.
    kb.upsert_many(
        &unit("transport"),
        vec![
            entry(
                "tr-1",
                "transport",
                "老年人公交卡怎么办理",
                "带身份证到公交营业厅。",
                &["交通运输"],
            ),
            entry(
                "tr-2",
                "transport",
                "出租车拒载怎么投诉",
                "记下车牌号拨打12345。",
                &["交通运输"],
            ),
            entry(
                "tr-3",
                "transport",
                "驾驶证到期怎么换证",
                "到车管所或交管12123办理。",
                &["交通运输"],
            ),
        ],
    )
    .expect("seed others");
    (dir, kb)
}

fn pension() -> knowledge_base::Entry {
    entry(
        "hrss-1",
        HRSS,
        "灵活就业人员怎样参加职工养老保险",
        "携带身份证到县社保中心窗口办理灵活就业人员参保登记，也可在浙里办申请。",
        &["劳动和社会保障"],
    )
}

#[test]
fn a_close_consultation_is_answered_from_a_fresh_entry() {
    let (_dir, kb) = kb_with(vec![pension()]);
    let decision = kb
        .direct_answer(
            "灵活就业人员怎么参加职工养老保险？",
            Kind::Consultation,
            &topic(),
            &DirectAnswerConfig::default(),
            today(),
        )
        .expect("decide");
    match decision {
        DirectAnswer::Answer { entry, score } => {
            assert_eq!(entry.id, "hrss-1");
            assert!(
                score >= DirectAnswerConfig::default().threshold && score <= 1.0,
                "{score}"
            );
        }
        other => panic!("expected an answer, got {other:?}"),
    }
}

#[test]
fn a_stale_entry_is_never_the_direct_answer() {
    // The same entry, past its review date, and then not yet valid.
    for (valid_from, review_by, expected) in [
        (day(2025, 1, 1), day(2026, 6, 30), Freshness::PastReview),
        (day(2027, 1, 1), day(2027, 12, 31), Freshness::NotYetValid),
    ] {
        let mut stale = pension();
        stale.valid_from = valid_from;
        stale.review_by = review_by;
        let (_dir, kb) = kb_with(vec![stale]);
        let decision = kb
            .direct_answer(
                "灵活就业人员怎样参加职工养老保险",
                Kind::Consultation,
                &topic(),
                &DirectAnswerConfig::default(),
                today(),
            )
            .expect("decide");
        let DirectAnswer::Route { candidates, reason } = decision else {
            panic!("a stale entry answered: {decision:?}");
        };
        assert_eq!(reason, RouteReason::OnlyStale);
        assert_eq!(candidates[0].entry_id, "hrss-1");
        assert_eq!(candidates[0].freshness, expected);
        assert!(
            candidates[0].score > 0.9,
            "it did match well: {}",
            candidates[0].score
        );

        // And it is listed for its unit's report.
        let listed = kb.stale_entries(&unit(HRSS), today());
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].freshness, expected);
        assert!(kb.stale_entries(&unit("transport"), today()).is_empty());
        assert_eq!(kb.stale_report(today()).len(), 1);
    }
}

#[test]
fn a_fresh_second_entry_answers_when_the_best_is_stale() {
    let mut stale = pension();
    stale.review_by = day(2026, 6, 30);
    stale.valid_from = day(2025, 1, 1);
    let mut fresh = pension();
    fresh.id = "hrss-2".into();
    fresh.question = "灵活就业人员参加职工养老保险怎么办理".into();
    let (_dir, kb) = kb_with(vec![stale, fresh]);
    let decision = kb
        .direct_answer(
            "灵活就业人员怎样参加职工养老保险",
            Kind::Consultation,
            &topic(),
            &DirectAnswerConfig::default(),
            today(),
        )
        .expect("decide");
    match decision {
        DirectAnswer::Answer { entry, .. } => assert_eq!(entry.id, "hrss-2"),
        other => panic!("expected the fresh entry, got {other:?}"),
    }
}

#[test]
fn a_low_score_routes_with_candidates_attached() {
    let (_dir, kb) = kb_with(vec![pension()]);
    let config = DirectAnswerConfig::default();
    let decision = kb
        .direct_answer(
            "退休以后养老金每月什么时候发放到账",
            Kind::Consultation,
            &topic(),
            &config,
            today(),
        )
        .expect("decide");
    let DirectAnswer::Route { candidates, reason } = decision else {
        panic!("a weak match answered: {decision:?}");
    };
    let RouteReason::BelowThreshold { best_score } = reason else {
        panic!("unexpected reason {reason:?}");
    };
    assert!(best_score < config.threshold);
    assert!(!candidates.is_empty() && candidates.len() <= config.candidate_count);
    assert_eq!(candidates[0].score, best_score);
    assert!(candidates.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn no_shared_word_routes_with_no_candidates() {
    let (_dir, kb) = kb_with(vec![pension()]);
    let decision = kb
        .direct_answer(
            "楼上漏水",
            Kind::Consultation,
            &[],
            &DirectAnswerConfig::default(),
            today(),
        )
        .expect("decide");
    assert_eq!(
        decision,
        DirectAnswer::Route {
            candidates: Vec::new(),
            reason: RouteReason::NoMatch
        }
    );
}

#[test]
fn only_consultations_are_answered_directly() {
    let (_dir, kb) = kb_with(vec![pension()]);
    let appeal = Appeal::builder(
        Channel::WebForm,
        "form-1",
        "单位不给灵活就业人员参加职工养老保险",
    )
    .title("投诉")
    .build();
    let decision = RoutingDecision {
        kind: Kind::Complaint,
        topic: topic(),
        emergency: None,
        township: None,
        village: None,
        ambiguous_places: Vec::new(),
        lead_unit: UnitId::new(HRSS),
        assisting_units: Vec::new(),
        principle: Principle::OwnerResponsible,
        rules: Vec::new(),
        confidence: 0.8,
    };
    let result = kb
        .direct_answer_for(&appeal, &decision, &DirectAnswerConfig::default(), today())
        .expect("decide");
    let DirectAnswer::Route { candidates, reason } = result else {
        panic!("a complaint was answered directly");
    };
    assert_eq!(reason, RouteReason::NotConsultation);
    assert_eq!(
        candidates[0].entry_id, "hrss-1",
        "the entry is still attached for the unit"
    );
}

#[test]
fn the_routing_topic_reorders_near_ties() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut kb = KnowledgeBase::open(dir.path()).expect("open");
    kb.upsert(
        &unit(HRSS),
        entry(
            "hrss-1",
            HRSS,
            "补办证件需要什么材料",
            "社保卡补办带身份证。",
            &["劳动和社会保障"],
        ),
    )
    .expect("seed");
    kb.upsert(
        &unit("transport"),
        entry(
            "tr-1",
            "transport",
            "补办证件需要什么材料",
            "驾驶证补办带身份证。",
            &["交通运输"],
        ),
    )
    .expect("seed");
    for (topic, expected) in [("劳动和社会保障", "hrss-1"), ("交通运输", "tr-1")] {
        let hits = kb
            .search("补办证件需要什么材料", &[topic.to_string()], 2)
            .expect("search");
        assert_eq!(hits[0].entry_id, expected, "topic {topic}");
        assert!(hits[0].raw_score > hits[1].raw_score);
    }
}
