//! Search latency with 10,000 entries, beside the same queries against 100 entries.
//!
//! `cargo bench -p knowledge-base --bench search`
//!
//! The entries are the real texts of the fixtures: every replied message (title as question,
//! reply as answer), every message of the hot-topics, silver and labelled files (title as
//! question, body as answer), and, to reach 10,000, second copies of the first replied
//! messages under other ids (departments do answer the same question twice). The queries are
//! 200 message bodies (long, as an appeal's text is) and 200 short questions cut from them
//! (the first clause). Each query runs once to warm up, then is timed once per round over
//! five rounds; the figures are medians and 99th percentiles per query, and their ratios to
//! the 100-entry baseline measured in the same run.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use gateway_core::UnitId;
use knowledge_base::{Entry, KnowledgeBase};
use serde_json::Value;

const ENTRIES: usize = 10_000;
const BASELINE_ENTRIES: usize = 100;
const QUERIES: usize = 200;
const ROUNDS: usize = 5;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/appeals");
    let texts = corpus(&root);
    let entries = entries_from(&texts, ENTRIES);

    // The queries: long bodies and the short first clause of each.
    let replied = read_jsonl(&root.join("replied-dev.jsonl"));
    let long: Vec<String> = replied
        .iter()
        .take(QUERIES)
        .map(|r| field(r, "body"))
        .collect();
    let short: Vec<String> = long
        .iter()
        .map(|b| {
            b.split(['，', '。', ',', '？', '！'])
                .next()
                .unwrap_or(b)
                .chars()
                .take(30)
                .collect()
        })
        .collect();

    let unit = UnitId::new("coordination");
    let big_dir = tempfile::tempdir().expect("temp dir");
    let mut big = KnowledgeBase::open(big_dir.path()).expect("open");
    let started = Instant::now();
    big.upsert_many(&unit, entries.clone())
        .expect("index 10,000 entries");
    let build = started.elapsed();
    let small_dir = tempfile::tempdir().expect("temp dir");
    let mut small = KnowledgeBase::open(small_dir.path()).expect("open");
    small
        .upsert_many(&unit, entries[..BASELINE_ENTRIES].to_vec())
        .expect("index 100 entries");
    println!(
        "indexed {} entries in {:.1} s ({:.0} entries/s), one commit",
        big.len(),
        build.as_secs_f64(),
        big.len() as f64 / build.as_secs_f64()
    );

    for (name, queries) in [("long (body)", &long), ("short (clause)", &short)] {
        let base = measure(&small, queries);
        let full = measure(&big, queries);
        println!(
            "{name:<15} {BASELINE_ENTRIES:>6} entries: p50 {:>8.3} ms  p99 {:>8.3} ms",
            ms(base.0),
            ms(base.1)
        );
        println!(
            "{name:<15} {ENTRIES:>6} entries: p50 {:>8.3} ms  p99 {:>8.3} ms  (x{:.1} p50, x{:.1} p99 of {BASELINE_ENTRIES})",
            ms(full.0),
            ms(full.1),
            full.0.as_secs_f64() / base.0.as_secs_f64(),
            full.1.as_secs_f64() / base.1.as_secs_f64()
        );
    }
}

/// Median and 99th percentile of one search (top 5) per query.
fn measure(kb: &KnowledgeBase, queries: &[String]) -> (Duration, Duration) {
    for query in queries {
        std::hint::black_box(kb.search(query, &[], 5).expect("search"));
    }
    let mut times = Vec::with_capacity(queries.len() * ROUNDS);
    for _ in 0..ROUNDS {
        for query in queries {
            let started = Instant::now();
            std::hint::black_box(kb.search(query, &[], 5).expect("search"));
            times.push(started.elapsed());
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// (question, answer) pairs from every appeal file.
fn corpus(root: &Path) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for row in read_jsonl(&root.join("replied-dev.jsonl")) {
        texts.push((field(&row, "title"), field(&row, "reply")));
    }
    for file in ["hot-topics.jsonl", "silver-dev.jsonl", "labelled-dev.jsonl"] {
        for row in read_jsonl(&root.join(file)) {
            texts.push((field(&row, "title"), field(&row, "body")));
        }
    }
    texts.retain(|(q, a)| !q.trim().is_empty() && !a.trim().is_empty());
    texts
}

fn entries_from(texts: &[(String, String)], count: usize) -> Vec<Entry> {
    (0..count)
        .map(|i| {
            let (question, answer) = &texts[i % texts.len()];
            Entry {
                id: format!("bench-{i}"),
                question: question.clone(),
                answer: answer.clone(),
                phrasings: Vec::new(),
                owner: UnitId::new("coordination"),
                topic: Vec::new(),
                source: String::new(),
                valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
                review_by: NaiveDate::from_ymd_opt(2027, 12, 31).expect("date"),
            }
        })
        .collect()
}

fn read_jsonl(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("fixture file");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("fixture line"))
        .collect()
}

fn field(row: &Value, key: &str) -> String {
    row.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}
