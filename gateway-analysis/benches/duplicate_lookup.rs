//! Duplicate lookup latency with the real messages indexed, beside a full scan.
//!
//! Run with: `cargo bench -p gateway-analysis --bench duplicate_lookup`
//!
//! Indexes the real messages of `fixtures/appeals/hot-topics.jsonl` (routed by the example
//! rules) but every ninth, which are held out; then looks up each held-out message as a new
//! appeal, at the time it was sent, with the candidate search (`best_match`) and with the
//! full scan (`best_match_by_scan`) in the same run. Prints the median per-appeal latency of
//! each over several rounds, their ratio, and whether both found the same matches.

#[path = "../examples/board/mod.rs"]
mod board;

use std::time::{Duration, Instant};

use gateway_analysis::duplicate::{DuplicateConfig, DuplicateMatch, Shingles};
use routing_rules::RouteInput;

const ROUNDS: usize = 9;
const HOLD_OUT_EVERY: usize = 9;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    // Index all but the held-out messages.
    let messages = board::load_messages();
    let (kept, held): (Vec<_>, Vec<_>) = messages
        .into_iter()
        .enumerate()
        .partition(|(i, _)| i % HOLD_OUT_EVERY != 0);
    let kept = kept.into_iter().map(|(_, m)| m).collect();
    let (index, _) = board::replay_messages(kept, DuplicateConfig::default());
    let rules = board::rules();
    let probes: Vec<_> = held
        .iter()
        .map(|(_, m)| {
            let appeal = board::to_appeal(m);
            let decision = rules.route(&RouteInput::from(&appeal));
            (appeal, decision)
        })
        .collect();

    // Time both searches over the same probes.
    let run = |scan: bool| {
        let mut rounds = Vec::new();
        let mut found: Vec<Option<DuplicateMatch>> = Vec::new();
        for _ in 0..=ROUNDS {
            let start = Instant::now();
            found = probes
                .iter()
                .map(|(appeal, decision)| {
                    let now = appeal.received_at;
                    if scan {
                        index.best_match_by_scan(appeal, decision, now)
                    } else {
                        index.best_match(appeal, decision, now)
                    }
                })
                .collect();
            rounds.push(start.elapsed() / probes.len() as u32);
        }
        rounds.remove(0); // warm-up round
        (median(rounds), found)
    };
    let (indexed, indexed_found) = run(false);
    let shingling = {
        let mut rounds = Vec::new();
        let mut total = 0;
        for _ in 0..=ROUNDS {
            let start = Instant::now();
            for (appeal, _) in &probes {
                let title = appeal.title.as_deref().unwrap_or("");
                total += Shingles::of_parts([title, appeal.body.as_str()], 2).len();
            }
            rounds.push(start.elapsed() / probes.len() as u32);
        }
        rounds.remove(0);
        std::hint::black_box(total);
        median(rounds)
    };
    let (scanned, scanned_found) = run(true);
    let matched = indexed_found.iter().filter(|m| m.is_some()).count();
    let agree = indexed_found
        .iter()
        .zip(&scanned_found)
        .filter(|(a, b)| a.as_ref().map(|m| &m.case) == b.as_ref().map(|m| &m.case))
        .count();

    println!(
        "duplicate lookup: {} appeals indexed, {} held-out appeals looked up, median of {ROUNDS} rounds",
        index.len(),
        probes.len()
    );
    println!(
        "  candidate search:     {:>8.1} µs per appeal",
        indexed.as_secs_f64() * 1e6
    );
    println!(
        "  of which shingling:   {:>8.1} µs per appeal",
        shingling.as_secs_f64() * 1e6
    );
    println!(
        "  full scan (baseline): {:>8.1} µs per appeal",
        scanned.as_secs_f64() * 1e6
    );
    println!(
        "  ratio scan / search:  {:>8.1}x",
        scanned.as_secs_f64() / indexed.as_secs_f64()
    );
    println!(
        "  duplicates found: {matched}; same case as the scan for {agree} of {}",
        probes.len()
    );
}
