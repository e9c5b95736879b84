//! The conformance suite of the appeal store, written once and run for every backend.
//!
//! Run: `cargo test -p gateway-core --test store_conformance` (add `--features sled` for
//! the sled backend as well).

mod store_support;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use gateway_core::store::{
    AppealFilter, AppealStore, BackendType, CaseNumber, HistoryEntry, PageRequest, StoreError,
    WriteBatch,
};
use gateway_core::{AppealId, Channel, Kind, TownshipCode, UnitId};
use store_support::{appeal, at, config, decision, texts};

fn open(backend: BackendType, dir: &tempfile::TempDir) -> AppealStore {
    AppealStore::open(&config(backend, dir.path())).expect("the store opens")
}

fn intake_is_idempotent_on_the_intake_key(backend: BackendType) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(backend, &dir);
    let received = at("2026-12-03T09:15:00+08:00");
    let first_appeal = appeal(Channel::Wechat, "msg-1", "路灯坏了", received);
    let route = decision(Kind::HelpRequest, "yuhu-town", &[], Some("330328101"));

    let first = store
        .intake_blocking(first_appeal.clone(), route.clone())
        .unwrap();
    assert!(!first.duplicate);
    assert_eq!(first.appeal_id, first_appeal.id);
    assert_eq!(first.case_number.as_str(), "2612030001");

    // The channel retries: same key, a fresh id of its own. Nothing new is written.
    let retry = appeal(Channel::Wechat, "msg-1", "路灯坏了", received);
    assert_ne!(retry.id, first_appeal.id);
    let second = store.intake_blocking(retry.clone(), route.clone()).unwrap();
    assert!(second.duplicate);
    assert_eq!(second.appeal_id, first.appeal_id);
    assert_eq!(second.case_number, first.case_number);
    assert!(store.appeal(&retry.id).unwrap().is_none());
    assert_eq!(store.count(&AppealFilter::default()).unwrap(), 1);
    assert_eq!(store.history(&first.appeal_id).unwrap().len(), 1);

    // The same message id on another channel is another appeal.
    let other = store
        .intake_blocking(
            appeal(Channel::Sms, "msg-1", "路灯坏了", received),
            route.clone(),
        )
        .unwrap();
    assert!(!other.duplicate);
    assert_eq!(other.case_number.as_str(), "2612030002");

    // Every lookup finds the first intake.
    let by_key = store.appeal_by_intake_key("wechat:msg-1").unwrap().unwrap();
    assert_eq!(by_key.appeal, first_appeal);
    assert_eq!(by_key.decision, route);
    let by_number = store
        .appeal_by_case_number(&first.case_number)
        .unwrap()
        .unwrap();
    assert_eq!(by_number.appeal.id, first.appeal_id);
    assert_eq!(store.decision(&first.appeal_id).unwrap(), Some(route));

    // An id reused under another key is refused, not merged.
    let reused = gateway_core::Appeal::builder(Channel::Email, "m-9", "x")
        .id(first_appeal.id.clone())
        .received_at(received)
        .build();
    let err = store
        .intake_blocking(reused, decision(Kind::Complaint, "u", &[], None))
        .unwrap_err();
    assert!(matches!(err, StoreError::IdConflict { .. }), "{err}");
    store.close();
}

