//! Follow-up (回访) through the running daemon: when the unit resolves a case, the citizen is
//! asked for a rating on the channel they used, over Twilio's SMS API or WeChat's
//! customer-service message API (both played by a loopback server that records what it is
//! sent); the replies come back through the real channel webhooks, signed by the `twilio`
//! package and encrypted by wechatpy; a dissatisfied rating reopens the case to the same
//! unit, a satisfied one closes it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use gateway_tests::{
    Daemon, Receiver, Sandbox, case_state, client, config_text, count_appeals, creds, eventually,
    follow_up, resolve_case, twilio_sms, wechat_peer,
};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gateway-under-test");
const MARKET: &str = "test-unit-market-0123456789";
const YUHU: &str = "test-unit-yuhu-0123456789";
const HRSS: &str = "test-unit-hrss-0123456789";
const SUPERVISOR: &str = "test-supervisor-0123456789";
const WAIT: Duration = Duration::from_secs(15);

/// One request the provider received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    body: String,
}

/// A loopback server answering as Twilio's Messages API and WeChat's token and
/// customer-service message APIs, keeping every request.
struct Provider {
    base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Provider {
    fn start() -> Provider {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&received);
        thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(&stream);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("")
                    .to_string();
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
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
                let body = String::from_utf8_lossy(&body).into_owned();
                let answer = if path.starts_with("/cgi-bin/token") {
                    r#"{"access_token":"token-1","expires_in":7200}"#.to_string()
                } else if path.starts_with("/cgi-bin/message/custom/send") {
                    r#"{"errcode":0,"errmsg":"ok"}"#.to_string()
                } else {
                    r#"{"sid":"SM1","status":"queued"}"#.to_string()
                };
                kept.lock().unwrap().push(Received { path, body });
                let mut stream = &stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        Provider { base, received }
    }

    /// The SMS sent, as their decoded form fields.
    fn sms(&self) -> Vec<Vec<(String, String)>> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.contains("/Messages.json"))
            .map(|r| {
                reqwest::Url::parse(&format!("http://x/?{}", r.body))
                    .unwrap()
                    .query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .collect()
    }

    /// The WeChat customer-service messages sent.
    fn wechat(&self) -> Vec<Value> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.starts_with("/cgi-bin/message/custom/send"))
            .map(|r| {
                assert!(r.path.contains("access_token=token-1"), "{}", r.path);
                serde_json::from_str(&r.body).unwrap()
            })
            .collect()
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn sections(market_url: &str, yuhu_url: &str, provider: &str) -> String {
    let unit = |id: &str, name: &str, token: &str, url: &str| {
        format!(
            "[cases.units.{id}]\nname = \"{name}\"\ntoken = \"{token}\"\n\
             [[cases.units.{id}.targets]]\ntype = \"webhook\"\nurl = \"{url}\"\n\
             secret = \"test-webhook-secret-{id}-0123\"\n\n"
        )
    };
    format!(
        "[cases]\nsupervision_interval_seconds = 3600\n\n{}{}{}[[cases.supervisors]]\nstaff_id = \"D001\"\ntoken = \"{SUPERVISOR}\"\n\n\
         [follow_up]\ntick_seconds = 1\n\n[follow_up.survey]\nmax_reopens = 1\n\n\
         [follow_up.sms]\naccount_sid = \"ACfollowup0123\"\nauth_token = \"sms-auth-token-0123\"\nfrom = \"+8610690012345\"\napi_base = \"{provider}\"\n\n\
         [follow_up.wechat.wencheng]\napp_secret = \"wechat-app-secret-0123\"\napi_base = \"{provider}\"\n",
        unit("market-supervision", "县市场监督管理局", MARKET, market_url),
        unit("yuhu", "玉壶镇人民政府", YUHU, yuhu_url),
        // A unit with no part in these cases; its notices would go nowhere.
        unit(
            "human-resources-social-security",
            "县人力资源和社会保障局",
            HRSS,
            "http://127.0.0.1:9/unused"
        ),
    )
}

fn digits_after(text: &str, marker: &str) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"))
        + marker.len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

/// A daemon with its units' receivers and the provider, stopped when dropped.
struct World {
    daemon: Daemon,
    market: Receiver,
    provider: Provider,
    _yuhu: Receiver,
    _sandbox: Sandbox,
}

impl World {
    fn start() -> World {
        let (market, yuhu, provider) = (Receiver::start(0), Receiver::start(0), Provider::start());
        let sandbox = Sandbox::new();
        let config = sandbox.config(&config_text(
            "redb",
            None,
            &sections(&market.url, &yuhu.url, &provider.base),
        ));
        let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
        World {
            daemon,
            market,
            provider,
            _yuhu: yuhu,
            _sandbox: sandbox,
        }
    }
}

