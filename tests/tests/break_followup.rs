//! Follow-up (回访) under a careless or hostile client: new appeals and emergencies sent while a
//! survey waits, retries, a provider that cannot be reached, odd case numbers, a restart
//! between the survey and its answer, and what the JSON logs may show.
//!
//! SMS arrive over the signed Twilio webhook, WeChat messages over a plain-mode account; the
//! SMS and WeChat APIs the surveys go out by are played by a loopback server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use gateway_tests::{
    Daemon, Receiver, Sandbox, case_state, client, config_text, count_appeals, eventually,
    follow_up, resolve_case, twilio_sms,
};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

const BIN: &str = env!("CARGO_BIN_EXE_gateway-under-test");
const MARKET: &str = "test-unit-market-0123456789";
const HRSS: &str = "test-unit-hrss-0123456789";
const SUPERVISOR: &str = "test-supervisor-0123456789";
const PLAIN_TOKEN: &str = "breakPlainWechatToken2026";
const APP_SECRET: &str = "wechat-app-secret-break-0123";
const WAIT: Duration = Duration::from_secs(15);

const HRSS_FILE: &str = "# 知识库：human-resources-social-security

## 灵活就业人员怎么缴纳养老保险

- id: hrss-flexible-pension
- owner: human-resources-social-security
- topic: 劳动和社会保障/城镇职工社会保险
- source: 县人力社保局灵活就业参保指南（2026年版）
- valid_from: 2026-01-01
- review_by: 2099-12-31

灵活就业人员可携带身份证到县社保中心一楼窗口办理参保登记，按月或按季度缴费。
";

/// A loopback stand-in for Twilio's Messages API and WeChat's token and customer-service
/// APIs; it keeps the form or JSON body of every request.
struct Provider {
    base: String,
    bodies: Arc<Mutex<Vec<(String, String)>>>,
}