fn case_numbers_are_unique_and_sequential_under_concurrency(backend: BackendType) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(backend, &dir);
    let received = at("2026-12-03T10:00:00+08:00");
    let threads = 8;
    let per_thread = 25;

    let numbers: Vec<(AppealId, CaseNumber)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let store = store.clone();
                scope.spawn(move || {
                    (0..per_thread)
                        .map(|i| {
                            let a = appeal(
                                Channel::Phone,
                                &format!("call-{t}-{i}"),
                                "噪音扰民",
                                received,
                            );
                            let outcome = store
                                .intake_blocking(a, decision(Kind::Complaint, "police", &[], None))
                                .unwrap();
                            assert!(!outcome.duplicate);
                            (outcome.appeal_id, outcome.case_number)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });

    let total = threads * per_thread;
    let got: BTreeSet<String> = numbers.iter().map(|(_, n)| n.to_string()).collect();
    let want: BTreeSet<String> = (1..=total).map(|seq| format!("261203{seq:04}")).collect();
    assert_eq!(got, want, "one number per appeal, 0001 up without gaps");
    for (id, number) in &numbers {
        let found = store.appeal_by_case_number(number).unwrap().unwrap();
        assert_eq!(&found.appeal.id, id);
        assert_eq!(&found.case_number, number);
    }

    // A new local date starts again at 0001: 16:30 UTC is already the next day in Wencheng.
    let next_day = store
        .intake_blocking(
            appeal(
                Channel::Phone,
                "call-late",
                "噪音扰民",
                at("2026-12-03T16:30:00Z"),
            ),
            decision(Kind::Complaint, "police", &[], None),
        )
        .unwrap();
    assert_eq!(next_day.case_number.as_str(), "2612040001");
    store.close();
}

fn concurrent_intakes_from_many_tasks(backend: BackendType) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(backend, &dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let received = at("2026-12-03T11:00:00+08:00");

    // 150 keys, each sent twice at once by two tasks, as a retrying channel would.
    let outcomes = runtime.block_on(async {
        let mut tasks = Vec::new();
        for key in 0..150 {
            for attempt in 0..2 {
                let store = store.clone();
                tasks.push(tokio::spawn(async move {
                    let a = appeal(
                        Channel::WebForm,
                        &format!("form-{key}"),
                        "小区停车难",
                        received,
                    );
                    let route = decision(Kind::Suggestion, "housing", &[], None);
                    (key, attempt, store.intake(a, route).await)
                }));
            }
        }
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap());
        }
        outcomes
    });

    let mut by_key: BTreeMap<u32, Vec<_>> = BTreeMap::new();
    for (key, _, outcome) in outcomes {
        by_key.entry(key).or_default().push(outcome.unwrap());
    }
    for (key, pair) in &by_key {
        assert_eq!(pair.len(), 2);
        assert_eq!(pair[0].appeal_id, pair[1].appeal_id, "key {key}");
        assert_eq!(pair[0].case_number, pair[1].case_number, "key {key}");
        assert_eq!(pair.iter().filter(|o| o.duplicate).count(), 1, "key {key}");
    }
    assert_eq!(store.count(&AppealFilter::default()).unwrap(), 150);
    let numbers: HashSet<_> = by_key.values().map(|p| p[0].case_number.clone()).collect();
    assert_eq!(numbers.len(), 150);
    store.close();
}

/// One appeal of the population: id, units, township, kind, channel, received millis.
type Row = (AppealId, Vec<String>, Option<String>, Kind, Channel, i64);

/// A small population with known facets, for filters and paging.
struct Population {
    store: AppealStore,
    /// Every appeal, in receive order.
    rows: Vec<Row>,
    _dir: tempfile::TempDir,
}

fn population(backend: BackendType) -> Population {
    let dir = tempfile::tempdir().unwrap();
    let store = open(backend, &dir);
    let texts = texts();
    let units = [
        "market-supervision",
        "housing",
        "police",
        "ecology-environment",
    ];
    let townships = [None, Some("330328100"), Some("330328101")];
    let channels = [
        Channel::Phone,
        Channel::Email,
        Channel::Wechat,
        Channel::WebForm,
    ];
    let start = at("2026-12-01T08:00:00+08:00");
    let mut rows = Vec::new();
    for i in 0..90usize {
        let received = start + chrono::Duration::minutes(37 * i as i64);
        let lead = units[i % units.len()];
        let assisting: Vec<&str> = if i.is_multiple_of(5) {
            vec![units[(i + 1) % units.len()]]
        } else {
            vec![]
        };
        let township = townships[i % townships.len()];
        let kind = Kind::ALL[i % Kind::ALL.len()];
        let channel = channels[i % channels.len()];
        let (title, body) = &texts[i % texts.len()];
        let mut a = appeal(channel, &format!("m-{i}"), body, received);
        a.title = Some(title.clone());
        let outcome = store
            .intake_blocking(a, decision(kind, lead, &assisting, township))
            .unwrap();
        let mut unit_list: Vec<String> = std::iter::once(lead)
            .chain(assisting)
            .map(String::from)
            .collect();
        unit_list.sort();
        rows.push((
            outcome.appeal_id,
            unit_list,
            township.map(String::from),
            kind,
            channel,
            received.timestamp_millis(),
        ));
    }
    Population {
        store,
        rows,
        _dir: dir,
    }
}

