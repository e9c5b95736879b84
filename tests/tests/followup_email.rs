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

#[test]
fn a_reply_to_the_survey_email_rates_the_case() {
    let Some(servers) = servers() else {
        return;
    };
    let market = Receiver::start(0);
    let tag = format!(
        "fu{}x{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    let folder_name = format!("FollowUp{tag}");
    let user = std::env::var("GATEWAY_TEST_IMAP_USER").unwrap_or_else(|_| "hotline".into());
    let password =
        std::env::var("GATEWAY_TEST_IMAP_PASSWORD").unwrap_or_else(|_| "hotline-test".into());
    let mut imap = Imap::login(&servers.imap, &user, &password);
    imap.command(&format!("CREATE {folder_name}"));

    let (imap_host, imap_port) = host_port(&servers.imap);
    let (smtp_host, smtp_port) = host_port(&servers.smtp);
    let extra = format!(
        "[cases]\nsupervision_interval_seconds = 3600\n\n\
         [cases.units.market-supervision]\nname = \"县市场监督管理局\"\ntoken = \"{MARKET}\"\n\
         [[cases.units.market-supervision.targets]]\ntype = \"webhook\"\nurl = \"{}\"\nsecret = \"test-webhook-secret-market-0123\"\n\n\
         [[cases.supervisors]]\nstaff_id = \"D001\"\ntoken = \"{SUPERVISOR}\"\n\n\
         [follow_up]\ntick_seconds = 1\n\n\
         [channels.email.imap]\nhost = \"{imap_host}\"\nport = {imap_port}\nsecurity = \"plain\"\n\
         username = \"{user}\"\npassword = \"{password}\"\nmailboxes = [\"{folder_name}\"]\n\
         idle_seconds = 5\npoll_interval_seconds = 1\nbackoff_initial_seconds = 1\nbackoff_max_seconds = 2\n\n\
         [channels.email.smtp]\nhost = \"{smtp_host}\"\nport = {smtp_port}\nsecurity = \"plain\"\n\n\
         [channels.email.acknowledgement]\nfrom_address = \"xianzhang@wencheng.example.gov.cn\"\n\
         message_id_domain = \"wencheng.example.gov.cn\"\n",
        market.url
    );
    let sandbox = Sandbox::new();
    let config = sandbox.config(&config_text("redb", None, &extra));
    let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());

    // The citizen writes to the county mailbox.
    let citizen = format!("citizen-{tag}@example.com");
    imap.append(
        &folder_name,
        &format!(
            "From: <{citizen}>\nTo: <xianzhang@wencheng.example.gov.cn>\nSubject: 超市卖过期食品\n\
             Message-ID: <appeal-{tag}@example.com>\nDate: Fri, 04 Dec 2026 09:00:00 +0800\n\
             MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
             玉壶镇的超市卖过期食品，要求退款商家不理。\n"
        ),
    );

    // Its case is opened and dispatched as soon as the mail is stored.
    let mut case_number = String::new();
    assert!(
        eventually(WAIT, || {
            let (_, listed) = api(&daemon, "GET", "/api/v1/cases", MARKET, Value::Null);
            match listed["cases"].as_array().and_then(|c| c.first()) {
                Some(case) => {
                    case_number = case["case_number"].as_str().unwrap_or_default().to_string();
                    true
                }
                None => false,
            }
        }),
        "the email's case was not opened: {}",
        daemon.logs()
    );
    assert!(eventually(WAIT, || market.accepted().len() == 1));

    // Resolved: the survey goes out over SMTP.
    let path = format!("/api/v1/cases/{case_number}");
    assert_eq!(
        api(
            &daemon,
            "POST",
            &format!("{path}/acknowledge"),
            MARKET,
            json!({})
        )
        .0,
        200
    );
    let (status, body) = api(
        &daemon,
        "POST",
        &format!("{path}/resolve"),
        MARKET,
        json!({"result": "已责令超市下架过期食品并退款", "citizen_informed_by": "email"}),
    );
    assert_eq!(status, 200, "{body}");
    let mut survey_id = String::new();
    assert!(
        eventually(WAIT, || {
            let (_, record) = api(
                &daemon,
                "GET",
                &format!("{path}/follow-up"),
                MARKET,
                Value::Null,
            );
            match record["messages"].as_array().and_then(|m| m.first()) {
                Some(message) if message["state"] == "sent" => {
                    survey_id = message["id"].as_str().unwrap_or_default().to_string();
                    true
                }
                _ => false,
            }
        }),
        "the survey was not sent: {}",
        daemon.logs()
    );
    let message_id = format!("{survey_id}@wencheng.example.gov.cn");

    // The SMTP server delivered it to the citizen's mailbox.
    let citizen_new = servers.mail_dir.join("mail/citizen/Maildir/new");
    let mut survey = String::new();
    assert!(eventually(WAIT, || {
        std::fs::read_dir(&citizen_new)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
            .find(|text| text.contains(&message_id))
            .map(|text| survey = text)
            .is_some()
    }));
    assert!(
        survey.contains(&citizen),
        "the survey is addressed to the citizen"
    );

    // The citizen answers the survey mail: "3", dissatisfied, quoting the survey below.
    imap.append(
        &folder_name,
        &format!(
            "From: <{citizen}>\nTo: <xianzhang@wencheng.example.gov.cn>\nSubject: Re: survey\n\
             Message-ID: <answer-{tag}@example.com>\nIn-Reply-To: <{message_id}>\nReferences: <{message_id}>\n\
             Date: Fri, 04 Dec 2026 15:00:00 +0800\nMIME-Version: 1.0\n\
             Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
             3 还是在卖\n\n> 【文成12345】请对办理结果评价，回复数字：1 满意，2 基本满意，3 不满意。\n"
        ),
    );
    assert!(
        eventually(WAIT, || {
            let (_, case) = api(&daemon, "GET", &path, SUPERVISOR, Value::Null);
            case["state"] == "reopened"
        }),
        "the answer did not reopen the case: {}",
        daemon.logs()
    );
    let (_, record) = api(
        &daemon,
        "GET",
        &format!("{path}/follow-up"),
        MARKET,
        Value::Null,
    );
    assert_eq!(record["rating"], "dissatisfied", "{record}");
    assert_eq!(record["channel"], "email", "{record}");
    // The reopening is told to the citizen by email too, and the unit gets the case back.
    assert!(eventually(WAIT, || {
        let (_, record) = api(
            &daemon,
            "GET",
            &format!("{path}/follow-up"),
            MARKET,
            Value::Null,
        );
        record["messages"].as_array().map(Vec::len) == Some(2)
    }));
    assert!(eventually(WAIT, || market.accepted().len() == 2));
    // No second appeal was made of the answer.
    let (_, appeals) = api(
        &daemon,
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