impl Provider {
    fn start() -> Provider {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&bodies);
        thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(&stream);
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    continue;
                }
                let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let answer = if path.starts_with("/cgi-bin/token") {
                    r#"{"access_token":"token-1","expires_in":7200}"#
                } else if path.starts_with("/cgi-bin/") {
                    r#"{"errcode":0,"errmsg":"ok"}"#
                } else {
                    r#"{"sid":"SM1","status":"queued"}"#
                };
                kept.lock()
                    .unwrap()
                    .push((path, String::from_utf8_lossy(&body).into_owned()));
                let _ = write!(
                    &stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        Provider { base, bodies }
    }

    /// The texts of the SMS sent.
    fn twilio_sms(&self) -> Vec<String> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .filter(|(path, _)| path.contains("/Messages.json"))
            .map(|(_, body)| {
                reqwest::Url::parse(&format!("http://x/?{body}"))
                    .unwrap()
                    .query_pairs()
                    .find(|(k, _)| k == "Body")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// A loopback address nothing listens on.
fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    base
}

/// The config sections: two units, a supervisor, follow-up over `sms_base` and `wechat_base`,
/// and the knowledge base over `files` when given.
fn sections(
    market: &str,
    hrss: &str,
    sms_base: &str,
    wechat_base: &str,
    files: Option<&Path>,
) -> String {
    let unit = |id: &str, name: &str, token: &str, url: &str| {
        format!(
            "[cases.units.{id}]\nname = \"{name}\"\ntoken = \"{token}\"\n\
             [[cases.units.{id}.targets]]\ntype = \"webhook\"\nurl = \"{url}\"\n\
             secret = \"test-webhook-secret-{id}-0123\"\n\n"
        )
    };
    let knowledge = files.map_or(String::new(), |files| {
        format!(
            "[knowledge]\nimport = [{:?}]\n\n[knowledge.direct]\nthreshold = 0.5\n",
            files.display().to_string()
        )
    });
    format!(
        "[channels.wechat.accounts.plain]\ntoken = \"{PLAIN_TOKEN}\"\napp_id = \"wx00000000000000bb\"\nencryption_mode = \"plain\"\n\n\
         [cases]\nsupervision_interval_seconds = 3600\n\n{}{}[[cases.supervisors]]\nstaff_id = \"D001\"\ntoken = \"{SUPERVISOR}\"\n\n\
         [follow_up]\ntick_seconds = 1\n\n[follow_up.survey]\nmax_reopens = 1\n\n\
         [follow_up.sms]\naccount_sid = \"ACbreak0123\"\nauth_token = \"sms-auth-token-break-0123\"\nfrom = \"+8610690012345\"\napi_base = \"{sms_base}\"\n\n\
         [follow_up.wechat.plain]\napp_secret = \"{APP_SECRET}\"\napi_base = \"{wechat_base}\"\n\n{knowledge}",
        unit("market-supervision", "县市场监督管理局", MARKET, market),
        unit(
            "human-resources-social-security",
            "县人力资源和社会保障局",
            HRSS,
            hrss
        ),
    )
}

/// A daemon with its units' receivers and the provider; everything stops when dropped.
struct World {
    daemon: Daemon,
    market: Receiver,
    hrss: Receiver,
    provider: Provider,
    config: std::path::PathBuf,
    sandbox: Sandbox,
}

impl World {
    fn start(wechat_base: Option<String>, knowledge: bool) -> World {
        let (market, hrss, provider) = (Receiver::start(0), Receiver::start(0), Provider::start());
        let sandbox = Sandbox::new();
        let files = knowledge.then(|| {
            let files = sandbox.data_dir().with_file_name("department-files");
            std::fs::create_dir_all(&files).unwrap();
            std::fs::write(files.join("human-resources-social-security.md"), HRSS_FILE).unwrap();
            files
        });
        let wechat_base = wechat_base.unwrap_or_else(|| provider.base.clone());
        let config = sandbox.config(&config_text(
            "redb",
            None,
            &sections(
                &market.url,
                &hrss.url,
                &provider.base,
                &wechat_base,
                files.as_deref(),
            ),
        ));
        let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
        World {
            daemon,
            market,
            hrss,
            provider,
            config,
            sandbox,
        }
    }

    fn restart(&mut self) {
        assert!(self.daemon.terminate().success());
        self.daemon = Daemon::start(BIN, &self.config, &self.sandbox.data_dir());
    }
}

/// Posts a plain-mode WeChat text message; returns the passive reply's text.
fn wechat(daemon: &Daemon, openid: &str, msg_id: u64, content: &str) -> String {
    wechat_push(
        daemon,
        openid,
        &format!(
            "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>"
        ),
    )
}

/// Posts a plain-mode WeChat message with these fields after the sender; returns the
/// passive reply.
fn wechat_push(daemon: &Daemon, openid: &str, fields: &str) -> String {
    let (timestamp, nonce) = ("1735700001", "20261204");
    let mut parts = [PLAIN_TOKEN, timestamp, nonce];
    parts.sort_unstable();
    let signature: String = Sha1::digest(parts.concat().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>1735700000</CreateTime>{fields}</xml>"
    );
    let response = client()
        .post(daemon.url(&format!(
            "/channels/wechat/plain?signature={signature}&timestamp={timestamp}&nonce={nonce}&openid={openid}"
        )))
        .header("content-type", "text/xml")
        .body(xml)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().unwrap()
}

/// The digits after `工单号 ` (or `工单`) in a reply.
fn case_number_in(reply: &str) -> String {
    let start = reply
        .find("工单号 ")
        .map(|i| i + "工单号 ".len())
        .or_else(|| reply.find("工单").map(|i| i + "工单".len()))
        .unwrap_or_else(|| panic!("the reply names the case: {reply}"));
    reply[start..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

/// An SMS complaint to market supervision, resolved, its survey sent. Returns the case.
fn surveyed_sms_case(world: &World, phone: &str, sid: &str) -> String {
    let twiml = twilio_sms(
        &world.daemon,
        sid,
        phone,
        "玉壶镇的超市卖过期食品，要求退款商家不理",
    );
    let number = case_number_in(&twiml);
    assert!(eventually(WAIT, || world.market.accepted().len() == 1));
    resolve_case(&world.daemon, &number, MARKET, "已现场核查并处理完毕");
    assert!(
        eventually(WAIT, || world.provider.twilio_sms().len() == 1),
        "no survey SMS"
    );
    number
}

#[test]
fn a_long_new_complaint_that_mentions_satisfaction_is_not_read_as_a_rating() {
    let world = World::start(None, false);
    let phone = "+8613800000031";
    let number = surveyed_sms_case(&world, phone, "SMbreak00000000000000000000000001");

    // A new, unrelated complaint that happens to say 满意 while the survey waits.
    let complaint = "玉壶镇东樟村村口的烧烤店每天营业到凌晨两点，油烟和噪音很大，\
                     老人孩子都睡不好，希望有关部门尽快处理，让群众满意";
    let twiml = twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000002",
        phone,
        complaint,
    );
    assert!(!twiml.contains("感谢"), "read as a rating: {twiml}");
    assert_eq!(
        count_appeals(&world.daemon),
        2,
        "the complaint was not taken in"
    );
    assert_eq!(case_state(&world.daemon, &number, SUPERVISOR), "resolved");

    // The survey still waits for its answer, and takes one.
    let twiml = twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000003",
        phone,
        "1",
    );
    assert!(twiml.contains("感谢"), "{twiml}");
    assert_eq!(case_state(&world.daemon, &number, SUPERVISOR), "closed");

    // Nothing personal in the JSON logs: neither the phone nor what the citizen wrote.
    let logs = world.daemon.logs();
    assert!(!logs.contains("13800000031"), "{logs}");
    assert!(!logs.contains("烧烤店"), "{logs}");
}

#[test]
fn a_short_new_complaint_during_a_survey_is_taken_in_as_an_appeal() {
    let world = World::start(None, false);
    let phone = "+8613800000032";
    let number = surveyed_sms_case(&world, phone, "SMbreak00000000000000000000000011");
    let twiml = twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000012",
        phone,
        "东樟村村口的路灯坏了三天了，请派人修",
    );
    assert!(!twiml.contains("未能识别"), "read as a rating: {twiml}");
    assert_eq!(count_appeals(&world.daemon), 2);
    assert_eq!(case_state(&world.daemon, &number, SUPERVISOR), "resolved");
}