fn expected(population: &Population, filter: &AppealFilter) -> Vec<AppealId> {
    population
        .rows
        .iter()
        .filter(|(_, units, township, kind, channel, millis)| {
            filter
                .unit
                .as_ref()
                .is_none_or(|u| units.iter().any(|x| x == u.as_str()))
                && filter
                    .township
                    .as_ref()
                    .is_none_or(|t| township.as_deref() == Some(t.as_str()))
                && filter.kind.is_none_or(|k| k == *kind)
                && filter.channel.is_none_or(|c| c == *channel)
                && filter
                    .received_from
                    .is_none_or(|f| *millis >= f.timestamp_millis())
                && filter
                    .received_until
                    .is_none_or(|u| *millis < u.timestamp_millis())
        })
        .map(|row| row.0.clone())
        .collect()
}

fn list_all(store: &AppealStore, filter: &AppealFilter, limit: usize) -> Vec<AppealId> {
    let mut ids = Vec::new();
    let mut page = PageRequest::first(limit);
    loop {
        let got = store.list(filter, &page).unwrap();
        assert!(got.records.len() <= limit);
        ids.extend(got.records.into_iter().map(|r| r.appeal.id));
        match got.next_cursor {
            Some(cursor) => page = PageRequest::after(limit, cursor),
            None => return ids,
        }
    }
}

fn filters_and_paging_match_a_plain_scan(backend: BackendType) {
    let population = population(backend);
    let store = &population.store;
    let from = at("2026-12-01T20:00:00+08:00");
    let until = at("2026-12-02T14:00:00+08:00");
    let filters = [
        AppealFilter::default(),
        AppealFilter::default().unit(UnitId::new("housing")),
        AppealFilter::default()
            .unit(UnitId::new("police"))
            .kind(Kind::Complaint),
        AppealFilter::default().township(TownshipCode::new("330328101")),
        AppealFilter::default().kind(Kind::Suggestion),
        AppealFilter::default().channel(Channel::Email),
        AppealFilter::default().received_between(from, until),
        AppealFilter::default()
            .unit(UnitId::new("market-supervision"))
            .received_between(from, until),
        AppealFilter::default()
            .township(TownshipCode::new("330328100"))
            .channel(Channel::Wechat)
            .received_between(from, until),
        AppealFilter::default().unit(UnitId::new("nobody")),
        AppealFilter::default().received_between(until, from),
    ];
    for filter in &filters {
        let want = expected(&population, filter);
        for limit in [1, 7, 1000] {
            assert_eq!(
                list_all(store, filter, limit),
                want,
                "{filter:?} limit {limit}"
            );
        }
        assert_eq!(
            store.count(filter).unwrap(),
            want.len() as u64,
            "{filter:?}"
        );
    }
    // The ordering is receive order, which is id order for these appeals.
    let all = list_all(store, &AppealFilter::default(), 10);
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);
    assert_eq!(all.len(), 90);

    // Appeals taken in after a page was read appear later, and none twice.
    let first = store
        .list(&AppealFilter::default(), &PageRequest::first(50))
        .unwrap();
    store
        .intake_blocking(
            appeal(
                Channel::Sms,
                "late",
                "晚到的诉求",
                at("2026-12-09T08:00:00+08:00"),
            ),
            decision(Kind::Consultation, "housing", &[], None),
        )
        .unwrap();
    let rest = store
        .list(
            &AppealFilter::default(),
            &PageRequest::after(1000, first.next_cursor.clone().unwrap()),
        )
        .unwrap();
    assert_eq!(first.records.len() + rest.records.len(), 91);

    // A cursor that was never handed out is refused.
    let err = store
        .list(&AppealFilter::default(), &PageRequest::after(5, "not-hex"))
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidCursor { .. }), "{err}");
}

fn rerouting_moves_an_appeal_between_lists(backend: BackendType) {
    let population = population(backend);
    let store = &population.store;
    let (id, units, ..) = population.rows[1].clone();
    assert_eq!(units, vec!["housing".to_string()]);
    let housing = AppealFilter::default().unit(UnitId::new("housing"));
    let water = AppealFilter::default().unit(UnitId::new("water-resources"));
    let housing_before = store.count(&housing).unwrap();

    let new_route = decision(Kind::Report, "water-resources", &["police"], None);
    let mut batch = WriteBatch::new();
    batch
        .replace_decision(&id, new_route.clone())
        .append_history(
            &id,
            HistoryEntry::now("coordination", "rerouted").with_note("改派水利局"),
        );
    store.commit_blocking(batch).unwrap();

    assert_eq!(store.decision(&id).unwrap(), Some(new_route));
    assert_eq!(store.count(&housing).unwrap(), housing_before - 1);
    assert_eq!(list_all(store, &water, 5), vec![id.clone()]);
    let police_reports = AppealFilter::default()
        .unit(UnitId::new("police"))
        .kind(Kind::Report);
    assert!(list_all(store, &police_reports, 5).contains(&id));
    let history = store.history(&id).unwrap();
    assert_eq!(history.last().unwrap().action, "rerouted");
}

