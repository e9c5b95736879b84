//! The crash test: many concurrent clients post appeals, the daemon is killed with SIGKILL
//! mid-run, and after a restart every appeal that got a 2xx is there exactly once, and its
//! retry returns the same appeal id and case number. Runs on redb, and on sled too with the
//! `sled` feature.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gateway_tests::{Daemon, Sandbox, backends, client, config_text, creds};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gateway-under-test");
const CLIENTS: usize = 24;

fn post(
    http: &reqwest::blocking::Client,
    base: &str,
    key: &str,
) -> Result<(String, String), String> {
    let response = http
        .post(format!("{base}/channels/web-form"))
        .header("idempotency-key", key)
        .json(&json!({"body": format!("小区路灯坏了 {key}"), "phone": "13800000000"}))
        .send()
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let text = response.text().map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{status}: {text}"));
    }
    let answer: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    match (answer["appealId"].as_str(), answer["caseNumber"].as_str()) {
        (Some(id), Some(case)) => Ok((id.to_string(), case.to_string())),
        _ => Err(format!("an answer without ids: {text}")),
    }
}

/// Every stored web-form appeal's intake key (its channel message id) and how often it is
/// there.
fn stored_keys(daemon: &Daemon) -> HashMap<String, Vec<(String, String)>> {
    let http = client();
    let mut keys: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = daemon.url("/api/v1/appeals?channel=web_form&limit=1000");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page: Value = http
            .get(url)
            .bearer_auth(creds::READER_TOKEN)
            .send()
            .unwrap()
            .json()
            .unwrap();
        for record in page["appeals"].as_array().unwrap() {
            let key = record["appeal"]["channel_message_id"].as_str().unwrap();
            keys.entry(key.to_string()).or_default().push((
                record["appeal"]["id"].as_str().unwrap().to_string(),
                record["case_number"].as_str().unwrap().to_string(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return keys,
        }
    }
}

fn crash_and_recover(backend: &str) {
    let sandbox = Sandbox::new();
    let config = sandbox.config(&config_text(backend, None, ""));
    let mut daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
    let base = daemon.base.clone();

    let acknowledged = Arc::new(Mutex::new(BTreeMap::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..CLIENTS)
        .map(|worker| {
            let (acknowledged, stop, base) =
                (Arc::clone(&acknowledged), Arc::clone(&stop), base.clone());
            std::thread::spawn(move || {
                let http = client();
                let mut sent = 0;
                while !stop.load(Ordering::Relaxed) && sent < 5_000 {
                    let key = format!("crash-{worker}-{sent}");
                    sent += 1;
                    match post(&http, &base, &key) {
                        Ok(ids) => {
                            acknowledged.lock().unwrap().insert(key, ids);
                        }
                        // The daemon is gone (or refused): this client stops and says why.
                        Err(reason) => return Some(reason),
                    }
                }
                None
            })
        })
        .collect();

    // Kill mid-run: once a few hundred appeals are in, or after 8 s on a slow machine.
    let started = std::time::Instant::now();
    while acknowledged.lock().unwrap().len() < 300 && started.elapsed() < Duration::from_secs(8) {
        std::thread::sleep(Duration::from_millis(20));
    }
    daemon.kill();
    stop.store(true, Ordering::Relaxed);
    let mut failures = Vec::new();
    for worker in workers {
        failures.extend(worker.join().unwrap());
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 20,
        "only {} appeals were acknowledged before the kill on {backend}; clients stopped on: {failures:?}",
        acknowledged.len()
    );

    let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
    let stored = stored_keys(&daemon);
    for (key, (id, case_number)) in &acknowledged {
        let found = stored
            .get(key)
            .unwrap_or_else(|| panic!("{backend}: acknowledged appeal {key} was lost"));
        assert_eq!(
            found.len(),
            1,
            "{backend}: {key} is stored {} times",
            found.len()
        );
        assert_eq!(
            &found[0],
            &(id.clone(), case_number.clone()),
            "{backend}: {key}"
        );
    }
    // No key is stored twice, acknowledged or not.
    assert!(
        stored.values().all(|v| v.len() == 1),
        "{backend}: a key is stored twice"
    );
    // Case numbers are unique.
    let mut numbers: Vec<&String> = stored.values().map(|v| &v[0].1).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        stored.len(),
        "{backend}: a case number was given twice"
    );

    // Retries after the restart return the same ids and create nothing.
    let http = client();
    for (key, ids) in acknowledged.iter().step_by(7) {
        assert_eq!(
            post(&http, &daemon.base, key).as_ref(),
            Ok(ids),
            "{backend}: {key}"
        );
    }
    assert_eq!(stored_keys(&daemon).len(), stored.len());
    eprintln!(
        "{backend}: {} acknowledged before SIGKILL, {} stored after restart",
        acknowledged.len(),
        stored.len()
    );
}

#[test]
fn sigkill_loses_no_acknowledged_appeal_on_any_backend() {
    for backend in backends() {
        crash_and_recover(backend);
    }
}
