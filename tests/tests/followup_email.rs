//! Follow-up by email through the running daemon and real mail servers on loopback (Dovecot
//! for IMAP, aiosmtpd for SMTP, from `scripts/mail-servers.sh`): a citizen writes to the
//! county mailbox, the unit resolves the case, the survey goes out over SMTP, and the
//! citizen's reply to the survey mail, fetched over IMAP, rates the case.
//!
//! Mail reaches the hotline's mailbox by IMAP APPEND into a folder of its own. Without `GATEWAY_TEST_IMAP` / `GATEWAY_TEST_SMTP` the test
//! says it did not run, unless `GATEWAY_REQUIRE_MAIL_SERVERS=1`, when it fails.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use gateway_tests::{Daemon, Receiver, Sandbox, api, config_text, creds, eventually};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gateway-under-test");
const MARKET: &str = "test-unit-market-0123456789";
const HRSS: &str = "test-unit-hrss-0123456789";
const SUPERVISOR: &str = "test-supervisor-0123456789";
const WAIT: Duration = Duration::from_secs(40);

struct Servers {
    imap: String,
    smtp: String,
    mail_dir: PathBuf,
}

fn servers() -> Option<Servers> {
    let (Ok(imap), Ok(smtp)) = (
        std::env::var("GATEWAY_TEST_IMAP"),
        std::env::var("GATEWAY_TEST_SMTP"),
    ) else {
        assert_ne!(
            std::env::var("GATEWAY_REQUIRE_MAIL_SERVERS").as_deref(),
            Ok("1"),
            "GATEWAY_REQUIRE_MAIL_SERVERS=1 but the mail servers are not configured; run \
             `bash scripts/mail-servers.sh start` and `eval \"$(bash scripts/mail-servers.sh env)\"`"
        );
        println!("followup_email: not run: GATEWAY_TEST_IMAP and GATEWAY_TEST_SMTP are unset");
        return None;
    };
    let mail_dir = std::env::var("GATEWAY_MAIL_DIR")
        .unwrap_or_else(|_| "/tmp/gateway-mail-servers".to_string());
    Some(Servers {
        imap,
        smtp,
        mail_dir: PathBuf::from(mail_dir),
    })
}

fn host_port(value: &str) -> (&str, &str) {
    value.rsplit_once(':').expect("host:port")
}

/// A minimal IMAP client over a plain loopback connection: enough to create a folder and
/// append messages to it, as a mail server's delivery would put them there.
struct Imap {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    tag: u32,
}

impl Imap {
    fn login(address: &str, user: &str, password: &str) -> Imap {
        let stream = TcpStream::connect(address).expect("connect to the imap server");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let writer = stream.try_clone().unwrap();
        let mut imap = Imap {
            reader: BufReader::new(stream),
            writer,
            tag: 0,
        };
        let mut greeting = String::new();
        imap.reader.read_line(&mut greeting).unwrap();
        assert!(greeting.starts_with("* OK"), "{greeting}");
        imap.command(&format!("LOGIN {user} {password}"));
        imap
    }

    /// Sends a command and reads up to its tagged answer, which must be OK.
    fn command(&mut self, command: &str) {
        self.tag += 1;
        write!(self.writer, "t{} {command}\r\n", self.tag).unwrap();
        self.answer();
    }

    fn answer(&mut self) {
        let tag = format!("t{} ", self.tag);
        loop {
            let mut line = String::new();
            assert!(self.reader.read_line(&mut line).unwrap() > 0, "imap closed");
            if let Some(rest) = line.strip_prefix(&tag) {
                assert!(rest.starts_with("OK"), "imap refused: {line}");
                return;
            }
        }
    }

    fn append(&mut self, folder: &str, message: &str) {
        let bytes = message.replace('\n', "\r\n").into_bytes();
        self.tag += 1;
        write!(
            self.writer,
            "t{} APPEND {folder} {{{}}}\r\n",
            self.tag,
            bytes.len()
        )
        .unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        assert!(
            line.starts_with('+'),
            "imap did not take the literal: {line}"
        );
        self.writer.write_all(&bytes).unwrap();
        self.writer.write_all(b"\r\n").unwrap();
        self.answer();
    }
}

/// A daemon reading its own new IMAP folder, sending over the SMTP server, with the market
/// and social-security units' webhooks on loopback.
struct Mailroom {
    servers: Servers,
    imap: Imap,
    folder: String,
    tag: String,
    market: Receiver,
    hrss: Receiver,
    daemon: Daemon,
    _sandbox: Sandbox,
}

