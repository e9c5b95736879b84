//! The intake server behind `gateway serve`: axum 0.8 over hyper 1 on tokio.
//!
//! The map:
//! - [`state`]: the one [`AppState`] every handler shares (store, rules, adapters, metrics).
//! - [`error`]: [`ApiError`], the one place errors become HTTP statuses.
//! - [`intake`]: the path of every appeal: route with the current rules, store durably,
//!   hand emergencies off, then answer the channel.
//! - [`channels`]: one module per webhook channel (CTI, SMS, WeChat, web form).
//! - [`api`]: the read-back API (bearer tokens) and the citizens' status lookup.
//! - [`emergency`]: the hand-off of emergencies to 110/119/120/122, retried, resumed.
//! - [`reload`]: the rule set in force, reloaded on file change and SIGHUP.
//! - [`metrics`]: Prometheus counters and histograms.
//! - [`health`]: `/healthz` and `/readyz`.
//! - [`run`]: start-up, serving and graceful shutdown.
//!
//! Later route groups (case dispatch to handling units, the email loop, follow-ups) add a
//! module beside these and a line in [`router`]; the case routes come from
//! [`crate::cases`], the knowledge base's from [`crate::knowledge`].

pub mod api;
pub mod channels;
pub mod emergency;
pub mod error;
pub mod health;
pub mod intake;
pub mod metrics;
pub mod reload;
pub mod run;
pub mod state;

pub use error::ApiError;
pub use run::{ServeError, serve};
pub use state::AppState;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::catch_panic::CatchPanicLayer;

/// Every route of the daemon, with the body limit and the panic guard.
pub fn router(state: Arc<AppState>) -> Router {
    let max_body_bytes = state.max_body_bytes;
    let mut app = Router::new()
        .merge(channels::routes())
        .merge(api::routes())
        .merge(health::routes())
        .merge(metrics::routes());
    if let Some(cases) = &state.cases {
        app =
            app.merge(crate::cases::routes(Arc::clone(cases)))
                .merge(crate::reports::api::routes(
                    crate::reports::api::ReportsState {
                        cases: Arc::clone(cases),
                        rules: Arc::clone(&state.rules),
                        knowledge: state.knowledge.clone(),
                    },
                ));
    }
    if let (Some(cases), Some(follow_ups)) = (&state.cases, &state.follow_ups) {
        app = app.merge(crate::followup::api::routes(
            Arc::clone(cases),
            Arc::clone(follow_ups),
        ));
    }
    if state.knowledge.is_some() {
        app = app.merge(crate::knowledge::api::routes());
    }
    app.layer(DefaultBodyLimit::max(max_body_bytes))
        // The last guard: a handler must not panic on input, but if one does, the client
        // gets a 500 and the server keeps running.
        .layer(CatchPanicLayer::custom(error::panic_response))
        .with_state(state)
}
