//! Integration tests against real mail servers on loopback: Dovecot (IMAP) and aiosmtpd
//! (SMTP, delivering into Dovecot), started by `scripts/mail-servers.sh`.
//!
//! Run:
//! ```text
//! bash scripts/mail-servers.sh start && eval "$(bash scripts/mail-servers.sh env)"
//! GATEWAY_REQUIRE_MAIL_SERVERS=1 cargo test -p channel-adapters --test email_servers
//! ```
//! Without the `GATEWAY_TEST_*` variables the tests print that they were not run, unless
//! `GATEWAY_REQUIRE_MAIL_SERVERS=1` is set, in which case they fail.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_imap::Session;
use channel_adapters::email::imap::{
    AfterIntake, ChannelSink, FetchedMail, ImapConfig, ImapSecurity, ImapWatcher, MailSink,
    MailboxProgress, MemoryProgress, ProgressStore,
};
use channel_adapters::email::{
    AckConfig, AckRequest, CaseNumber, EmailOutcome, NoSentMessages, SmtpConfig, SmtpSecurity,
    ThreadMatch, build_acknowledgement, intake_email,
};
use encoding_rs::GB18030;
use futures_util::TryStreamExt;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

/// Tests share one Dovecot; the restart test holds this for writing, the others for reading,
/// so no other test's own connections are cut by the restart.
static RESTART_LOCK: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// The servers the tests talk to, from the environment.
#[derive(Debug, Clone)]
struct Servers {
    imap_host: String,
    imap_port: u16,
    smtp_host: String,
    smtp_port: u16,
    user: String,
    password: String,
    citizen_user: String,
    citizen_password: String,
}

fn split_address(value: &str, variable: &str) -> (String, u16) {
    let (host, port) = value
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("{variable}={value} is not host:port"));
    let port = port
        .parse()
        .unwrap_or_else(|_| panic!("{variable}={value} has no numeric port"));
    (host.to_string(), port)
}

/// The servers, or `None` (with a printed notice) when they are not configured and not required.
fn servers(test: &str) -> Option<Servers> {
    let imap = std::env::var("GATEWAY_TEST_IMAP").ok();
    let smtp = std::env::var("GATEWAY_TEST_SMTP").ok();
    let (Some(imap), Some(smtp)) = (imap, smtp) else {
        if std::env::var("GATEWAY_REQUIRE_MAIL_SERVERS").as_deref() == Ok("1") {
            panic!(
                "GATEWAY_REQUIRE_MAIL_SERVERS=1 but GATEWAY_TEST_IMAP or GATEWAY_TEST_SMTP is unset; \
                 run `bash scripts/mail-servers.sh start` and `eval \"$(bash scripts/mail-servers.sh env)\"` first"
            );
        }
        println!(
            "{test}: not run: GATEWAY_TEST_IMAP and GATEWAY_TEST_SMTP are unset (start them with scripts/mail-servers.sh)"
        );
        return None;
    };
    let (imap_host, imap_port) = split_address(&imap, "GATEWAY_TEST_IMAP");
    let (smtp_host, smtp_port) = split_address(&smtp, "GATEWAY_TEST_SMTP");
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    Some(Servers {
        imap_host,
        imap_port,
        smtp_host,
        smtp_port,
        user: var("GATEWAY_TEST_IMAP_USER", "hotline"),
        password: var("GATEWAY_TEST_IMAP_PASSWORD", "hotline-test"),
        citizen_user: var("GATEWAY_TEST_CITIZEN_USER", "citizen"),
        citizen_password: var("GATEWAY_TEST_CITIZEN_PASSWORD", "citizen-test"),
    })
}

fn imap_config(servers: &Servers, mailbox: &str, after_intake: AfterIntake) -> Arc<ImapConfig> {
    Arc::new(ImapConfig {
        host: servers.imap_host.clone(),
        port: Some(servers.imap_port),
        security: ImapSecurity::Plain,
        tls_ca_file: None,
        username: servers.user.clone(),
        password: servers.password.clone(),
        mailboxes: vec![mailbox.to_string()],
        after_intake,
        connect_timeout_seconds: 10,
        command_timeout_seconds: 20,
        idle_seconds: 5,
        poll_interval_seconds: 1,
        backoff_initial_seconds: 1,
        backoff_max_seconds: 2,
    })
}

