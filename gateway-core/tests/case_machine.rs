//! The case state machine, action by action, on real calendar dates.

use chrono::{DateTime, Utc};
use gateway_core::calendar::WorkingCalendar;
use gateway_core::case::{
    Action, Actor, Case, CaseConfig, CaseError, CaseNumber, CaseOpening, CasePolicy, CaseState,
    Command, DeadlineBasis, Effect, ExtensionStatus, Notice, Recipient, ReplyMethod,
};
use gateway_core::{AppealId, Kind, UnitId};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn unit(name: &str) -> UnitId {
    UnitId::new(name)
}

struct Fixture {
    calendar: WorkingCalendar,
    policy: CasePolicy,
}

impl Fixture {
    fn new() -> Self {
        Self::with(CaseConfig::default())
    }

    fn with(config: CaseConfig) -> Self {
        Self {
            calendar: WorkingCalendar::embedded().unwrap(),
            policy: config.build().unwrap(),
        }
    }

    fn open(&self, kind: Kind, assisting: &[&str], received: &str) -> Case {
        let opening = CaseOpening {
            case_number: CaseNumber::parse("2509300042").unwrap(),
            appeal_id: AppealId::from_string("01K6DJ2Z000000000000000000"),
            kind,
            urgent: false,
            lead_unit: unit("market-supervision"),
            assisting_units: assisting.iter().map(|u| unit(u)).collect(),
            received_at: at(received),
        };
        Case::open(opening, Actor::System, &self.calendar, &self.policy)
            .unwrap()
            .0
    }

    fn apply(
        &self,
        case: &mut Case,
        when: &str,
        actor: Actor,
        action: Action,
    ) -> Result<Vec<Effect>, CaseError> {
        case.apply(
            Command::new(at(when), actor, action),
            &self.calendar,
            &self.policy,
        )
    }
}

fn lead() -> Actor {
    Actor::Unit(unit("market-supervision"))
}

fn supervisor() -> Actor {
    Actor::supervisor("0107")
}

fn reason(text: &str) -> String {
    text.to_string()
}

#[test]
fn opening_counts_the_deadline_by_kind_and_complexity() {
    let f = Fixture::new();
    // A complaint received on 30 September 2025: five working days, 24:00 on 14 October.
    let case = f.open(Kind::Complaint, &[], "2025-09-30T10:00:00+08:00");
    assert_eq!(case.state(), CaseState::Dispatched);
    assert_eq!(case.deadline().basis, DeadlineBasis::WorkingDays(5));
    assert_eq!(case.deadline().due_at, at("2025-10-15T00:00:00+08:00"));
    assert_eq!(case.history().len(), 1);

    // A consultation: two working days, 24:00 on 10 October.
    let case = f.open(Kind::Consultation, &[], "2025-09-30T10:00:00+08:00");
    assert_eq!(case.deadline().due_at, at("2025-10-11T00:00:00+08:00"));

    // With an assisting unit it is multi-unit: fifteen working days.
    let case = f.open(
        Kind::Consultation,
        &["township-yuhu"],
        "2025-09-30T10:00:00+08:00",
    );
    assert_eq!(case.deadline().basis, DeadlineBasis::WorkingDays(15));
}

#[test]
fn urgent_matters_count_calendar_hours() {
    let f = Fixture::new();
    let opening = CaseOpening {
        case_number: CaseNumber::parse("2510010001").unwrap(),
        appeal_id: AppealId::from_string("01K6DJ2Z000000000000000001"),
        kind: Kind::HelpRequest,
        urgent: true,
        lead_unit: unit("water-supply"),
        assisting_units: vec![],
        received_at: at("2025-10-01T08:00:00+08:00"),
    };
    let (case, effects) = Case::open(opening, Actor::System, &f.calendar, &f.policy).unwrap();
    assert_eq!(case.deadline().basis, DeadlineBasis::Hours(24));
    assert_eq!(case.deadline().due_at, at("2025-10-02T08:00:00+08:00"));
    assert_eq!(
        effects,
        vec![Effect::Notify {
            recipient: Recipient::Unit(unit("water-supply")),
            notice: Notice::NewCase {
                deadline: at("2025-10-02T08:00:00+08:00")
            },
        }]
    );
}

