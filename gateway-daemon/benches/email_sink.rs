//! Benchmark of the email sink: what storing a delivered mail costs beyond storing its appeal.
//!
//! Each round takes the same citizens' mails into a fresh store twice: through
//! [`StoreSink::take_in`] (route, intake, then the acknowledgement and taken-in record in a
//! second commit), and, as the baseline measured in the same run, through a bare
//! `AppealStore::intake` of the same routed appeals. Prints the median per-mail latency of
//! each over the rounds and their ratio. Mail is taken in one at a time, as one watcher
//! does, so every mail waits for its own fsyncs.
//!
//! Knobs (environment): `EMAIL_BENCH_MAILS` (default 200), `EMAIL_BENCH_ROUNDS` (5).
//!
//! Run: `cargo bench -p gateway-daemon --bench email_sink`

use std::sync::Arc;
use std::time::{Duration, Instant};

use channel_adapters::email::imap::FetchedMail;
use channel_adapters::email::{AckConfig, EmailOutcome, NoSentMessages, intake_email};
use gateway_core::AppealStore;
use gateway_core::store::{BackendType, StoreConfig};
use gateway_daemon::email::StoreSink;
use routing_rules::{RouteInput, RuleSet};
use tokio::sync::Notify;

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn mail(round: usize, n: usize) -> Vec<u8> {
    format!(
        "From: =?UTF-8?B?5byg5LiJ?= <citizen{n}@example.org>\r\n\
         Subject: =?UTF-8?B?6Lev54Gv5LiN5Lqu5LqG?=\r\n\
         Message-ID: <bench-{round}-{n}@example.org>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         第{n}封：大峃镇新街路灯不亮了，晚上走路很不安全，请尽快维修。\r\n"
    )
    .into_bytes()
}

fn open(dir: &tempfile::TempDir, name: &str) -> AppealStore {
    AppealStore::open(&StoreConfig::new(BackendType::Redb, dir.path().join(name)))
        .expect("store opens")
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// Per-mail time through the sink, on a fresh store.
async fn through_sink(rules: &Arc<RuleSet>, mails: &[Vec<u8>]) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir, "sink.redb");
    let current = Arc::clone(rules);
    let ack: AckConfig = serde_json::from_value(serde_json::json!({
        "from_address": "xianzhang@wencheng.example.gov.cn",
        "message_id_domain": "wencheng.example.gov.cn",
    }))
    .expect("acknowledgement settings");
    let sink = StoreSink::new(
        store.clone(),
        Arc::new(move || Arc::clone(&current)),
        Arc::new(ack),
        Arc::new(Notify::new()),
    );
    let fetched: Vec<FetchedMail> = mails
        .iter()
        .enumerate()
        .map(|(i, raw)| FetchedMail {
            mailbox: "INBOX".into(),
            uid_validity: 1,
            uid: i as u32 + 1,
            raw: raw.clone(),
            outcome: intake_email(raw, &NoSentMessages),
        })
        .collect();
    let started = Instant::now();
    for mail in fetched {
        sink.take_in(mail).await.expect("mail stored");
    }
    let elapsed = started.elapsed();
    store.close();
    elapsed / mails.len() as u32
}

/// Per-mail time of the bare intake of the same routed appeals, on a fresh store.
async fn bare_intake(rules: &Arc<RuleSet>, mails: &[Vec<u8>]) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir, "bare.redb");
    let appeals: Vec<_> = mails
        .iter()
        .map(|raw| match intake_email(raw, &NoSentMessages) {
            EmailOutcome::NewAppeal(new) => new.appeal,
            other => panic!("bench mail is an appeal: {other:?}"),
        })
        .collect();
    let started = Instant::now();
    for appeal in appeals {
        let decision = rules.route(&RouteInput::from(&appeal));
        store.intake(appeal, decision).await.expect("intake");
    }
    let elapsed = started.elapsed();
    store.close();
    elapsed / mails.len() as u32
}

fn main() {
    let count = knob("EMAIL_BENCH_MAILS", 200).max(1);
    let rounds = knob("EMAIL_BENCH_ROUNDS", 5).max(1);
    let rules = Arc::new(gateway_daemon::defaults::load_rules(None).expect("rules compile"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    let mut sink = Vec::new();
    let mut bare = Vec::new();
    for round in 0..rounds {
        let mails: Vec<Vec<u8>> = (0..count).map(|n| mail(round, n)).collect();
        runtime.block_on(async {
            sink.push(through_sink(&rules, &mails).await);
            bare.push(bare_intake(&rules, &mails).await);
        });
    }
    let (sink, bare) = (median(sink), median(bare));
    println!(
        "email sink, {count} mails one at a time, median of {rounds} rounds (redb, fsync per commit)"
    );
    println!(
        "  sink take_in per mail:       {:>8.0} µs",
        sink.as_secs_f64() * 1e6
    );
    println!(
        "  baseline bare intake per mail: {:>6.0} µs",
        bare.as_secs_f64() * 1e6
    );
    println!(
        "  ratio sink / baseline:       {:>8.2}",
        sink.as_secs_f64() / bare.as_secs_f64()
    );
}