#[test]
fn a_retried_rating_is_applied_once_even_after_a_restart() {
    let mut world = World::start(None, false);
    let phone = "+8613800000033";
    let number = surveyed_sms_case(&world, phone, "SMbreak00000000000000000000000021");

    // The survey outlives a restart.
    world.restart();
    let twiml = twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000022",
        phone,
        "３",
    );
    assert!(twiml.contains("重新办理"), "full-width 3: {twiml}");
    assert_eq!(case_state(&world.daemon, &number, SUPERVISOR), "reopened");

    // Twilio retries the same reply after another restart: same answer, no second reopening.
    world.restart();
    let again = twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000022",
        phone,
        "３",
    );
    assert_eq!(again, twiml);
    let (status, record) = follow_up(&world.daemon, &number, MARKET);
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["reopens"], 1, "{record}");
    assert_eq!(
        record["replies"].as_array().map(Vec::len),
        Some(1),
        "{record}"
    );
    assert_eq!(count_appeals(&world.daemon), 1);
}

#[test]
fn an_unreachable_wechat_api_shows_no_app_secret_or_token_to_the_unit() {
    let world = World::start(Some(closed_port()), false);
    let openid = "oBreakFollower000000000000001";
    let reply = wechat(
        &world.daemon,
        openid,
        24600000000000001,
        "玉壶镇的超市卖过期食品，要求退款商家不理",
    );
    let number = case_number_in(&reply);
    assert!(eventually(WAIT, || world.market.accepted().len() == 1));
    resolve_case(&world.daemon, &number, MARKET, "已现场核查并处理完毕");

    // The survey message cannot be sent; the unit sees why, without the account's secret.
    let mut record = Value::Null;
    assert!(
        eventually(WAIT, || {
            record = follow_up(&world.daemon, &number, MARKET).1;
            record["messages"][0]["last_error"].is_string()
        }),
        "no failed attempt recorded: {record}"
    );
    let error = record["messages"][0]["last_error"].as_str().unwrap();
    assert!(error.contains("could not reach the wechat api"), "{error}");
    assert!(!error.contains(APP_SECRET), "{error}");
    assert!(!error.contains("secret="), "{error}");
    let logs = world.daemon.logs();
    assert!(!logs.contains(APP_SECRET), "the app secret is logged");
    assert!(!logs.contains(openid), "the OpenID is logged");
}

