//! Follow-up on the case service with a manual clock: a survey by email, the citizen's answer
//! to the survey email, and a survey left unanswered until its wait runs out.

mod cases_support;

use std::sync::Arc;

use cases_support::{Receiver, config, rules};
use chrono::{DateTime, Duration, Utc};
use gateway_analysis::followup::FollowUpState;
use gateway_core::case::{Action, Actor, CaseState, ReplyMethod};
use gateway_core::store::{BackendType, StoreConfig};
use gateway_core::{Appeal, AppealStore, Channel, Citizen, UnitId};
use gateway_daemon::cases::{CaseService, CaseServiceParts, Clock, ManualClock};
use gateway_daemon::dispatch::{EmailSender, RecordingEmailSender};
use gateway_daemon::email::records::SENT_IDS;
use gateway_daemon::followup::{
    FollowUpSection, FollowUps, MessageWorker, Senders, Surveys, messages,
};
use routing_rules::RouteInput;

struct Setup {
    _dir: tempfile::TempDir,
    store: AppealStore,
    clock: Arc<ManualClock>,
    service: Arc<CaseService>,
    follow_ups: FollowUps,
    worker: MessageWorker,
    email: Arc<RecordingEmailSender>,
    _receiver: Receiver,
}

fn start_at() -> DateTime<Utc> {
    "2026-12-01T02:00:00Z".parse().unwrap()
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = AppealStore::open(&StoreConfig::new(
        BackendType::Redb,
        dir.path().join("followup.redb"),
    ))
    .unwrap();
    let receiver = Receiver::start().await;
    let clock = Arc::new(ManualClock::new(start_at()));
    let email = Arc::new(RecordingEmailSender::new());
    let settings = FollowUpSection::default().build(&[]).unwrap();
    let senders = Senders::new(
        None,
        Default::default(),
        Some(Arc::clone(&email) as Arc<dyn EmailSender>),
    )
    .unwrap();
    let surveys = Arc::new(Surveys::new(
        store.clone(),
        settings,
        senders.clone(),
        Some("wencheng.example.gov.cn".to_string()),
    ));
    let service = Arc::new(
        CaseService::new(CaseServiceParts {
            store: store.clone(),
            settings: config(&receiver).build().unwrap(),
            clock: clock.clone(),
            decisions: Arc::new(rules()),
            email: None,
        })
        .unwrap()
        .with_surveys(Arc::clone(&surveys)),
    );
    let follow_ups = FollowUps::new(
        store.clone(),
        Arc::clone(&service),
        Arc::clone(&surveys),
        std::collections::BTreeSet::from(["twilio".to_string()]),
    );
    let worker = MessageWorker::new(
        store.clone(),
        senders,
        clock.clone(),
        86_400,
        Arc::clone(surveys.wake()),
    );
    Setup {
        _dir: dir,
        store,
        clock,
        service,
        follow_ups,
        worker,
        email,
        _receiver: receiver,
    }
}

