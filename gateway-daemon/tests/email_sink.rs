//! The email sink on a real store, without mail servers: what a delivered message becomes,
//! and that a delivery repeated after a stop in the middle of it doubles nothing.
//!
//! Run: `cargo test -p gateway-daemon --test email_sink`.

use std::sync::Arc;

use channel_adapters::email::imap::FetchedMail;
use channel_adapters::email::{AckConfig, EmailOutcome, ThreadLookup, intake_email};
use gateway_core::AppealStore;
use gateway_core::store::{AppealFilter, BackendType, StoreConfig};
use gateway_daemon::email::records::{
    CASE_REPLIES, OUTBOX, OUTBOX_PENDING, TAKEN_IN, intake_key, outbox_id,
};
use gateway_daemon::email::{
    Acknowledgement, OutboxEntry, OutboxThreads, StoreSink, TakenIn, TakenInOutcome,
};
use routing_rules::RouteInput;
use tokio::sync::Notify;

fn ack_config() -> AckConfig {
    serde_json::from_value(serde_json::json!({
        "from_address": "xianzhang@wencheng.example.gov.cn",
        "message_id_domain": "wencheng.example.gov.cn",
    }))
    .expect("acknowledgement settings")
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: AppealStore,
    sink: StoreSink,
    rules: Arc<routing_rules::RuleSet>,
}

fn fixture(max_attachment_bytes: u64) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = StoreConfig::new(BackendType::Redb, dir.path().join("appeals.redb"));
    config.max_attachment_bytes = max_attachment_bytes;
    let store = AppealStore::open(&config).expect("store opens");
    let rules = Arc::new(gateway_daemon::defaults::load_rules(None).expect("rules compile"));
    let current = Arc::clone(&rules);
    let sink = StoreSink::new(
        store.clone(),
        Arc::new(move || Arc::clone(&current)),
        Arc::new(ack_config()),
        Arc::new(Notify::new()),
    );
    Fixture {
        _dir: dir,
        store,
        sink,
        rules,
    }
}

/// The message as the watcher hands it over, threaded against this store's outbox.
fn fetched(store: &AppealStore, uid: u32, raw: &[u8]) -> FetchedMail {
    let lookup = OutboxThreads::new(store.clone());
    FetchedMail {
        mailbox: "INBOX".into(),
        uid_validity: 7,
        uid,
        raw: raw.to_vec(),
        outcome: intake_email(raw, &lookup),
    }
}

fn plain_mail(message_id: &str, subject_b64: &str, text: &str) -> Vec<u8> {
    format!(
        "From: =?UTF-8?B?5byg5LiJ?= <zhangsan@example.org>\r\n\
         To: xianzhang@wencheng.example.gov.cn\r\n\
         Subject: =?UTF-8?B?{subject_b64}?=\r\n\
         Message-ID: <{message_id}>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
    )
    .into_bytes()
}

/// "路灯不亮了" in UTF-8, Base64.
const STREET_LIGHT: &str = "6Lev54Gv5LiN5Lqu5LqG";

fn taken_in(store: &AppealStore, message_id: &str) -> Option<TakenIn> {
    store
        .get_json(TAKEN_IN, intake_key(message_id))
        .expect("taken-in record readable")
}

fn count(store: &AppealStore) -> u64 {
    store.count(&AppealFilter::default()).expect("count")
}