#[test]
fn an_sms_citizen_rates_by_sms_dissatisfied_reopens_and_satisfied_closes() {
    let world = World::start();
    let World {
        daemon,
        market,
        provider,
        ..
    } = &world;
    let phone = "+8613800000011";

    // The complaint arrives by SMS and is dispatched to market supervision.
    let twiml = twilio_sms(
        daemon,
        "SMa0000000000000000000000000000001",
        phone,
        "玉壶镇的超市卖过期食品，要求退款商家不理",
    );
    let case_number = digits_after(&twiml, "工单号 ");
    assert!(eventually(WAIT, || market.accepted().len() == 1));
    let (_, before) = follow_up(daemon, &case_number, MARKET);
    assert_eq!(before["state"], "not_resolved", "{before}");

    // Resolved: the survey goes to the citizen's phone over the SMS API.
    resolve_case(
        daemon,
        &case_number,
        MARKET,
        "已责令超市下架过期食品并为市民退款",
    );
    assert!(
        eventually(WAIT, || provider.sms().len() == 1),
        "no survey SMS"
    );
    let survey = &provider.sms()[0];
    assert_eq!(field(survey, "To"), phone);
    assert_eq!(field(survey, "From"), "+8610690012345");
    assert!(field(survey, "Body").contains(&case_number), "{survey:?}");
    assert!(field(survey, "Body").contains("1 满意"), "{survey:?}");

    // "不太满意，问题没解决" is dissatisfied: the case goes back to the same unit.
    let twiml = twilio_sms(
        daemon,
        "SMa0000000000000000000000000000002",
        phone,
        "不太满意，问题没解决",
    );
    assert!(twiml.contains("重新办理"), "{twiml}");
    assert_eq!(case_state(daemon, &case_number, SUPERVISOR), "reopened");
    assert!(
        eventually(WAIT, || market.accepted().len() == 2),
        "the unit was not told of the reopening"
    );
    assert!(
        market.accepted()[1].to_string().contains("reopened"),
        "{}",
        market.accepted()[1]
    );
    // The reply is an answer, not a new appeal.
    assert_eq!(count_appeals(daemon), 1);

    // Resolved again: a second survey; "1" is satisfied and closes the case.
    resolve_case(
        daemon,
        &case_number,
        MARKET,
        "已责令超市下架过期食品并为市民退款",
    );
    assert!(
        eventually(WAIT, || provider.sms().len() == 2),
        "no second survey"
    );
    let twiml = twilio_sms(daemon, "SMa0000000000000000000000000000003", phone, "1");
    assert!(twiml.contains("感谢"), "{twiml}");
    assert_eq!(case_state(daemon, &case_number, SUPERVISOR), "closed");

    // Twilio's retry of the same reply gets the same answer and changes nothing.
    let again = twilio_sms(daemon, "SMa0000000000000000000000000000003", phone, "1");
    assert_eq!(again, twiml);
    let (status, record) = follow_up(daemon, &case_number, MARKET);
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["rating"], "satisfied", "{record}");
    assert_eq!(record["reopens"], 1, "{record}");
    assert_eq!(record["rounds"], 2, "{record}");
    assert_eq!(
        record["replies"].as_array().map(Vec::len),
        Some(2),
        "{record}"
    );
    assert_eq!(count_appeals(daemon), 1);

    // The assisting township sees the follow-up; a unit with no part in the case does not.
    assert_eq!(follow_up(daemon, &case_number, YUHU).0, 200);
    assert_eq!(follow_up(daemon, &case_number, HRSS).0, 403);

    // Once the survey is over, a long message from the same phone is a new appeal.
    twilio_sms(
        daemon,
        "SMa0000000000000000000000000000004",
        phone,
        "玉壶镇东樟村的路灯坏了好几天了，晚上走路很危险，请尽快派人修理",
    );
    assert_eq!(count_appeals(daemon), 2);
}

