//! Properties of the case state machine over random sequences of actions by any role.

use chrono::{DateTime, Duration, Utc};
use gateway_core::calendar::WorkingCalendar;
use gateway_core::case::{
    Action, Actor, Case, CaseConfig, CaseNumber, CaseOpening, CasePolicy, CaseState, Command,
    Effect, ExtensionStatus, ReplyMethod,
};
use gateway_core::{AppealId, Kind, UnitId};
use proptest::prelude::*;

const UNITS: [&str; 4] = [
    "market-supervision",
    "urban-management",
    "township-yuhu",
    "transport",
];
const STEPS: [&str; 5] = [
    "warning",
    "reminder",
    "supervisor_notice",
    "formal_supervision",
    "bogus",
];
const TEXTS: [&str; 3] = ["不属于本单位职责", "需现场核实", " "];

fn unit(index: usize) -> UnitId {
    UnitId::new(UNITS[index % UNITS.len()])
}

fn actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        4 => (0..UNITS.len()).prop_map(|i| Actor::Unit(unit(i))),
        2 => Just(Actor::supervisor("0107")),
        2 => Just(Actor::System),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(TEXTS.to_vec()).prop_map(str::to_string)
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Acknowledge),
        text().prop_map(|reason| Action::Return { reason }),
        (0u32..14, text()).prop_map(|(working_days, reason)| Action::RequestExtension {
            working_days,
            reason
        }),
        text().prop_map(|reason| Action::WaitForCitizen { reason }),
        Just(Action::CitizenResponded),
        text().prop_map(|result| Action::Resolve {
            result,
            citizen_informed_by: ReplyMethod::Phone
        }),
        text().prop_map(|text| Action::AddNote { text }),
        (
            0..UNITS.len(),
            prop::collection::vec(0..UNITS.len(), 0..3),
            text()
        )
            .prop_map(|(lead, assisting, reason)| Action::Reassign {
                lead_unit: unit(lead),
                assisting_units: assisting.into_iter().map(unit).collect(),
                reason,
            }),
        (0u32..14).prop_map(|working_days| Action::GrantExtension { working_days }),
        text().prop_map(|reason| Action::RefuseExtension { reason }),
        text().prop_map(|reason| Action::Close { reason }),
        text().prop_map(|reason| Action::Reopen { reason }),
        Just(Action::ReopenOnDissatisfaction),
        text().prop_map(|reason| Action::SendToCoordination { reason }),
        prop::sample::select(STEPS.to_vec()).prop_map(|step| Action::RecordSupervision {
            step: step.to_string()
        }),
        Just(Action::Open {
            lead_unit: unit(0),
            assisting_units: vec![]
        }),
        Just(Action::AnswerFromKnowledge {
            entry_id: "m4-1".to_string()
        }),
        text().prop_map(|reason| Action::DispatchAfterAnswer { reason }),
    ]
}

/// One step of a run: minutes to advance the clock (sometimes backwards), who, what.
fn step() -> impl Strategy<Value = (i64, Actor, Action)> {
    (
        prop_oneof![9 => 0i64..(36 * 60), 1 => -120i64..0],
        actor(),
        action(),
    )
}

fn kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(Kind::ALL.to_vec())
}

