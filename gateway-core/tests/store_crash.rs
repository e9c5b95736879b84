//! The crash test: a child process takes appeals in from many threads and tasks and prints
//! each one's key only after its intake returned; the parent SIGKILLs it mid-run, reopens the
//! store and checks that every printed appeal is there exactly once, with the same id.
//!
//! Run: `cargo test -p gateway-core --test store_crash` (add `--features sled` for sled too).
//! The test binary plays both parts: started with `STORE_CRASH_CHILD` set, it is the child.

mod store_support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gateway_core::store::{
    AppealFilter, AppealStore, BackendType, HistoryEntry, PageRequest, WriteBatch,
};
use gateway_core::{Channel, Kind};
use store_support::{appeal, backends, config, decision};

const CHILD_ENV: &str = "STORE_CRASH_CHILD";
/// Blocking threads in the child.
const THREADS: usize = 8;
/// Async tasks in the child.
const TASKS: usize = 24;
/// The child kills itself after this long if the parent never does.
const CHILD_LIMIT: Duration = Duration::from_secs(30);
/// The parent kills the child after this many printed lines (times the round, plus one), or
/// this long, whichever first.
const KILL_AFTER_LINES: usize = 400;
const KILL_AFTER: Duration = Duration::from_secs(4);
const ROUNDS: usize = 2;

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child(&spec);
        return;
    }
    let started = Instant::now();
    for backend in backends() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut printed = Printed::default();
        for round in 0..ROUNDS {
            let lines = run_and_kill_child(backend, dir.path(), round);
            printed.add(&lines);
            check_after_crash(backend, dir.path(), &printed);
            println!(
                "store_crash {backend} round {round}: {} intakes and {} batches printed before SIGKILL, all found after reopen",
                printed.intakes.len(),
                printed.batches.len()
            );
        }
    }
    println!(
        "test result: ok. crash test passed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

/// What the children printed: message id → (appeal id, case number), and batch message ids.
#[derive(Default)]
struct Printed {
    intakes: BTreeMap<String, (String, String)>,
    batches: HashSet<String>,
}

impl Printed {
    fn add(&mut self, lines: &[String]) {
        for line in lines {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                ["I", message_id, id, case_number] => {
                    let previous = self.intakes.insert(
                        message_id.to_string(),
                        (id.to_string(), case_number.to_string()),
                    );
                    assert!(previous.is_none(), "message id {message_id} printed twice");
                }
                ["B", message_id] => {
                    self.batches.insert(message_id.to_string());
                }
                _ => panic!("unexpected line from the child: {line:?}"),
            }
        }
    }
}

fn run_and_kill_child(backend: BackendType, dir: &Path, round: usize) -> Vec<String> {
    let exe = std::env::current_exe().expect("the test binary's path");
    let spec = format!("{}|{}|{round}", backend.as_str(), dir.display());
    let mut child = Command::new(exe)
        .env(CHILD_ENV, spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the child starts");
    let stdout = child.stdout.take().expect("the child's stdout");

    // Complete lines only: a line cut by the kill has no newline and promises nothing.
    let (lines_tx, lines_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line.ends_with('\n') => {
                    if lines_tx.send(line.trim_end().to_string()).is_err() {
                        return;
                    }
                }
                Ok(_) => return,
            }
        }
    });

    let started = Instant::now();
    let mut lines = Vec::new();
    while lines.len() < KILL_AFTER_LINES * (round + 1) && started.elapsed() < KILL_AFTER {
        if let Ok(line) = lines_rx.recv_timeout(Duration::from_millis(20)) {
            lines.push(line);
        }
    }
    assert!(
        child.try_wait().expect("the child's status").is_none(),
        "the child ended before it was killed"
    );
    child.kill().expect("SIGKILL reaches the child");
    let status = child.wait().expect("the child is reaped");
    assert!(!status.success(), "the child was killed, not finished");
    reader.join().expect("the reader thread ends");
    lines.extend(lines_rx.try_iter());
    assert!(
        lines.len() >= 20,
        "the child printed only {} lines before the kill; the test proves nothing",
        lines.len()
    );
    lines
}