fn history_keeps_its_order_and_batches_are_atomic(backend: BackendType) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(backend, &dir);
    let outcome = store
        .intake_blocking(
            appeal(
                Channel::Email,
                "<a@b>",
                "河道有垃圾",
                at("2026-12-03T08:00:00+08:00"),
            ),
            decision(Kind::Report, "water-resources", &[], None),
        )
        .unwrap();
    let id = outcome.appeal_id;

    for (i, action) in ["dispatched", "acknowledged", "extension_requested"]
        .iter()
        .enumerate()
    {
        let mut batch = WriteBatch::new();
        batch.append_history(&id, HistoryEntry::now(format!("actor-{i}"), *action));
        store.commit_blocking(batch).unwrap();
    }
    let mut batch = WriteBatch::new();
    batch
        .append_history(&id, HistoryEntry::now("unit", "resolved"))
        .append_history(&id, HistoryEntry::now("gateway", "follow_up_sent"));
    batch
        .put_json(
            "outbox",
            format!("{id}/1"),
            &serde_json::json!({"to": "citizen"}),
        )
        .unwrap();
    store.commit_blocking(batch).unwrap();

    let actions: Vec<String> = store
        .history(&id)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "accepted",
            "dispatched",
            "acknowledged",
            "extension_requested",
            "resolved",
            "follow_up_sent"
        ]
    );

    // A batch naming an unknown appeal fails whole: its record write does not land either.
    let mut bad = WriteBatch::new();
    bad.put("outbox", "orphan", b"x".to_vec()).unwrap();
    bad.append_history(
        &AppealId::from_string("01NOSUCHAPPEAL00000000000X"),
        HistoryEntry::now("a", "b"),
    );
    let err = store.commit_blocking(bad).unwrap_err();
    assert!(matches!(err, StoreError::UnknownAppeal { .. }), "{err}");
    assert_eq!(store.get("outbox", "orphan").unwrap(), None);
    assert_eq!(store.history(&id).unwrap().len(), 6);
    store.close();
}

fn generic_records_put_get_delete_scan(backend: BackendType) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(backend, &dir);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut batch = WriteBatch::new();
        for uid in [3u32, 1, 2] {
            batch
                .put_json("imap-progress", format!("inbox/{uid:08}"), &uid)
                .unwrap();
        }
        batch
            .put("imap-progress", "other/1", b"raw".to_vec())
            .unwrap();
        store.commit(batch).await.unwrap();
    });
    let inbox = store.scan_prefix("imap-progress", "inbox/", 10).unwrap();
    let keys: Vec<String> = inbox
        .iter()
        .map(|(k, _)| String::from_utf8(k.clone()).unwrap())
        .collect();
    assert_eq!(keys, ["inbox/00000001", "inbox/00000002", "inbox/00000003"]);
    assert_eq!(
        store
            .scan_prefix("imap-progress", "inbox/", 2)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store
            .get_json::<u32>("imap-progress", "inbox/00000002")
            .unwrap(),
        Some(2)
    );
    assert_eq!(
        store.get("imap-progress", "other/1").unwrap(),
        Some(b"raw".to_vec())
    );

    let mut batch = WriteBatch::new();
    batch.delete("imap-progress", "inbox/00000001").unwrap();
    store.commit_blocking(batch).unwrap();
    assert_eq!(store.scan_prefix("imap-progress", "", 10).unwrap().len(), 3);

    // A damaged value is reported with its table and key, not a panic.
    let err = store
        .get_json::<u32>("imap-progress", "other/1")
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{text}");
    assert!(
        text.contains("imap-progress") && text.contains("other/1"),
        "{text}"
    );

    // The store's own tables are out of reach of the generic API.
    assert!(matches!(
        store.get("store_appeals", "x").unwrap_err(),
        StoreError::InvalidTableName { .. }
    ));
    store.close();
}

