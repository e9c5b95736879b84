//! Duplicate lookup latency with the real messages indexed, beside a full scan.
//!
//! Run with: `cargo bench -p gateway-analysis --bench duplicate_lookup`
//!
//! Indexes the 4,326 messages of `fixtures/appeals/hot-topics.jsonl` (routed by the example
//! rules), then looks up a sample of them again, as new appeals, with the candidate search
//! (`best_match`) and with the full scan (`best_match_by_scan`) in the same run. Prints the
//! median per-appeal latency of each over several rounds and their ratio.

#[path = "../examples/board/mod.rs"]
mod board;

use std::time::{Duration, Instant};

use gateway_analysis::duplicate::DuplicateConfig;

const ROUNDS: usize = 7;
const SAMPLE_EVERY: usize = 9;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let (index, replayed) = board::replay(DuplicateConfig::default());
    let sample: Vec<_> = replayed.iter().step_by(SAMPLE_EVERY).collect();
    let later = chrono::Duration::hours(1);

    let run = |scan: bool| {
        let mut rounds = Vec::new();
        let mut found = 0;
        for _ in 0..=ROUNDS {
            let start = Instant::now();
            found = 0;
            for r in &sample {
                let now = r.appeal.received_at + later;
                let hit = if scan {
                    index.best_match_by_scan(&r.appeal, &r.decision, now)
                } else {
                    index.best_match(&r.appeal, &r.decision, now)
                };
                found += usize::from(hit.is_some());
            }
            rounds.push(start.elapsed() / sample.len() as u32);
        }
        rounds.remove(0); // warm-up round
        (median(rounds), found)
    };
    let (indexed, indexed_found) = run(false);
    let (scanned, scanned_found) = run(true);

    println!(
        "duplicate lookup, {} appeals indexed, {} looked up per round, median of {ROUNDS} rounds",
        index.len(),
        sample.len()
    );
    println!(
        "  candidate search: {:>9.1} µs per appeal ({indexed_found} matched)",
        indexed.as_secs_f64() * 1e6
    );
    println!(
        "  full scan (baseline): {:>5.1} µs per appeal ({scanned_found} matched)",
        scanned.as_secs_f64() * 1e6
    );
    println!(
        "  speed-up: {:.1}x",
        scanned.as_secs_f64() / indexed.as_secs_f64()
    );
}