/// The states each action may start from: the specification, written apart from the code.
fn allowed_from(action: &Action) -> &'static [CaseState] {
    use CaseState::*;
    match action {
        Action::Open { .. } => &[],
        Action::Acknowledge => &[Dispatched, Reopened],
        Action::Return { .. } => &[Dispatched, Acknowledged],
        Action::RequestExtension { .. }
        | Action::GrantExtension { .. }
        | Action::RefuseExtension { .. }
        | Action::WaitForCitizen { .. } => &[Acknowledged, Extended],
        Action::CitizenResponded => &[WaitingOnCitizen],
        Action::Resolve { .. } => &[Acknowledged, Extended, WaitingOnCitizen],
        Action::AddNote { .. } => &[
            Dispatched,
            Acknowledged,
            WaitingOnCitizen,
            Extended,
            Returned,
            Coordination,
            Resolved,
            Reopened,
        ],
        Action::Reassign { .. } => &[
            Dispatched,
            Acknowledged,
            WaitingOnCitizen,
            Extended,
            Returned,
            Coordination,
            Reopened,
        ],
        Action::Close { .. } => &[
            Dispatched,
            Acknowledged,
            WaitingOnCitizen,
            Extended,
            Returned,
            Coordination,
            Resolved,
            Reopened,
        ],
        Action::Reopen { .. } | Action::ReopenOnDissatisfaction => &[Resolved, Closed],
        Action::SendToCoordination { .. } => &[Returned],
        // Only right after the opening, and undone only from the answer.
        Action::AnswerFromKnowledge { .. } => &[Dispatched],
        Action::DispatchAfterAnswer { .. } => &[Resolved],
        // With the clock paused while waiting on the citizen (the default), no step is due.
        Action::RecordSupervision { .. } => &[Dispatched, Acknowledged, Extended, Reopened],
    }
}

/// The states each action may lead to.
fn allowed_to(action: &Action, before: CaseState) -> Vec<CaseState> {
    use CaseState::*;
    match action {
        Action::Acknowledge => vec![Acknowledged],
        Action::Return { .. } => vec![Returned, Coordination],
        Action::RequestExtension { .. }
        | Action::RefuseExtension { .. }
        | Action::AddNote { .. }
        | Action::RecordSupervision { .. } => vec![before],
        Action::GrantExtension { .. } => vec![Extended],
        Action::WaitForCitizen { .. } => vec![WaitingOnCitizen],
        Action::CitizenResponded => vec![Acknowledged, Extended],
        Action::Resolve { .. } => vec![Resolved],
        Action::Reassign { .. } => vec![Dispatched],
        Action::Close { .. } => vec![Closed],
        Action::Reopen { .. } | Action::ReopenOnDissatisfaction => vec![Reopened],
        Action::SendToCoordination { .. } => vec![Coordination],
        Action::AnswerFromKnowledge { .. } => vec![Resolved],
        Action::DispatchAfterAnswer { .. } => vec![Dispatched],
        Action::Open { .. } => vec![],
    }
}

