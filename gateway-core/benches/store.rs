//! Durable intakes per second with group commit against one commit per intake, per backend,
//! and the open time and resident memory of a store holding 100,000 appeals.
//!
//! Run: `cargo bench -p gateway-core --features sled --bench store`
//! Smaller: `STORE_BENCH_N=500 STORE_BENCH_APPEALS=20000 cargo bench -p gateway-core --bench store`

#[path = "../tests/store_support/mod.rs"]
mod store_support;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway_core::store::{AppealFilter, AppealStore, BackendType, PageRequest, StoreConfig};
use gateway_core::{Channel, Kind, UnitId};
use store_support::{appeal, backends, config, decision, texts};

const OPEN_ENV: &str = "STORE_BENCH_OPEN";
const KILL_ENV: &str = "STORE_BENCH_WRITE_UNTIL_KILLED";
const ROUNDS: usize = 3;
/// Concurrent writers filling the large store: many, so that batches are large.
const FILL_WRITERS: usize = 512;
const UNITS: [&str; 6] = [
    "market-supervision",
    "housing",
    "police",
    "ecology-environment",
    "water-resources",
    "transport",
];

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if let Ok(spec) = std::env::var(OPEN_ENV) {
        open_probe(&spec);
        return;
    }
    if let Ok(spec) = std::env::var(KILL_ENV) {
        write_until_killed(&spec);
        return;
    }
    let intakes = env_number("STORE_BENCH_N", 1_000);
    let stored = env_number("STORE_BENCH_APPEALS", 100_000);
    let texts = Arc::new(texts());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");

    println!("# durable intakes per second, median of {ROUNDS} rounds of {intakes} intakes");
    println!("backend  writers  group_commit/s  one_commit_each/s  ratio");
    for backend in backends() {
        for writers in [1usize, 16, 64] {
            let (grouped, single) = paired_rounds(&runtime, backend, writers, intakes, &texts);
            let (grouped, single) = (median(grouped), median(single));
            println!(
                "{:<8} {writers:>7} {grouped:>15.0} {single:>18.0} {:>6.2}x",
                backend.as_str(),
                grouped / single
            );
        }
    }

    println!();
    println!(
        "# a store of {stored} appeals: fill, then open and query in a fresh process (median of {ROUNDS})"
    );
    for backend in backends() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let cfg = config(backend, dir.path());
        let fill_started = Instant::now();
        fill(&runtime, &cfg, stored, &texts);
        let fill_seconds = fill_started.elapsed().as_secs_f64();
        let size_bytes = disk_bytes(&cfg.path);
        println!(
            "{}: filled {stored} appeals in {fill_seconds:.1}s ({:.0}/s, {FILL_WRITERS} writers), {:.0} MiB on disk",
            backend.as_str(),
            stored as f64 / fill_seconds,
            size_bytes as f64 / 1048576.0
        );
        let crashed = crash_then_probe(backend, &cfg.path);
        println!(
            "{}: open after a SIGKILL during intake (recovery included) {:.1} ms",
            backend.as_str(),
            crashed[0]
        );
        let mut probes: Vec<Vec<f64>> = Vec::new();
        for _ in 0..ROUNDS {
            probes.push(run_probe(backend, &cfg.path));
        }
        let column = |i: usize| median(probes.iter().map(|p| p[i]).collect());
        println!(
            "{}: open {:.1} ms; VmRSS {:.1} MiB before open, {:.1} MiB after open, {:.1} MiB after queries",
            backend.as_str(),
            column(0),
            column(1),
            column(2),
            column(3)
        );
        println!(
            "{}: count all {:.3} ms; one unit in one day, first page of 50: {:.2} ms; count of that unit (~{:.0} appeals): {:.1} ms; by case number {:.3} ms; one page of 50 by time range {:.2} ms",
            backend.as_str(),
            column(4),
            column(5),
            column(6),
            column(7),
            column(8),
            column(9)
        );
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Intakes per second of each round with group commit and with one commit per intake.
/// The two alternate round by round, so that drift in the disk's speed (the machine is
/// shared) falls on both alike.
fn paired_rounds(
    runtime: &tokio::runtime::Runtime,
    backend: BackendType,
    writers: usize,
    intakes: usize,
    texts: &Arc<Vec<(String, String)>>,
) -> (Vec<f64>, Vec<f64>) {
    let open = |max_batch: usize| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut cfg = config(backend, dir.path());
        cfg.max_batch = max_batch;
        (AppealStore::open(&cfg).expect("the store opens"), dir)
    };
    let (grouped, _grouped_dir) = open(256);
    let (single, _single_dir) = open(1);
    let mut rates = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        for (store, out) in [(&grouped, &mut rates.0), (&single, &mut rates.1)] {
            let started = Instant::now();
            runtime.block_on(write(store, writers, intakes, &format!("r{round}"), texts));
            out.push(intakes as f64 / started.elapsed().as_secs_f64());
        }
    }
    grouped.close();
    single.close();
    rates
}

