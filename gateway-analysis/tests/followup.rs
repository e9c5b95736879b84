//! Follow-up: reading replies as people send them, and the rounds of one case.

use chrono::{DateTime, Duration, Utc};
use gateway_analysis::followup::{
    FollowUp, FollowUpConfig, FollowUpConfigError, FollowUpEffect, FollowUpError, FollowUpState,
    Rating, ReplyParser, SurveyChoice,
};
use gateway_core::case::CaseNumber;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn default_parser() -> ReplyParser {
    FollowUpConfig::default().build().unwrap().parser().clone()
}

#[test]
fn replies_as_people_send_them_are_read() {
    let parser = default_parser();
    let table: &[(&str, Rating)] = &[
        ("1", Rating::Satisfied),
        ("2", Rating::PartlySatisfied),
        ("3", Rating::Dissatisfied),
        ("１", Rating::Satisfied),
        ("３。", Rating::Dissatisfied),
        ("回复2", Rating::PartlySatisfied),
        ("我选 1 谢谢", Rating::Satisfied),
        ("满意", Rating::Satisfied),
        ("基本满意", Rating::PartlySatisfied),
        ("一般", Rating::PartlySatisfied),
        ("不满意", Rating::Dissatisfied),
        ("不太满意，问题没解决", Rating::Dissatisfied),
        ("还行吧", Rating::PartlySatisfied),
        ("非常满意！", Rating::Satisfied),
        ("非常滿意！", Rating::Satisfied),
        ("還行吧", Rating::PartlySatisfied),
        ("不滿意", Rating::Dissatisfied),
        ("不是很满意", Rating::Dissatisfied),
        ("不怎么满意啊", Rating::Dissatisfied),
        ("满意，但是问题没有解决", Rating::Dissatisfied),
        ("不是不满意，就是慢了点", Rating::PartlySatisfied),
        ("很满意，谢谢你们", Rating::Satisfied),
        ("满意个屁，根本没人来", Rating::Dissatisfied),
        ("这样怎么可能满意", Rating::Dissatisfied),
        // Numbers that are not options.
        ("3号楼还是漏水", Rating::Unclear),
        ("13812345678", Rating::Unclear),
        ("2天了还没人来", Rating::Unclear),
        // A number and words that disagree.
        ("1 不满意", Rating::Unclear),
        ("1 满意", Rating::Satisfied),
        // Nothing to read.
        ("", Rating::Unclear),
        ("你好", Rating::Unclear),
        ("？？？", Rating::Unclear),
        ("4", Rating::Unclear),
    ];
    for (reply, expected) in table {
        let reading = parser.read(reply);
        assert_eq!(
            reading.rating, *expected,
            "reply {reply:?} read with evidence {:?}",
            reading.evidence
        );
    }
}

#[test]
fn a_reply_quoting_the_survey_email_is_read_from_its_own_words() {
    let parser = default_parser();
    let reply = "不满意，路灯还是不亮。\n\n-----原始邮件-----\n发件人：12345@wencheng.gov.cn\n主题：回访\n您反映的问题已办结，请回复数字：1 满意，2 基本满意，3 不满意。";
    assert_eq!(parser.read(reply).rating, Rating::Dissatisfied);
    let reply = "2\n\n在 2026年12月3日 10:00，文成12345 写道：\n> 请回复数字：1 满意，2 基本满意，3 不满意。";
    assert_eq!(parser.read(reply).rating, Rating::PartlySatisfied);
    let reply = "满意\n> 1 满意\n> 3 不满意";
    assert_eq!(parser.read(reply).rating, Rating::Satisfied);
}

#[test]
fn a_template_with_other_numbers_is_read_by_its_own_choices() {
    let parser = ReplyParser::new(vec![
        SurveyChoice {
            key: "9".into(),
            rating: Rating::Satisfied,
        },
        SurveyChoice {
            key: "0".into(),
            rating: Rating::Dissatisfied,
        },
    ]);
    assert_eq!(parser.read("9").rating, Rating::Satisfied);
    assert_eq!(parser.read("０").rating, Rating::Dissatisfied);
    assert_eq!(parser.read("1").rating, Rating::Unclear);
}

#[test]
fn bad_configs_are_refused_with_the_field_named() {
    let config = FollowUpConfig {
        survey_template: "工单{case}已办结".into(),
        ..FollowUpConfig::default()
    };
    let error = config.build().unwrap_err();
    assert!(
        matches!(&error, FollowUpConfigError::UnknownPlaceholder { field: "survey_template", placeholder } if placeholder == "{case}")
    );
    assert!(
        error.to_string().contains("only {case_number} is replaced"),
        "{error}"
    );

    let mut config = FollowUpConfig::default();
    config.choices.push(SurveyChoice {
        key: "１".into(),
        rating: Rating::Dissatisfied,
    });
    assert!(matches!(
        config.build().unwrap_err(),
        FollowUpConfigError::DuplicateChoice { .. }
    ));

    assert!(matches!(
        FollowUpConfig::from_toml("answer_wait_hour = 3").unwrap_err(),
        FollowUpConfigError::Toml { .. }
    ));
    let config = FollowUpConfig::from_toml("answer_wait_hours = 24\nmax_reopens = 1").unwrap();
    assert_eq!(config.answer_wait_hours, 24);
    assert_eq!(config.max_unclear_retries, 1);
}

