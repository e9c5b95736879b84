//! Load benchmark of the intake server, on loopback, bounded in count and time.
//!
//! Prints, each beside a baseline measured in the same run on the same machine:
//! - closed loop: durable web-form intakes per second with many concurrent clients, and
//!   p50/p99 latency, against a bare hyper handler that answers 200 without storing;
//! - open loop: p50/p99 latency at a fixed offered rate (default 500 requests/s), latency
//!   counted from each request's scheduled time so that queueing is not hidden;
//! - resident memory and time to ready of a daemon with 100,000 stored appeals, against
//!   the same daemon on an empty store.
//!
//! The daemon is the real `gateway` binary in a child process (redb, group commit, the
//! embedded rules, logging at WARN). The bare handler and the load clients share this
//! process.
//!
//! Knobs (environment): `LOAD_SECONDS` (default 5), `LOAD_CLIENTS` (64), `LOAD_RATE` (500),
//! `LOAD_PREFILL` (100000).
//!
//! Run: `cargo bench -p gateway-daemon --bench load`

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gateway_core::store::{BackendType, StoreConfig};
use gateway_core::{Appeal, AppealStore, Channel, Citizen};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use routing_rules::RouteInput;

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Texts of real appeals, cut to a web form's length.
fn texts() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/appeals/labelled-dev.jsonl");
    let text = std::fs::read_to_string(&path).expect("the fixture is readable");
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| v["body"].as_str().map(|b| b.chars().take(1000).collect()))
        .filter(|b: &String| !b.trim().is_empty())
        .collect()
}

struct Daemon {
    child: Child,
    base: String,
    started: Instant,
    ready_after: Duration,
}

impl Daemon {
    fn start(config: &Path, data_dir: &Path) -> Daemon {
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_gateway"))
            .arg("serve")
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(data_dir)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the gateway binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        while !line.starts_with("listening on ") {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                panic!("the gateway exited before listening");
            }
        }
        let base = line["listening on ".len()..].trim().to_string();
        let probe = reqwest::blocking::Client::new();
        loop {
            if probe
                .get(format!("{base}/readyz"))
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "never ready");
            std::thread::sleep(Duration::from_millis(5));
        }
        Daemon {
            child,
            base,
            started,
            ready_after: started.elapsed(),
        }
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = self.started;
    }
}

fn write_config(dir: &Path) -> PathBuf {
    let path = dir.join("gateway.toml");
    std::fs::write(
        &path,
        "listen = \"127.0.0.1:0\"\n[store]\ntype = \"redb\"\n[channels.web_form]\nrequire_contact = false\n[logging]\nlevel = \"warn\"\n",
    )
    .expect("write the config");
    path
}

/// A bare hyper HTTP/1 server that answers every request 200 `{}` without storing.
async fn bare_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the bare server");
    let address = listener.local_addr().expect("bare address");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = service_fn(|_request| async {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                        Bytes::from_static(b"{}"),
                    )))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    address
}

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    errors: u64,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn body(texts: &[String], n: u64) -> String {
    serde_json::json!({"body": texts[n as usize % texts.len()], "phone": "13800000000"}).to_string()
}

/// Closed loop: `clients` tasks each post, wait for the answer, post again.
async fn closed_loop(
    url: &str,
    clients: u64,
    seconds: u64,
    texts: Arc<Vec<String>>,
    run: &str,
) -> Figures {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients as usize)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let counter = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, counter, errors, texts, url, run) = (
            http.clone(),
            Arc::clone(&counter),
            Arc::clone(&errors),
            Arc::clone(&texts),
            url.to_string(),
            run.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let sent = Instant::now();
                let result = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("idempotency-key", format!("{run}-{n}"))
                    .body(body(&texts, n))
                    .send()
                    .await;
                match result {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        latencies.push(sent.elapsed());
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap_or_default());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Figures {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        errors: errors.load(Ordering::Relaxed),
    }
}

