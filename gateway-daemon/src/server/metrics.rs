//! Prometheus metrics at `/metrics`: intake per channel, decisions per principle,
//! emergencies per service, hand-off attempts, rule reloads, store commit latency.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

use super::state::AppState;

/// The daemon's metrics, registered in their own registry.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    /// Appeals taken in, by channel and whether the intake was new or a retry.
    pub intake: IntCounterVec,
    /// Routing decisions, by principle.
    pub decisions: IntCounterVec,
    /// Emergencies raised, by service number.
    pub emergencies: IntCounterVec,
    /// Hand-off attempts, by service and result (`delivered`, `failed`).
    pub handoffs: IntCounterVec,
    /// Rule reloads, by result (`ok`, `failed`).
    pub reloads: IntCounterVec,
    /// Requests refused, by channel and status.
    pub refused: IntCounterVec,
    /// How long a durable store commit took, by operation.
    pub store_commit_seconds: HistogramVec,
    /// What the knowledge base did for an appeal (`answered`, a routing reason such as
    /// `below_threshold`, or `not_helpful` for an answer sent on to its unit).
    pub knowledge: IntCounterVec,
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("gateway".to_string()), None).unwrap_or_default();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let counter = IntCounterVec::new(Opts::new(name, help), labels)
                .unwrap_or_else(|e| panic!("metric {name} is well-formed: {e}"));
            // Registering a fresh name in a fresh registry cannot collide.
            let _ = registry.register(Box::new(counter.clone()));
            counter
        };
        let intake = counter("intake_total", "Appeals taken in.", &["channel", "result"]);
        let decisions = counter("decisions_total", "Routing decisions.", &["principle"]);
        let emergencies = counter("emergencies_total", "Emergencies raised.", &["service"]);
        let handoffs = counter(
            "emergency_handoffs_total",
            "Emergency hand-off attempts.",
            &["service", "result"],
        );
        let reloads = counter("rules_reloads_total", "Rule set reloads.", &["result"]);
        let refused = counter(
            "requests_refused_total",
            "Requests answered with an error.",
            &["route", "status"],
        );
        let knowledge = counter(
            "knowledge_outcomes_total",
            "What the knowledge base did for an appeal.",
            &["outcome"],
        );
        let store_commit_seconds = HistogramVec::new(
            HistogramOpts::new("store_commit_seconds", "Durable store commit latency.").buckets(
                vec![
                    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
                ],
            ),
            &["operation"],
        )
        .unwrap_or_else(|e| panic!("histogram is well-formed: {e}"));
        let _ = registry.register(Box::new(store_commit_seconds.clone()));
        Self {
            registry,
            intake,
            decisions,
            emergencies,
            handoffs,
            reloads,
            refused,
            store_commit_seconds,
            knowledge,
        }
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8_lossy(&buffer).into_owned())
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// `GET /metrics`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let rendered = state.metrics.render().and_then(|mut text| {
        // The case service keeps its counters in a registry of its own.
        if let Some(cases) = &state.cases {
            text.push_str(&cases.metrics().render()?);
        }
        Ok(text)
    });
    match rendered {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            )],
            text,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not encode the metrics: {e}"),
        )
            .into_response(),
    }
}