#[test]
fn odd_case_numbers_on_the_follow_up_route_get_a_reason_not_a_crash() {
    let world = World::start(None, false);
    let long = "9".repeat(5000);
    for number in [
        "%F0%9F%98%80",
        "%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96%EF%BC%97%EF%BC%98%EF%BC%99%EF%BC%90",
        "00000000000000000000",
        long.as_str(),
        "%00",
        "..%2F..%2Fetc",
        "%FF%FE",
    ] {
        let response = client()
            .get(
                world
                    .daemon
                    .url(&format!("/api/v1/cases/{number}/follow-up")),
            )
            .bearer_auth(MARKET)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        let body = response.text().unwrap();
        assert!(
            (400..500).contains(&status),
            "{number:.40}: {status} {body}"
        );
        // Limitation: a path that is not UTF-8 gets the router's plain-text reason, not JSON.
        assert!(!body.trim().is_empty(), "{number:.40}: no reason given");
    }
    // Without a token, or with a made-up one.
    let response = client()
        .get(world.daemon.url("/api/v1/cases/2026120400001/follow-up"))
        .send()
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        follow_up(&world.daemon, "2026120400001", "made-up-token").0,
        401
    );
}

#[test]
fn a_dissatisfied_answer_to_the_survey_after_did_not_help_reaches_the_survey() {
    let world = World::start(None, true);
    let phone = "+8613800000034";

    // Answered from the knowledge base, then "没用": the case goes to its unit.
    let twiml = twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000041",
        phone,
        "请问灵活就业人员怎么缴纳养老保险",
    );
    assert!(twiml.contains("参保登记"), "{twiml}");
    let number = case_number_in(&twiml);
    let turned = twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000042",
        phone,
        "没用",
    );
    assert!(turned.contains("已转为工单"), "{turned}");
    assert!(eventually(WAIT, || world.hrss.accepted().len() == 1));

    // The unit resolves it the same day, the survey goes out, and the citizen is not happy.
    resolve_case(&world.daemon, &number, HRSS, "已现场核查并处理完毕");
    assert!(
        eventually(WAIT, || world
            .provider
            .twilio_sms()
            .iter()
            .any(|text| text.contains(&number))),
        "no survey: {:?}",
        world.provider.twilio_sms()
    );
    let twiml = twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000043",
        phone,
        "还是没用，不满意",
    );
    assert!(twiml.contains("重新办理"), "{twiml}");
    assert_eq!(case_state(&world.daemon, &number, SUPERVISOR), "reopened");

    // The retry of the "没用" still gets its first kind of answer and changes nothing.
    let again = twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000042",
        phone,
        "没用",
    );
    assert!(again.contains("已转为工单"), "{again}");
    assert_eq!(case_state(&world.daemon, &number, SUPERVISOR), "reopened");
    assert_eq!(count_appeals(&world.daemon), 1);
    let logs = world.daemon.logs();
    assert!(!logs.contains("13800000034"), "a phone is logged");
    assert!(!logs.contains("还是没用"), "a reply's text is logged");
}

#[test]
fn a_did_not_help_reply_delivered_twice_at_once_sends_the_case_once_and_stores_nothing() {
    let world = World::start(None, true);
    for round in 0..4 {
        let phone = format!("+86138000001{round:02}");
        let twiml = twilio_sms(
            &world.daemon,
            &format!("SMbreakconsult0000000000000000{round:02}"),
            &phone,
            "请问灵活就业人员怎么缴纳养老保险",
        );
        let number = case_number_in(&twiml);

        // Twilio delivers the same "没用" twice at the same moment.
        let sid = format!("SMbreaknothelpful00000000000000{round:02}");
        let answers: Vec<String> = thread::scope(|scope| {
            let sends: Vec<_> = (0..2)
                .map(|_| scope.spawn(|| twilio_sms(&world.daemon, &sid, &phone, "没用")))
                .collect();
            sends.into_iter().map(|s| s.join().unwrap()).collect()
        });
        for answer in &answers {
            assert!(answer.contains("已转为工单"), "round {round}: {answer}");
            assert_eq!(case_number_in(answer), number, "round {round}: {answer}");
        }
        assert_eq!(
            count_appeals(&world.daemon),
            round + 1,
            "round {round}: the retry was stored as an appeal"
        );
        assert_eq!(case_state(&world.daemon, &number, SUPERVISOR), "dispatched");
    }
    let logs = world.daemon.logs();
    assert!(!logs.contains("138000001"), "a phone is logged");
}

