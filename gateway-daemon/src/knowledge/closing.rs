//! Closing the cases the knowledge base answered, once the citizen had the configured time
//! to say the answer did not help and did not.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use gateway_core::AppealStore;
use gateway_core::case::{Action, Actor, CaseState};
use tokio::sync::watch;

use super::records::{KNOWLEDGE_CASES_TABLE, KnowledgeRecord};
use crate::cases::{CaseService, CasesError};

/// How often answered cases are looked at.
const EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Closes (归档) every case still resolved by a direct answer whose "did not help" window
/// ended by `now`. Returns how many were closed.
// Limitation: this reads every knowledge record each round; fine for a county's volume.
pub async fn close_answered(
    store: &AppealStore,
    cases: &CaseService,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<usize, CasesError> {
    let mut closed = 0;
    for (_, value) in store.scan_prefix(KNOWLEDGE_CASES_TABLE, b"", usize::MAX)? {
        let Ok(record) = serde_json::from_slice::<KnowledgeRecord>(&value) else {
            continue;
        };
        if record.direct_answer.is_none()
            || record.not_helpful_at.is_some()
            || now < record.decided_at + window
        {
            continue;
        }
        let Some(case) = cases.case(&record.case_number)? else {
            continue;
        };
        if case.state() != CaseState::Resolved || case.knowledge_answer().is_none() {
            continue;
        }
        let reason = "知识库直接答复后市民未表示未解决，归档".to_string();
        match cases
            .act(&record.case_number, Actor::System, Action::Close { reason })
            .await
        {
            Ok(_) => closed += 1,
            Err(CasesError::Case(error)) => {
                tracing::debug!(case = %record.case_number, %error, "answered case not closed");
            }
            Err(error) => return Err(error),
        }
    }
    Ok(closed)
}

/// Runs [`close_answered`] every minute until `stop` turns true.
pub async fn run(
    store: AppealStore,
    cases: Arc<CaseService>,
    window: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match close_answered(&store, &cases, window, cases.clock().now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "answered cases closed after their window"),
            Err(error) => tracing::warn!(%error, "closing answered cases failed"),
        }
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => break,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}
