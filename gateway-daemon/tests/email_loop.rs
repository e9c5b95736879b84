//! The email channel end to end against real mail servers on loopback: Dovecot (IMAP) and
//! aiosmtpd (SMTP, delivering into Dovecot's Maildir), started by `scripts/mail-servers.sh`.
//! The gateway side is [`gateway_daemon::email::spawn`] on a store in a temporary directory.
//!
//! Run:
//! ```text
//! bash scripts/mail-servers.sh start && eval "$(bash scripts/mail-servers.sh env)"
//! GATEWAY_REQUIRE_MAIL_SERVERS=1 cargo test -p gateway-daemon --test email_loop -- --test-threads 2
//! ```
//! Without the `GATEWAY_TEST_*` variables the tests print that they were not run, unless
//! `GATEWAY_REQUIRE_MAIL_SERVERS=1` is set, in which case they fail.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_imap::Session;
use channel_adapters::email::imap::{AfterIntake, ImapConfig, ImapSecurity};
use channel_adapters::email::{AckConfig, SmtpConfig, SmtpSecurity};
use futures_util::TryStreamExt;
use gateway_core::store::{AppealFilter, BackendType, CaseNumber, StoreConfig};
use gateway_core::{AppealStore, Channel};
use gateway_daemon::email::records::{OUTBOX, TAKEN_IN, intake_key, outbox_id};
use gateway_daemon::email::{
    CurrentRules, EmailChannel, EmailConfig, OutboxConfig, OutboxEntry, OutboxState, TakenIn,
    TakenInOutcome, spawn,
};
use routing_rules::{RouteInput, RuleSet};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The longest any wait for the servers or the gateway may take.
const PATIENCE: Duration = Duration::from_secs(40);

/// Everything the gateway's crates log while these tests run, to check what reaches a log.
static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogCapture;

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends the gateway crates' logs, DEBUG and up, to [`LOGS`]; once per test binary.
fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::new(
            "gateway_daemon=debug,channel_adapters=debug,gateway_core=debug",
        );
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(|| LogCapture)
            .try_init();
    });
}

fn captured_logs() -> String {
    let logs = LOGS.lock().unwrap_or_else(|poison| poison.into_inner());
    String::from_utf8_lossy(&logs).into_owned()
}

/// The servers the tests talk to, from the environment.
#[derive(Debug, Clone)]
struct Servers {
    imap: (String, u16),
    smtp: (String, u16),
    user: String,
    password: String,
    citizen_user: String,
    citizen_password: String,
}

fn host_port(variable: &str, value: &str) -> (String, u16) {
    let (host, port) = value
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("{variable}={value} should be host:port"));
    let port = port
        .parse()
        .unwrap_or_else(|_| panic!("{variable}={value} should end in a port number"));
    (host.to_string(), port)
}

/// The servers, or `None` with a notice when they are not configured and not required.
fn servers(test: &str) -> Option<Servers> {
    capture_logs();
    let (Ok(imap), Ok(smtp)) = (
        std::env::var("GATEWAY_TEST_IMAP"),
        std::env::var("GATEWAY_TEST_SMTP"),
    ) else {
        assert_ne!(
            std::env::var("GATEWAY_REQUIRE_MAIL_SERVERS").as_deref(),
            Ok("1"),
            "GATEWAY_REQUIRE_MAIL_SERVERS=1 but GATEWAY_TEST_IMAP or GATEWAY_TEST_SMTP is unset; \
             run `bash scripts/mail-servers.sh start` and `eval \"$(bash scripts/mail-servers.sh env)\"`"
        );
        println!("{test}: not run: GATEWAY_TEST_IMAP and GATEWAY_TEST_SMTP are unset");
        return None;
    };
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    Some(Servers {
        imap: host_port("GATEWAY_TEST_IMAP", &imap),
        smtp: host_port("GATEWAY_TEST_SMTP", &smtp),
        user: var("GATEWAY_TEST_IMAP_USER", "hotline"),
        password: var("GATEWAY_TEST_IMAP_PASSWORD", "hotline-test"),
        citizen_user: var("GATEWAY_TEST_CITIZEN_USER", "citizen"),
        citizen_password: var("GATEWAY_TEST_CITIZEN_PASSWORD", "citizen-test"),
    })
}