/// `intakes` intakes from `writers` concurrent tasks.
async fn write(
    store: &AppealStore,
    writers: usize,
    intakes: usize,
    tag: &str,
    texts: &Arc<Vec<(String, String)>>,
) {
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let store = store.clone();
        let texts = Arc::clone(texts);
        let tag = tag.to_string();
        tasks.push(tokio::spawn(async move {
            let mut n = writer;
            while n < intakes {
                let (title, body) = &texts[n % texts.len()];
                let received = chrono::Utc::now() - chrono::Duration::minutes((n % 20_000) as i64);
                let mut a = appeal(Channel::ALL[n % 5], &format!("{tag}-{n}"), body, received);
                a.title = Some(title.clone());
                let lead = UNITS[n % UNITS.len()];
                let assisting = [UNITS[(n / 7) % UNITS.len()]];
                let township = format!("3303281{:02}", n % 17);
                let route = decision(Kind::ALL[n % 5], lead, &assisting, Some(&township));
                store.intake(a, route).await.expect("intake");
                n += writers;
            }
        }));
    }
    for task in tasks {
        task.await.expect("a writer task");
    }
}

fn fill(
    runtime: &tokio::runtime::Runtime,
    cfg: &StoreConfig,
    stored: usize,
    texts: &Arc<Vec<(String, String)>>,
) {
    let mut cfg = cfg.clone();
    cfg.max_batch = 1024;
    let store = AppealStore::open(&cfg).expect("the store opens");
    runtime.block_on(write(&store, FILL_WRITERS, stored, "fill", texts));
    store.close();
}

fn disk_bytes(path: &Path) -> u64 {
    if path.is_file() {
        return path.metadata().map(|m| m.len()).unwrap_or(0);
    }
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| disk_bytes(&e.path()))
                .sum()
        })
        .unwrap_or(0)
}

/// Kills a process in the middle of intakes into the large store, then probes the open.
fn crash_then_probe(backend: BackendType, path: &Path) -> Vec<f64> {
    use std::io::BufRead;
    let exe = std::env::current_exe().expect("the bench binary's path");
    let mut child = Command::new(exe)
        .env(KILL_ENV, format!("{}|{}", backend.as_str(), path.display()))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the writer starts");
    let stdout = child.stdout.take().expect("the writer's stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    // Wait for 200 acknowledged intakes, so the kill lands in the middle of writing.
    for _ in 0..200 {
        if lines.next().is_none() {
            break;
        }
    }
    child.kill().expect("SIGKILL reaches the writer");
    child.wait().expect("the writer is reaped");
    run_probe(backend, path)
}

/// In the killed process: intakes from 16 tasks, one line per acknowledged intake.
fn write_until_killed(spec: &str) {
    let (backend, path) = spec.split_once('|').expect("backend|path");
    let backend = if backend == "redb" {
        BackendType::Redb
    } else {
        BackendType::Sled
    };
    let store = AppealStore::open(&StoreConfig::new(backend, path)).expect("the store opens");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for writer in 0..16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                // Bounded, should the parent never kill.
                for n in 0..100_000 {
                    let a = appeal(
                        Channel::Phone,
                        &format!("kill-{writer}-{n}"),
                        "噪音",
                        chrono::Utc::now(),
                    );
                    let route = decision(Kind::Complaint, "police", &[], None);
                    store.intake(a, route).await.expect("intake");
                    println!("{writer} {n}");
                }
            }));
        }
        for task in tasks {
            let _ = task.await;
        }
    });
}

/// Runs the open probe in a fresh process, so that its memory is the store's alone.
fn run_probe(backend: BackendType, path: &Path) -> Vec<f64> {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let output = Command::new(exe)
        .env(OPEN_ENV, format!("{}|{}", backend.as_str(), path.display()))
        .output()
        .expect("the probe runs");
    assert!(
        output.status.success(),
        "probe failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .map(|v| v.parse().expect("a probe figure"))
        .collect()
}

fn vm_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// In the probe process: open time, memory, and the reads the daemon makes most.
fn open_probe(spec: &str) {
    let (backend, path) = spec.split_once('|').expect("backend|path");
    let backend = if backend == "redb" {
        BackendType::Redb
    } else {
        BackendType::Sled
    };
    let rss_before = vm_rss_mib();
    let started = Instant::now();
    let store = AppealStore::open(&StoreConfig::new(backend, path)).expect("the store opens");
    let open_ms = millis(started);
    let rss_open = vm_rss_mib();

    let started = Instant::now();
    let total = store.count(&AppealFilter::default()).expect("count");
    let count_ms = millis(started);
    assert!(total > 0);

    let now = chrono::Utc::now();
    let day = AppealFilter::default()
        .unit(UnitId::new("police"))
        .received_between(
            now - chrono::Duration::hours(30),
            now - chrono::Duration::hours(6),
        );
    let started = Instant::now();
    let page = store.list(&day, &PageRequest::first(50)).expect("list");
    let page_ms = millis(started);
    assert!(!page.records.is_empty());

    let unit = AppealFilter::default().unit(UnitId::new("police"));
    let started = Instant::now();
    let unit_count = store.count(&unit).expect("count") as f64;
    let unit_count_ms = millis(started);

    let number = page.records[0].case_number.clone();
    let started = Instant::now();
    let found = store.appeal_by_case_number(&number).expect("lookup");
    let lookup_ms = millis(started);
    assert!(found.is_some());

    let window = AppealFilter::default().received_between(
        now - chrono::Duration::hours(10),
        now - chrono::Duration::hours(9),
    );
    let started = Instant::now();
    let window_page = store.list(&window, &PageRequest::first(50)).expect("list");
    let window_ms = millis(started);
    assert!(!window_page.records.is_empty());

    let rss_queries = vm_rss_mib();
    store.close();
    std::thread::sleep(Duration::from_millis(1));
    println!(
        "{open_ms} {rss_before} {rss_open} {rss_queries} {count_ms} {page_ms} {unit_count} {unit_count_ms} {lookup_ms} {window_ms}"
    );
}
