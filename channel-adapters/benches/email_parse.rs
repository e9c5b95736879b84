//! Parsing throughput over the 70 fixture e-mails: the full email pipeline (header repair,
//! charset correction, quote trimming, classification, appeal record) beside mail-parser's
//! bare `MessageParser::default().parse()` of the same bytes, in the same run.
//!
//! Run: `cargo bench -p channel-adapters --bench email_parse`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use channel_adapters::email::{NoSentMessages, intake_email};
use mail_parser::MessageParser;

/// Timed samples per contender; each sample parses every message `PASSES` times.
const SAMPLES: usize = 21;
const PASSES: usize = 5;

fn load_fixtures() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/email");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/email exists")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().and_then(|e| e.to_str()) == Some("eml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| std::fs::read(path).expect("fixture is readable"))
        .collect()
}

fn time_once(messages: &[Vec<u8>], parse: &dyn Fn(&[u8])) -> Duration {
    let start = Instant::now();
    for _ in 0..PASSES {
        for raw in messages {
            parse(raw);
        }
    }
    start.elapsed()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let messages = load_fixtures();
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let megabytes = (bytes * PASSES) as f64 / 1_000_000.0;

    let bare = |raw: &[u8]| {
        black_box(MessageParser::default().parse(black_box(raw)));
    };
    let full = |raw: &[u8]| {
        black_box(intake_email(black_box(raw), &NoSentMessages));
    };

    // Warm up both, then alternate samples so drift in the machine hits both alike.
    time_once(&messages, &bare);
    time_once(&messages, &full);
    let mut bare_rates = Vec::with_capacity(SAMPLES);
    let mut full_rates = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        bare_rates.push(megabytes / time_once(&messages, &bare).as_secs_f64());
        full_rates.push(megabytes / time_once(&messages, &full).as_secs_f64());
    }
    let bare_median = median(bare_rates);
    let full_median = median(full_rates);

    println!(
        "email_parse: {} messages, {:.2} MB per sample, {SAMPLES} samples (median)",
        messages.len(),
        megabytes
    );
    println!("  baseline mail-parser parse():  {bare_median:8.1} MB/s");
    println!("  full email pipeline:           {full_median:8.1} MB/s");
    println!(
        "  ratio pipeline / baseline:     {:8.2}  (the pipeline takes {:.1}x the baseline's time)",
        full_median / bare_median,
        bare_median / full_median
    );
}