fn attachments_are_stored_once_by_hash_within_the_limit(backend: BackendType) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(backend, dir.path());
    cfg.max_attachment_bytes = 1024;
    let store = AppealStore::open(&cfg).unwrap();

    let sha = store.put_attachment_blocking(b"abc".to_vec()).unwrap();
    // The SHA-256 of "abc" from FIPS 180-2, appendix B.1.
    assert_eq!(
        sha,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let again = store.put_attachment_blocking(b"abc".to_vec()).unwrap();
    assert_eq!(again, sha);
    assert_eq!(store.attachment(&sha).unwrap(), Some(b"abc".to_vec()));
    assert_eq!(
        store.attachment(&sha.to_uppercase()).unwrap(),
        Some(b"abc".to_vec())
    );

    let exactly = vec![7u8; 1024];
    assert!(store.put_attachment_blocking(exactly).is_ok());
    let err = store.put_attachment_blocking(vec![7u8; 1025]).unwrap_err();
    assert_eq!(
        err,
        StoreError::AttachmentTooLarge {
            size_bytes: 1025,
            max_attachment_bytes: 1024
        }
    );
    assert!(err.to_string().contains("1024 bytes"), "{err}");
    store.close();
}

fn reopen_after_close_keeps_everything(backend: BackendType) {
    let dir = tempfile::tempdir().unwrap();
    let received = at("2026-12-03T12:00:00+08:00");
    let (first, sha) = {
        let store = open(backend, &dir);
        let outcome = store
            .intake_blocking(
                appeal(Channel::Wechat, "w-1", "井盖丢失", received),
                decision(Kind::HelpRequest, "housing", &["police"], Some("330328100")),
            )
            .unwrap();
        let mut batch = WriteBatch::new();
        batch
            .put_json("cases", outcome.case_number.as_str(), &"open")
            .unwrap();
        batch.append_history(
            &outcome.appeal_id,
            HistoryEntry::now("gateway", "dispatched"),
        );
        store.commit_blocking(batch).unwrap();
        let sha = store.put_attachment_blocking(vec![1, 2, 3]).unwrap();
        store.close();
        (outcome, sha)
    };

    let store = open(backend, &dir);
    let record = store.appeal(&first.appeal_id).unwrap().unwrap();
    assert_eq!(record.case_number, first.case_number);
    assert_eq!(record.appeal.body, "井盖丢失");
    assert_eq!(store.history(&first.appeal_id).unwrap().len(), 2);
    assert_eq!(
        store
            .get_json::<String>("cases", first.case_number.as_str())
            .unwrap()
            .as_deref(),
        Some("open")
    );
    assert_eq!(store.attachment(&sha).unwrap(), Some(vec![1, 2, 3]));
    assert_eq!(
        store
            .count(&AppealFilter::default().unit(UnitId::new("police")))
            .unwrap(),
        1
    );

    // Idempotency and the day's sequence survive the reopen.
    let retry = store
        .intake_blocking(
            appeal(Channel::Wechat, "w-1", "井盖丢失", received),
            decision(Kind::HelpRequest, "housing", &[], None),
        )
        .unwrap();
    assert!(retry.duplicate);
    assert_eq!(retry.appeal_id, first.appeal_id);
    let next = store
        .intake_blocking(
            appeal(Channel::Wechat, "w-2", "井盖又丢了", received),
            decision(Kind::HelpRequest, "housing", &[], None),
        )
        .unwrap();
    assert_eq!(next.case_number.as_str(), "2612030002");
    store.close();
}

fn unreadable_numbers_are_refused_before_storing(backend: BackendType) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(backend, &dir);
    let received = at("2026-12-03T12:00:00+08:00");

    // JSON has no NaN: stored, it would come back as null and the appeal could not be read.
    let mut lost = appeal(Channel::Wechat, "loc-1", "这里有塌方", received);
    lost.location.coordinates = Some(gateway_core::Coordinates {
        latitude: f64::NAN,
        longitude: 120.09,
    });
    let err = store
        .intake_blocking(lost, decision(Kind::HelpRequest, "housing", &[], None))
        .unwrap_err();
    assert!(matches!(err, StoreError::Encode { .. }), "{err}");
    assert!(err.to_string().contains("does not read back"), "{err}");

    let mut unsure = decision(Kind::HelpRequest, "housing", &[], None);
    unsure.confidence = f32::INFINITY;
    let err = store
        .intake_blocking(appeal(Channel::Wechat, "loc-2", "塌方", received), unsure)
        .unwrap_err();
    assert!(err.to_string().contains("confidence"), "{err}");

    // Nothing was written, and the day's first number is still free.
    assert_eq!(store.count(&AppealFilter::default()).unwrap(), 0);
    let ok = store
        .intake_blocking(
            appeal(Channel::Wechat, "loc-3", "塌方", received),
            decision(Kind::HelpRequest, "housing", &[], None),
        )
        .unwrap();
    assert_eq!(ok.case_number.as_str(), "2612030001");
    store.close();
}