#[test]
fn only_the_lead_unit_acts_and_assisting_units_add_notes() {
    let f = Fixture::new();
    let mut case = f.open(
        Kind::Complaint,
        &["township-yuhu"],
        "2025-09-30T10:00:00+08:00",
    );
    let assisting = Actor::Unit(unit("township-yuhu"));

    let error = f
        .apply(
            &mut case,
            "2025-09-30T11:00:00+08:00",
            assisting.clone(),
            Action::Acknowledge,
        )
        .unwrap_err();
    assert!(matches!(error, CaseError::NotLeadUnit { .. }), "{error}");
    assert!(
        error.to_string().contains("assisting units may add notes"),
        "{error}"
    );

    let note = Action::AddNote {
        text: reason("已联系村委会核实"),
    };
    f.apply(&mut case, "2025-09-30T11:00:00+08:00", assisting, note)
        .unwrap();
    assert_eq!(case.history().len(), 2);

    // A unit with no part in the case cannot even add a note.
    let stranger = Actor::Unit(unit("transport"));
    let note = Action::AddNote { text: reason("x") };
    assert!(
        f.apply(&mut case, "2025-09-30T11:00:00+08:00", stranger, note)
            .is_err()
    );
}

#[test]
fn roles_are_enforced() {
    let f = Fixture::new();
    let mut case = f.open(Kind::Complaint, &[], "2025-09-30T10:00:00+08:00");

    let error = f
        .apply(
            &mut case,
            "2025-09-30T11:00:00+08:00",
            supervisor(),
            Action::Acknowledge,
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "case 2509300042: action `acknowledge` is for a handling unit, not supervisor 0107"
    );
    let close = Action::Close {
        reason: reason("重复件"),
    };
    let error = f
        .apply(&mut case, "2025-09-30T11:00:00+08:00", lead(), close)
        .unwrap_err();
    assert!(matches!(error, CaseError::WrongRole { .. }), "{error}");
    let reopen = Action::ReopenOnDissatisfaction;
    let error = f
        .apply(&mut case, "2025-09-30T11:00:00+08:00", supervisor(), reopen)
        .unwrap_err();
    assert!(error.to_string().contains("is for the system"), "{error}");
    assert_eq!(case.history().len(), 1, "refusals leave no trace");
}

#[test]
fn returns_reroute_then_go_to_coordination_at_the_limit() {
    let f = Fixture::new();
    let mut case = f.open(Kind::Report, &[], "2025-09-30T10:00:00+08:00");

    // First return: route again without the returning unit.
    let effects = f
        .apply(
            &mut case,
            "2025-09-30T11:00:00+08:00",
            lead(),
            Action::Return {
                reason: reason("不属于本单位职责"),
            },
        )
        .unwrap();
    assert_eq!(case.state(), CaseState::Returned);
    assert_eq!(
        effects,
        vec![Effect::Reroute {
            excluding: vec![unit("market-supervision")]
        }]
    );

    // The platform gives it to another unit, with a fresh deadline.
    let effects = f
        .apply(
            &mut case,
            "2025-10-09T09:00:00+08:00",
            supervisor(),
            Action::Reassign {
                lead_unit: unit("urban-management"),
                assisting_units: vec![],
                reason: reason("按属地改派"),
            },
        )
        .unwrap();
    assert_eq!(case.state(), CaseState::Dispatched);
    assert_eq!(case.lead_unit(), &unit("urban-management"));
    assert_eq!(case.deadline().due_at, at("2025-10-16T00:00:00+08:00"));
    assert!(effects.contains(&Effect::Notify {
        recipient: Recipient::Unit(unit("urban-management")),
        notice: Notice::NewCase {
            deadline: at("2025-10-16T00:00:00+08:00")
        },
    }));

    // Second return reaches the limit of two: coordination, not routing.
    let effects = f
        .apply(
            &mut case,
            "2025-10-09T10:00:00+08:00",
            Actor::Unit(unit("urban-management")),
            Action::Return {
                reason: reason("涉及规划审批，非城管职责"),
            },
        )
        .unwrap();
    assert_eq!(case.state(), CaseState::Coordination);
    assert_eq!(case.return_count(), 2);
    assert_eq!(
        effects,
        vec![Effect::SendToCoordination {
            returned_by: vec![unit("market-supervision"), unit("urban-management")]
        }]
    );

    // The unit coordination chooses cannot return it again.
    f.apply(
        &mut case,
        "2025-10-10T09:00:00+08:00",
        supervisor(),
        Action::Reassign {
            lead_unit: unit("natural-resources"),
            assisting_units: vec![unit("urban-management")],
            reason: reason("协调会确定"),
        },
    )
    .unwrap();
    assert_eq!(case.deadline().basis, DeadlineBasis::WorkingDays(15));
    let error = f
        .apply(
            &mut case,
            "2025-10-10T10:00:00+08:00",
            Actor::Unit(unit("natural-resources")),
            Action::Return {
                reason: reason("不同意"),
            },
        )
        .unwrap_err();
    assert!(
        matches!(error, CaseError::ReturnLimitReached { limit: 2, .. }),
        "{error}"
    );
}