/// A mailbox name no other test (or earlier run) uses.
fn unique_mailbox(test: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "t-{test}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

async fn login(host: &str, port: u16, user: &str, password: &str) -> Session<TcpStream> {
    let tcp = TcpStream::connect((host, port))
        .await
        .expect("imap server accepts");
    let mut client = async_imap::Client::new(tcp);
    client
        .read_response()
        .await
        .expect("greeting")
        .expect("greeting");
    client
        .login(user, password)
        .await
        .map_err(|(e, _)| e)
        .expect("test login")
}

async fn admin(servers: &Servers) -> Session<TcpStream> {
    login(
        &servers.imap_host,
        servers.imap_port,
        &servers.user,
        &servers.password,
    )
    .await
}

/// A citizen's message in GBK with a subject cut inside a character, as real clients send.
fn citizen_mail(n: usize, tag: &str) -> Vec<u8> {
    let text = format!("第{n}封：大峃镇路灯不亮了，晚上很不安全。\r\n");
    let body = GB18030.encode(&text).0.into_owned();
    let mut raw = format!(
        "From: =?UTF-8?B?5byg5LiJ?= <citizen{n}@example.org>\r\n\
         To: xianzhang@wencheng.example.gov.cn\r\n\
         Subject: =?GBK?B?wre1xrI=?=\r\n =?GBK?B?u8HBwcs=?=\r\n\
         Message-ID: <{tag}-{n}@example.org>\r\n\
         Date: Thu, 03 Dec 2026 10:00:00 +0800\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=gb2312\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n"
    )
    .into_bytes();
    raw.extend_from_slice(&body);
    raw
}

async fn append_all(session: &mut Session<TcpStream>, mailbox: &str, messages: &[Vec<u8>]) {
    for raw in messages {
        session
            .append(mailbox, None, None, raw)
            .await
            .expect("APPEND succeeds");
    }
}

async fn receive(
    rx: &mut mpsc::Receiver<FetchedMail>,
    count: usize,
    within: Duration,
) -> Vec<FetchedMail> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while got.len() < count {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(mail)) => got.push(mail),
            Ok(None) | Err(_) => break,
        }
    }
    got
}