fn check_after_crash(backend: BackendType, dir: &Path, printed: &Printed) {
    let store = AppealStore::open(&config(backend, dir)).expect("the store reopens after SIGKILL");

    // Every stored appeal, by paging through the whole list.
    let mut stored = Vec::new();
    let mut page = PageRequest::first(500);
    loop {
        let got = store.list(&AppealFilter::default(), &page).expect("list");
        stored.extend(got.records);
        match got.next_cursor {
            Some(cursor) => page = PageRequest::after(500, cursor),
            None => break,
        }
    }
    assert_eq!(
        store.count(&AppealFilter::default()).unwrap(),
        stored.len() as u64,
        "the appeal counter matches the appeals stored"
    );
    let mut per_key: HashMap<String, usize> = HashMap::new();
    let mut case_numbers = HashSet::new();
    for record in &stored {
        *per_key
            .entry(record.appeal.channel_message_id.clone())
            .or_default() += 1;
        assert!(
            case_numbers.insert(record.case_number.clone()),
            "case number {} given twice",
            record.case_number
        );
        // A batch is all or nothing: the outbox record and the history entry go together.
        let outbox = store
            .get("crash-outbox", record.appeal.id.as_str())
            .unwrap();
        let dispatched = store
            .history(&record.appeal.id)
            .unwrap()
            .iter()
            .any(|entry| entry.action == "dispatched");
        assert_eq!(
            outbox.is_some(),
            dispatched,
            "batch for {} half applied",
            record.appeal.id
        );
    }
    assert!(
        per_key.values().all(|&n| n == 1),
        "an intake key stored twice"
    );

    // Every printed intake is there, once, with the printed id and case number.
    for (message_id, (id, case_number)) in &printed.intakes {
        assert_eq!(
            per_key.get(message_id),
            Some(&1),
            "printed {message_id} not stored once"
        );
        let record = store
            .appeal_by_intake_key(&format!("phone:{message_id}"))
            .unwrap()
            .unwrap_or_else(|| panic!("printed {message_id} is missing"));
        assert_eq!(record.appeal.id.as_str(), id);
        assert_eq!(record.case_number.as_str(), case_number);
    }
    for message_id in &printed.batches {
        let (id, _) = &printed.intakes[message_id];
        assert!(
            store.get("crash-outbox", id).unwrap().is_some(),
            "printed batch {message_id} lost"
        );
    }

    // Retries of printed intakes are duplicates with the first ids.
    for (message_id, (id, case_number)) in printed.intakes.iter().take(50) {
        let retry = appeal(Channel::Phone, message_id, "重试", chrono::Utc::now());
        let outcome = store
            .intake_blocking(retry, decision(Kind::Complaint, "police", &[], None))
            .unwrap();
        assert!(outcome.duplicate);
        assert_eq!(outcome.appeal_id.as_str(), id);
        assert_eq!(outcome.case_number.as_str(), case_number);
    }
    store.close();
}

/// The child: intakes from threads and tasks until killed, printing each after it returned.
fn child(spec: &str) {
    let parts: Vec<&str> = spec.split('|').collect();
    let [backend, dir, round] = parts.as_slice() else {
        panic!("bad {CHILD_ENV} spec {spec:?}");
    };
    let backend = match *backend {
        "redb" => BackendType::Redb,
        _ => BackendType::Sled,
    };
    let store =
        AppealStore::open(&config(backend, Path::new(dir))).expect("the child opens the store");
    let deadline = Instant::now() + CHILD_LIMIT;
    let round = round.to_string();

    let mut threads = Vec::new();
    for worker in 0..THREADS {
        let store = store.clone();
        let round = round.clone();
        threads.push(std::thread::spawn(move || {
            for n in 0u64.. {
                if Instant::now() > deadline {
                    return;
                }
                let message_id = format!("crash-{round}-t{worker}-{n}");
                let a = appeal(
                    Channel::Phone,
                    &message_id,
                    "夜间施工噪音扰民",
                    chrono::Utc::now(),
                );
                let outcome = store
                    .intake_blocking(a, decision(Kind::Complaint, "police", &["housing"], None))
                    .expect("intake");
                say(&format!(
                    "I {message_id} {} {}",
                    outcome.appeal_id, outcome.case_number
                ));
                if n.is_multiple_of(3) {
                    store
                        .commit_blocking(dispatch(&outcome.appeal_id))
                        .expect("batch");
                    say(&format!("B {message_id}"));
                }
            }
        }));
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for worker in 0..TASKS {
            let store = store.clone();
            let round = round.clone();
            tasks.push(tokio::spawn(async move {
                for n in 0u64.. {
                    if Instant::now() > deadline {
                        return;
                    }
                    let message_id = format!("crash-{round}-a{worker}-{n}");
                    let a = appeal(Channel::Phone, &message_id, "路灯不亮", chrono::Utc::now());
                    let outcome = store
                        .intake(
                            a,
                            decision(Kind::HelpRequest, "housing", &[], Some("330328100")),
                        )
                        .await
                        .expect("intake");
                    say(&format!(
                        "I {message_id} {} {}",
                        outcome.appeal_id, outcome.case_number
                    ));
                    if n % 3 == 1 {
                        store
                            .commit(dispatch(&outcome.appeal_id))
                            .await
                            .expect("batch");
                        say(&format!("B {message_id}"));
                    }
                }
            }));
        }
        for task in tasks {
            let _ = task.await;
        }
    });
    for thread in threads {
        let _ = thread.join();
    }
}

fn dispatch(id: &gateway_core::AppealId) -> WriteBatch {
    let mut batch = WriteBatch::new();
    batch
        .put("crash-outbox", id.as_str(), b"market-supervision".to_vec())
        .expect("a valid table name")
        .append_history(id, HistoryEntry::now("gateway", "dispatched"));
    batch
}

/// One whole line to stdout, flushed at once.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