#[test]
fn a_return_needs_a_reason() {
    let f = Fixture::new();
    let mut case = f.open(Kind::Report, &[], "2025-09-30T10:00:00+08:00");
    let error = f
        .apply(
            &mut case,
            "2025-09-30T11:00:00+08:00",
            lead(),
            Action::Return {
                reason: reason("  "),
            },
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "case 2509300042: action `return` needs a reason; write it out"
    );
}

#[test]
fn extension_moves_the_deadline_by_granted_working_days() {
    let f = Fixture::new();
    let mut case = f.open(Kind::Complaint, &[], "2025-09-24T10:00:00+08:00");
    // 25, 26, 28 (make-up Sunday), 29 and 30 September.
    assert_eq!(case.deadline().due_at, at("2025-10-01T00:00:00+08:00"));
    f.apply(
        &mut case,
        "2025-09-25T09:00:00+08:00",
        lead(),
        Action::Acknowledge,
    )
    .unwrap();

    let request = Action::RequestExtension {
        working_days: 5,
        reason: reason("需现场勘查"),
    };
    let effects = f
        .apply(
            &mut case,
            "2025-09-29T09:00:00+08:00",
            lead(),
            request.clone(),
        )
        .unwrap();
    assert_eq!(
        effects,
        vec![Effect::Notify {
            recipient: Recipient::Supervisors,
            notice: Notice::ExtensionRequested { working_days: 5 },
        }]
    );
    let error = f
        .apply(&mut case, "2025-09-29T09:05:00+08:00", lead(), request)
        .unwrap_err();
    assert!(
        matches!(error, CaseError::ExtensionPending { .. }),
        "{error}"
    );

    // Three days granted of five asked: 9, 10 and 11 October (the make-up Saturday).
    let effects = f
        .apply(
            &mut case,
            "2025-09-29T15:00:00+08:00",
            supervisor(),
            Action::GrantExtension { working_days: 3 },
        )
        .unwrap();
    assert_eq!(case.state(), CaseState::Extended);
    assert_eq!(case.deadline().due_at, at("2025-10-12T00:00:00+08:00"));
    assert_eq!(
        effects[0],
        Effect::DeadlineMoved {
            from: at("2025-10-01T00:00:00+08:00"),
            to: at("2025-10-12T00:00:00+08:00"),
        }
    );
    assert_eq!(
        case.extension_requests()[0].status,
        ExtensionStatus::Granted { working_days: 3 }
    );

    // A second request is refused by the supervisor; the deadline stands.
    f.apply(
        &mut case,
        "2025-10-09T09:00:00+08:00",
        lead(),
        Action::RequestExtension {
            working_days: 20,
            reason: reason("还要更久"),
        },
    )
    .unwrap_err();
    f.apply(
        &mut case,
        "2025-10-09T09:00:00+08:00",
        lead(),
        Action::RequestExtension {
            working_days: 2,
            reason: reason("等待检测报告"),
        },
    )
    .unwrap();
    f.apply(
        &mut case,
        "2025-10-09T10:00:00+08:00",
        supervisor(),
        Action::RefuseExtension {
            reason: reason("理由不足"),
        },
    )
    .unwrap();
    assert_eq!(case.deadline().due_at, at("2025-10-12T00:00:00+08:00"));
    let error = f
        .apply(
            &mut case,
            "2025-10-09T10:00:00+08:00",
            supervisor(),
            Action::GrantExtension { working_days: 1 },
        )
        .unwrap_err();
    assert!(
        matches!(error, CaseError::NoPendingExtension { .. }),
        "{error}"
    );
}

