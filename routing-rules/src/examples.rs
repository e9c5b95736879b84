//! Running the examples written inside rule files (`gateway rules test`).

use std::path::PathBuf;

use gateway_core::RoutingDecision;

use crate::compile::{Example, RuleSet};
use crate::engine::RouteInput;

/// An example whose decision differs from what its file expects.
#[derive(Debug, Clone)]
pub struct ExampleFailure {
    /// Where the example is written.
    pub file: PathBuf,
    /// Its line.
    pub line: usize,
    /// Its text.
    pub text: String,
    /// Each field that differs: (field, expected, got).
    pub mismatches: Vec<(String, String, String)>,
}

impl RuleSet {
    /// Routes every in-file example and returns those that did not route as written.
    pub fn run_examples(&self) -> Vec<ExampleFailure> {
        self.examples
            .iter()
            .filter_map(|example| self.check_example(example))
            .collect()
    }

    fn check_example(&self, example: &Example) -> Option<ExampleFailure> {
        let decision = self.route(&RouteInput {
            title: example.title.as_deref(),
            body: &example.text,
            address: example.address.as_deref(),
            dialed: example.dialed.as_deref(),
        });
        let mismatches: Vec<(String, String, String)> = example
            .expect
            .iter()
            .filter_map(|(field, expected)| {
                let got = field_value(&decision, field);
                let ok = match field.as_str() {
                    // A topic written at a higher level matches every topic below it.
                    "topic" => got == *expected || got.starts_with(&format!("{expected} > ")),
                    "township" | "village" => matches_division(&decision, field, expected),
                    _ => got == *expected,
                };
                (!ok).then(|| (field.clone(), expected.clone(), got))
            })
            .collect();
        (!mismatches.is_empty()).then(|| ExampleFailure {
            file: example.file.clone(),
            line: example.line,
            text: example.text.clone(),
            mismatches,
        })
    }
}

/// A decision's field as an example writes it.
pub fn field_value(decision: &RoutingDecision, field: &str) -> String {
    match field {
        "kind" => decision.kind.as_str().to_string(),
        "topic" => decision.topic.join(" > "),
        "emergency" => decision
            .emergency
            .as_ref()
            .map(|e| e.service.number().to_string())
            .unwrap_or_else(|| "none".into()),
        "township" => match (&decision.township, decision.ambiguous_places.is_empty()) {
            (Some(t), _) => format!("{} ({})", t.name, t.code),
            (None, false) => "ambiguous".into(),
            (None, true) => "none".into(),
        },
        "village" => decision
            .village
            .as_ref()
            .map(|v| format!("{} ({})", v.name, v.code))
            .unwrap_or_else(|| "none".into()),
        "lead_unit" => decision.lead_unit.to_string(),
        "assisting_units" => decision
            .assisting_units
            .iter()
            .map(|u| u.as_str())
            .collect::<Vec<_>>()
            .join(","),
        "principle" => decision.principle.as_str().to_string(),
        _ => String::new(),
    }
}

fn matches_division(decision: &RoutingDecision, field: &str, expected: &str) -> bool {
    let division = if field == "township" {
        &decision.township
    } else {
        &decision.village
    };
    match (expected, division) {
        ("none", None) => field == "village" || decision.ambiguous_places.is_empty(),
        ("ambiguous", None) => !decision.ambiguous_places.is_empty(),
        (_, Some(d)) => {
            d.code.as_str() == expected
                || d.name == expected
                || d.name.strip_suffix("委会") == Some(expected)
        }
        _ => false,
    }
}