#[tokio::test]
async fn an_appeal_stored_before_a_stop_gets_its_acknowledgement_when_delivered_again() {
    let f = fixture(1 << 20);
    let raw = plain_mail(
        "crash-1@example.org",
        STREET_LIGHT,
        "大峃镇新街的路灯坏了三天。",
    );
    let mail = fetched(&f.store, 1, &raw);

    // The first delivery stored the appeal and stopped before anything else was written.
    let EmailOutcome::NewAppeal(new) = &mail.outcome else {
        panic!("a citizen's mail is a new appeal: {:?}", mail.outcome);
    };
    let decision = f.rules.route(&RouteInput::from(&new.appeal));
    let first = f
        .store
        .intake(new.appeal.clone(), decision)
        .await
        .expect("intake");
    assert!(taken_in(&f.store, "crash-1@example.org").is_none());

    // Fetched and delivered again, parsed afresh (so under a new appeal id): the same appeal
    // and case as stored, now with its acknowledgement queued.
    let again = fetched(&f.store, 1, &raw);
    let EmailOutcome::NewAppeal(again_new) = &again.outcome else {
        panic!("{:?}", again.outcome);
    };
    assert_ne!(again_new.appeal.id, first.appeal_id);
    f.sink.take_in(again).await.expect("delivery");
    assert_eq!(count(&f.store), 1);
    let record = taken_in(&f.store, "crash-1@example.org").expect("taken in");
    let expected_outbox = outbox_id(&first.appeal_id);
    assert_eq!(
        record.outcome,
        TakenInOutcome::Appeal {
            appeal_id: first.appeal_id.clone(),
            case_number: first.case_number.clone(),
            acknowledgement: Acknowledgement::Queued {
                outbox_id: expected_outbox.clone()
            },
        }
    );
    let entry: OutboxEntry = f
        .store
        .get_json(OUTBOX, &expected_outbox)
        .expect("readable")
        .expect("outbox entry");
    assert!(entry.is_pending());
    assert_eq!(
        entry.mail.message_id,
        format!("<{expected_outbox}@wencheng.example.gov.cn>")
    );
    assert_eq!(entry.mail.envelope_to, ["zhangsan@example.org"]);
    let lookup = OutboxThreads::new(f.store.clone());
    assert_eq!(
        lookup.case_for_sent_message(&entry.mail.message_id),
        Some(first.case_number.clone())
    );

    // And a third time: nothing new anywhere.
    f.sink
        .take_in(fetched(&f.store, 2, &raw))
        .await
        .expect("delivery");
    assert_eq!(count(&f.store), 1);
    assert_eq!(f.store.scan_prefix(OUTBOX, b"", 10).expect("scan").len(), 1);
    assert_eq!(
        f.store
            .scan_prefix(OUTBOX_PENDING, b"", 10)
            .expect("scan")
            .len(),
        1
    );
}

#[tokio::test]
async fn a_reply_naming_its_case_in_the_subject_joins_the_case() {
    let f = fixture(1 << 20);
    let raw = plain_mail("first@example.org", STREET_LIGHT, "路灯坏了。");
    f.sink
        .take_in(fetched(&f.store, 1, &raw))
        .await
        .expect("delivery");
    let record = f
        .store
        .appeal_by_intake_key("email:first@example.org")
        .expect("readable")
        .expect("stored");

    // No In-Reply-To: the citizen wrote a new mail with the case number in the subject.
    let subject = format!("工单号：{} 补充材料", record.case_number);
    let subject_b64 = base64_of(&subject);
    let reply = plain_mail("second@example.org", &subject_b64, "灯杆编号是 XJ-17。");
    let mail = fetched(&f.store, 2, &reply);
    assert!(
        matches!(mail.outcome, EmailOutcome::CaseReply { .. }),
        "{:?}",
        mail.outcome
    );
    f.sink.take_in(mail).await.expect("delivery");

    assert_eq!(count(&f.store), 1);
    let history = f.store.history(&record.appeal.id).expect("history");
    let note = history
        .iter()
        .find(|e| e.action == "citizen_replied")
        .and_then(|e| e.note.clone())
        .expect("reply in the case history");
    assert!(note.contains("灯杆编号是 XJ-17"), "{note}");
    let kept = f
        .store
        .scan_prefix(CASE_REPLIES, record.appeal.id.as_str(), 10)
        .expect("scan");
    assert_eq!(kept.len(), 1, "the reply is kept whole beside the case");
}

#[tokio::test]
async fn attachments_are_stored_by_hash_and_one_over_the_limit_is_flagged() {
    let f = fixture(1000);
    let small = vec![b'a'; 300];
    let large = vec![b'b'; 3000];
    let encode = |bytes: &[u8]| base64_of_bytes(bytes);
    let raw = format!(
        "From: zhangsan@example.org\r\nSubject: =?UTF-8?B?{STREET_LIGHT}?=\r\n\
         Message-ID: <attach-1@example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n照片见附件。\r\n\
         --b1\r\nContent-Type: image/jpeg; name=\"small.jpg\"\r\n\
         Content-Disposition: attachment; filename=\"small.jpg\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n\
         --b1\r\nContent-Type: image/jpeg; name=\"large.jpg\"\r\n\
         Content-Disposition: attachment; filename=\"large.jpg\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
        encode(&small),
        encode(&large)
    );
    f.sink
        .take_in(fetched(&f.store, 1, raw.as_bytes()))
        .await
        .expect("a large attachment does not stop intake");

    let record = f
        .store
        .appeal_by_intake_key("email:attach-1@example.org")
        .expect("readable")
        .expect("stored");
    let appeal = record.appeal;
    assert_eq!(appeal.attachments.len(), 2, "{:?}", appeal.attachments);
    let small_ref = &appeal.attachments[0];
    let sha = small_ref.sha256.as_deref().expect("small one stored");
    assert_eq!(f.store.attachment(sha).expect("readable"), Some(small));
    assert_eq!(appeal.attachments[1].sha256, None);
    assert!(
        appeal.flags.iter().any(|flag| flag.field == "attachment"
            && flag.problem.contains("over the store's limit")
            && flag.raw.as_deref() == Some("large.jpg")),
        "{:?}",
        appeal.flags
    );
    assert_eq!(
        appeal.raw.and_then(|r| r.bytes()),
        Some(raw.into_bytes()),
        "the large one survives inside the raw message"
    );
}

