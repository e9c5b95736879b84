//! Counters of cases and dispatch, in Prometheus form like the server's own metrics.
//!
//! They live in a registry of their own, so this module needs nothing from the server:
//! the server either registers them into its registry with [`CaseMetrics::register`] or
//! appends [`CaseMetrics::render`] to its `/metrics` text.

use prometheus::{Encoder, IntCounterVec, Opts, Registry, TextEncoder};

/// The counters of cases, supervision and deliveries.
#[derive(Debug, Clone)]
pub struct CaseMetrics {
    registry: Registry,
    /// Case actions accepted, by action name (`open`, `acknowledge`, `return`, ...).
    pub case_actions: IntCounterVec,
    /// Case actions refused, by HTTP status.
    pub case_refusals: IntCounterVec,
    /// Delivery attempts, by result (`delivered`, `retried`, `failed`).
    pub deliveries: IntCounterVec,
    /// Supervision steps recorded, by step id.
    pub supervision_steps: IntCounterVec,
    /// Re-routings after a return, by outcome (`rerouted`, `coordination`).
    pub reroutes: IntCounterVec,
    /// Appeals linked to a case they repeat, and unlinked, by how (`intake`,
    /// `linked_by_hand`, `unlinked`).
    pub duplicates: IntCounterVec,
}

impl CaseMetrics {
    /// Creates the counters in a registry of their own (prefix `gateway_`).
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("gateway".to_string()), None).unwrap_or_default();
        let counter = |name: &str, help: &str, label: &str| {
            let counter = IntCounterVec::new(Opts::new(name, help), &[label])
                .unwrap_or_else(|e| panic!("metric {name} is well-formed: {e}"));
            // A fresh name in a fresh registry cannot collide.
            let _ = registry.register(Box::new(counter.clone()));
            counter
        };
        Self {
            case_actions: counter("case_actions_total", "Case actions accepted.", "action"),
            case_refusals: counter("case_refusals_total", "Case requests refused.", "status"),
            deliveries: counter("deliveries_total", "Delivery attempts to units.", "result"),
            supervision_steps: counter(
                "supervision_steps_total",
                "Supervision steps recorded.",
                "step",
            ),
            reroutes: counter(
                "case_reroutes_total",
                "Re-routings after a return.",
                "outcome",
            ),
            duplicates: counter(
                "case_duplicates_total",
                "Appeals linked to the open case they repeat, or unlinked.",
                "how",
            ),
            registry,
        }
    }

    /// Registers the counters into another registry too (the server's).
    pub fn register(&self, registry: &Registry) -> Result<(), prometheus::Error> {
        for counter in [
            &self.case_actions,
            &self.case_refusals,
            &self.deliveries,
            &self.supervision_steps,
            &self.reroutes,
            &self.duplicates,
        ] {
            registry.register(Box::new(counter.clone()))?;
        }
        Ok(())
    }

    /// The counters in Prometheus' text format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8_lossy(&buffer).into_owned())
    }

    /// The number of failed deliveries counted since start.
    pub fn failed_deliveries(&self) -> u64 {
        self.deliveries.with_label_values(&["failed"]).get()
    }
}

impl Default for CaseMetrics {
    fn default() -> Self {
        Self::new()
    }
}
