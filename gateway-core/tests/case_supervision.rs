//! Supervision steps (督办 / 催办) on a test clock, and the supervision list per unit.

use chrono::{DateTime, Duration, Utc};
use gateway_core::calendar::WorkingCalendar;
use gateway_core::case::{
    Action, Actor, Case, CaseConfig, CaseError, CaseNumber, CaseOpening, CasePolicy, CaseState,
    Command, Effect, Notice, Recipient, SupervisionLevel, due_steps, supervision_list,
};
use gateway_core::{AppealId, Kind, UnitId};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn open(
    calendar: &WorkingCalendar,
    policy: &CasePolicy,
    number: &str,
    lead: &str,
    received: &str,
    urgent: bool,
) -> Case {
    let opening = CaseOpening {
        case_number: CaseNumber::parse(number).unwrap(),
        appeal_id: AppealId::from_string(format!("01K60000000000000000{number}")),
        kind: Kind::Complaint,
        urgent,
        lead_unit: UnitId::new(lead),
        assisting_units: vec![],
        received_at: at(received),
    };
    Case::open(opening, Actor::System, calendar, policy)
        .unwrap()
        .0
}

fn record(
    case: &mut Case,
    calendar: &WorkingCalendar,
    policy: &CasePolicy,
    now: DateTime<Utc>,
    step: &str,
) -> Result<Vec<Effect>, CaseError> {
    let action = Action::RecordSupervision {
        step: step.to_string(),
    };
    case.apply(Command::new(now, Actor::System, action), calendar, policy)
}