/// Open loop: requests start on a fixed schedule whatever the answers; latency is counted
/// from the scheduled start.
async fn open_loop(
    url: &str,
    rate: u64,
    seconds: u64,
    texts: Arc<Vec<String>>,
    run: &str,
) -> Figures {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let errors = Arc::new(AtomicU64::new(0));
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        let scheduled = started + interval * n as u32;
        tokio::time::sleep_until(scheduled).await;
        let (http, errors, texts, url, run) = (
            http.clone(),
            Arc::clone(&errors),
            Arc::clone(&texts),
            url.to_string(),
            run.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let result = http
                .post(&url)
                .header("content-type", "application/json")
                .header("idempotency-key", format!("{run}-{n}"))
                .body(body(&texts, n))
                .send()
                .await;
            match result {
                Ok(r) if r.status().is_success() => {
                    let _ = r.bytes().await;
                    Some(scheduled.elapsed())
                }
                _ => {
                    errors.fetch_add(1, Ordering::Relaxed);
                    None
                }
            }
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        if let Ok(Some(latency)) = task.await {
            latencies.push(latency);
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Figures {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        errors: errors.load(Ordering::Relaxed),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Stores `count` routed appeals directly through the store, from several threads so that
/// group commit batches them.
fn prefill(data_dir: &Path, count: u64, texts: &[String]) {
    let rules = gateway_daemon::defaults::load_rules(None).expect("embedded rules compile");
    let store = AppealStore::open(&StoreConfig::new(
        BackendType::Redb,
        data_dir.join("appeals.redb"),
    ))
    .expect("open the store");
    let threads = 64;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (store, rules) = (store.clone(), &rules);
            scope.spawn(move || {
                let mut n = t;
                while n < count {
                    let text = &texts[n as usize % texts.len()];
                    let appeal =
                        Appeal::builder(Channel::WebForm, format!("prefill-{n}"), text.clone())
                            .citizen(Citizen {
                                phone: Some(format!("138{:08}", n % 100_000_000)),
                                ..Citizen::default()
                            })
                            .build();
                    let decision = rules.route(&RouteInput::from(&appeal));
                    store
                        .intake_blocking(appeal, decision)
                        .expect("prefill intake");
                    n += threads;
                }
            });
        }
    });
    store.close();
}

fn main() {
    let seconds = knob("LOAD_SECONDS", 5);
    let clients = knob("LOAD_CLIENTS", 64);
    let rate = knob("LOAD_RATE", 500);
    let prefill_count = knob("LOAD_PREFILL", 100_000);
    let texts = Arc::new(texts());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path());
    let empty_dir = dir.path().join("empty");
    let daemon = Daemon::start(&config, &empty_dir);
    let empty_ready = daemon.ready_after;
    let empty_rss = daemon.rss_kib();
    let daemon_url = format!("{}/channels/web-form", daemon.base);

    runtime.block_on(async {
        let bare = format!("http://{}/channels/web-form", bare_server().await);
        // Warm both up.
        let _ = closed_loop(&bare, 8, 1, Arc::clone(&texts), "warm-bare").await;
        let _ = closed_loop(&daemon_url, 8, 1, Arc::clone(&texts), "warm").await;

        println!("load benchmark: web form intake on loopback, {clients} clients, {seconds} s per run");
        let base = closed_loop(&bare, clients, seconds, Arc::clone(&texts), "bare").await;
        let gate = closed_loop(&daemon_url, clients, seconds, Arc::clone(&texts), "closed").await;
        println!(
            "closed loop   bare hyper 200 (baseline): {:>9.0} req/s  p50 {}  p99 {}  errors {}",
            base.per_second, ms(base.p50), ms(base.p99), base.errors
        );
        println!(
            "closed loop   gateway durable intake   : {:>9.0} appeals/s  p50 {}  p99 {}  errors {}",
            gate.per_second, ms(gate.p50), ms(gate.p99), gate.errors
        );
        println!(
            "              ratio gateway/bare: throughput {:.3}, p50 {:.1}x, p99 {:.1}x; goal >= 2000 appeals/s: {}",
            gate.per_second / base.per_second,
            gate.p50.as_secs_f64() / base.p50.as_secs_f64().max(1e-9),
            gate.p99.as_secs_f64() / base.p99.as_secs_f64().max(1e-9),
            if gate.per_second >= 2000.0 { "met" } else { "NOT met" }
        );

        let base = open_loop(&bare, rate, seconds, Arc::clone(&texts), "open-bare").await;
        let gate = open_loop(&daemon_url, rate, seconds, Arc::clone(&texts), "open").await;
        println!(
            "open loop {rate}/s bare hyper 200 (baseline): p50 {}  p99 {}  errors {}",
            ms(base.p50), ms(base.p99), base.errors
        );
        println!(
            "open loop {rate}/s gateway durable intake   : p50 {}  p99 {}  errors {}  ({:.0} answered/s)",
            ms(gate.p50), ms(gate.p99), gate.errors, gate.per_second
        );
        println!(
            "              ratio gateway/bare: p50 {:.1}x, p99 {:.1}x; goal p99 < 50 ms: {}",
            gate.p50.as_secs_f64() / base.p50.as_secs_f64().max(1e-9),
            gate.p99.as_secs_f64() / base.p99.as_secs_f64().max(1e-9),
            if gate.p99 < Duration::from_millis(50) { "met" } else { "NOT met" }
        );
    });
    drop(daemon);

    let full_dir = dir.path().join("full");
    let started = Instant::now();
    prefill(&full_dir, prefill_count, &texts);
    let prefill_time = started.elapsed();
    let full = Daemon::start(&config, &full_dir);
    let full_ready = full.ready_after;
    // One read of the store, as an operator's first query would.
    let _ = reqwest::blocking::Client::new()
        .get(format!("{}/readyz", full.base))
        .send();
    let full_rss = full.rss_kib();
    drop(full);
    println!(
        "start on {prefill_count} stored appeals (prefilled in {:.1} s): ready after {}, resident {} MiB",
        prefill_time.as_secs_f64(),
        ms(full_ready),
        full_rss / 1024
    );
    println!(
        "start on an empty store (baseline)      : ready after {}, resident {} MiB; ratio time {:.2}x, memory {:.2}x",
        ms(empty_ready),
        empty_rss / 1024,
        full_ready.as_secs_f64() / empty_ready.as_secs_f64().max(1e-9),
        full_rss as f64 / (empty_rss as f64).max(1.0)
    );
}