/// Posts a WeChat text push encrypted by wechatpy; returns the decrypted passive reply.
fn wechat_push(daemon: &Daemon, content: &str, msg_id: u64) -> String {
    let keys = json!({"token": creds::WECHAT_TOKEN, "encoding_aes_key": creds::WECHAT_KEY, "app_id": creds::WECHAT_APP_ID});
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName>\n<FromUserName><![CDATA[oFollower0000000000000000001]]></FromUserName>\n<CreateTime>1735700000</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[{content}]]></Content>\n<MsgId>{msg_id}</MsgId>\n</xml>"
    );
    let mut request = keys.clone();
    request["xml"] = json!(xml);
    request["nonce"] = json!("1320562132");
    request["timestamp"] = json!("1735700001");
    let envelope = wechat_peer("encrypt", &request);
    let url = daemon.url(&format!(
        "/channels/wechat/wencheng?signature={}&timestamp=1735700001&nonce=1320562132&openid=oFollower&encrypt_type=aes&msg_signature={}",
        envelope["signature"].as_str().unwrap(),
        envelope["msg_signature"].as_str().unwrap(),
    ));
    let body = format!(
        "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt></xml>",
        envelope["encrypt"].as_str().unwrap()
    );
    let response = client()
        .post(&url)
        .header("content-type", "text/xml")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut request = keys;
    request["reply"] = json!(response.text().unwrap());
    wechat_peer("decrypt", &request)["xml"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_wechat_follower_is_asked_by_customer_service_message_and_an_unclear_reply_is_asked_again() {
    let world = World::start();
    let World {
        daemon,
        market,
        provider,
        ..
    } = &world;

    let reply = wechat_push(
        daemon,
        "玉壶镇的超市卖过期食品，要求退款商家不理",
        24500000000000101,
    );
    let case_number = digits_after(&reply, "工单号 ");
    assert!(eventually(WAIT, || market.accepted().len() == 1));
    resolve_case(
        daemon,
        &case_number,
        MARKET,
        "已责令超市下架过期食品并为市民退款",
    );

    // The survey goes out through the customer-service message API, to the follower.
    assert!(
        eventually(WAIT, || provider.wechat().len() == 1),
        "no survey message"
    );
    let survey = &provider.wechat()[0];
    assert_eq!(survey["touser"], "oFollower0000000000000000001");
    assert_eq!(survey["msgtype"], "text");
    let text = survey["text"]["content"].as_str().unwrap();
    assert!(
        text.contains(&case_number) && text.contains("2 基本满意"),
        "{text}"
    );

    // "嗯" says nothing: the survey is asked again in the passive reply, and the case waits.
    let reply = wechat_push(daemon, "嗯", 24500000000000102);
    assert!(reply.contains("未能识别"), "{reply}");
    assert!(reply.contains(&case_number), "{reply}");
    assert_eq!(case_state(daemon, &case_number, SUPERVISOR), "resolved");

    // "基本满意" is partly satisfied: thanked, and the case is closed.
    let reply = wechat_push(daemon, "基本满意", 24500000000000103);
    assert!(reply.contains("感谢"), "{reply}");
    assert_eq!(case_state(daemon, &case_number, SUPERVISOR), "closed");
    let (_, record) = follow_up(daemon, &case_number, SUPERVISOR);
    assert_eq!(record["rating"], "partly_satisfied", "{record}");
    assert_eq!(record["channel"], "wechat", "{record}");
    let replies = record["replies"].as_array().unwrap();
    assert_eq!(replies[0]["rating"], "unclear", "{record}");
    assert_eq!(replies[1]["rating"], "partly_satisfied", "{record}");
    let messages = record["messages"].as_array().unwrap();
    assert!(
        messages.iter().all(|m| m["state"] == "sent"),
        "{messages:?}"
    );
    assert_eq!(count_appeals(daemon), 1);
}

#[test]
fn a_web_form_with_a_phone_is_asked_by_sms_and_an_emergency_is_never_read_as_a_rating() {
    let world = World::start();
    let World {
        daemon,
        market,
        provider,
        ..
    } = &world;
    let answer: Value = client()
        .post(daemon.url("/channels/web-form"))
        .json(&json!({"title": "超市卖过期食品", "body": "玉壶镇的超市卖过期食品，要求退款商家不理", "phone": "13800000012"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let case_number = answer["caseNumber"].as_str().unwrap().to_string();
    assert!(eventually(WAIT, || market.accepted().len() == 1));
    resolve_case(
        daemon,
        &case_number,
        MARKET,
        "已责令超市下架过期食品并为市民退款",
    );
    assert!(
        eventually(WAIT, || provider.sms().len() == 1),
        "no survey SMS"
    );
    assert_eq!(field(&provider.sms()[0], "To"), "13800000012");

    // The same citizen texts about a fire while the survey waits: it is an emergency and a
    // new appeal, never a rating.
    let twiml = twilio_sms(
        daemon,
        "SMa0000000000000000000000000000021",
        "+8613800000012",
        "楼道里着火了，烟很大",
    );
    assert!(twiml.contains("工单号"), "{twiml}");
    assert!(
        !twiml.contains("感谢") && !twiml.contains("重新办理"),
        "{twiml}"
    );
    assert_eq!(count_appeals(daemon), 2);
    assert_eq!(case_state(daemon, &case_number, SUPERVISOR), "resolved");

    // Then "3": dissatisfied, reopened to the same unit.
    let twiml = twilio_sms(
        daemon,
        "SMa0000000000000000000000000000022",
        "+8613800000012",
        "3",
    );
    assert!(twiml.contains("重新办理"), "{twiml}");
    assert_eq!(case_state(daemon, &case_number, SUPERVISOR), "reopened");
}