/// An email appeal about cooking fumes, opened, acknowledged and resolved by its lead unit.
async fn resolved_email_case(setup: &Setup, message_id: &str) -> gateway_core::case::CaseNumber {
    let appeal = Appeal::builder(
        Channel::Email,
        message_id,
        "楼下饭店油烟太大，每天熏得开不了窗",
    )
    .citizen(Citizen {
        email: Some("citizen@example.com".into()),
        ..Citizen::default()
    })
    .received_at(setup.clock.now())
    .build();
    let decision = rules().route(&RouteInput::from(&appeal));
    let stored = setup.store.intake(appeal, decision).await.unwrap();
    let case = setup.service.open_case(&stored.appeal_id).await.unwrap();
    let lead = Actor::Unit(UnitId::new("market-supervision"));
    assert_eq!(case.lead_unit().as_str(), "market-supervision");
    setup.clock.advance(Duration::hours(2));
    setup
        .service
        .act(case.case_number(), lead.clone(), Action::Acknowledge)
        .await
        .unwrap();
    setup.clock.advance(Duration::hours(20));
    setup
        .service
        .act(
            case.case_number(),
            lead,
            Action::Resolve {
                result: "已责令饭店加装油烟净化设备".into(),
                citizen_informed_by: ReplyMethod::Email,
            },
        )
        .await
        .unwrap();
    case.case_number().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_survey_email_is_answered_by_a_reply_mail_and_the_case_closes_rated() {
    let setup = setup().await;
    let case_number = resolved_email_case(&setup, "<appeal-1@example.com>").await;

    // The survey is queued with the resolution and sent by the worker, as an email whose
    // Message-ID ties an answer to the case.
    let queued = messages::of_case(&setup.store, &case_number).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(setup.worker.run_once().await.unwrap(), 1);
    let sent = setup.email.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "citizen@example.com");
    assert!(
        sent[0].subject.contains(case_number.as_str()),
        "{}",
        sent[0].subject
    );
    assert!(sent[0].body.contains("1 满意"), "{}", sent[0].body);
    let threaded = setup
        .store
        .get(
            SENT_IDS,
            format!("{}@wencheng.example.gov.cn", sent[0].idempotency_key),
        )
        .unwrap();
    assert_eq!(threaded.as_deref(), Some(case_number.as_str().as_bytes()));

    // The citizen answers above the quoted survey: "2", partly satisfied.
    setup.clock.advance(Duration::hours(3));
    let taken = setup
        .follow_ups
        .take_email_reply(
            &case_number,
            "2\n\n在 2026年12月2日，文成12345 写道：\n> 请回复数字：1 满意，2 基本满意，3 不满意",
            "<reply-1@example.com>",
        )
        .await
        .unwrap()
        .expect("the mail answers the survey");
    assert_eq!(taken.rating.as_str(), "partly_satisfied");
    let case = setup.service.case(&case_number).unwrap().unwrap();
    assert_eq!(case.state(), CaseState::Closed);

    // The thanks goes back by email; the same mail read again changes nothing.
    assert_eq!(setup.worker.run_once().await.unwrap(), 1);
    assert!(setup.email.sent()[1].body.contains("感谢"));
    let again = setup
        .follow_ups
        .take_email_reply(&case_number, "2", "<reply-1@example.com>")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.answer, taken.answer);
    assert_eq!(
        messages::of_case(&setup.store, &case_number).unwrap().len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_survey_without_an_answer_is_recorded_as_such_when_its_wait_runs_out() {
    let setup = setup().await;
    let case_number = resolved_email_case(&setup, "<appeal-2@example.com>").await;

    // Before the 72 hours are up nothing happens; after, the round ends as no answer and
    // the case is closed, not rated.
    setup.clock.advance(Duration::hours(71));
    assert_eq!(setup.follow_ups.tick(setup.clock.now()).await.unwrap(), 0);
    assert_eq!(
        setup.service.case(&case_number).unwrap().unwrap().state(),
        CaseState::Resolved
    );
    setup.clock.advance(Duration::hours(2));
    assert_eq!(setup.follow_ups.tick(setup.clock.now()).await.unwrap(), 1);
    let case = setup.service.case(&case_number).unwrap().unwrap();
    assert_eq!(case.state(), CaseState::Closed);
    let record = setup.follow_ups.record(&case_number).unwrap().unwrap();
    assert!(matches!(
        record.follow_up.as_ref().unwrap().state(),
        FollowUpState::NoAnswer { .. }
    ));
    assert_eq!(record.rating(), None);
    assert_eq!(
        gateway_daemon::followup::rating_of(&setup.store, &case_number).unwrap(),
        None
    );

    // A late answer finds nothing to answer and is left to the email channel as a reply.
    let late = setup
        .follow_ups
        .take_email_reply(&case_number, "1", "<late@example.com>")
        .await
        .unwrap();
    assert_eq!(late, None);
    // A second round finds nothing more to record.
    assert_eq!(setup.follow_ups.tick(setup.clock.now()).await.unwrap(), 0);
}
