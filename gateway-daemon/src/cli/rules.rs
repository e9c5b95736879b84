//! `gateway rules ...`: the rule author's tools.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gateway_core::Principle;
use routing_rules::{RouteInput, RuleSet};
use serde::Deserialize;

use crate::defaults;

fn load_or_report(file: Option<&Path>) -> Option<RuleSet> {
    match defaults::load_rules(file) {
        Ok(rules) => Some(rules),
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("{} error(s); the rule set does not compile", errors.len());
            None
        }
    }
}

/// `gateway rules check FILE`.
pub fn check(file: &Path) -> ExitCode {
    let Some(rules) = load_or_report(Some(file)) else {
        return ExitCode::from(1);
    };
    println!(
        "ok: rule set `{}`: {} files, {} units, {} phrases, {} examples",
        rules.name(),
        rules.files().len(),
        rules.units().len(),
        rules.pattern_count(),
        rules.examples().len()
    );
    ExitCode::SUCCESS
}

/// `gateway rules test FILE`.
pub fn test(file: &Path) -> ExitCode {
    let Some(rules) = load_or_report(Some(file)) else {
        return ExitCode::from(1);
    };
    let failures = rules.run_examples();
    for failure in &failures {
        println!(
            "{}:{}: example failed: {}",
            failure.file.display(),
            failure.line,
            failure.text
        );
        for (field, expected, got) in &failure.mismatches {
            println!("  {field}: expected {expected}, got {got}");
        }
    }
    let total = rules.examples().len();
    println!(
        "{} passed, {} failed",
        total - failures.len(),
        failures.len()
    );
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `gateway rules explain FILE [TEXT]`.
pub fn explain(
    file: &Path,
    text: Option<String>,
    address: Option<String>,
    dialed: Option<String>,
) -> ExitCode {
    let Some(rules) = load_or_report(Some(file)) else {
        return ExitCode::from(1);
    };
    let text = match text {
        Some(text) => text,
        None => {
            let mut text = String::new();
            if let Err(e) = io::stdin().read_to_string(&mut text) {
                eprintln!("error: cannot read standard input: {e}");
                return ExitCode::from(2);
            }
            text
        }
    };
    let explanation = rules.explain(&RouteInput {
        title: None,
        body: text.trim(),
        address: address.as_deref(),
        dialed: dialed.as_deref(),
    });
    for line in &explanation.lines {
        println!("{line}");
    }
    println!("rules fired:");
    for hit in &explanation.decision.rules {
        println!("  {} on {}", hit.rule, hit.matched.join("、"));
    }
    let d = &explanation.decision;
    let assisting: Vec<&str> = d.assisting_units.iter().map(|u| u.as_str()).collect();
    println!(
        "decision: kind {}, topic {}, lead {}, assisting [{}], principle {}, confidence {:.2}",
        d.kind,
        if d.topic.is_empty() {
            "(none)".to_string()
        } else {
            d.topic.join(" > ")
        },
        d.lead_unit,
        assisting.join(", "),
        d.principle,
        d.confidence
    );
    ExitCode::SUCCESS
}

/// Arguments of `gateway rules evaluate`.
pub struct EvaluateArgs {
    /// The rule set.
    pub rules: Option<PathBuf>,
    /// Labelled messages.
    pub labelled: PathBuf,
    /// Silver-labelled messages.
    pub silver: PathBuf,
    /// Messages with replies.
    pub replied: PathBuf,
    /// Unlabelled messages.
    pub unlabelled: PathBuf,
    /// The accuracy below which the command fails.
    pub min_accuracy: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct Message {
    id: String,
    #[serde(default)]
    title: Option<String>,
    body: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    silver_label: Option<String>,
    #[serde(default)]
    responder_kind: Option<String>,
}

fn read_messages(path: &Path) -> Result<Vec<Message>, String> {
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut messages = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let message = serde_json::from_str(&line)
            .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        messages.push(message);
    }
    Ok(messages)
}

fn route(rules: &RuleSet, m: &Message) -> gateway_core::RoutingDecision {
    rules.route(&RouteInput {
        title: m.title.as_deref(),
        body: &m.body,
        address: None,
        dialed: None,
    })
}

/// Agreement of the topic's top level with a label, and the confusion per label.
fn agreement(
    rules: &RuleSet,
    messages: &[Message],
    label: impl Fn(&Message) -> Option<&str>,
) -> (usize, usize, BTreeMap<String, BTreeMap<String, usize>>) {
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let (mut right, mut total) = (0, 0);
    for m in messages {
        let Some(expected) = label(m) else { continue };
        let decision = route(rules, m);
        let got = decision
            .topic
            .first()
            .cloned()
            .unwrap_or_else(|| "(none)".to_string());
        total += 1;
        if got == expected {
            right += 1;
        }
        *confusion
            .entry(expected.to_string())
            .or_default()
            .entry(got)
            .or_default() += 1;
    }
    (right, total, confusion)
}

fn print_confusion(confusion: &BTreeMap<String, BTreeMap<String, usize>>) {
    println!(
        "  {:<16} {:>5} {:>7}  most often mistaken for",
        "label", "rows", "right"
    );
    for (label, row) in confusion {
        let rows: usize = row.values().sum();
        let right = row.get(label).copied().unwrap_or(0);
        let mut wrong: Vec<(&String, &usize)> = row.iter().filter(|(k, _)| *k != label).collect();
        wrong.sort_by(|a, b| b.1.cmp(a.1));
        let shown: Vec<String> = wrong
            .iter()
            .take(3)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        println!(
            "  {:<16} {:>5} {:>6.1}%  {}",
            label,
            rows,
            100.0 * right as f64 / rows.max(1) as f64,
            shown.join(", ")
        );
    }
}

/// `gateway rules evaluate`.
pub fn evaluate(args: EvaluateArgs) -> ExitCode {
    let Some(rules) = load_or_report(args.rules.as_deref()) else {
        return ExitCode::from(1);
    };
    let load = |path: &Path| match read_messages(path) {
        Ok(m) => Some(m),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    };
    let (Some(labelled), Some(silver), Some(replied), Some(unlabelled)) = (
        load(&args.labelled),
        load(&args.silver),
        load(&args.replied),
        load(&args.unlabelled),
    ) else {
        return ExitCode::from(2);
    };

    // Topic top level against the official labels.
    let (right, total, confusion) = agreement(&rules, &labelled, |m| m.label.as_deref());
    let accuracy = right as f64 / total.max(1) as f64;
    println!(
        "labelled ({}): top-level topic matches the label for {right} of {total}: {:.1}%",
        args.labelled.display(),
        100.0 * accuracy
    );
    print_confusion(&confusion);

    // Against another system's predictions (not truth).
    let (right, total, confusion) = agreement(&rules, &silver, |m| m.silver_label.as_deref());
    println!(
        "silver ({}): agreement with another system's predicted labels (not truth): {right} of {total}: {:.1}%",
        args.silver.display(),
        100.0 * right as f64 / total.max(1) as f64
    );
    print_confusion(&confusion);

    // The principle against who really answered: a township or a department.
    let mut decided = (0, 0);
    let mut declared = (0, 0);
    for m in &replied {
        let Some(kind) = m
            .responder_kind
            .as_deref()
            .filter(|k| *k == "township" || *k == "department")
        else {
            continue;
        };
        let decision = route(&rules, m);
        let truth = if kind == "township" {
            Principle::TerritorialFirst
        } else {
            Principle::OwnerResponsible
        };
        decided.1 += 1;
        if decision.principle == truth {
            decided.0 += 1;
        }
        // The topic's own principle, as if the place were known.
        let topic_principle = rules.topic_principle(&decision.topic);
        if let Some(p) = topic_principle {
            declared.1 += 1;
            if p == truth {
                declared.0 += 1;
            }
        }
    }
    println!(
        "replied ({}): the decided principle agrees with who answered (township or department) for {} of {}: {:.1}%",
        args.replied.display(),
        decided.0,
        decided.1,
        100.0 * decided.0 as f64 / decided.1.max(1) as f64
    );
    println!(
        "  the topic's own principle (as if the place were known; the messages name no Wencheng place) agrees for {} of {}: {:.1}%",
        declared.0,
        declared.1,
        100.0 * declared.0 as f64 / declared.1.max(1) as f64
    );

    // No real message describes danger now: every emergency raised is a false alarm.
    let mut raised = Vec::new();
    let all = labelled
        .iter()
        .chain(&silver)
        .chain(&replied)
        .chain(&unlabelled);
    let mut count = 0;
    for m in all {
        count += 1;
        if let Some(e) = route(&rules, m).emergency {
            raised.push(format!("{} -> {} by {}", m.id, e.service, e.rule));
        }
    }
    println!(
        "emergencies raised on {count} real messages: {}",
        raised.len()
    );
    for line in &raised {
        println!("  {line}");
    }

    match args.min_accuracy {
        Some(min) if accuracy < min => {
            eprintln!(
                "labelled accuracy {:.1}% is below the required {:.1}%",
                100.0 * accuracy,
                100.0 * min
            );
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    }
}