impl Mailroom {
    /// Starts it, or `None` when the mail servers are not configured (and not required).
    fn start(extra: &str) -> Option<Mailroom> {
        let servers = servers()?;
        let (market, hrss) = (Receiver::start(0), Receiver::start(0));
        let tag = format!(
            "fu{}x{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let folder = format!("FollowUp{tag}");
        let user = std::env::var("GATEWAY_TEST_IMAP_USER").unwrap_or_else(|_| "hotline".into());
        let password =
            std::env::var("GATEWAY_TEST_IMAP_PASSWORD").unwrap_or_else(|_| "hotline-test".into());
        let mut imap = Imap::login(&servers.imap, &user, &password);
        imap.command(&format!("CREATE {folder}"));

        let (imap_host, imap_port) = host_port(&servers.imap);
        let (smtp_host, smtp_port) = host_port(&servers.smtp);
        let unit = |id: &str, name: &str, token: &str, url: &str| {
            format!(
                "[cases.units.{id}]\nname = \"{name}\"\ntoken = \"{token}\"\n\
                 [[cases.units.{id}.targets]]\ntype = \"webhook\"\nurl = \"{url}\"\n\
                 secret = \"test-webhook-secret-{id}-0123\"\n\n"
            )
        };
        let sections = format!(
            "[cases]\nsupervision_interval_seconds = 3600\n\n{}{}\
             [[cases.supervisors]]\nstaff_id = \"D001\"\ntoken = \"{SUPERVISOR}\"\n\n\
             [follow_up]\ntick_seconds = 1\n\n\
             [channels.email.imap]\nhost = \"{imap_host}\"\nport = {imap_port}\nsecurity = \"plain\"\n\
             username = \"{user}\"\npassword = \"{password}\"\nmailboxes = [\"{folder}\"]\n\
             idle_seconds = 5\npoll_interval_seconds = 1\nbackoff_initial_seconds = 1\nbackoff_max_seconds = 2\n\n\
             [channels.email.smtp]\nhost = \"{smtp_host}\"\nport = {smtp_port}\nsecurity = \"plain\"\n\n\
             [channels.email.acknowledgement]\nfrom_address = \"xianzhang@wencheng.example.gov.cn\"\n\
             message_id_domain = \"wencheng.example.gov.cn\"\n\n{extra}",
            unit(
                "market-supervision",
                "县市场监督管理局",
                MARKET,
                &market.url
            ),
            unit(
                "human-resources-social-security",
                "县人力资源和社会保障局",
                HRSS,
                &hrss.url
            ),
        );
        let sandbox = Sandbox::new();
        let config = sandbox.config(&config_text("redb", None, &sections));
        let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
        Some(Mailroom {
            servers,
            imap,
            folder,
            tag,
            market,
            hrss,
            daemon,
            _sandbox: sandbox,
        })
    }

    /// The citizen's address in this run.
    fn citizen(&self) -> String {
        format!("citizen-{}@example.com", self.tag)
    }

    /// A plain-text mail from the citizen into the hotline's folder; `headers` are added.
    fn citizen_writes(&mut self, id: &str, subject: &str, headers: &str, text: &str) {
        let citizen = self.citizen();
        self.writes_from(&citizen, id, subject, headers, text);
    }

    /// A plain-text mail from `from` into the hotline's folder; `headers` are added.
    fn writes_from(&mut self, from: &str, id: &str, subject: &str, headers: &str, text: &str) {
        let message = format!(
            "From: <{from}>\nTo: <xianzhang@wencheng.example.gov.cn>\nSubject: {subject}\n\
             Message-ID: <{id}-{}@example.com>\n{headers}Date: Fri, 04 Dec 2026 09:00:00 +0800\n\
             MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\
             Content-Transfer-Encoding: 8bit\n\n{text}\n",
            self.tag
        );
        let folder = self.folder.clone();
        self.imap.append(&folder, &message);
    }

    /// The case a unit's token lists first, once there is one.
    fn first_case(&self, token: &str) -> String {
        let mut number = String::new();
        assert!(
            eventually(WAIT, || {
                let (_, listed) = api(&self.daemon, "GET", "/api/v1/cases", token, Value::Null);
                match listed["cases"].as_array().and_then(|c| c.first()) {
                    Some(case) => {
                        number = case["case_number"].as_str().unwrap_or_default().to_string();
                        true
                    }
                    None => false,
                }
            }),
            "no case was opened: {}",
            self.daemon.logs()
        );
        number
    }

    /// The messages to the citizen about a case, once there are `count` of them all sent.
    fn messages_sent(&self, case_number: &str, count: usize) -> Vec<Value> {
        let path = format!("/api/v1/cases/{case_number}/follow-up");
        let mut messages = Vec::new();
        assert!(
            eventually(WAIT, || {
                let (_, record) = api(&self.daemon, "GET", &path, SUPERVISOR, Value::Null);
                messages = record["messages"].as_array().cloned().unwrap_or_default();
                messages.len() == count && messages.iter().all(|m| m["state"] == "sent")
            }),
            "{count} messages were not sent: {messages:?} {}",
            self.daemon.logs()
        );
        messages
    }

    /// Waits until the SMTP server has delivered the mail with this Message-ID to the
    /// citizen's mailbox, and returns it.
    fn delivered(&self, message_id: &str) -> String {
        let new = self.servers.mail_dir.join("mail/citizen/Maildir/new");
        let mut found = String::new();
        assert!(
            eventually(WAIT, || {
                std::fs::read_dir(&new)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                    .find(|text| text.contains(message_id))
                    .map(|text| found = text)
                    .is_some()
            }),
            "{message_id} did not arrive"
        );
        found
    }

    fn case_state(&self, case_number: &str) -> String {
        let (_, case) = api(
            &self.daemon,
            "GET",
            &format!("/api/v1/cases/{case_number}"),
            SUPERVISOR,
            Value::Null,
        );
        case["state"].as_str().unwrap_or_default().to_string()
    }
}

#[test]
fn a_reply_to_the_survey_email_rates_the_case() {
    let Some(mut room) = Mailroom::start("") else {
        return;
    };
    room.citizen_writes(
        "appeal",
        "超市卖过期食品",
        "",
        "玉壶镇的超市卖过期食品，要求退款商家不理。",
    );
    let case_number = room.first_case(MARKET);
    assert!(eventually(WAIT, || room.market.accepted().len() == 1));

    // Resolved: the survey goes out over SMTP to the citizen's mailbox.
    let path = format!("/api/v1/cases/{case_number}");
    let daemon = &room.daemon;
    assert_eq!(
        api(
            daemon,
            "POST",
            &format!("{path}/acknowledge"),
            MARKET,
            json!({})
        )
        .0,
        200
    );
    let (status, body) = api(
        daemon,
        "POST",
        &format!("{path}/resolve"),
        MARKET,
        json!({"result": "已责令超市下架过期食品并退款", "citizen_informed_by": "email"}),
    );
    assert_eq!(status, 200, "{body}");
    let messages = room.messages_sent(&case_number, 1);
    let message_id = format!(
        "{}@wencheng.example.gov.cn",
        messages[0]["id"].as_str().unwrap()
    );
    let survey = room.delivered(&message_id);
    assert!(
        survey.contains(&room.citizen()),
        "the survey is addressed to the citizen"
    );

    // The citizen answers the survey mail: "3", dissatisfied, quoting the survey below.
    room.citizen_writes(
        "answer",
        "Re: survey",
        &format!("In-Reply-To: <{message_id}>\nReferences: <{message_id}>\n"),
        "3 还是在卖\n\n> 【文成12345】请对办理结果评价，回复数字：1 满意，2 基本满意，3 不满意。",
    );
    assert!(
        eventually(WAIT, || room.case_state(&case_number) == "reopened"),
        "the answer did not reopen the case: {}",
        room.daemon.logs()
    );
    let (_, record) = api(
        &room.daemon,
        "GET",
        &format!("{path}/follow-up"),
        MARKET,
        Value::Null,
    );
    assert_eq!(record["rating"], "dissatisfied", "{record}");
    assert_eq!(record["channel"], "email", "{record}");
    // The reopening is told to the citizen by email too, and the unit gets the case back.
    room.messages_sent(&case_number, 2);
    assert!(eventually(WAIT, || room.market.accepted().len() == 2));
    // No second appeal was made of the answer.
    let (_, appeals) = api(
        &room.daemon,
        "GET",
        "/api/v1/appeals?limit=100",
        creds::READER_TOKEN,
        Value::Null,
    );
    assert_eq!(
        appeals["appeals"].as_array().map(Vec::len),
        Some(1),
        "{appeals}"
    );
}

#[test]
fn an_email_consultation_is_answered_by_mail_and_a_reply_that_it_did_not_help_dispatches_it() {
    let files = tempfile::tempdir().unwrap();
    std::fs::write(
        files.path().join("human-resources-social-security.md"),
        "# 知识库：human-resources-social-security\n\n\
         ## 灵活就业人员怎么缴纳养老保险\n\n\
         - id: hrss-flexible-pension\n- owner: human-resources-social-security\n\
         - topic: 劳动和社会保障/城镇职工社会保险\n- source: 县人力社保局灵活就业参保指南（2026年版）\n\
         - valid_from: 2026-01-01\n- review_by: 2099-12-31\n\n\
         灵活就业人员可携带身份证到县社保中心一楼窗口办理参保登记，按月或按季度缴费。\n",
    )
    .unwrap();
    let knowledge = format!(
        "[knowledge]\nimport = [{:?}]\n\n[knowledge.direct]\nthreshold = 0.5\n",
        files.path().display().to_string()
    );
    let Some(mut room) = Mailroom::start(&knowledge) else {
        return;
    };

    // The consultation is answered by a mail of its own; no unit hears of it.
    room.citizen_writes(
        "ask",
        "咨询养老保险",
        "",
        "请问灵活就业人员怎么缴纳养老保险",
    );
    let case_number = room.first_case(SUPERVISOR);
    let messages = room.messages_sent(&case_number, 1);
    let text = messages[0]["text"].as_str().unwrap();
    assert!(text.contains("县社保中心一楼窗口办理参保登记"), "{text}");
    assert!(text.contains("没有帮助"), "{text}");
    assert_eq!(room.case_state(&case_number), "resolved");
    let message_id = format!(
        "{}@wencheng.example.gov.cn",
        messages[0]["id"].as_str().unwrap()
    );
    room.delivered(&message_id);
    assert_eq!(room.hrss.requests(), 0);

    // "没有帮助" in reply to that mail turns it into a case for the unit that owns the matter.
    room.citizen_writes(
        "no-help",
        "Re: 咨询养老保险",
        &format!("In-Reply-To: <{message_id}>\n"),
        "没有帮助\n\n> 您好，关于您咨询的问题，答复如下：",
    );
    assert!(
        eventually(WAIT, || room.hrss.accepted().len() == 1),
        "the unit was not sent the case: {}",
        room.daemon.logs()
    );
    assert_eq!(room.case_state(&case_number), "dispatched");
    let messages = room.messages_sent(&case_number, 2);
    assert!(
        messages[1]["text"].as_str().unwrap().contains(&case_number),
        "{messages:?}"
    );
}

#[test]
fn a_mail_from_anyone_but_the_citizen_does_not_rate_the_case() {
    let Some(mut room) = Mailroom::start("") else {
        return;
    };
    room.citizen_writes(
        "appeal",
        "超市卖过期食品",
        "",
        "玉壶镇的超市卖过期食品，要求退款商家不理。",
    );
    let case_number = room.first_case(MARKET);
    assert!(eventually(WAIT, || room.market.accepted().len() == 1));
    let path = format!("/api/v1/cases/{case_number}");
    let daemon = &room.daemon;
    assert_eq!(
        api(
            daemon,
            "POST",
            &format!("{path}/acknowledge"),
            MARKET,
            json!({})
        )
        .0,
        200
    );
    let (status, body) = api(
        daemon,
        "POST",
        &format!("{path}/resolve"),
        MARKET,
        json!({"result": "已责令超市下架过期食品并退款", "citizen_informed_by": "email"}),
    );
    assert_eq!(status, 200, "{body}");
    let messages = room.messages_sent(&case_number, 1);
    let message_id = format!(
        "{}@wencheng.example.gov.cn",
        messages[0]["id"].as_str().unwrap()
    );

    // Case numbers follow each other, and the subject alone ties a mail to its case: anyone
    // may write "3" about a case. Neither that nor a reply threaded to the survey from
    // another address rates it; the citizen's own answer, fetched after them, does.
    let stranger = format!("someone-{}@example.org", room.tag);
    room.writes_from(
        &stranger,
        "forged-1",
        &format!("Re: 【工单{case_number}】办理结果回访"),
        "",
        "3",
    );
    room.writes_from(
        &stranger,
        "forged-2",
        "Re: survey",
        &format!("In-Reply-To: <{message_id}>\n"),
        "3 不满意",
    );
    room.citizen_writes(
        "answer",
        "Re: survey",
        &format!("In-Reply-To: <{message_id}>\n"),
        "1",
    );
    assert!(
        eventually(WAIT, || room.case_state(&case_number) == "closed"),
        "the case is {}, not closed by the citizen's answer",
        room.case_state(&case_number)
    );
    let (_, record) = api(
        &room.daemon,
        "GET",
        &format!("{path}/follow-up"),
        MARKET,
        Value::Null,
    );
    assert_eq!(record["rating"], "satisfied", "{record}");
    assert_eq!(record["reopens"], 0, "{record}");
}