#[test]
fn waiting_on_the_citizen_pauses_the_clock() {
    let f = Fixture::new();
    let mut case = f.open(Kind::Complaint, &[], "2025-09-22T10:00:00+08:00");
    // 23, 24, 25, 26 and 28 September.
    assert_eq!(case.deadline().due_at, at("2025-09-29T00:00:00+08:00"));
    f.apply(
        &mut case,
        "2025-09-23T09:00:00+08:00",
        lead(),
        Action::Acknowledge,
    )
    .unwrap();
    f.apply(
        &mut case,
        "2025-09-23T10:00:00+08:00",
        lead(),
        Action::WaitForCitizen {
            reason: reason("请诉求人补充购物凭证"),
        },
    )
    .unwrap();
    assert_eq!(case.state(), CaseState::WaitingOnCitizen);

    // Answered on Thursday 25th: 24th and 25th were lost, the deadline moves two working days.
    let effects = f
        .apply(
            &mut case,
            "2025-09-25T16:00:00+08:00",
            lead(),
            Action::CitizenResponded,
        )
        .unwrap();
    assert_eq!(case.state(), CaseState::Acknowledged);
    assert_eq!(case.deadline().due_at, at("2025-10-01T00:00:00+08:00"));
    assert_eq!(
        effects,
        vec![Effect::DeadlineMoved {
            from: at("2025-09-29T00:00:00+08:00"),
            to: at("2025-10-01T00:00:00+08:00"),
        }]
    );
}

#[test]
fn waiting_does_not_pause_when_the_policy_says_so() {
    let config =
        CaseConfig::from_toml("[deadlines]\npause_while_waiting_on_citizen = false\n").unwrap();
    let f = Fixture::with(config);
    let mut case = f.open(Kind::Complaint, &[], "2025-09-22T10:00:00+08:00");
    f.apply(
        &mut case,
        "2025-09-23T09:00:00+08:00",
        lead(),
        Action::Acknowledge,
    )
    .unwrap();
    f.apply(
        &mut case,
        "2025-09-23T10:00:00+08:00",
        lead(),
        Action::WaitForCitizen {
            reason: reason("等待回电"),
        },
    )
    .unwrap();
    let effects = f
        .apply(
            &mut case,
            "2025-09-25T16:00:00+08:00",
            lead(),
            Action::CitizenResponded,
        )
        .unwrap();
    assert!(effects.is_empty());
    assert_eq!(case.deadline().due_at, at("2025-09-29T00:00:00+08:00"));
}

#[test]
fn resolve_follow_up_and_reopen_on_dissatisfaction() {
    let f = Fixture::new();
    let mut case = f.open(Kind::Complaint, &[], "2025-09-30T10:00:00+08:00");
    f.apply(
        &mut case,
        "2025-10-09T09:00:00+08:00",
        lead(),
        Action::Acknowledge,
    )
    .unwrap();
    let effects = f
        .apply(
            &mut case,
            "2025-10-10T15:00:00+08:00",
            lead(),
            Action::Resolve {
                result: reason("已责令商家退款"),
                citizen_informed_by: ReplyMethod::Phone,
            },
        )
        .unwrap();
    assert_eq!(effects, vec![Effect::FollowUp]);
    assert_eq!(case.state(), CaseState::Resolved);
    assert_eq!(
        case.resolved_on_time(),
        Some(true),
        "resolved before 24:00 on 14 October"
    );

    // Dissatisfied: back to the same unit, with a fresh period from the rating.
    let effects = f
        .apply(
            &mut case,
            "2025-10-13T10:00:00+08:00",
            Actor::System,
            Action::ReopenOnDissatisfaction,
        )
        .unwrap();
    assert_eq!(case.state(), CaseState::Reopened);
    assert_eq!(case.lead_unit(), &unit("market-supervision"));
    // 14, 15, 16, 17 and 20 October.
    assert_eq!(case.deadline().due_at, at("2025-10-21T00:00:00+08:00"));
    assert!(effects.contains(&Effect::Notify {
        recipient: Recipient::Unit(unit("market-supervision")),
        notice: Notice::Reopened {
            deadline: at("2025-10-21T00:00:00+08:00")
        },
    }));
}