fn message_id(mail: &FetchedMail) -> String {
    mail.outcome
        .message_id()
        .expect("test mail has an id")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appended_messages_come_out_parsed_and_flagged_seen() {
    let Some(servers) = servers("appended_messages_come_out_parsed_and_flagged_seen") else {
        return;
    };
    let _shared = RESTART_LOCK.read().await;
    let mailbox = unique_mailbox("parsed");
    let mut session = admin(&servers).await;
    session.create(&mailbox).await.expect("CREATE test mailbox");
    let tag = mailbox.clone();
    append_all(
        &mut session,
        &mailbox,
        &[citizen_mail(1, &tag), citizen_mail(2, &tag)],
    )
    .await;

    // Start the watcher; two messages wait, a third arrives while it idles.
    let (tx, mut rx) = mpsc::channel(16);
    let (stop, shutdown) = watch::channel(false);
    let watcher = ImapWatcher::new(
        imap_config(&servers, &mailbox, AfterIntake::MarkSeen),
        mailbox.clone(),
        Arc::new(MemoryProgress::new()),
        Arc::new(NoSentMessages),
        ChannelSink(tx),
    );
    let task = tokio::spawn(watcher.run(shutdown));
    let first = receive(&mut rx, 2, Duration::from_secs(20)).await;
    assert_eq!(first.len(), 2, "both waiting messages were taken in");
    append_all(&mut session, &mailbox, &[citizen_mail(3, &tag)]).await;
    let third = receive(&mut rx, 1, Duration::from_secs(20)).await;
    assert_eq!(
        third.len(),
        1,
        "a message appended during IDLE was taken in"
    );

    // Every one is a decoded appeal, in UID order.
    let all: Vec<FetchedMail> = first.into_iter().chain(third).collect();
    for (i, mail) in all.iter().enumerate() {
        let EmailOutcome::NewAppeal(new) = &mail.outcome else {
            panic!("uid {} is not a new appeal: {:?}", mail.uid, mail.outcome);
        };
        assert_eq!(new.appeal.title.as_deref(), Some("路灯不亮了"));
        assert!(
            new.appeal
                .body
                .contains(&format!("第{}封：大峃镇路灯不亮了", i + 1)),
            "{}",
            new.appeal.body
        );
        assert_eq!(new.appeal.citizen.name.as_deref(), Some("张三"));
        assert_eq!(
            new.appeal.channel_message_id,
            format!("{tag}-{}@example.org", i + 1)
        );
    }
    assert!(all.windows(2).all(|w| w[0].uid < w[1].uid));

    // Taken-in mail carries \Seen on the server.
    stop.send(true).expect("watcher listens");
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("watcher stops")
        .expect("no panic");
    session.select(&mailbox).await.expect("SELECT");
    let seen = session.uid_search("SEEN").await.expect("SEARCH SEEN");
    assert_eq!(seen.len(), 3, "all three flagged \\Seen");
    let _ = session.logout().await;
}

/// A sink that takes its time, so that a server restart lands in the middle of intake.
#[derive(Clone)]
struct SlowSink(mpsc::Sender<FetchedMail>);

impl MailSink for SlowSink {
    async fn deliver(&self, mail: FetchedMail) -> Result<(), String> {
        tokio::time::sleep(Duration::from_millis(400)).await;
        self.0
            .send(mail)
            .await
            .map_err(|_| "receiver closed".to_string())
    }
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/mail-servers.sh")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restart_mid_run_loses_and_doubles_nothing() {
    let Some(servers) = servers("server_restart_mid_run_loses_and_doubles_nothing") else {
        return;
    };
    let _exclusive = RESTART_LOCK.write().await;
    let mailbox = unique_mailbox("restart");
    let tag = mailbox.clone();
    let mut session = admin(&servers).await;
    session.create(&mailbox).await.expect("CREATE test mailbox");
    let before: Vec<Vec<u8>> = (1..=12).map(|n| citizen_mail(n, &tag)).collect();
    append_all(&mut session, &mailbox, &before).await;
    let _ = session.logout().await;

    let (tx, mut rx) = mpsc::channel(64);
    let (stop, shutdown) = watch::channel(false);
    let progress = Arc::new(MemoryProgress::new());
    let watcher = ImapWatcher::new(
        imap_config(&servers, &mailbox, AfterIntake::MarkSeen),
        mailbox.clone(),
        progress.clone(),
        Arc::new(NoSentMessages),
        SlowSink(tx),
    );
    let task = tokio::spawn(watcher.run(shutdown));

    // Restart Dovecot while the watcher is part-way through the twelve.
    let early = receive(&mut rx, 3, Duration::from_secs(20)).await;
    assert_eq!(early.len(), 3, "intake started before the restart");
    let status = tokio::process::Command::new("bash")
        .arg(script())
        .arg("restart")
        .status()
        .await
        .expect("restart script runs");
    assert!(
        status.success(),
        "scripts/mail-servers.sh restart succeeded"
    );
    let delivered_by_restart = early.len() + rx.len();
    assert!(
        delivered_by_restart < 12,
        "the restart landed mid-run ({delivered_by_restart} of 12 delivered by then)"
    );

    // More mail arrives after the restart.
    let mut session = admin(&servers).await;
    let after: Vec<Vec<u8>> = (13..=15).map(|n| citizen_mail(n, &tag)).collect();
    append_all(&mut session, &mailbox, &after).await;
    let rest = receive(&mut rx, 12, Duration::from_secs(60)).await;

    // Every message exactly once.
    let all: Vec<String> = early.iter().chain(&rest).map(message_id).collect();
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "no message delivered twice: {all:?}"
    );
    let expected: HashSet<String> = (1..=15).map(|n| format!("{tag}-{n}@example.org")).collect();
    let got: HashSet<String> = all.into_iter().collect();
    assert_eq!(got, expected, "every message delivered");
    let extra = receive(&mut rx, 1, Duration::from_secs(3)).await;
    assert!(
        extra.is_empty(),
        "nothing more arrives: {:?}",
        extra.iter().map(message_id).collect::<Vec<_>>()
    );

    stop.send(true).expect("watcher listens");
    tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("watcher stops")
        .expect("no panic");
    let mark = progress.load(&mailbox).expect("progress saved");
    session.select(&mailbox).await.expect("SELECT");
    let uids = session.uid_search("ALL").await.expect("SEARCH ALL");
    assert_eq!(
        mark.last_uid,
        uids.iter().copied().max().expect("mail present")
    );
    let _ = session.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_uidvalidity_resyncs_and_dedupes_by_message_id() {
    let Some(servers) = servers("changed_uidvalidity_resyncs_and_dedupes_by_message_id") else {
        return;
    };
    let _shared = RESTART_LOCK.read().await;
    let mailbox = unique_mailbox("uidvalidity");
    let tag = mailbox.clone();
    let mut session = admin(&servers).await;
    session.create(&mailbox).await.expect("CREATE test mailbox");
    append_all(
        &mut session,
        &mailbox,
        &[
            citizen_mail(1, &tag),
            citizen_mail(2, &tag),
            citizen_mail(3, &tag),
        ],
    )
    .await;
    let selected = session.select(&mailbox).await.expect("SELECT");
    let validity = selected.uid_validity.expect("dovecot reports uidvalidity");

    // Progress from an older incarnation of the mailbox: other UIDVALIDITY, UIDs beyond these.
    let progress = Arc::new(MemoryProgress::new());
    progress.save(
        &mailbox,
        MailboxProgress {
            uid_validity: validity.wrapping_sub(1),
            last_uid: 500,
        },
    );
    progress.remember_taken_in(&format!("{tag}-1@example.org"));
    progress.remember_taken_in(&format!("{tag}-3@example.org"));

    let (tx, mut rx) = mpsc::channel(16);
    let (stop, shutdown) = watch::channel(false);
    let watcher = ImapWatcher::new(
        imap_config(&servers, &mailbox, AfterIntake::MarkSeen),
        mailbox.clone(),
        progress.clone(),
        Arc::new(NoSentMessages),
        ChannelSink(tx),
    );
    let task = tokio::spawn(watcher.run(shutdown));
    let got = receive(&mut rx, 3, Duration::from_secs(15)).await;
    stop.send(true).expect("watcher listens");
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("watcher stops")
        .expect("no panic");

    let ids: Vec<String> = got.iter().map(message_id).collect();
    assert_eq!(
        ids,
        [format!("{tag}-2@example.org")],
        "only the message not taken in before"
    );
    let mark = progress.load(&mailbox).expect("progress saved");
    assert_eq!(mark.uid_validity, validity);
    assert_eq!(mark.last_uid, 3);
    session
        .select(&mailbox)
        .await
        .expect("SELECT again to see other sessions' flags");
    let seen = session.uid_search("SEEN").await.expect("SEARCH SEEN");
    assert_eq!(
        seen.len(),
        3,
        "duplicates are flagged too, so they are not seen again"
    );
    let _ = session.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taken_in_mail_can_be_moved_to_a_folder() {
    let Some(servers) = servers("taken_in_mail_can_be_moved_to_a_folder") else {
        return;
    };
    let _shared = RESTART_LOCK.read().await;
    let mailbox = unique_mailbox("move-src");
    let folder = unique_mailbox("move-dst");
    let tag = mailbox.clone();
    let mut session = admin(&servers).await;
    session.create(&mailbox).await.expect("CREATE source");
    session.create(&folder).await.expect("CREATE destination");
    append_all(
        &mut session,
        &mailbox,
        &[citizen_mail(1, &tag), citizen_mail(2, &tag)],
    )
    .await;

    let (tx, mut rx) = mpsc::channel(16);
    let (stop, shutdown) = watch::channel(false);
    let watcher = ImapWatcher::new(
        imap_config(
            &servers,
            &mailbox,
            AfterIntake::Move {
                folder: folder.clone(),
            },
        ),
        mailbox.clone(),
        Arc::new(MemoryProgress::new()),
        Arc::new(NoSentMessages),
        ChannelSink(tx),
    );
    let task = tokio::spawn(watcher.run(shutdown));
    let got = receive(&mut rx, 2, Duration::from_secs(15)).await;
    assert_eq!(got.len(), 2);
    stop.send(true).expect("watcher listens");
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("watcher stops")
        .expect("no panic");

    let source = session.select(&mailbox).await.expect("SELECT source");
    assert_eq!(source.exists, 0, "source mailbox emptied");
    let destination = session.select(&folder).await.expect("SELECT destination");
    assert_eq!(destination.exists, 2, "both moved");
    let _ = session.logout().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledgement_arrives_in_chinese_and_threads_with_the_reply() {
    let Some(servers) = servers("acknowledgement_arrives_in_chinese_and_threads_with_the_reply")
    else {
        return;
    };
    let _shared = RESTART_LOCK.read().await;
    let tag = unique_mailbox("ack");
    let case_number = CaseNumber::parse("2612030042").expect("case number");
    let config = AckConfig {
        from_address: "xianzhang@wencheng.example.gov.cn".into(),
        from_name: "文成县12345热线".into(),
        message_id_domain: "wencheng.example.gov.cn".into(),
        subject_template: "[工单 {case_number}] 您的诉求已收到".into(),
        body_template: "{name}您好：\n您的诉求已收到，工单号 {case_number}。\n".into(),
    };
    let request = AckRequest {
        case_number: case_number.clone(),
        to_address: "citizen@example.org".into(),
        to_name: Some("张三".into()),
        original_subject: Some("路灯不亮了".into()),
        original_message_id: Some(format!("<{tag}-orig@example.org>")),
        original_references: Vec::new(),
    };
    let mail = build_acknowledgement(&config, &request, &tag).expect("acknowledgement builds");

    // Send it through the real SMTP server.
    let sender = SmtpConfig {
        host: servers.smtp_host.clone(),
        port: Some(servers.smtp_port),
        security: SmtpSecurity::Plain,
        tls_ca_file: None,
        username: None,
        password: None,
        send_timeout_seconds: 10,
        pool_max_connections: 1,
    }
    .build()
    .expect("smtp transport");
    sender
        .send(&mail)
        .await
        .expect("smtp server accepts the acknowledgement");

    // It lands in the citizen's mailbox; find it by its Message-ID.
    let mut citizen = login(
        &servers.imap_host,
        servers.imap_port,
        &servers.citizen_user,
        &servers.citizen_password,
    )
    .await;
    let wanted = format!("{tag}@wencheng.example.gov.cn");
    let mut raw = None;
    for _ in 0..50 {
        citizen.select("INBOX").await.expect("SELECT INBOX");
        let found = citizen
            .uid_search(format!("HEADER Message-ID \"{wanted}\""))
            .await
            .expect("SEARCH");
        if let Some(uid) = found.into_iter().next() {
            let fetched: Vec<_> = citizen
                .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                .await
                .expect("FETCH")
                .try_collect()
                .await
                .expect("FETCH responses");
            raw = fetched.first().and_then(|f| f.body()).map(<[u8]>::to_vec);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let raw = raw.expect("acknowledgement delivered to the citizen's mailbox");
    let _ = citizen.logout().await;

    // It decodes to the right Chinese and threads under the citizen's mail.
    let parsed = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("parses");
    assert_eq!(parsed.subject(), Some("[工单 2612030042] 您的诉求已收到"));
    assert_eq!(
        parsed.in_reply_to().as_text(),
        Some(format!("{tag}-orig@example.org").as_str())
    );
    let body = parsed.body_text(0).expect("text body");
    assert!(body.contains("张三您好"), "{body}");
    assert!(
        body.contains("您的诉求已收到，工单号 2612030042。"),
        "{body}"
    );
    assert_eq!(
        parsed.from().and_then(|f| f.first()).and_then(|a| a.name()),
        Some("文成县12345热线")
    );

    // The citizen's reply to it joins the case, by In-Reply-To.
    let reply = format!(
        "From: citizen@example.org\r\nSubject: Re: {}\r\nMessage-ID: <{tag}-reply@example.org>\r\n\
         In-Reply-To: {}\r\nReferences: <{tag}-orig@example.org> {}\r\n\r\n补充：路灯在十字路口东侧。\r\n\r\n\
         在 2026年12月3日 10:00，文成县12345热线 写道：\r\n> 您的诉求已收到\r\n",
        "[工单 2612030042] 您的诉求已收到", mail.message_id, mail.message_id
    );
    let mut sent: HashMap<String, CaseNumber> = HashMap::new();
    sent.insert(wanted.clone(), case_number.clone());
    match intake_email(reply.as_bytes(), &sent) {
        EmailOutcome::CaseReply {
            case_number: found,
            matched_by,
            reply,
        } => {
            assert_eq!(found, case_number);
            assert_eq!(matched_by, ThreadMatch::InReplyTo(wanted));
            assert_eq!(reply.appeal.body, "补充：路灯在十字路口东侧。");
        }
        other => panic!("reply not tied to the case: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_reported_as_a_login_error() {
    let Some(servers) = servers("a_wrong_password_is_reported_as_a_login_error") else {
        return;
    };
    let _shared = RESTART_LOCK.read().await;
    let mut config = (*imap_config(&servers, "INBOX", AfterIntake::MarkSeen)).clone();
    config.password = "not-the-password".into();
    let (tx, _rx) = mpsc::channel(1);
    let watcher = ImapWatcher::new(
        Arc::new(config),
        "INBOX",
        Arc::new(MemoryProgress::new()),
        Arc::new(NoSentMessages),
        ChannelSink(tx),
    );
    let (_stop, mut shutdown) = watch::channel(false);
    let error = watcher
        .session(&mut shutdown)
        .await
        .expect_err("login refused");
    assert!(
        matches!(
            error,
            channel_adapters::email::imap::ImapError::Login { .. }
        ),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("check the username and password")
    );
}

/// The plain servers, the implicit-TLS IMAP and STARTTLS SMTP addresses, and the test CA.
type TlsServers = (Servers, (String, u16), (String, u16), PathBuf);

/// The TLS ports and the test CA, or `None` when the TLS variables are not set.
fn tls_servers(test: &str) -> Option<TlsServers> {
    let servers = servers(test)?;
    let imaps = std::env::var("GATEWAY_TEST_IMAPS").ok();
    let starttls = std::env::var("GATEWAY_TEST_SMTP_STARTTLS").ok();
    let ca = std::env::var("GATEWAY_TEST_TLS_CA").ok();
    let (Some(imaps), Some(starttls), Some(ca)) = (imaps, starttls, ca) else {
        if std::env::var("GATEWAY_REQUIRE_MAIL_SERVERS").as_deref() == Ok("1") {
            panic!(
                "GATEWAY_REQUIRE_MAIL_SERVERS=1 but GATEWAY_TEST_IMAPS, GATEWAY_TEST_SMTP_STARTTLS or \
                 GATEWAY_TEST_TLS_CA is unset; eval \"$(bash scripts/mail-servers.sh env)\""
            );
        }
        println!("{test}: not run: the TLS test servers are not configured");
        return None;
    };
    Some((
        servers,
        split_address(&imaps, "GATEWAY_TEST_IMAPS"),
        split_address(&starttls, "GATEWAY_TEST_SMTP_STARTTLS"),
        PathBuf::from(ca),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_over_implicit_tls_verifies_the_server_certificate() {
    let Some((servers, (host, port), _, ca)) =
        tls_servers("intake_over_implicit_tls_verifies_the_server_certificate")
    else {
        return;
    };
    let _shared = RESTART_LOCK.read().await;
    let mailbox = unique_mailbox("tls");
    let tag = mailbox.clone();
    let mut session = admin(&servers).await;
    session.create(&mailbox).await.expect("CREATE test mailbox");
    append_all(&mut session, &mailbox, &[citizen_mail(1, &tag)]).await;
    let _ = session.logout().await;

    let mut config = (*imap_config(&servers, &mailbox, AfterIntake::MarkSeen)).clone();
    config.host = host;
    config.port = Some(port);
    config.security = ImapSecurity::Tls;

    // Without the test CA the certificate is unknown, and the connection is refused.
    let (tx, mut rx) = mpsc::channel(4);
    let untrusting = ImapWatcher::new(
        Arc::new(config.clone()),
        mailbox.clone(),
        Arc::new(MemoryProgress::new()),
        Arc::new(NoSentMessages),
        ChannelSink(tx.clone()),
    );
    let (_stop, mut shutdown) = watch::channel(false);
    let error = untrusting
        .session(&mut shutdown)
        .await
        .expect_err("unknown CA refused");
    assert!(
        matches!(
            error,
            channel_adapters::email::imap::ImapError::Connect { .. }
        ),
        "{error}"
    );

    // With it, mail comes in over TLS.
    config.tls_ca_file = Some(ca);
    let watcher = ImapWatcher::new(
        Arc::new(config),
        mailbox.clone(),
        Arc::new(MemoryProgress::new()),
        Arc::new(NoSentMessages),
        ChannelSink(tx),
    );
    let (stop, shutdown) = watch::channel(false);
    let task = tokio::spawn(watcher.run(shutdown));
    let got = receive(&mut rx, 1, Duration::from_secs(20)).await;
    stop.send(true).expect("watcher listens");
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("watcher stops")
        .expect("no panic");
    assert_eq!(got.len(), 1, "the message arrived over tls");
    assert_eq!(message_id(&got[0]), format!("{tag}-1@example.org"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledgement_over_required_starttls_arrives() {
    let Some((servers, _, (host, port), ca)) =
        tls_servers("acknowledgement_over_required_starttls_arrives")
    else {
        return;
    };
    let _shared = RESTART_LOCK.read().await;
    let tag = unique_mailbox("starttls");
    let config = AckConfig {
        from_address: "xianzhang@wencheng.example.gov.cn".into(),
        from_name: "文成县12345热线".into(),
        message_id_domain: "wencheng.example.gov.cn".into(),
        subject_template: "[工单 {case_number}] 您的诉求已收到".into(),
        body_template: "您的诉求已收到，工单号 {case_number}。\n".into(),
    };
    let request = AckRequest {
        case_number: CaseNumber::parse("2612030043").expect("case number"),
        to_address: "citizen@example.org".into(),
        to_name: None,
        original_subject: None,
        original_message_id: Some(format!("{tag}-orig@example.org")),
        original_references: Vec::new(),
    };
    let mail = build_acknowledgement(&config, &request, &tag).expect("builds");
    let smtp = |ca_file: Option<PathBuf>| SmtpConfig {
        host: host.clone(),
        port: Some(port),
        security: SmtpSecurity::Starttls,
        tls_ca_file: ca_file,
        username: None,
        password: None,
        send_timeout_seconds: 10,
        pool_max_connections: 1,
    };

    // An unknown CA is refused before any mail is handed over.
    let refused = smtp(None).build().expect("transport").send(&mail).await;
    assert!(refused.is_err(), "certificate from an unknown CA accepted");

    smtp(Some(ca))
        .build()
        .expect("transport")
        .send(&mail)
        .await
        .expect("sent over starttls");
    let mut citizen = login(
        &servers.imap_host,
        servers.imap_port,
        &servers.citizen_user,
        &servers.citizen_password,
    )
    .await;
    let wanted = format!("{tag}@wencheng.example.gov.cn");
    let mut found = false;
    for _ in 0..50 {
        citizen.select("INBOX").await.expect("SELECT INBOX");
        let hits = citizen
            .uid_search(format!("HEADER Message-ID \"{wanted}\""))
            .await
            .expect("SEARCH");
        if !hits.is_empty() {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = citizen.logout().await;
    assert!(found, "acknowledgement sent over starttls was delivered");
}