fn batch_limits_and_waits_keep_every_write(backend: BackendType) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(backend, dir.path());
    cfg.max_batch = 4;
    cfg.max_batch_wait_micros = 2_000;
    let store = AppealStore::open(&cfg).unwrap();
    let received = at("2026-12-03T13:00:00+08:00");
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..10)
            .map(|t| {
                let store = store.clone();
                scope.spawn(move || {
                    (0..6)
                        .map(|i| {
                            store
                                .intake_blocking(
                                    appeal(Channel::Sms, &format!("s-{t}-{i}"), "求助", received),
                                    decision(Kind::HelpRequest, "civil-affairs", &[], None),
                                )
                                .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let numbers: HashSet<_> = outcomes.iter().map(|o| o.case_number.clone()).collect();
    assert_eq!(numbers.len(), 60);
    assert_eq!(store.count(&AppealFilter::default()).unwrap(), 60);
    store.close();
}

fn closed_store_refuses_writes(backend: BackendType) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(backend, &dir);
    let clone = store.clone();
    store.close();
    let err = clone
        .intake_blocking(
            appeal(Channel::Phone, "c", "x", at("2026-12-03T12:00:00+08:00")),
            decision(Kind::Complaint, "u", &[], None),
        )
        .unwrap_err();
    assert_eq!(err, StoreError::Closed);
}

macro_rules! conformance {
    ($module:ident, $backend:expr) => {
        mod $module {
            use super::*;

            #[test]
            fn intake_is_idempotent_on_the_intake_key() {
                super::intake_is_idempotent_on_the_intake_key($backend);
            }

            #[test]
            fn case_numbers_are_unique_and_sequential_under_concurrency() {
                super::case_numbers_are_unique_and_sequential_under_concurrency($backend);
            }

            #[test]
            fn concurrent_intakes_from_many_tasks() {
                super::concurrent_intakes_from_many_tasks($backend);
            }

            #[test]
            fn filters_and_paging_match_a_plain_scan() {
                super::filters_and_paging_match_a_plain_scan($backend);
            }

            #[test]
            fn rerouting_moves_an_appeal_between_lists() {
                super::rerouting_moves_an_appeal_between_lists($backend);
            }

            #[test]
            fn history_keeps_its_order_and_batches_are_atomic() {
                super::history_keeps_its_order_and_batches_are_atomic($backend);
            }

            #[test]
            fn generic_records_put_get_delete_scan() {
                super::generic_records_put_get_delete_scan($backend);
            }

            #[test]
            fn attachments_are_stored_once_by_hash_within_the_limit() {
                super::attachments_are_stored_once_by_hash_within_the_limit($backend);
            }

            #[test]
            fn reopen_after_close_keeps_everything() {
                super::reopen_after_close_keeps_everything($backend);
            }

            #[test]
            fn unreadable_numbers_are_refused_before_storing() {
                super::unreadable_numbers_are_refused_before_storing($backend);
            }

            #[test]
            fn batch_limits_and_waits_keep_every_write() {
                super::batch_limits_and_waits_keep_every_write($backend);
            }

            #[test]
            fn closed_store_refuses_writes() {
                super::closed_store_refuses_writes($backend);
            }
        }
    };
}

conformance!(redb, BackendType::Redb);
#[cfg(feature = "sled")]
conformance!(sled, BackendType::Sled);

#[cfg(not(feature = "sled"))]
#[test]
fn sled_without_the_feature_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = AppealStore::open(&config(BackendType::Sled, dir.path())).unwrap_err();
    assert_eq!(err, StoreError::BackendNotBuilt { backend: "sled" });
    assert!(err.to_string().contains("--features sled"), "{err}");
}

#[test]
fn zero_batch_size_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(BackendType::Redb, dir.path());
    cfg.max_batch = 0;
    let err = AppealStore::open(&cfg).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::InvalidConfig {
                field: "max_batch",
                ..
            }
        ),
        "{err}"
    );
}