#[test]
fn a_survey_queued_while_the_sms_api_is_down_is_sent_after_a_restart() {
    // The SMS API cannot be reached at first: the survey waits in the outbox.
    let mut world = World::start(None, false);
    let reachable = world.provider.base.clone();
    let down = closed_port();
    let text = std::fs::read_to_string(&world.config).unwrap();
    let sms_base = format!("api_base = \"{reachable}\"\n\n[follow_up.wechat");
    assert!(text.contains(&sms_base), "{text}");
    std::fs::write(
        &world.config,
        text.replace(
            &sms_base,
            &format!("api_base = \"{down}\"\n\n[follow_up.wechat"),
        ),
    )
    .unwrap();
    world.restart();

    let phone = "+8613800000036";
    let twiml = twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000061",
        phone,
        "玉壶镇的超市卖过期食品，要求退款商家不理",
    );
    let number = case_number_in(&twiml);
    assert!(eventually(WAIT, || world.market.accepted().len() == 1));
    resolve_case(&world.daemon, &number, MARKET, "已现场核查并处理完毕");
    assert!(eventually(WAIT, || {
        follow_up(&world.daemon, &number, MARKET).1["messages"][0]["last_error"].is_string()
    }));

    // Back up, and restarted: the survey goes out, once.
    std::fs::write(&world.config, text).unwrap();
    world.restart();
    assert!(
        eventually(WAIT, || world.provider.twilio_sms().len() == 1),
        "the queued survey was lost"
    );
    let twiml = twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000062",
        phone,
        "1",
    );
    assert!(twiml.contains("感谢"), "{twiml}");
    thread::sleep(Duration::from_secs(2));
    assert_eq!(
        world.provider.twilio_sms().len(),
        1,
        "{:?}",
        world.provider.twilio_sms()
    );
}

#[test]
fn an_unsigned_sms_callback_cannot_answer_a_survey_in_the_citizens_name() {
    let world = World::start(None, false);
    let number = surveyed_sms_case(
        &world,
        "+8613800000037",
        "SMbreak00000000000000000000000071",
    );
    let forged = json!({"extend": "", "mobile": "13800000037", "nationcode": "86", "sign": "", "text": "3", "time": 1735700000});
    let response = client()
        .post(world.daemon.url("/channels/sms/tencent"))
        .json(&forged)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(case_state(&world.daemon, &number, SUPERVISOR), "resolved");
    // It is taken in as an appeal, where people see it.
    assert_eq!(count_appeals(&world.daemon), 2);
}

#[test]
fn two_surveys_to_the_same_phone_can_both_be_answered() {
    let world = World::start(None, false);
    let phone = "+8613800000038";
    let first = surveyed_sms_case(&world, phone, "SMbreak00000000000000000000000081");
    let twiml = twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000082",
        phone,
        "玉壶镇另一家超市也卖过期牛奶，商家拒绝退款",
    );
    let second = case_number_in(&twiml);
    assert!(eventually(WAIT, || world.market.accepted().len() == 2));
    resolve_case(&world.daemon, &second, MARKET, "已现场核查并处理完毕");
    assert!(eventually(WAIT, || world.provider.twilio_sms().len() == 2));

    // Two answers, one per survey, newest first.
    twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000083",
        phone,
        "1",
    );
    assert_eq!(case_state(&world.daemon, &second, SUPERVISOR), "closed");
    twilio_sms(
        &world.daemon,
        "SMbreak00000000000000000000000084",
        phone,
        "1",
    );
    assert_eq!(case_state(&world.daemon, &first, SUPERVISOR), "closed");
}

#[test]
fn a_photo_sent_while_a_survey_waits_is_kept_as_an_appeal() {
    let world = World::start(None, false);
    let openid = "oBreakFollower000000000000002";
    let reply = wechat(
        &world.daemon,
        openid,
        24600000000000011,
        "玉壶镇的超市卖过期食品，要求退款商家不理",
    );
    let number = case_number_in(&reply);
    assert!(eventually(WAIT, || world.market.accepted().len() == 1));
    resolve_case(&world.daemon, &number, MARKET, "已现场核查并处理完毕");
    assert!(eventually(WAIT, || {
        follow_up(&world.daemon, &number, MARKET).1["state"] == "asked"
    }));

    // The citizen answers with a photo of the shelf, still full of expired goods.
    let reply = wechat_push(
        &world.daemon,
        openid,
        "<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://127.0.0.1:9/shelf.jpg]]></PicUrl><MediaId><![CDATA[media-1]]></MediaId><MsgId>24600000000000012</MsgId>",
    );
    assert!(
        !reply.contains("未能识别"),
        "the photo was read as a rating: {reply}"
    );
    assert_eq!(count_appeals(&world.daemon), 2, "the photo was not kept");
    assert_eq!(case_state(&world.daemon, &number, SUPERVISOR), "resolved");
}