fn case_number() -> CaseNumber {
    CaseNumber::parse("2612030042").unwrap()
}

fn texts(effects: &[FollowUpEffect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            FollowUpEffect::SendToCitizen { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_satisfied_reply_records_the_rating_and_closes() {
    let plan = FollowUpConfig::default().build().unwrap();
    let t0 = at("2026-12-03T10:00:00+08:00");
    let (mut follow_up, effects) = FollowUp::start(case_number(), t0, &plan);
    let sent = texts(&effects);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("工单号2612030042"), "{}", sent[0]);
    assert!(!sent[0].contains('{'));

    let effects = follow_up
        .reply("满意", t0 + Duration::hours(2), &plan)
        .unwrap();
    assert_eq!(
        effects[0],
        FollowUpEffect::RecordRating {
            rating: Rating::Satisfied
        }
    );
    assert!(matches!(&effects[1], FollowUpEffect::CloseCase { reason } if reason.contains("满意")));
    assert_eq!(follow_up.latest_rating(), Some(Rating::Satisfied));

    // The round is over; a second reply is refused and says so.
    let error = follow_up
        .reply("1", t0 + Duration::hours(3), &plan)
        .unwrap_err();
    assert!(matches!(
        error,
        FollowUpError::NotAsking { state: "rated", .. }
    ));
}

#[test]
fn an_unclear_reply_is_asked_again_once_then_ends_unclear() {
    let plan = FollowUpConfig::default().build().unwrap();
    let t0 = at("2026-12-03T10:00:00+08:00");
    let (mut follow_up, _) = FollowUp::start(case_number(), t0, &plan);

    let effects = follow_up
        .reply("你们是谁", t0 + Duration::hours(1), &plan)
        .unwrap();
    assert!(texts(&effects)[0].contains("未能识别"));
    assert!(matches!(
        follow_up.state(),
        FollowUpState::Asked { attempt: 2, .. }
    ));

    let effects = follow_up
        .reply("？", t0 + Duration::hours(2), &plan)
        .unwrap();
    assert!(matches!(follow_up.state(), FollowUpState::Unclear { .. }));
    assert!(matches!(&effects[..], [FollowUpEffect::CloseCase { .. }]));
    assert_eq!(follow_up.latest_rating(), None);
    assert_eq!(follow_up.replies().len(), 2);
}

#[test]
fn an_unclear_reply_then_a_rating_is_rated() {
    let plan = FollowUpConfig::default().build().unwrap();
    let t0 = at("2026-12-03T10:00:00+08:00");
    let (mut follow_up, _) = FollowUp::start(case_number(), t0, &plan);
    follow_up
        .reply("嗯", t0 + Duration::hours(1), &plan)
        .unwrap();
    follow_up
        .reply("２", t0 + Duration::hours(2), &plan)
        .unwrap();
    assert!(matches!(
        follow_up.state(),
        FollowUpState::Rated {
            rating: Rating::PartlySatisfied,
            ..
        }
    ));
}

#[test]
fn no_answer_within_the_wait_is_recorded_as_such() {
    let plan = FollowUpConfig::default().build().unwrap();
    let t0 = at("2026-12-03T10:00:00+08:00");
    let (mut follow_up, _) = FollowUp::start(case_number(), t0, &plan);
    assert!(follow_up.tick(t0 + Duration::hours(71)).is_empty());
    let effects = follow_up.tick(t0 + Duration::hours(72));
    assert!(
        matches!(&effects[..], [FollowUpEffect::CloseCase { reason }] if reason.contains("未回复"))
    );
    assert_eq!(
        follow_up.state(),
        FollowUpState::NoAnswer {
            at: t0 + Duration::hours(72)
        }
    );
    assert!(follow_up.tick(t0 + Duration::hours(100)).is_empty());
    assert!(
        follow_up
            .reply("满意", t0 + Duration::hours(80), &plan)
            .is_err()
    );
}

#[test]
fn dissatisfied_reopens_at_most_max_reopens_times() {
    let config = FollowUpConfig {
        max_reopens: 1,
        ..FollowUpConfig::default()
    };
    let plan = config.build().unwrap();
    let t0 = at("2026-12-03T10:00:00+08:00");
    let (mut follow_up, _) = FollowUp::start(case_number(), t0, &plan);

    // First dissatisfied rating: reopen to the same unit, and tell the citizen.
    let effects = follow_up
        .reply("不满意", t0 + Duration::hours(1), &plan)
        .unwrap();
    assert!(effects.contains(&FollowUpEffect::ReopenCase));
    assert!(texts(&effects)[0].contains("重新办理"));
    assert_eq!(follow_up.reopens(), 1);
    assert!(
        follow_up.tick(t0 + Duration::days(10)).is_empty(),
        "a reopened case waits, it does not time out"
    );

    // Resolved again: a new round.
    let t1 = t0 + Duration::days(5);
    let effects = follow_up.resolved_again(t1, &plan).unwrap();
    assert_eq!(texts(&effects).len(), 1);
    assert_eq!(follow_up.rounds(), 2);

    // Second dissatisfied rating: the limit is reached, no reopening.
    let effects = follow_up
        .reply("3", t1 + Duration::hours(1), &plan)
        .unwrap();
    assert!(!effects.contains(&FollowUpEffect::ReopenCase));
    assert!(effects.contains(&FollowUpEffect::ReopenLimitReached { reopens: 1 }));
    assert_eq!(follow_up.latest_rating(), Some(Rating::Dissatisfied));
    assert!(matches!(
        follow_up.resolved_again(t1, &plan),
        Err(FollowUpError::NotReopened { .. })
    ));
}

#[test]
fn a_long_reply_is_read_quickly_and_never_panics() {
    let parser = default_parser();
    let long = "路灯还是不亮，".repeat(20_000) + "不满意";
    assert_eq!(parser.read(&long).rating, Rating::Dissatisfied);
    for odd in [
        "\u{0}",
        "满",
        "\u{FEFF}1",
        "１２３",
        "🙂🙂",
        "1\r\n",
        "不",
        "\u{FF10}",
    ] {
        let _ = parser.read(odd);
    }
}

/// The effects drive a real case of `gateway_core`: a dissatisfied rating reopens it to the
/// same unit, the second resolution starts a new round, and a satisfied rating closes it.
#[test]
fn follow_up_effects_drive_a_real_case_through_reopening_and_closing() {
    use gateway_core::calendar::WorkingCalendar;
    use gateway_core::case::{
        Action, Actor, Case, CaseConfig, CaseOpening, CaseState, Command, ReplyMethod,
    };
    use gateway_core::{AppealId, Kind, UnitId};

    let calendar = WorkingCalendar::embedded().unwrap();
    let policy = CaseConfig::default().build().unwrap();
    let plan = FollowUpConfig::default().build().unwrap();
    let unit = UnitId::new("urban-management");
    let opening = CaseOpening {
        case_number: case_number(),
        appeal_id: AppealId::from_string("01JF0000000000000000000000"),
        kind: Kind::Complaint,
        urgent: false,
        lead_unit: unit.clone(),
        assisting_units: vec![],
        received_at: at("2026-12-01T09:00:00+08:00"),
    };
    let (mut case, _) = Case::open(opening, Actor::System, &calendar, &policy).unwrap();
    let by_unit =
        |when: &str, action: Action| Command::new(at(when), Actor::Unit(unit.clone()), action);
    let resolve = || Action::Resolve {
        result: "已清理".into(),
        citizen_informed_by: ReplyMethod::Sms,
    };
    case.apply(
        by_unit("2026-12-01T10:00:00+08:00", Action::Acknowledge),
        &calendar,
        &policy,
    )
    .unwrap();
    case.apply(
        by_unit("2026-12-02T10:00:00+08:00", resolve()),
        &calendar,
        &policy,
    )
    .unwrap();

    // Carries out follow-up effects on the case, as the daemon would.
    let carry_out = |case: &mut Case, effects: &[FollowUpEffect], when: DateTime<Utc>| {
        for effect in effects {
            let action = match effect {
                FollowUpEffect::ReopenCase => Action::ReopenOnDissatisfaction,
                FollowUpEffect::CloseCase { reason } => Action::Close {
                    reason: reason.clone(),
                },
                _ => continue,
            };
            let actor = match action {
                Action::Close { .. } => Actor::supervisor("follow-up"),
                _ => Actor::System,
            };
            case.apply(Command::new(when, actor, action), &calendar, &policy)
                .unwrap();
        }
    };

    let t1 = at("2026-12-02T12:00:00+08:00");
    let (mut follow_up, _) = FollowUp::start(case.case_number().clone(), t1, &plan);
    let effects = follow_up
        .reply("不太满意，问题没解决", t1 + Duration::hours(1), &plan)
        .unwrap();
    carry_out(&mut case, &effects, t1 + Duration::hours(1));
    assert_eq!(case.state(), CaseState::Reopened);
    assert_eq!(case.lead_unit(), &unit, "reopened to the same unit");

    case.apply(
        by_unit("2026-12-03T09:00:00+08:00", Action::Acknowledge),
        &calendar,
        &policy,
    )
    .unwrap();
    case.apply(
        by_unit("2026-12-04T09:00:00+08:00", resolve()),
        &calendar,
        &policy,
    )
    .unwrap();
    let t2 = at("2026-12-04T10:00:00+08:00");
    follow_up.resolved_again(t2, &plan).unwrap();
    let effects = follow_up
        .reply("非常满意！", t2 + Duration::hours(1), &plan)
        .unwrap();
    carry_out(&mut case, &effects, t2 + Duration::hours(1));
    assert_eq!(case.state(), CaseState::Closed);
    assert_eq!(follow_up.latest_rating(), Some(Rating::Satisfied));
    assert_eq!(follow_up.reopens(), 1);
}