#[test]
fn a_closed_case_accepts_only_reopen() {
    let f = Fixture::new();
    let mut case = f.open(Kind::Consultation, &[], "2025-09-30T10:00:00+08:00");
    f.apply(
        &mut case,
        "2025-09-30T10:30:00+08:00",
        supervisor(),
        Action::Close {
            reason: reason("知识库已答复"),
        },
    )
    .unwrap();
    assert_eq!(case.state(), CaseState::Closed);

    let refused = [
        (lead(), Action::Acknowledge),
        (
            lead(),
            Action::AddNote {
                text: reason("补充"),
            },
        ),
        (
            supervisor(),
            Action::Close {
                reason: reason("再关一次"),
            },
        ),
        (
            supervisor(),
            Action::Reassign {
                lead_unit: unit("x"),
                assisting_units: vec![],
                reason: reason("改派"),
            },
        ),
    ];
    for (actor, action) in refused {
        let name = action.name();
        let error = f
            .apply(&mut case, "2025-09-30T11:00:00+08:00", actor, action)
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(name) && message.contains("closed"),
            "{name}: {message}"
        );
    }
    f.apply(
        &mut case,
        "2025-09-30T12:00:00+08:00",
        supervisor(),
        Action::Reopen {
            reason: reason("诉求人再次来电"),
        },
    )
    .unwrap();
    assert_eq!(case.state(), CaseState::Reopened);
}

#[test]
fn time_never_runs_backwards_in_history() {
    let f = Fixture::new();
    let mut case = f.open(Kind::Complaint, &[], "2025-09-30T10:00:00+08:00");
    let error = f
        .apply(
            &mut case,
            "2025-09-30T09:00:00+08:00",
            lead(),
            Action::Acknowledge,
        )
        .unwrap_err();
    assert!(
        matches!(error, CaseError::TimeWentBackwards { .. }),
        "{error}"
    );
}

#[test]
fn the_lead_unit_cannot_also_assist() {
    let f = Fixture::new();
    let mut case = f.open(Kind::Complaint, &[], "2025-09-30T10:00:00+08:00");
    let error = f
        .apply(
            &mut case,
            "2025-09-30T11:00:00+08:00",
            supervisor(),
            Action::Reassign {
                lead_unit: unit("a"),
                assisting_units: vec![unit("b"), unit("a")],
                reason: reason("改派"),
            },
        )
        .unwrap_err();
    assert!(
        matches!(error, CaseError::LeadAlsoAssisting { .. }),
        "{error}"
    );
}

#[test]
fn a_case_survives_json() {
    let f = Fixture::new();
    let mut case = f.open(
        Kind::Complaint,
        &["township-yuhu"],
        "2025-09-30T10:00:00+08:00",
    );
    f.apply(
        &mut case,
        "2025-10-09T09:00:00+08:00",
        lead(),
        Action::Acknowledge,
    )
    .unwrap();
    let json = serde_json::to_string(&case).unwrap();
    let back: Case = serde_json::from_str(&json).unwrap();
    assert_eq!(back, case);
}