/// Advances the clock hour by hour, recording every step as soon as it is due; returns each
/// step with the hour it was recorded at.
fn run_clock(
    case: &mut Case,
    calendar: &WorkingCalendar,
    policy: &CasePolicy,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<(String, DateTime<Utc>)> {
    let mut recorded = Vec::new();
    let mut now = from;
    while now <= until {
        for due in due_steps(case, calendar, policy, now).unwrap() {
            assert!(due.due_at <= now, "{} reported before it is due", due.step);
            record(case, calendar, policy, now, &due.step).unwrap();
            recorded.push((due.step, now));
        }
        // Once recorded, nothing is due again for the same deadline.
        assert!(due_steps(case, calendar, policy, now).unwrap().is_empty());
        now += Duration::hours(1);
    }
    recorded
}

#[test]
fn steps_escalate_one_by_one_across_national_day() {
    let calendar = WorkingCalendar::embedded().unwrap();
    let policy = CaseConfig::default().build().unwrap();
    // Received Wednesday 24 September 2025: 25, 26, 28 (make-up Sunday), 29, 30 September.
    let mut case = open(
        &calendar,
        &policy,
        "2509240001",
        "market-supervision",
        "2025-09-24T10:00:00+08:00",
        false,
    );
    assert_eq!(case.deadline().due_at, at("2025-10-01T00:00:00+08:00"));

    let recorded = run_clock(
        &mut case,
        &calendar,
        &policy,
        at("2025-09-24T10:00:00+08:00"),
        at("2025-10-20T00:00:00+08:00"),
    );
    let expected = [
        // One working day before: 24:00 on Monday 29 September.
        ("warning", at("2025-09-30T00:00:00+08:00")),
        // At the deadline: 24:00 on 30 September.
        ("reminder", at("2025-10-01T00:00:00+08:00")),
        // One working day after: the holiday does not count, so 24:00 on 9 October.
        ("supervisor_notice", at("2025-10-10T00:00:00+08:00")),
        // Three after: 9, 10 and the make-up Saturday 11 October.
        ("formal_supervision", at("2025-10-12T00:00:00+08:00")),
    ];
    let expected: Vec<(String, DateTime<Utc>)> =
        expected.iter().map(|(s, t)| (s.to_string(), *t)).collect();
    assert_eq!(recorded, expected);
    // Open, then one entry per step.
    assert_eq!(case.history().len(), 5);
}

#[test]
fn recording_is_refused_early_twice_or_for_an_unknown_step() {
    let calendar = WorkingCalendar::embedded().unwrap();
    let policy = CaseConfig::default().build().unwrap();
    let mut case = open(
        &calendar,
        &policy,
        "2509240002",
        "market-supervision",
        "2025-09-24T10:00:00+08:00",
        false,
    );

    let error = record(
        &mut case,
        &calendar,
        &policy,
        at("2025-09-29T12:00:00+08:00"),
        "warning",
    )
    .unwrap_err();
    assert!(matches!(error, CaseError::StepNotDue { .. }), "{error}");

    let effects = record(
        &mut case,
        &calendar,
        &policy,
        at("2025-10-10T08:00:00+08:00"),
        "supervisor_notice",
    )
    .unwrap();
    // A supervisor notice goes to the unit and to the platform's supervisors.
    assert_eq!(effects.len(), 2);
    assert!(matches!(
        &effects[1],
        Effect::Notify {
            recipient: Recipient::Supervisors,
            notice: Notice::Supervision {
                level: SupervisionLevel::SupervisorNotice,
                ..
            }
        }
    ));

    let error = record(
        &mut case,
        &calendar,
        &policy,
        at("2025-10-10T09:00:00+08:00"),
        "supervisor_notice",
    )
    .unwrap_err();
    assert!(
        matches!(error, CaseError::StepAlreadyRecorded { .. }),
        "{error}"
    );
    let error = record(
        &mut case,
        &calendar,
        &policy,
        at("2025-10-10T09:00:00+08:00"),
        "bogus",
    )
    .unwrap_err();
    assert!(matches!(error, CaseError::UnknownStep { .. }), "{error}");

    // Catching up after an outage: the two earlier steps are both due now, in plan order.
    let due = due_steps(&case, &calendar, &policy, at("2025-10-10T09:00:00+08:00")).unwrap();
    let names: Vec<&str> = due.iter().map(|d| d.step.as_str()).collect();
    assert_eq!(names, ["warning", "reminder"]);
}

#[test]
fn an_extension_restarts_the_steps_against_the_new_deadline() {
    let calendar = WorkingCalendar::embedded().unwrap();
    let policy = CaseConfig::default().build().unwrap();
    let unit = Actor::Unit(UnitId::new("market-supervision"));
    let mut case = open(
        &calendar,
        &policy,
        "2509240003",
        "market-supervision",
        "2025-09-24T10:00:00+08:00",
        false,
    );
    case.apply(
        Command::new(
            at("2025-09-25T09:00:00+08:00"),
            unit.clone(),
            Action::Acknowledge,
        ),
        &calendar,
        &policy,
    )
    .unwrap();

    // The warning goes out on time.
    record(
        &mut case,
        &calendar,
        &policy,
        at("2025-09-30T00:00:00+08:00"),
        "warning",
    )
    .unwrap();

    // Then the unit gets three more working days: 24:00 on 11 October.
    let request = Action::RequestExtension {
        working_days: 3,
        reason: "需检测".to_string(),
    };
    case.apply(
        Command::new(at("2025-09-30T09:00:00+08:00"), unit, request),
        &calendar,
        &policy,
    )
    .unwrap();
    let grant = Action::GrantExtension { working_days: 3 };
    case.apply(
        Command::new(
            at("2025-09-30T10:00:00+08:00"),
            Actor::supervisor("0107"),
            grant,
        ),
        &calendar,
        &policy,
    )
    .unwrap();
    assert_eq!(case.state(), CaseState::Extended);
    assert_eq!(case.deadline().due_at, at("2025-10-12T00:00:00+08:00"));

    // Nothing is due at the old deadline any more; the warning comes again a working day
    // before the new one (24:00 on 10 October).
    assert!(
        due_steps(&case, &calendar, &policy, at("2025-10-01T00:00:00+08:00"))
            .unwrap()
            .is_empty()
    );
    let recorded = run_clock(
        &mut case,
        &calendar,
        &policy,
        at("2025-10-01T00:00:00+08:00"),
        at("2025-10-12T00:00:00+08:00"),
    );
    let steps: Vec<(&str, DateTime<Utc>)> =
        recorded.iter().map(|(s, t)| (s.as_str(), *t)).collect();
    assert_eq!(
        steps,
        [
            ("warning", at("2025-10-11T00:00:00+08:00")),
            ("reminder", at("2025-10-12T00:00:00+08:00"))
        ]
    );
}

#[test]
fn no_steps_while_paused_on_the_citizen_or_after_resolving() {
    let calendar = WorkingCalendar::embedded().unwrap();
    let policy = CaseConfig::default().build().unwrap();
    let unit = Actor::Unit(UnitId::new("market-supervision"));
    let mut case = open(
        &calendar,
        &policy,
        "2509240004",
        "market-supervision",
        "2025-09-24T10:00:00+08:00",
        false,
    );
    case.apply(
        Command::new(
            at("2025-09-25T09:00:00+08:00"),
            unit.clone(),
            Action::Acknowledge,
        ),
        &calendar,
        &policy,
    )
    .unwrap();
    let wait = Action::WaitForCitizen {
        reason: "待补充材料".to_string(),
    };
    case.apply(
        Command::new(at("2025-09-25T10:00:00+08:00"), unit.clone(), wait),
        &calendar,
        &policy,
    )
    .unwrap();
    let late = at("2025-10-20T00:00:00+08:00");
    assert!(
        due_steps(&case, &calendar, &policy, late)
            .unwrap()
            .is_empty()
    );
    assert!(record(&mut case, &calendar, &policy, late, "reminder").is_err());

    let resolve = Action::Resolve {
        result: "已处理".to_string(),
        citizen_informed_by: gateway_core::case::ReplyMethod::Sms,
    };
    case.apply(
        Command::new(at("2025-09-26T10:00:00+08:00"), unit, resolve),
        &calendar,
        &policy,
    )
    .unwrap();
    assert!(
        due_steps(&case, &calendar, &policy, late)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn hour_offsets_for_urgent_matters() {
    let calendar = WorkingCalendar::embedded().unwrap();
    let config = CaseConfig::from_toml(
        r#"
        [deadlines]
        urgent_hours = 12

        [[supervision.steps]]
        id = "two_hours_left"
        level = "warning"
        offset_hours = -2

        [[supervision.steps]]
        id = "overdue"
        level = "supervisor_notice"
        offset_hours = 0
        "#,
    )
    .unwrap();
    let policy = config.build().unwrap();
    // Urgent, received on National Day at 08:00: due at 20:00 the same day, holiday or not.
    let mut case = open(
        &calendar,
        &policy,
        "2510010001",
        "water-supply",
        "2025-10-01T08:00:00+08:00",
        true,
    );
    assert_eq!(case.deadline().due_at, at("2025-10-01T20:00:00+08:00"));
    let recorded = run_clock(
        &mut case,
        &calendar,
        &policy,
        at("2025-10-01T08:00:00+08:00"),
        at("2025-10-02T08:00:00+08:00"),
    );
    let steps: Vec<(&str, DateTime<Utc>)> =
        recorded.iter().map(|(s, t)| (s.as_str(), *t)).collect();
    assert_eq!(
        steps,
        [
            ("two_hours_left", at("2025-10-01T18:00:00+08:00")),
            ("overdue", at("2025-10-01T20:00:00+08:00"))
        ]
    );
}

#[test]
fn supervision_list_groups_due_and_overdue_per_unit() {
    let calendar = WorkingCalendar::embedded().unwrap();
    let policy = CaseConfig::default().build().unwrap();
    // Due 24:00 on 30 September 2025.
    let overdue = open(
        &calendar,
        &policy,
        "2509240005",
        "market-supervision",
        "2025-09-24T10:00:00+08:00",
        false,
    );
    // Received 9 October: 10, 11 (make-up Saturday), 13, 14, 15 October.
    let due_soon = open(
        &calendar,
        &policy,
        "2510090001",
        "market-supervision",
        "2025-10-09T10:00:00+08:00",
        false,
    );
    // Received 13 October: due 24:00 on 20 October, nothing to report on the 14th.
    let quiet = open(
        &calendar,
        &policy,
        "2510130001",
        "urban-management",
        "2025-10-13T10:00:00+08:00",
        false,
    );
    // Returned cases are the platform's, not the unit's.
    let mut returned = open(
        &calendar,
        &policy,
        "2509240006",
        "transport",
        "2025-09-24T10:00:00+08:00",
        false,
    );
    let back = Action::Return {
        reason: "非本单位职责".to_string(),
    };
    returned
        .apply(
            Command::new(
                at("2025-09-24T11:00:00+08:00"),
                Actor::Unit(UnitId::new("transport")),
                back,
            ),
            &calendar,
            &policy,
        )
        .unwrap();

    let now = at("2025-10-14T10:00:00+08:00");
    let list = supervision_list(
        [&overdue, &due_soon, &quiet, &returned],
        &calendar,
        &policy,
        now,
    )
    .unwrap();
    let units: Vec<&str> = list.units.keys().map(UnitId::as_str).collect();
    assert_eq!(units, ["market-supervision"]);
    let market = &list.units[&UnitId::new("market-supervision")];

    // Overdue since 30 September: 9, 10, 11, 13 and 14 October are working days begun since.
    assert_eq!(market.overdue.len(), 1);
    assert_eq!(market.overdue[0].case_number.as_str(), "2509240005");
    assert_eq!(market.overdue[0].working_days, 5);

    // Due on the next working day, the 15th.
    assert_eq!(market.due_soon.len(), 1);
    assert_eq!(market.due_soon[0].case_number.as_str(), "2510090001");
    assert_eq!(market.due_soon[0].working_days, 1);

    // The overdue case owes all four steps; the due-soon one its warning (24:00 on the 14th)
    // is not due yet at 10:00.
    let steps: Vec<(&str, &str)> = market
        .steps_due
        .iter()
        .map(|d| (d.case_number.as_str(), d.step.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("2509240005", "warning"),
            ("2509240005", "reminder"),
            ("2509240005", "supervisor_notice"),
            ("2509240005", "formal_supervision"),
        ]
    );
}