#[tokio::test]
async fn an_automatic_reply_is_kept_aside_and_never_acknowledged() {
    let f = fixture(1 << 20);
    let raw = b"From: zhangsan@example.org\r\nAuto-Submitted: auto-replied\r\n\
                Subject: Out of Office\r\nMessage-ID: <away-1@example.org>\r\n\r\nI am away.\r\n";
    f.sink
        .take_in(fetched(&f.store, 1, raw))
        .await
        .expect("delivery");
    assert_eq!(count(&f.store), 0);
    match taken_in(&f.store, "away-1@example.org").map(|t| t.outcome) {
        Some(TakenInOutcome::NotAnAppeal { reason, raw: kept }) => {
            assert!(reason.contains("Auto-Submitted"), "{reason}");
            assert_eq!(kept.bytes().as_deref(), Some(&raw[..]));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        f.store
            .scan_prefix(OUTBOX, b"", 10)
            .expect("scan")
            .is_empty()
    );
}

#[tokio::test]
async fn mail_without_a_sender_is_stored_without_an_acknowledgement() {
    let f = fixture(1 << 20);
    let raw =
        b"Subject: =?UTF-8?B?6Lev54Gv5LiN5Lqu5LqG?=\r\nMessage-ID: <anon-1@example.org>\r\n\r\n\
                \xe8\xb7\xaf\xe7\x81\xaf\xe5\x9d\x8f\xe4\xba\x86\r\n";
    f.sink
        .take_in(fetched(&f.store, 1, raw))
        .await
        .expect("delivery");
    assert_eq!(count(&f.store), 1);
    match taken_in(&f.store, "anon-1@example.org").map(|t| t.outcome) {
        Some(TakenInOutcome::Appeal {
            acknowledgement: Acknowledgement::Skipped { reason },
            ..
        }) => assert!(reason.contains("no address"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(
        f.store
            .scan_prefix(OUTBOX, b"", 10)
            .expect("scan")
            .is_empty()
    );
}

fn base64_of(text: &str) -> String {
    base64_of_bytes(text.as_bytes())
}

fn base64_of_bytes(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn an_emergency_by_email_is_handed_off_once_even_when_delivered_again() {
    use gateway_daemon::email::sink::EmergencyHandoff;
    use std::sync::Mutex;

    let fixture = fixture(1 << 20);
    let handed: Arc<Mutex<Vec<(String, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&handed);
    let handoff: EmergencyHandoff = Arc::new(move |appeal, decision, case_number| {
        let service = decision
            .emergency
            .map(|e| e.service.number().to_string())
            .unwrap_or_default();
        seen.lock().unwrap().push((service, case_number));
        let _ = appeal;
        Box::pin(async { Ok(()) })
    });
    let sink = fixture.sink.clone().with_handoff(handoff);
    // "紧急" as the subject; the body says a stairwell is on fire now.
    let raw = plain_mail(
        "fire-1@example.org",
        "57Sn5oCl",
        "楼道里着火了，烟很大，快来人",
    );

    sink.take_in(fetched(&fixture.store, 1, &raw))
        .await
        .expect("stored");
    sink.take_in(fetched(&fixture.store, 1, &raw))
        .await
        .expect("delivered again");

    let handed = handed.lock().unwrap().clone();
    assert_eq!(handed.len(), 1, "{handed:?}");
    assert_eq!(handed[0].0, "119");
    assert_eq!(count(&fixture.store), 1);
}