#[test]
fn config_refuses_unknown_fields_and_bad_values() {
    let error = CaseConfig::from_toml("[deadlines]\ncomplaint_days = 5\n").unwrap_err();
    assert!(error.to_string().contains("complaint_days"), "{error}");

    let config = CaseConfig::from_toml("[deadlines]\nconsultation_working_days = 0\n").unwrap();
    let error = config.build().unwrap_err();
    assert!(
        error.to_string().contains("consultation_working_days"),
        "{error}"
    );

    let config =
        CaseConfig::from_toml("[deadlines]\nreceipt_day_counts_before = \"5pm\"\n").unwrap();
    let error = config.build().unwrap_err();
    assert!(error.to_string().contains("HH:MM"), "{error}");

    let text = "[[supervision.steps]]\nid = \"warning\"\nlevel = \"warning\"\n";
    let error = CaseConfig::from_toml(text).unwrap().build().unwrap_err();
    assert!(error.to_string().contains("exactly one"), "{error}");

    let config = CaseConfig::from_toml(
        "max_returns = 3\n[deadlines]\ncomplaint_working_days = 7\nurgent_hours = 12\n",
    )
    .unwrap();
    assert_eq!(config.max_returns, 3);
    assert_eq!(config.deadlines.complaint_working_days, 7);
    assert_eq!(
        config.deadlines.consultation_working_days, 2,
        "defaults fill the rest"
    );
    assert_eq!(config.supervision.steps.len(), 4);
    config.build().unwrap();
}

#[test]
fn commands_read_from_json_as_the_daemon_receives_them() {
    let f = Fixture::new();
    let mut case = f.open(Kind::Report, &[], "2025-09-30T10:00:00+08:00");
    let json = r#"{
        "at": "2025-09-30T11:00:00+08:00",
        "actor": {"role": "unit", "id": "market-supervision"},
        "action": {"type": "return", "reason": "不属于本单位职责"}
    }"#;
    let command: Command = serde_json::from_str(json).unwrap();
    f.apply(
        &mut case,
        "2025-09-30T10:30:00+08:00",
        lead(),
        Action::Acknowledge,
    )
    .unwrap();
    case.apply(command, &f.calendar, &f.policy).unwrap();
    assert_eq!(case.state(), CaseState::Returned);
    let entry = case.history().last().unwrap();
    assert_eq!(entry.action.reason(), Some("不属于本单位职责"));
    assert_eq!(entry.actor, lead());

    let supervisor_json = r#"{"role": "supervisor", "id": "0107"}"#;
    assert_eq!(
        serde_json::from_str::<Actor>(supervisor_json).unwrap(),
        supervisor()
    );
    let system_json = r#"{"role": "system"}"#;
    assert_eq!(
        serde_json::from_str::<Actor>(system_json).unwrap(),
        Actor::System
    );
}

#[test]
fn a_late_resolution_is_not_on_time() {
    let f = Fixture::new();
    let mut case = f.open(Kind::Consultation, &[], "2025-09-30T10:00:00+08:00");
    assert_eq!(case.resolved_on_time(), None);
    f.apply(
        &mut case,
        "2025-10-09T09:00:00+08:00",
        lead(),
        Action::Acknowledge,
    )
    .unwrap();
    // Due 24:00 on 10 October; resolved on the make-up Saturday 11 October.
    f.apply(
        &mut case,
        "2025-10-11T09:00:00+08:00",
        lead(),
        Action::Resolve {
            result: reason("已答复"),
            citizen_informed_by: ReplyMethod::Sms,
        },
    )
    .unwrap();
    assert_eq!(case.resolved_on_time(), Some(false));
}

#[test]
fn a_direct_answer_resolves_at_intake_without_any_notice() {
    let f = Fixture::new();
    let opening = CaseOpening {
        case_number: CaseNumber::parse("2509300043").unwrap(),
        appeal_id: AppealId::from_string("01K6DJ2Z000000000000000001"),
        kind: Kind::Consultation,
        urgent: false,
        lead_unit: unit("human-resources-social-security"),
        assisting_units: vec![],
        received_at: at("2025-09-30T10:00:00+08:00"),
    };
    let case = Case::open_answered(opening, "m4-1", &f.calendar, &f.policy).unwrap();
    assert_eq!(case.state(), CaseState::Resolved);
    assert_eq!(case.knowledge_answer(), Some("m4-1"));
    assert_eq!(case.history().len(), 2);
    assert_eq!(
        case.history()[1].action,
        Action::AnswerFromKnowledge {
            entry_id: "m4-1".to_string()
        }
    );
    assert_eq!(case.history()[1].actor, Actor::System);
    // Not a unit's resolution: it does not count for the on-time rate.
    assert_eq!(case.resolved_on_time(), None);
}

