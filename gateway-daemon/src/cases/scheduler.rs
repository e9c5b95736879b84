//! The supervision scheduler: at start, opens the cases missing for stored appeals; then
//! every `supervision_interval_seconds`, records the supervision steps that fell due on the
//! service's clock and sends their notices.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::service::CaseService;

/// Runs supervision rounds until `shutdown` completes.
pub async fn run_scheduler(service: Arc<CaseService>, shutdown: impl Future<Output = ()>) {
    let period = Duration::from_secs(service.settings().supervision_interval_seconds);
    tracing::info!(
        interval_seconds = period.as_secs(),
        "supervision scheduler started"
    );
    tokio::pin!(shutdown);

    // First, cases for appeals stored while the daemon stopped before opening them.
    match service.open_missing_cases().await {
        Ok(0) => {}
        Ok(opened) => tracing::warn!(opened, "opened cases missing for stored appeals"),
        Err(error) => {
            tracing::error!(%error, "could not open the cases missing for stored appeals")
        }
    }

    loop {
        match service.run_supervision().await {
            Ok(0) => {}
            Ok(recorded) => tracing::info!(recorded, "supervision steps sent"),
            Err(error) => {
                tracing::warn!(%error, "supervision round failed; retrying at the next round")
            }
        }
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(period) => {}
        }
    }
    tracing::info!("supervision scheduler stopped");
}
