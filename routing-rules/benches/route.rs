//! Routing throughput on real messages, beside a bare Aho-Corasick pass over the same text.
//!
//! Run with: `cargo bench -p routing-rules --bench route`
//!
//! Routes the 4,326 real messages of `fixtures/appeals/hot-topics.jsonl` on one thread and
//! prints appeals per second (median of several rounds) beside one bare pass of an automaton
//! built from the same phrases over the same normalized text, and the ratio of the two. Then
//! the same with ten times more topic keywords, to show how matching time grows with rules.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use routing_rules::normalize::normalize;
use routing_rules::{RouteInput, RuleSet};

const ROUNDS: usize = 9;

struct Message {
    title: String,
    body: String,
}

fn load_messages() -> Vec<Message> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/appeals/hot-topics.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("fixture lines are JSON");
            Message {
                title: v["title"].as_str().unwrap_or("").to_string(),
                body: v["body"].as_str().unwrap_or("").to_string(),
            }
        })
        .collect()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time_rounds(mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut samples = Vec::new();
    let mut checksum = 0;
    f(); // warm up
    for _ in 0..ROUNDS {
        let start = Instant::now();
        checksum = f();
        samples.push(start.elapsed());
    }
    (median(samples), checksum)
}

fn engine_time(rules: &RuleSet, messages: &[Message]) -> Duration {
    let (time, _) = time_rounds(|| {
        let mut rules_fired = 0;
        for m in messages {
            let d = rules.route(&RouteInput {
                title: Some(&m.title),
                body: &m.body,
                address: None,
                dialed: None,
            });
            rules_fired += d.rules.len();
        }
        std::hint::black_box(rules_fired)
    });
    time
}

fn bare_time(patterns: &[String], texts: &[String]) -> Duration {
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .expect("patterns compile");
    let (time, _) = time_rounds(|| {
        let mut matches = 0;
        for text in texts {
            matches += automaton.find_overlapping_iter(text).count();
        }
        std::hint::black_box(matches)
    });
    time
}

/// Keywords that look like Chinese words but are drawn at random, so they rarely match.
fn synthetic_keywords(count: usize) -> Vec<String> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = 2 + (next() % 3) as usize;
            (0..len)
                .map(|_| char::from_u32(0x4E00 + (next() % 0x51A5) as u32).unwrap_or('中'))
                .collect()
        })
        .collect()
}

fn main() {
    let entry = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/wencheng/routing.toml");
    let rules = RuleSet::load(&entry).unwrap_or_else(|e| panic!("{e}"));
    let messages = load_messages();
    let texts: Vec<String> = messages
        .iter()
        .map(|m| normalize(&format!("{}\n{}", m.title, m.body)))
        .collect();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let n = messages.len() as f64;
    println!(
        "routing {} real messages ({:.1} MB normalized), {} phrases, one thread, median of {ROUNDS} rounds",
        messages.len(),
        bytes as f64 / 1e6,
        rules.pattern_count()
    );

    let engine = engine_time(&rules, &messages);
    let bare = bare_time(rules.patterns(), &texts);
    println!(
        "engine: {:>9.0} appeals/s ({:.2} ms per pass)",
        n / engine.as_secs_f64(),
        engine.as_secs_f64() * 1e3
    );
    println!(
        "bare aho-corasick pass over the same normalized text: {:>9.0} texts/s ({:.2} ms per pass)",
        n / bare.as_secs_f64(),
        bare.as_secs_f64() * 1e3
    );
    println!(
        "ratio engine / bare pass: {:.2}x (goal: within 3x)",
        engine.as_secs_f64() / bare.as_secs_f64()
    );

    let topic_keywords = rules.pattern_count();
    let extra = synthetic_keywords(topic_keywords * 9);
    let bigger = rules.with_extra_keywords(&extra);
    let engine_big = engine_time(&bigger, &messages);
    let bare_big = bare_time(bigger.patterns(), &texts);
    println!(
        "ten times the phrases ({}): engine {:>9.0} appeals/s, bare pass {:.2} ms",
        bigger.pattern_count(),
        n / engine_big.as_secs_f64(),
        bare_big.as_secs_f64() * 1e3
    );
    println!(
        "growth with ten times the phrases: engine {:+.0}%, bare pass {:+.0}% (goal: engine under +50%)",
        100.0 * (engine_big.as_secs_f64() / engine.as_secs_f64() - 1.0),
        100.0 * (bare_big.as_secs_f64() / bare.as_secs_f64() - 1.0)
    );
}
