//! `gateway route`: JSON lines in, one decision per line out, in order.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use gateway_core::RoutingDecision;
use indicatif::{ProgressBar, ProgressStyle};
use routing_rules::{RouteInput, RuleSet};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::defaults;

/// One input line: `body` is required, the rest optional; other fields are ignored.
#[derive(Debug, Deserialize)]
struct InputLine {
    #[serde(default)]
    id: Value,
    #[serde(default)]
    title: Option<String>,
    body: String,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    dialed: Option<String>,
}

/// Routes every line of `input` (or standard input) and writes the decisions to standard
/// output. Exits non-zero if any line could not be read.
pub fn run(rules: Option<&Path>, input: Option<&Path>) -> ExitCode {
    let rules = match defaults::load_rules(rules) {
        Ok(rules) => rules,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!(
                "the rule set has {} error(s); nothing was routed",
                errors.len()
            );
            return ExitCode::from(2);
        }
    };
    let (reader, total): (Box<dyn BufRead>, Option<u64>) = match input {
        Some(path) if path != Path::new("-") => match File::open(path) {
            Ok(file) => {
                let total = count_lines(path);
                (Box::new(BufReader::new(file)), total)
            }
            Err(e) => {
                eprintln!("error: cannot open {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        _ => (Box::new(BufReader::new(io::stdin().lock())), None),
    };
    let progress = progress_bar(total);
    let mut out = BufWriter::new(io::stdout().lock());
    let mut failed = 0usize;
    for (index, line) in reader.split(b'\n').enumerate() {
        let line_number = index + 1;
        let output = match line {
            Ok(bytes) => {
                // A file saved by Windows Notepad starts with a byte order mark.
                let bytes = match (index, bytes.strip_prefix("\u{feff}".as_bytes())) {
                    (0, Some(rest)) => rest.to_vec(),
                    _ => bytes,
                };
                match std::str::from_utf8(&bytes) {
                    Ok(text) if text.trim().is_empty() => Err((
                        Value::Null,
                        "empty line: expected a JSON object".to_string(),
                    )),
                    Ok(text) => route_line(&rules, text),
                    Err(e) => Err((
                        Value::Null,
                        format!("not valid UTF-8 at byte {}", e.valid_up_to()),
                    )),
                }
            }
            Err(e) => Err((Value::Null, format!("cannot read line: {e}"))),
        };
        let output = match output {
            Ok(value) => value,
            Err((id, message)) => {
                failed += 1;
                progress.suspend(|| eprintln!("line {line_number}: {message}"));
                json!({ "id": id, "error": message })
            }
        };
        // Each decision is written as soon as it is made, so a run that is stopped keeps
        // what it decided.
        if writeln!(out, "{output}")
            .and_then(|()| out.flush())
            .is_err()
        {
            // The reader of our output went away (e.g. `| head`); stop quietly.
            return ExitCode::SUCCESS;
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    let _ = out.flush();
    if failed > 0 {
        eprintln!("{failed} line(s) could not be routed");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// Routes one input line, or says why it cannot be read (with the id, if one was found).
pub fn route_line(rules: &RuleSet, line: &str) -> Result<Value, (Value, String)> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| (Value::Null, format!("not valid JSON: {e}")))?;
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    if !value.is_object() {
        return Err((id, "expected a JSON object with a `body` field".to_string()));
    }
    let input: InputLine =
        serde_json::from_value(value).map_err(|e| (id.clone(), format!("{e}")))?;
    let decision = rules.route(&RouteInput {
        title: input.title.as_deref(),
        body: &input.body,
        address: input.address.as_deref(),
        dialed: input.dialed.as_deref(),
    });
    Ok(output_line(input.id, &decision))
}

/// The output line for one decision.
pub fn output_line(id: Value, decision: &RoutingDecision) -> Value {
    let mut line = json!({
        "id": id,
        "kind": decision.kind,
        "topic": decision.topic,
        "emergency": decision.emergency.as_ref().map(|e| json!({ "service": e.service, "rule": e.rule })),
        "township": decision.township,
        "village": decision.village,
        "lead_unit": decision.lead_unit,
        "assisting_units": decision.assisting_units,
        "principle": decision.principle,
        "rules": decision.rule_ids().collect::<Vec<_>>(),
        "confidence": (f64::from(decision.confidence) * 100.0).round() / 100.0,
    });
    if !decision.ambiguous_places.is_empty() {
        line["ambiguous_places"] = json!(decision.ambiguous_places);
    }
    line
}

fn count_lines(path: &Path) -> Option<u64> {
    let file = File::open(path).ok()?;
    Some(BufReader::new(file).split(b'\n').count() as u64)
}

fn progress_bar(total: Option<u64>) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match total {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} appeals {per_sec}") {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> RuleSet {
        defaults::load_rules(None).unwrap()
    }

    #[test]
    fn a_line_gets_every_output_field() {
        let out = route_line(
            &rules(),
            r#"{"id":"a1","body":"楼道里着火了，烟很大","extra":1}"#,
        )
        .unwrap();
        assert_eq!(out["id"], "a1");
        assert_eq!(out["emergency"]["service"], "119");
        assert_eq!(out["principle"], "emergency");
        for field in [
            "kind",
            "topic",
            "township",
            "village",
            "lead_unit",
            "assisting_units",
            "rules",
        ] {
            assert!(out.get(field).is_some(), "missing {field}");
        }
    }

    #[test]
    fn a_line_without_body_is_an_error_with_its_id() {
        let (id, message) = route_line(&rules(), r#"{"id":7,"title":"x"}"#).unwrap_err();
        assert_eq!(id, 7);
        assert!(message.contains("body"), "{message}");
    }

    #[test]
    fn broken_json_is_an_error() {
        let (id, message) = route_line(&rules(), "{not json").unwrap_err();
        assert_eq!(id, Value::Null);
        assert!(message.starts_with("not valid JSON"), "{message}");
    }
}
