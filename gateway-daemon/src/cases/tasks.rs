//! The background tasks of cases, started together: the dispatch worker and the
//! supervision scheduler.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::error::CasesConfigError;
use super::scheduler::run_scheduler;
use super::service::CaseService;

/// Spawns the dispatch worker and the supervision scheduler on the current tokio runtime.
/// Both stop once `shutdown` holds `true` (or its sender is dropped); await the handles to
/// wait for them.
pub fn spawn_tasks(
    service: &Arc<CaseService>,
    shutdown: watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>, CasesConfigError> {
    let worker = service.dispatch_worker()?;
    let worker_stop = stopped(shutdown.clone());
    let scheduler_stop = stopped(shutdown);
    Ok(vec![
        tokio::spawn(worker.run(worker_stop)),
        tokio::spawn(run_scheduler(Arc::clone(service), scheduler_stop)),
    ])
}

/// Resolves once the value is `true` or the sender is gone.
async fn stopped(mut shutdown: watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}