#[test]
fn only_a_case_just_opened_can_be_answered_from_the_knowledge_base() {
    let f = Fixture::new();
    let answer = || Action::AnswerFromKnowledge {
        entry_id: "m4-1".to_string(),
    };
    let mut case = f.open(Kind::Consultation, &[], "2025-09-30T10:00:00+08:00");
    f.apply(
        &mut case,
        "2025-09-30T11:00:00+08:00",
        lead(),
        Action::Acknowledge,
    )
    .unwrap();
    let refused = f
        .apply(
            &mut case,
            "2025-09-30T11:05:00+08:00",
            Actor::System,
            answer(),
        )
        .unwrap_err();
    assert!(matches!(refused, CaseError::NotAllowed { .. }), "{refused}");

    // A unit cannot claim the platform's answer.
    let mut fresh = f.open(Kind::Consultation, &[], "2025-09-30T10:00:00+08:00");
    let refused = f
        .apply(&mut fresh, "2025-09-30T10:00:00+08:00", lead(), answer())
        .unwrap_err();
    assert!(matches!(refused, CaseError::WrongRole { .. }), "{refused}");
}

#[test]
fn an_answer_that_did_not_help_goes_to_the_lead_unit_with_a_fresh_deadline() {
    let f = Fixture::new();
    let opening = CaseOpening {
        case_number: CaseNumber::parse("2509300044").unwrap(),
        appeal_id: AppealId::from_string("01K6DJ2Z000000000000000002"),
        kind: Kind::Consultation,
        urgent: false,
        lead_unit: unit("market-supervision"),
        assisting_units: vec![],
        received_at: at("2025-09-30T10:00:00+08:00"),
    };
    let mut case = Case::open_answered(opening, "m4-1", &f.calendar, &f.policy).unwrap();
    let before = case.deadline().due_at;
    let effects = f
        .apply(
            &mut case,
            "2025-10-09T09:00:00+08:00",
            Actor::System,
            Action::DispatchAfterAnswer {
                reason: reason("市民回复没有帮助"),
            },
        )
        .unwrap();
    assert_eq!(case.state(), CaseState::Dispatched);
    assert_eq!(case.knowledge_answer(), None);
    assert!(case.deadline().due_at > before);
    assert!(effects.contains(&Effect::Notify {
        recipient: Recipient::Unit(unit("market-supervision")),
        notice: Notice::NewCase {
            deadline: case.deadline().due_at
        },
    }));
    assert!(effects.contains(&Effect::DeadlineMoved {
        from: before,
        to: case.deadline().due_at
    }));

    // Only once, and never for a case a unit resolved.
    let again = f.apply(
        &mut case,
        "2025-10-09T09:01:00+08:00",
        Actor::System,
        Action::DispatchAfterAnswer {
            reason: reason("市民回复没有帮助"),
        },
    );
    assert!(matches!(again, Err(CaseError::NotAllowed { .. })));
    f.apply(
        &mut case,
        "2025-10-09T10:00:00+08:00",
        lead(),
        Action::Acknowledge,
    )
    .unwrap();
    f.apply(
        &mut case,
        "2025-10-09T11:00:00+08:00",
        lead(),
        Action::Resolve {
            result: reason("已电话答复"),
            citizen_informed_by: ReplyMethod::Phone,
        },
    )
    .unwrap();
    let after_unit = f.apply(
        &mut case,
        "2025-10-09T12:00:00+08:00",
        Actor::System,
        Action::DispatchAfterAnswer {
            reason: reason("市民回复没有帮助"),
        },
    );
    assert!(matches!(after_unit, Err(CaseError::NotAllowed { .. })));
}
