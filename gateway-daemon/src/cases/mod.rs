//! Cases (工单) in the daemon: dispatch to handling units, their answers, deadlines and
//! supervision.
//!
//! The [`CaseService`] opens a case for each stored appeal (its case number comes from the
//! store, its deadline from the [`CaseConfig`](gateway_core::case::CaseConfig) counted on
//! the embedded working calendar), applies the actions units and supervisors take through
//! the [`api`], and carries out what the case machine asks: notices through the durable
//! outbox of [`crate::dispatch`], re-routing a returned case without the unit that returned
//! it, the platform's coordination after the last allowed return, and the follow-up queue.
//! Each action is one durable batch: the case, the appeal's history and the outbox entries.
//! The [`scheduler`] records supervision steps as they fall due on the service's
//! [`Clock`].
//!
//! The map:
//! - [`config`]: the `[cases]` section; [`error`]: errors and their HTTP statuses.
//! - [`service`]: the service; [`records`]: its tables; [`locks`]: one writer per case.
//! - [`reroute`]: routing again without some units; [`clock`]: system and manual clocks.
//! - [`api`]: the routes under `/api/v1`; [`scheduler`]: the supervision task;
//!   [`tasks`]: both background tasks started at once.
//! - [`metrics`]: the counters.
//! - [`duplicates`]: repeated reports joined to the open case (重复件).

pub mod api;
pub mod clock;
pub mod config;
pub mod duplicates;
pub mod error;
pub mod locks;
pub mod metrics;
pub mod records;
pub mod reroute;
pub mod scheduler;
pub mod service;
pub mod tasks;

pub use api::routes;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{CasesConfig, CasesSettings, SupervisorConfig, TokenOwner, UnitConfig};
pub use error::{CasesConfigError, CasesError};
pub use metrics::CaseMetrics;
pub use reroute::{DecideWith, DecisionSource, without_units};
pub use scheduler::run_scheduler;
pub use service::{CaseService, CaseServiceParts};
pub use tasks::spawn_tasks;
