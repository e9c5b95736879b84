//! A case the knowledge base answered at intake is closed once the citizen had the window to
//! say it did not help, on a manual clock; one the citizen turned into a case is not.

mod cases_support;

use std::sync::Arc;

use cases_support::{Receiver, config, rules};
use chrono::{DateTime, Duration, Utc};
use gateway_core::case::{Action, Actor, CaseState};
use gateway_core::store::{BackendType, StoreConfig, WriteBatch};
use gateway_core::{Appeal, AppealStore, Channel, Citizen, UnitId};
use gateway_daemon::cases::{CaseService, CaseServiceParts, Clock, ManualClock};
use gateway_daemon::knowledge::closing::close_answered;
use gateway_daemon::knowledge::records::{self, DirectAnswerRecord, KnowledgeRecord};
use routing_rules::RouteInput;

/// Stores a WeChat consultation with a direct answer recorded, and opens its case.
async fn answered(
    store: &AppealStore,
    service: &CaseService,
    at: DateTime<Utc>,
    message_id: &str,
) -> gateway_core::case::CaseNumber {
    let appeal = Appeal::builder(Channel::Wechat, message_id, "请问房屋漏水找谁修")
        .citizen(Citizen {
            wechat_openid: Some(format!("o-{message_id}")),
            ..Citizen::default()
        })
        .received_at(at)
        .build();
    let decision = rules().route(&RouteInput::from(&appeal));
    let stored = store.intake(appeal, decision).await.unwrap();
    let record = KnowledgeRecord {
        case_number: stored.case_number.clone(),
        appeal_id: stored.appeal_id.clone(),
        decided_at: at,
        direct_answer: Some(DirectAnswerRecord {
            entry_id: "housing-roof-leak".into(),
            question: "房屋漏水找谁修".into(),
            owner: UnitId::new("housing"),
            score: 0.8,
            reply: "请联系物业或县住建局".into(),
        }),
        route_reason: None,
        candidates: Vec::new(),
        not_helpful_at: None,
        not_helpful_message_id: None,
    };
    let mut batch = WriteBatch::new();
    records::stage(&mut batch, &record, Some(&format!("wechat:o-{message_id}"))).unwrap();
    store.commit(batch).await.unwrap();
    let case = service.open_case(&stored.appeal_id).await.unwrap();
    assert_eq!(case.state(), CaseState::Resolved);
    stored.case_number
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_case_is_closed_after_the_window_unless_it_was_turned_into_a_case() {
    let dir = tempfile::tempdir().unwrap();
    let store = AppealStore::open(&StoreConfig::new(
        BackendType::Redb,
        dir.path().join("closing.redb"),
    ))
    .unwrap();
    let receiver = Receiver::start().await;
    let start: DateTime<Utc> = "2026-12-01T02:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let service = CaseService::new(CaseServiceParts {
        store: store.clone(),
        settings: config(&receiver).build().unwrap(),
        clock: clock.clone(),
        decisions: Arc::new(rules()),
        email: None,
    })
    .unwrap();
    let quiet = answered(&store, &service, start, "m-quiet").await;
    let unhappy = answered(&store, &service, start, "m-unhappy").await;
    service
        .act(
            &unhappy,
            Actor::System,
            Action::DispatchAfterAnswer {
                reason: "市民回复没有帮助".into(),
            },
        )
        .await
        .unwrap();

    let window = Duration::hours(72);
    clock.advance(Duration::hours(71));
    assert_eq!(
        close_answered(&store, &service, window, clock.now())
            .await
            .unwrap(),
        0
    );
    clock.advance(Duration::hours(2));
    assert_eq!(
        close_answered(&store, &service, window, clock.now())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        service.case(&quiet).unwrap().unwrap().state(),
        CaseState::Closed
    );
    assert_eq!(
        service.case(&unhappy).unwrap().unwrap().state(),
        CaseState::Dispatched
    );
    // Nothing more to close on the next round.
    assert_eq!(
        close_answered(&store, &service, window, clock.now())
            .await
            .unwrap(),
        0
    );
}