fn check_structure(case: &Case, policy: &CasePolicy) -> Result<(), TestCaseError> {
    // The lead unit is never also assisting, and no assisting unit is listed twice.
    prop_assert!(!case.assisting_units().contains(case.lead_unit()));
    let mut seen = case.assisting_units().to_vec();
    seen.sort();
    seen.dedup();
    prop_assert_eq!(seen.len(), case.assisting_units().len());

    // Returns stay within the limit.
    prop_assert!(case.return_count() <= policy.max_returns);
    prop_assert!(case.returned_by().len() as u32 <= case.return_count());

    // At most one extension request is pending, and only while a unit handles the case.
    let pending = case
        .extension_requests()
        .iter()
        .filter(|r| r.status == ExtensionStatus::Pending)
        .count();
    prop_assert!(pending <= 1);
    if pending == 1 {
        prop_assert!(matches!(
            case.state(),
            CaseState::Acknowledged | CaseState::Extended | CaseState::WaitingOnCitizen
        ));
    }

    // A pause exists exactly while the case waits on the citizen.
    prop_assert_eq!(
        case.pause().is_some(),
        case.state() == CaseState::WaitingOnCitizen
    );

    // The history is numbered, in time order, and its last entry is the present.
    for (index, entry) in case.history().iter().enumerate() {
        prop_assert_eq!(entry.sequence as usize, index);
    }
    for pair in case.history().windows(2) {
        prop_assert!(pair[0].at <= pair[1].at);
        prop_assert_eq!(pair[1].state_before, Some(pair[0].state_after));
    }
    let last = case.history().last().expect("a case has its opening entry");
    prop_assert_eq!(last.state_after, case.state());
    prop_assert_eq!(last.deadline, case.deadline().due_at);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_sequence_of_actions_reaches_an_impossible_state(
        kind in kind(),
        urgent in any::<bool>(),
        assisting in prop::collection::vec(1..UNITS.len(), 0..2),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        let calendar = WorkingCalendar::embedded().unwrap();
        let policy = CaseConfig::default().build().unwrap();
        let start = DateTime::parse_from_rfc3339("2025-03-03T09:00:00+08:00").unwrap().with_timezone(&Utc);
        let opening = CaseOpening {
            case_number: CaseNumber::parse("2503030001").unwrap(),
            appeal_id: AppealId::from_string("01JNE0000000000000000000000"),
            kind,
            urgent,
            lead_unit: unit(0),
            assisting_units: assisting.into_iter().map(unit).collect(),
            received_at: start,
        };
        let (mut case, _) = Case::open(opening, Actor::System, &calendar, &policy).unwrap();
        check_structure(&case, &policy)?;

        let mut now = start;
        for (minutes, actor, action) in steps {
            now += Duration::minutes(minutes);
            let before = case.clone();
            let result = case.apply(Command::new(now, actor, action.clone()), &calendar, &policy);
            match result {
                Err(_) => {
                    // A refusal changes nothing at all.
                    prop_assert_eq!(&case, &before);
                }
                Ok(effects) => {
                    // Exactly one entry more, and the earlier ones untouched.
                    prop_assert_eq!(case.history().len(), before.history().len() + 1);
                    prop_assert_eq!(&case.history()[..before.history().len()], before.history());
                    let entry = case.history().last().unwrap();
                    prop_assert_eq!(&entry.action, &action);
                    prop_assert_eq!(entry.at, now);

                    // The transition is one the specification allows.
                    prop_assert!(
                        allowed_from(&action).contains(&before.state()),
                        "{} accepted in {}", action.name(), before.state()
                    );
                    prop_assert!(
                        allowed_to(&action, before.state()).contains(&case.state()),
                        "{} led from {} to {}", action.name(), before.state(), case.state()
                    );

                    // A closed case accepts only reopening.
                    if before.state() == CaseState::Closed {
                        let reopening = matches!(action, Action::Reopen { .. } | Action::ReopenOnDissatisfaction);
                        prop_assert!(reopening, "{} accepted on a closed case", action.name());
                    }

                    // The return that reaches the limit goes to coordination.
                    if matches!(action, Action::Return { .. }) {
                        prop_assert_eq!(case.return_count(), before.return_count() + 1);
                        prop_assert_eq!(
                            case.state() == CaseState::Coordination,
                            case.return_count() == policy.max_returns
                        );
                    } else {
                        prop_assert_eq!(case.return_count(), before.return_count());
                    }

                    // The deadline never moves backwards except by an explicit reassignment.
                    if !matches!(action, Action::Reassign { .. }) {
                        prop_assert!(case.deadline().due_at >= before.deadline().due_at);
                    }

                    // A reported deadline move is the move that happened.
                    for effect in &effects {
                        if let Effect::DeadlineMoved { from, to } = effect {
                            prop_assert_eq!(*from, before.deadline().due_at);
                            prop_assert_eq!(*to, case.deadline().due_at);
                        }
                    }
                    if case.deadline().due_at != before.deadline().due_at {
                        let reported = effects.iter().any(|e| matches!(e, Effect::DeadlineMoved { .. }));
                        prop_assert!(reported, "{} moved the deadline silently", action.name());
                    }
                }
            }
            check_structure(&case, &policy)?;
        }

        // Whatever happened survives the store's JSON.
        let json = serde_json::to_string(&case).unwrap();
        let back: Case = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, case);
    }
}
