//! What duplicate detection costs the daemon: rebuilding the index at start, and one lookup
//! at intake, each beside a baseline measured in the same run.
//!
//! - start: `DuplicateBook::rebuild` over N stored appeals, against reading the same
//!   appeals from the store alone (which the rebuild also does), with resident memory;
//! - intake: one `find` on the full index, against routing the same appeal.
//!
//! The appeals are the 4,326 real messages of `fixtures/appeals/hot-topics.jsonl`, taken
//! round and round up to N, received evenly over the last `DUP_SPAN_DAYS` days, each
//! routed by the embedded rules and stored with its decision. The rebuild holds those of
//! the last 90 days (the longest comparison window).
//!
//! Knobs (environment): `DUP_PREFILL` (default 100000), `DUP_SPAN_DAYS` (730),
//! `DUP_PROBES` (2000).
//!
//! Run: `cargo bench -p gateway-daemon --bench duplicates`

use std::path::Path;
use std::time::Instant;

use chrono::Utc;
use gateway_core::store::{
    AppealFilter, AppealStore, BackendType, MAX_PAGE_LIMIT, PageRequest, StoreConfig,
};
use gateway_core::{Appeal, Channel, Citizen};
use gateway_daemon::cases::duplicates::{DuplicateBook, DuplicatesConfig};
use routing_rules::RouteInput;

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// (user, title, body) of the real messages.
fn messages() -> Vec<(String, String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/appeals/hot-topics.jsonl");
    let text = std::fs::read_to_string(&path).expect("the fixture is readable");
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|v| {
            let field = |name: &str| v[name].as_str().unwrap_or_default().to_string();
            (field("user"), field("title"), field("body"))
        })
        .collect()
}

/// The `n`th appeal, received `days_ago` days before now.
fn appeal(n: usize, message: &(String, String, String), days_ago: f64) -> Appeal {
    let (user, title, body) = message;
    // One made-up phone number per forum user, so the same user is the same citizen.
    let user_number = user.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let received = Utc::now() - chrono::Duration::seconds((days_ago * 86_400.0) as i64);
    Appeal::builder(Channel::WebForm, format!("dup-bench-{n}"), body.clone())
        .title(title.clone())
        .received_at(received)
        .citizen(Citizen {
            phone: Some(format!("139{:08}", user_number % 100_000_000)),
            ..Citizen::default()
        })
        .build()
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4)
}

fn main() {
    let count = knob("DUP_PREFILL", 100_000);
    let span = knob("DUP_SPAN_DAYS", 730) as f64;
    let probes = knob("DUP_PROBES", 2_000);
    let messages = messages();
    let rules = gateway_daemon::defaults::load_rules(None).expect("embedded rules compile");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = AppealStore::open(&StoreConfig::new(
        BackendType::Redb,
        dir.path().join("appeals.redb"),
    ))
    .expect("open the store");

    // Prefill from several threads so that group commit batches the writes.
    let started = Instant::now();
    let threads = 32;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (store, rules, messages) = (store.clone(), &rules, &messages);
            scope.spawn(move || {
                let mut n = t;
                while n < count {
                    // Spread evenly over the last `span` days, newest last.
                    let days_ago = span * (1.0 - n as f64 / count as f64);
                    let appeal = appeal(n, &messages[n % messages.len()], days_ago);
                    let decision = rules.route(&RouteInput::from(&appeal));
                    store
                        .intake_blocking(appeal, decision)
                        .expect("prefill intake");
                    n += threads;
                }
            });
        }
    });
    println!(
        "duplicates benchmark: {count} stored appeals (prefilled in {:.1} s)",
        started.elapsed().as_secs_f64()
    );

    // Baseline: reading every stored appeal, as the rebuild does first.
    let started = Instant::now();
    let mut read = 0usize;
    let mut page = PageRequest::first(MAX_PAGE_LIMIT);
    loop {
        let found = store.list(&AppealFilter::default(), &page).expect("list");
        read += found.records.len();
        match found.next_cursor {
            Some(cursor) => page = PageRequest::after(MAX_PAGE_LIMIT, cursor),
            None => break,
        }
    }
    let scan = started.elapsed();

    // The rebuild.
    let before = resident_kib();
    let started = Instant::now();
    let book = DuplicateBook::new(&DuplicatesConfig::default()).expect("default config");
    let indexed = book.rebuild(&store, Utc::now()).expect("rebuild");
    let rebuild = started.elapsed();
    let grown = resident_kib().saturating_sub(before);
    println!(
        "start  read all {read} appeals (baseline): {:>8.1} ms",
        scan.as_secs_f64() * 1000.0
    );
    println!(
        "start  rebuild the index of {indexed}:  {:>8.1} ms ({:.2}x the read alone), resident +{} MiB",
        rebuild.as_secs_f64() * 1000.0,
        rebuild.as_secs_f64() / scan.as_secs_f64().max(1e-9),
        grown / 1024
    );

    // One lookup per new appeal, against routing it.
    let now = Utc::now();
    let probe_appeals: Vec<Appeal> = (0..probes)
        .map(|i| appeal(count + i, &messages[(i * 13) % messages.len()], 0.0))
        .collect();
    let started = Instant::now();
    let decisions: Vec<_> = probe_appeals
        .iter()
        .map(|a| rules.route(&RouteInput::from(a)))
        .collect();
    let route = started.elapsed();
    let started = Instant::now();
    let mut found = 0usize;
    for (appeal, decision) in probe_appeals.iter().zip(&decisions) {
        found += usize::from(book.find(appeal, decision, now).is_some());
    }
    let lookup = started.elapsed();
    let per = |d: std::time::Duration| d.as_secs_f64() * 1e6 / probes as f64;
    println!(
        "intake route one appeal (baseline):  {:>8.1} µs",
        per(route)
    );
    println!(
        "intake find its duplicate:           {:>8.1} µs ({:.2}x routing); {found} of {probes} found one",
        per(lookup),
        lookup.as_secs_f64() / route.as_secs_f64().max(1e-9)
    );
    store.close();
}