/// A name no other test, run or person uses: a mailbox folder, a Message-ID part.
fn unique(test: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "maild-{test}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The channel's settings for one test: its own folder, quick retries, SMTP at `smtp_port`.
fn email_config(servers: &Servers, mailbox: &str, smtp_port: u16) -> EmailConfig {
    EmailConfig {
        imap: ImapConfig {
            host: servers.imap.0.clone(),
            port: Some(servers.imap.1),
            security: ImapSecurity::Plain,
            tls_ca_file: None,
            username: servers.user.clone(),
            password: servers.password.clone(),
            mailboxes: vec![mailbox.to_string()],
            after_intake: AfterIntake::MarkSeen,
            connect_timeout_seconds: 10,
            command_timeout_seconds: 20,
            idle_seconds: 5,
            poll_interval_seconds: 1,
            backoff_initial_seconds: 1,
            backoff_max_seconds: 2,
        },
        smtp: SmtpConfig {
            host: servers.smtp.0.clone(),
            port: Some(smtp_port),
            security: SmtpSecurity::Plain,
            tls_ca_file: None,
            username: None,
            password: None,
            send_timeout_seconds: 5,
            pool_max_connections: 1,
        },
        acknowledgement: serde_json::from_value::<AckConfig>(serde_json::json!({
            "from_address": "xianzhang@wencheng.example.gov.cn",
            "message_id_domain": "wencheng.example.gov.cn",
        }))
        .expect("acknowledgement settings with defaults"),
        outbox: OutboxConfig {
            retry_initial_seconds: 1,
            retry_max_seconds: 2,
            poll_interval_seconds: 1,
            ..OutboxConfig::default()
        },
    }
}

fn open_store(dir: &Path) -> AppealStore {
    AppealStore::open(&StoreConfig::new(
        BackendType::Redb,
        dir.join("appeals.redb"),
    ))
    .expect("store opens in the temp dir")
}

fn rule_set() -> Arc<RuleSet> {
    Arc::new(gateway_daemon::defaults::load_rules(None).expect("embedded rules compile"))
}

fn current(rules: &Arc<RuleSet>) -> CurrentRules {
    let rules = Arc::clone(rules);
    Arc::new(move || Arc::clone(&rules))
}

/// The gateway side: the channel and the switch that stops it.
struct Gateway {
    stop: watch::Sender<bool>,
    channel: EmailChannel,
}

impl Gateway {
    fn start(config: &EmailConfig, store: &AppealStore, rules: &Arc<RuleSet>) -> Self {
        let (stop, shutdown) = watch::channel(false);
        let channel =
            spawn(config, store.clone(), current(rules), shutdown).expect("email channel starts");
        assert_eq!(channel.task_count(), 2, "one watcher and the outbox");
        Self { stop, channel }
    }

    async fn stop(self) {
        self.stop.send(true).expect("tasks still listen");
        tokio::time::timeout(PATIENCE, self.channel.join())
            .await
            .expect("the email channel stops within the patience");
    }
}

async fn login(address: &(String, u16), user: &str, password: &str) -> Session<TcpStream> {
    let tcp = TcpStream::connect((address.0.as_str(), address.1))
        .await
        .expect("imap server accepts");
    let mut client = async_imap::Client::new(tcp);
    client
        .read_response()
        .await
        .expect("imap greeting")
        .expect("imap greeting");
    client
        .login(user, password)
        .await
        .map_err(|(error, _)| error)
        .expect("test login works")
}

/// Creates a folder of the hotline mailbox and appends `messages` to it.
async fn mail_to_hotline(servers: &Servers, mailbox: &str, create: bool, messages: &[Vec<u8>]) {
    let mut session = login(&servers.imap, &servers.user, &servers.password).await;
    if create {
        session.create(mailbox).await.expect("CREATE test folder");
    }
    for raw in messages {
        session
            .append(mailbox, None, None, raw)
            .await
            .expect("APPEND succeeds");
    }
    let _ = session.logout().await;
}

/// Every message in the citizen's INBOX with this Message-ID (brackets included).
async fn citizen_copies(servers: &Servers, message_id: &str) -> Vec<Vec<u8>> {
    let mut session = login(
        &servers.imap,
        &servers.citizen_user,
        &servers.citizen_password,
    )
    .await;
    session.select("INBOX").await.expect("SELECT INBOX");
    let found = session
        .uid_search(format!("HEADER Message-ID \"{message_id}\""))
        .await
        .expect("UID SEARCH");
    let mut copies = Vec::new();
    for uid in found {
        let fetched: Vec<_> = session
            .uid_fetch(uid.to_string(), "BODY.PEEK[]")
            .await
            .expect("UID FETCH")
            .try_collect()
            .await
            .expect("fetch responses");
        copies.extend(fetched.iter().filter_map(|f| f.body().map(<[u8]>::to_vec)));
    }
    let _ = session.logout().await;
    copies
}

/// Polls `check` until it holds; fails with `what` after the patience.
async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the citizen's INBOX holds a message with this Message-ID, and returns them.
async fn wait_for_citizen_copy(servers: &Servers, message_id: &str) -> Vec<Vec<u8>> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let copies = citizen_copies(servers, message_id).await;
        if !copies.is_empty() {
            return copies;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "acknowledgement {message_id} never reached the citizen's mailbox"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn stored_count(store: &AppealStore) -> u64 {
    store
        .count(&AppealFilter::default())
        .expect("store counts appeals")
}

fn taken_in(store: &AppealStore, message_id: &str) -> Option<TakenIn> {
    store
        .get_json(TAKEN_IN, intake_key(message_id))
        .expect("taken-in record readable")
}

fn outbox_entry(store: &AppealStore, message_id: &str) -> Option<OutboxEntry> {
    let record = store
        .appeal_by_intake_key(&format!("email:{message_id}"))
        .expect("appeal readable")?;
    store
        .get_json(OUTBOX, outbox_id(&record.appeal.id))
        .expect("outbox entry readable")
}

fn is_sent(store: &AppealStore, message_id: &str) -> bool {
    outbox_entry(store, message_id).is_some_and(|e| matches!(e.state, OutboxState::Sent { .. }))
}

/// A citizen's mail in GBK, as a county resident's client sends it.
fn citizen_mail(n: usize, tag: &str) -> (String, Vec<u8>) {
    let message_id = format!("{tag}-{n}@example.org");
    let text = format!("第{n}封：大峃镇新街路灯不亮了，晚上走路很不安全，请尽快维修。\r\n");
    let (body, _, _) = encoding_rs::GBK.encode(&text);
    let mut raw = format!(
        "From: =?UTF-8?B?5byg5LiJ?= <citizen{n}@example.org>\r\n\
         To: xianzhang@wencheng.example.gov.cn\r\n\
         Subject: =?GBK?B?wre1xrK7wcHByw==?=\r\n\
         Message-ID: <{message_id}>\r\n\
         Date: Thu, 03 Dec 2026 10:00:00 +0800\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=gbk\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n"
    )
    .into_bytes();
    raw.extend_from_slice(&body);
    (message_id, raw)
}

// ----- Real mail from the fixtures -----

#[derive(Debug, serde::Deserialize)]
struct PythonReading {
    subject: Option<String>,
    body: Option<String>,
    message_id: Option<String>,
}

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/email")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What Python's `email` package read in each fixture (made by channel-adapters' tests).
fn python_readings() -> BTreeMap<String, PythonReading> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../channel-adapters/tests/email/expected.json");
    let text = std::fs::read_to_string(&path).expect("expected.json readable");
    serde_json::from_str(&text).expect("expected.json parses")
}

/// The message with CRLF line ends and, when `direct`, without the headers the list added
/// (`List-*`, `Precedence`): as if the sender had written to the county mailbox.
fn as_delivered(raw: &[u8], direct: bool) -> Vec<u8> {
    let text = raw
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 20);
    let mut in_header = true;
    let mut dropping = false;
    let lines: Vec<&[u8]> = text.collect();
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.into_iter().enumerate() {
        if in_header {
            if line.is_empty() {
                in_header = false;
            } else if line.starts_with(b" ") || line.starts_with(b"\t") {
                if dropping {
                    continue;
                }
            } else {
                let name = line.to_ascii_lowercase();
                dropping =
                    direct && (name.starts_with(b"list-") || name.starts_with(b"precedence:"));
                if dropping {
                    continue;
                }
            }
        }
        out.extend_from_slice(line);
        if i < last {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixture_emails_become_routed_appeals_with_their_text() {
    let Some(servers) = servers("fixture_emails_become_routed_appeals_with_their_text") else {
        return;
    };
    let files = [
        "erofs_006_f17a58f35c.eml",
        "erofs_014_c2454c15d3.eml",
        "erofs_053_13c62a20fe.eml",
        "erofs_080_b9670cfd41.eml",
        "erofs_090_05f81c4bc7.eml",
        "erofs_092_21237be5ac.eml",
    ];
    let list_post = "erofs_093_c8e7a32a6b.eml";
    let python = python_readings();
    let mailbox = unique("fixtures");
    let mut messages: Vec<Vec<u8>> = files
        .iter()
        .map(|f| as_delivered(&fixture(f), true))
        .collect();
    messages.push(as_delivered(&fixture(list_post), false));
    mail_to_hotline(&servers, &mailbox, true, &messages).await;

    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_store(dir.path());
    let rules = rule_set();
    let config = email_config(&servers, &mailbox, servers.smtp.1);
    let gateway = Gateway::start(&config, &store, &rules);
    let list_id = python[list_post]
        .message_id
        .clone()
        .expect("list post has an id");
    let list_id = list_id.trim_matches(|c| c == '<' || c == '>').to_string();
    wait_until("every fixture is taken in", || {
        stored_count(&store) == files.len() as u64 && taken_in(&store, &list_id).is_some()
    })
    .await;

    for (file, sent) in files.iter().zip(&messages) {
        let reading = &python[*file];
        let id = reading
            .message_id
            .as_deref()
            .expect("fixture has a Message-ID");
        let id = id.trim_matches(|c| c == '<' || c == '>');
        let record = store
            .appeal_by_intake_key(&format!("email:{id}"))
            .expect("appeal readable")
            .unwrap_or_else(|| panic!("{file}: no appeal under email:{id}"));
        let appeal = &record.appeal;
        assert_eq!(appeal.channel, Channel::Email);

        // The text: the subject as Python decodes it, the body lines from the citizen's text.
        assert_eq!(appeal.title, reading.subject, "{file}: subject");
        assert!(!appeal.body.trim().is_empty(), "{file}: empty body");
        assert!(
            has_chinese(&appeal.text_for_routing()),
            "{file}: {appeal:?}"
        );
        let python_body = reading
            .body
            .clone()
            .unwrap_or_default()
            .replace("\r\n", "\n");
        for line in appeal.body.lines().map(str::trim).filter(|l| !l.is_empty()) {
            assert!(
                python_body.contains(line),
                "{file}: body line {line:?} is not in what Python read:\n{python_body}"
            );
        }
        assert_eq!(
            appeal.raw.as_ref().and_then(|r| r.bytes()).as_ref(),
            Some(sent),
            "{file}: the raw message is kept byte for byte"
        );

        // Routed with the rules in force, and the decision stored with the case.
        let expected = rules.route(&RouteInput::from(appeal));
        assert_eq!(record.decision, expected, "{file}: decision");
        assert!(!record.decision.lead_unit.as_str().is_empty());
        for attachment in &appeal.attachments {
            let sha = attachment
                .sha256
                .as_deref()
                .expect("attachment stored by hash");
            assert!(
                store
                    .attachment(sha)
                    .expect("attachment readable")
                    .is_some(),
                "{file}"
            );
        }

        // Done, with its acknowledgement queued.
        match taken_in(&store, id).map(|t| t.outcome) {
            Some(TakenInOutcome::Appeal { case_number, .. }) => {
                assert_eq!(case_number, record.case_number)
            }
            other => panic!("{file}: taken-in record {other:?}"),
        }
    }

    // The list post as the archive has it is kept aside, not made a case.
    match taken_in(&store, &list_id).map(|t| t.outcome) {
        Some(TakenInOutcome::NotAnAppeal { reason, raw }) => {
            assert!(reason.contains("List-"), "{reason}");
            assert_eq!(raw.bytes().as_ref(), messages.last());
        }
        other => panic!("list post taken in as {other:?}"),
    }
    assert_eq!(stored_count(&store), files.len() as u64);
    gateway.stop().await;
}

// ----- Stop and restart -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_stopped_and_restarted_mid_run_loses_and_doubles_nothing() {
    let Some(servers) = servers("gateway_stopped_and_restarted_mid_run_loses_and_doubles_nothing")
    else {
        return;
    };
    let tag = unique("restart");
    let mailbox = unique("restart");
    let all: Vec<(String, Vec<u8>)> = (1..=16).map(|n| citizen_mail(n, &tag)).collect();
    mail_to_hotline(&servers, &mailbox, true, &[]).await;

    // Citizens keep writing, one mail every 100 ms, before, during and after the stop.
    let arriving = {
        let servers = servers.clone();
        let mailbox = mailbox.clone();
        let raws: Vec<Vec<u8>> = all.iter().map(|(_, raw)| raw.clone()).collect();
        tokio::spawn(async move {
            for raw in raws {
                mail_to_hotline(&servers, &mailbox, false, &[raw]).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    let dir = tempfile::tempdir().expect("temp dir");
    let rules = rule_set();
    let config = email_config(&servers, &mailbox, servers.smtp.1);

    // First run: stopped while mail is still arriving.
    let store = open_store(dir.path());
    let gateway = Gateway::start(&config, &store, &rules);
    wait_until("the first appeals are stored", || stored_count(&store) >= 3).await;
    gateway.stop().await;
    let at_stop = stored_count(&store);
    println!("stored at stop: {at_stop} of {}", all.len());
    assert!(
        at_stop < all.len() as u64,
        "the stop came after the last mail"
    );
    store.close();

    // Down for a moment while mail keeps coming, then a second run on the reopened store.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let store = open_store(dir.path());
    let gateway = Gateway::start(&config, &store, &rules);
    arriving.await.expect("every mail appended");
    wait_until("every message is stored and acknowledged", || {
        all.iter().all(|(id, _)| is_sent(&store, id))
    })
    .await;
    gateway.stop().await;

    // Nothing doubled: one appeal, one case number, one acknowledgement per message.
    assert_eq!(stored_count(&store), all.len() as u64);
    let mut case_numbers = HashSet::new();
    for (id, _) in &all {
        let record = store
            .appeal_by_intake_key(&format!("email:{id}"))
            .expect("appeal readable")
            .unwrap_or_else(|| panic!("{id} lost"));
        assert!(
            case_numbers.insert(record.case_number.clone()),
            "{id}: case number reused"
        );
        assert!(
            record.appeal.body.contains("路灯不亮"),
            "{id}: {}",
            record.appeal.body
        );
        let entry = outbox_entry(&store, id).expect("acknowledgement queued");
        let copies = citizen_copies(&servers, &entry.mail.message_id).await;
        assert_eq!(
            copies.len(),
            1,
            "{id}: acknowledgement delivered {} times",
            copies.len()
        );
    }
    store.close();
}

// ----- The acknowledgement and the citizen's reply -----

fn header_ids(parsed: &mail_parser::Message<'_>, header: &str) -> Vec<String> {
    let value = match header {
        "In-Reply-To" => parsed.in_reply_to(),
        _ => parsed.references(),
    };
    match value.as_text_list() {
        Some(list) => list.iter().map(|id| id.to_string()).collect(),
        None => value
            .as_text()
            .map(|id| vec![id.to_string()])
            .unwrap_or_default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledgement_arrives_in_chinese_threads_and_the_reply_joins_the_case() {
    let Some(servers) =
        servers("acknowledgement_arrives_in_chinese_threads_and_the_reply_joins_the_case")
    else {
        return;
    };
    let tag = unique("ack");
    let mailbox = unique("ack");
    let (citizen_id, raw) = citizen_mail(1, &tag);
    mail_to_hotline(&servers, &mailbox, true, &[raw]).await;

    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_store(dir.path());
    let rules = rule_set();
    let config = email_config(&servers, &mailbox, servers.smtp.1);
    let gateway = Gateway::start(&config, &store, &rules);
    wait_until("the acknowledgement is sent", || {
        is_sent(&store, &citizen_id)
    })
    .await;
    let record = store
        .appeal_by_intake_key(&format!("email:{citizen_id}"))
        .expect("appeal readable")
        .expect("appeal stored");
    let case_number = record.case_number.to_string();
    let entry = outbox_entry(&store, &citizen_id).expect("outbox entry");

    // It reached the citizen's mailbox through the SMTP server, once.
    let copies = wait_for_citizen_copy(&servers, &entry.mail.message_id).await;
    assert_eq!(copies.len(), 1);
    let parsed = mail_parser::MessageParser::default()
        .parse(&copies[0])
        .expect("acknowledgement parses");

    // Chinese that decodes, the case number, and threading under the citizen's mail.
    let subject = parsed.subject().expect("subject").to_string();
    assert_eq!(subject, format!("[工单 {case_number}] 您的诉求已收到"));
    let body = parsed.body_text(0).expect("body text");
    assert!(
        body.contains(&format!("您的诉求已收到，工单号 {case_number}")),
        "{body}"
    );
    assert!(body.starts_with("张三您好"), "{body}");
    assert_eq!(
        header_ids(&parsed, "In-Reply-To"),
        std::slice::from_ref(&citizen_id)
    );
    assert!(header_ids(&parsed, "References").contains(&citizen_id));
    let to = parsed
        .to()
        .and_then(|to| to.first())
        .and_then(|to| to.address());
    assert_eq!(to, Some("citizen1@example.org"));
    let ack_id = parsed.message_id().expect("message id").to_string();

    // The citizen answers it: the reply joins the case, no new appeal.
    let reply_id = format!("{tag}-reply@example.org");
    let reply = format!(
        "From: =?UTF-8?B?5byg5LiJ?= <citizen1@example.org>\r\n\
         To: xianzhang@wencheng.example.gov.cn\r\n\
         Subject: =?UTF-8?B?{}?=\r\n\
         Message-ID: <{reply_id}>\r\n\
         In-Reply-To: <{ack_id}>\r\n\
         References: <{citizen_id}> <{ack_id}>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n\
         补充一下：坏的路灯在新街口公交站旁边。\r\n",
        base64_utf8(&format!("回复：{subject}"))
    );

    // A reply naming a case this store never had becomes a new appeal, flagged.
    let stray_id = format!("{tag}-stray@example.org");
    let stray = format!(
        "From: citizen9@example.org\r\nSubject: =?UTF-8?B?{}?=\r\nMessage-ID: <{stray_id}>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n我之前反映的问题还没有人处理。\r\n",
        base64_utf8("回复：[工单 2001010001] 您的诉求已收到")
    );
    mail_to_hotline(
        &servers,
        &mailbox,
        false,
        &[reply.into_bytes(), stray.into_bytes()],
    )
    .await;
    wait_until("both replies are taken in", || {
        taken_in(&store, &reply_id).is_some() && taken_in(&store, &stray_id).is_some()
    })
    .await;
    gateway.stop().await;

    let history = store.history(&record.appeal.id).expect("history readable");
    let replied: Vec<_> = history
        .iter()
        .filter(|e| e.action == "citizen_replied")
        .collect();
    assert_eq!(replied.len(), 1, "{history:?}");
    let note = replied[0].note.as_deref().unwrap_or_default();
    assert!(note.contains("坏的路灯在新街口公交站旁边"), "{note}");
    match taken_in(&store, &reply_id).map(|t| t.outcome) {
        Some(TakenInOutcome::CaseReply {
            case_number: c,
            appeal_id,
        }) => {
            assert_eq!(c.as_str(), case_number);
            assert_eq!(appeal_id, record.appeal.id);
        }
        other => panic!("reply taken in as {other:?}"),
    }
    assert!(
        store
            .appeal_by_intake_key(&format!("email:{reply_id}"))
            .expect("readable")
            .is_none(),
        "the reply must not become an appeal of its own"
    );

    let stray = store
        .appeal_by_intake_key(&format!("email:{stray_id}"))
        .expect("readable")
        .expect("the stray reply became an appeal");
    assert!(
        stray
            .appeal
            .flags
            .iter()
            .any(|f| f.problem.contains("2001010001") && f.field == "Subject"),
        "{:?}",
        stray.appeal.flags
    );
    assert_ne!(
        stray.case_number,
        CaseNumber::parse("2001010001").expect("number")
    );
    assert_eq!(stored_count(&store), 2);

    // The logs name mailboxes, UIDs, appeal ids and case numbers, never the citizen.
    let logs = captured_logs();
    assert!(logs.contains(record.appeal.id.as_str()), "appeal id logged");
    assert!(logs.contains(&mailbox), "mailbox logged");
    for personal in [
        "citizen1@example.org",
        "张三",
        "路灯",
        "新街口",
        "还没有人处理",
    ] {
        assert!(
            !logs.contains(personal),
            "{personal:?} reached the logs:\n{logs}"
        );
    }
}

fn base64_utf8(text: &str) -> String {
    // RFC 2047 B-encoding of UTF-8 text, written out here to stay independent of the gateway.
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
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

// ----- SMTP down for a while -----

/// A port nothing listens on now; the test opens it later as the SMTP server's way in.
async fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("address").port()
}

/// Forwards every connection on `port` to the real SMTP server: the server "comes back".
async fn open_gate(port: u16, smtp: (String, u16)) -> tokio::task::JoinHandle<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the reserved port is still free");
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let smtp = smtp.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect((smtp.0.as_str(), smtp.1)).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledgements_wait_out_an_smtp_outage_without_holding_up_intake() {
    let Some(servers) =
        servers("acknowledgements_wait_out_an_smtp_outage_without_holding_up_intake")
    else {
        return;
    };
    let tag = unique("outage");
    let mailbox = unique("outage");
    let mails: Vec<(String, Vec<u8>)> = (1..=3).map(|n| citizen_mail(n, &tag)).collect();
    let raws: Vec<Vec<u8>> = mails.iter().map(|(_, raw)| raw.clone()).collect();
    mail_to_hotline(&servers, &mailbox, true, &raws).await;

    // SMTP is down: nothing listens where the sender points.
    let port = free_port().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_store(dir.path());
    let rules = rule_set();
    let config = email_config(&servers, &mailbox, port);
    let gateway = Gateway::start(&config, &store, &rules);

    // Intake goes on: every appeal is stored, and its acknowledgement fails and waits.
    wait_until(
        "appeals are stored and their acknowledgements retried",
        || {
            stored_count(&store) == mails.len() as u64
                && mails.iter().all(|(id, _)| {
                    outbox_entry(&store, id)
                        .is_some_and(|e| e.is_pending() && e.failed_attempts >= 2)
                })
        },
    )
    .await;
    let entry = outbox_entry(&store, &mails[0].0).expect("entry");
    assert!(entry.last_error.is_some());
    assert!(
        citizen_copies(&servers, &entry.mail.message_id)
            .await
            .is_empty()
    );

    // More mail during the outage is taken in just the same.
    let (late_id, late) = citizen_mail(4, &tag);
    mail_to_hotline(&servers, &mailbox, false, &[late]).await;
    wait_until("mail during the outage is stored", || {
        taken_in(&store, &late_id).is_some()
    })
    .await;

    // The server comes back: every acknowledgement goes out, once.
    let gate = open_gate(port, servers.smtp.clone()).await;
    let ids: Vec<&String> = mails.iter().map(|(id, _)| id).chain([&late_id]).collect();
    wait_until("every acknowledgement is sent", || {
        ids.iter().all(|id| is_sent(&store, id))
    })
    .await;
    gateway.stop().await;
    gate.abort();
    for id in ids {
        let entry = outbox_entry(&store, id).expect("entry");
        let copies = wait_for_citizen_copy(&servers, &entry.mail.message_id).await;
        assert_eq!(copies.len(), 1, "{id}");
        let parsed = mail_parser::MessageParser::default()
            .parse(&copies[0])
            .expect("acknowledgement parses");
        assert_eq!(header_ids(&parsed, "In-Reply-To"), std::slice::from_ref(id));
    }
    store.close();
}

// ----- A permanent refusal -----

/// An aiosmtpd server that refuses every recipient with a 5xx, as a real server does for an
/// unknown mailbox; it runs until its standard input closes.
const REFUSING_SMTP: &str = r#"
import sys
from aiosmtpd.controller import Controller

class Refuse:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 <%s>: mailbox unavailable" % address

controller = Controller(Refuse(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_refusal_gives_the_acknowledgement_up_at_once_and_keeps_the_appeal() {
    use tokio::io::AsyncBufReadExt as _;

    let Some(servers) =
        servers("a_permanent_refusal_gives_the_acknowledgement_up_at_once_and_keeps_the_appeal")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("refusing_smtp.py");
    std::fs::write(&script, REFUSING_SMTP).expect("script written");
    let port = free_port().await;
    // The Debian interpreter that python3-aiosmtpd installs into, as scripts/mail-servers.sh
    // uses; GATEWAY_TEST_PYTHON names another one that has aiosmtpd.
    let python = std::env::var("GATEWAY_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
    let mut refusing = tokio::process::Command::new(python)
        .arg(&script)
        .arg(port.to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 with aiosmtpd runs (installed by scripts/mail-servers.sh)");
    let stdout = refusing.stdout.take().expect("stdout piped");
    let mut ready = String::new();
    tokio::time::timeout(
        PATIENCE,
        tokio::io::BufReader::new(stdout).read_line(&mut ready),
    )
    .await
    .expect("refusing server starts in time")
    .expect("refusing server prints");
    assert_eq!(ready.trim(), "ready");

    let tag = unique("refused");
    let mailbox = unique("refused");
    let (id, raw) = citizen_mail(1, &tag);
    mail_to_hotline(&servers, &mailbox, true, &[raw]).await;
    let store = open_store(&dir.path().join("store"));
    let rules = rule_set();
    let config = email_config(&servers, &mailbox, port);
    let gateway = Gateway::start(&config, &store, &rules);
    wait_until("the acknowledgement is given up", || {
        outbox_entry(&store, &id).is_some_and(|e| matches!(e.state, OutboxState::GivenUp { .. }))
    })
    .await;
    gateway.stop().await;
    drop(refusing.stdin.take());
    let _ = tokio::time::timeout(PATIENCE, refusing.wait()).await;

    // Given up after the one refusal, the reason kept with the address masked.
    let entry = outbox_entry(&store, &id).expect("entry");
    assert_eq!(entry.failed_attempts, 1);
    let reason = entry.last_error.expect("reason kept");
    assert!(reason.contains("550"), "{reason}");
    assert!(reason.contains("permanent"), "{reason}");
    assert!(!reason.contains("citizen1@example.org"), "{reason}");
    assert_eq!(stored_count(&store), 1, "the appeal stays stored");
    store.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_notice_to_a_unit_with_an_email_target_arrives_over_smtp() {
    use gateway_daemon::dispatch::{EmailMessage, EmailSender};
    use gateway_daemon::email::notices::SmtpNoticeSender;

    let Some(servers) = servers("a_case_notice_to_a_unit_with_an_email_target_arrives_over_smtp")
    else {
        return;
    };
    let config = email_config(&servers, &unique("notice"), servers.smtp.1);
    let sender = SmtpNoticeSender::from_config(&config).expect("the test settings are usable");
    let key = unique("delivery");
    let notice = EmailMessage {
        to: "scjg-unit@example.org".into(),
        subject: "【12345】新工单 2612040007，请签收".into(),
        body: "县市场监督管理局：市民反映超市销售过期食品，请于期限内签收办理。".into(),
        idempotency_key: key.clone(),
    };
    sender
        .send(&notice)
        .await
        .expect("the notice is accepted by the smtp server");

    let message_id = format!("<{key}@wencheng.example.gov.cn>");
    let copies = wait_for_citizen_copy(&servers, &message_id).await;
    let parsed = mail_parser::MessageParser::default()
        .parse(&copies[0])
        .expect("the delivered notice parses");
    assert_eq!(parsed.subject(), Some("【12345】新工单 2612040007，请签收"));
    let body = parsed.body_text(0).expect("a text body");
    assert!(body.contains("请于期限内签收办理"), "{body}");
}
