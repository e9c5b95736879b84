//! The knowledge base through the running daemon: a consultation over WeChat answered from a
//! department's entry (and sent on to the unit when the citizen says it did not help), a
//! stale or weak match routed with the entries attached, a phone call's suggestions for the
//! operator, and units keeping their own entries over the API.

use std::path::Path;
use std::time::Duration;

use gateway_tests::{
    Daemon, Receiver, Sandbox, client, config_text, creds, eventually, twilio_sms,
};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

const BIN: &str = env!("CARGO_BIN_EXE_gateway-under-test");
const MARKET: &str = "test-unit-market-0123456789";
const YUHU: &str = "test-unit-yuhu-0123456789";
const HRSS: &str = "test-unit-hrss-0123456789";
const SUPERVISOR: &str = "test-supervisor-0123456789";
const PLAIN_TOKEN: &str = "kbPlainWechatToken2026";

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

const MARKET_FILE: &str = "# 知识库：market-supervision

## 个体户办理营业执照需要什么材料

- id: market-business-licence
- owner: market-supervision
- topic: 商贸旅游/市场监管
- source: 县市场监管局登记指南（2019年版）
- valid_from: 2019-01-01
- review_by: 2020-12-31

个体户办理营业执照需提供经营者身份证、经营场所证明，可在县行政服务中心办理。
";

/// Three units with webhook receivers, and the knowledge base over the two files above.
struct Setup {
    market: Receiver,
    yuhu: Receiver,
    hrss: Receiver,
    sandbox: Sandbox,
    daemon: Daemon,
}

fn start() -> Setup {
    let (market, yuhu, hrss) = (Receiver::start(0), Receiver::start(0), Receiver::start(0));
    let sandbox = Sandbox::new();
    let daemon = start_daemon(&sandbox, &market, &yuhu, &hrss);
    Setup {
        market,
        yuhu,
        hrss,
        sandbox,
        daemon,
    }
}

fn start_daemon(sandbox: &Sandbox, market: &Receiver, yuhu: &Receiver, hrss: &Receiver) -> Daemon {
    let files = sandbox.data_dir().with_file_name("department-files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("human-resources-social-security.md"), HRSS_FILE).unwrap();
    std::fs::write(files.join("market-supervision.md"), MARKET_FILE).unwrap();
    let config = sandbox.config(&config_text(
        "redb",
        None,
        &format!(
            "{}\n{}\n{}",
            plain_wechat(),
            cases_section(&market.url, &yuhu.url, &hrss.url),
            knowledge_section(&files)
        ),
    ));
    Daemon::start(BIN, &config, &sandbox.data_dir())
}

fn plain_wechat() -> String {
    format!(
        "[channels.wechat.accounts.plain]\ntoken = \"{PLAIN_TOKEN}\"\napp_id = \"wx00000000000000aa\"\nencryption_mode = \"plain\"\n"
    )
}

fn cases_section(market_url: &str, yuhu_url: &str, hrss_url: &str) -> String {
    let unit = |id: &str, name: &str, token: &str, url: &str| {
        format!(
            "[cases.units.{id}]\nname = \"{name}\"\ntoken = \"{token}\"\n\
             [[cases.units.{id}.targets]]\ntype = \"webhook\"\nurl = \"{url}\"\n\
             secret = \"test-webhook-secret-{id}-0123\"\n\n"
        )
    };
    format!(
        "[cases]\nsupervision_interval_seconds = 3600\n\n{}{}{}[[cases.supervisors]]\nstaff_id = \"D001\"\ntoken = \"{SUPERVISOR}\"\n",
        unit("market-supervision", "县市场监督管理局", MARKET, market_url),
        unit("yuhu", "玉壶镇人民政府", YUHU, yuhu_url),
        unit(
            "human-resources-social-security",
            "县人力资源和社会保障局",
            HRSS,
            hrss_url
        ),
    )
}

fn knowledge_section(files: &Path) -> String {
    format!(
        "[knowledge]\nimport = [{:?}]\n\n[knowledge.direct]\nthreshold = 0.5\n",
        files.display().to_string()
    )
}

/// Posts a plain-mode WeChat text message and returns the passive reply's text.
fn wechat(daemon: &Daemon, openid: &str, msg_id: u64, content: &str) -> String {
    let (timestamp, nonce) = ("1735700001", "20261204");
    let mut parts = [PLAIN_TOKEN, timestamp, nonce];
    parts.sort_unstable();
    let digest = Sha1::digest(parts.concat().as_bytes());
    let signature: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh_7e7e7e7e7e7e]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>1735700000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
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
    let reply = response.text().unwrap();
    let start = reply
        .find("<Content><![CDATA[")
        .unwrap_or_else(|| panic!("a text reply: {reply}"))
        + "<Content><![CDATA[".len();
    let end = reply[start..].find("]]>").unwrap() + start;
    reply[start..end].to_string()
}

/// The case number after `工单号 ` or `工单 ` in a reply.
fn case_number_in(reply: &str) -> String {
    let start = reply
        .find("工单号 ")
        .map(|i| i + "工单号 ".len())
        .or_else(|| reply.find("工单 ").map(|i| i + "工单 ".len()))
        .unwrap_or_else(|| panic!("the reply names the case: {reply}"));
    reply[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

fn get(daemon: &Daemon, path: &str, token: &str) -> (u16, Value) {
    let response = client()
        .get(daemon.url(path))
        .bearer_auth(token)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

fn send(daemon: &Daemon, method: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
    let request = match method {
        "PUT" => client().put(daemon.url(path)),
        "DELETE" => client().delete(daemon.url(path)),
        _ => client().post(daemon.url(path)),
    };
    let response = request.bearer_auth(token).json(&body).send().unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

fn ids(candidates: &Value) -> Vec<String> {
    candidates
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| c["entry_id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_wechat_consultation_is_answered_from_the_knowledge_base_and_no_unit_is_told() {
    let setup = start();
    let daemon = &setup.daemon;

    // The passive reply carries the entry's answer, its source and how to say it did not help.
    let reply = wechat(
        daemon,
        "oCitizenKb0001",
        26120400000001,
        "请问灵活就业人员怎么缴纳养老保险",
    );
    assert!(reply.contains("县社保中心一楼窗口办理参保登记"), "{reply}");
    assert!(reply.contains("灵活就业参保指南"), "{reply}");
    assert!(reply.contains("没有帮助"), "{reply}");
    let number = case_number_in(&reply);

    // WeChat's retry of the same message gets the same answer and makes nothing new.
    let again = wechat(
        daemon,
        "oCitizenKb0001",
        26120400000001,
        "请问灵活就业人员怎么缴纳养老保险",
    );
    assert_eq!(again, reply);

    // The case is resolved at intake with the entry and its score recorded.
    let (status, case) = get(daemon, &format!("/api/v1/cases/{number}"), SUPERVISOR);
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["state"], "resolved", "{case}");
    assert_eq!(
        case["knowledge_answer"]["entry_id"],
        "hrss-flexible-pension"
    );
    assert!(
        case["knowledge_answer"]["score"].as_f64().unwrap() >= 0.5,
        "{case}"
    );
    let actions: Vec<&str> = case["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["action"]["type"].as_str())
        .collect();
    assert_eq!(actions, ["open", "answer_from_knowledge"], "{case}");

    // No unit receives a notice; the dispatch worker had time to send one if queued.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(setup.hrss.requests(), 0);
    assert_eq!(setup.market.requests(), 0);
    assert_eq!(setup.yuhu.requests(), 0);
    let (_, pending) = get(daemon, "/api/v1/deliveries?state=pending", SUPERVISOR);
    assert_eq!(
        pending["deliveries"].as_array().map(Vec::len),
        Some(0),
        "{pending}"
    );
    let (_, failed) = get(daemon, "/api/v1/deliveries?state=failed", SUPERVISOR);
    assert_eq!(
        failed["deliveries"].as_array().map(Vec::len),
        Some(0),
        "{failed}"
    );

    // Counted once, retries not.
    let metrics = client()
        .get(daemon.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("gateway_knowledge_outcomes_total{outcome=\"answered\"} 1"),
        "{metrics}"
    );

    // The citizen's text is not in the log.
    assert!(
        !daemon.logs().contains("灵活就业人员怎么缴纳"),
        "{}",
        daemon.logs()
    );
}

#[test]
fn a_did_not_help_reply_turns_the_answer_into_a_dispatched_case() {
    let setup = start();
    let daemon = &setup.daemon;
    let reply = wechat(
        daemon,
        "oCitizenKb0002",
        26120400000011,
        "请问灵活就业人员怎么缴纳养老保险",
    );
    let number = case_number_in(&reply);

    // Another citizen's "没有帮助" is an ordinary appeal and leaves this case alone.
    let other = wechat(daemon, "oSomeoneElse0002", 26120400000012, "没有帮助");
    assert_ne!(case_number_in(&other), number, "{other}");
    let (_, case) = get(daemon, &format!("/api/v1/cases/{number}"), SUPERVISOR);
    assert_eq!(case["state"], "resolved", "{case}");

    // An emergency from the same citizen is an emergency, whatever it starts with.
    let emergency = wechat(
        daemon,
        "oCitizenKb0002",
        26120400000014,
        "没有帮助，楼道里着火了烟很大",
    );
    assert_ne!(case_number_in(&emergency), number, "{emergency}");
    let (_, case) = get(daemon, &format!("/api/v1/cases/{number}"), SUPERVISOR);
    assert_eq!(case["state"], "resolved", "{case}");

    // The same citizen's reply sends the case to the routed lead unit with a fresh deadline.
    let turned = wechat(daemon, "oCitizenKb0002", 26120400000013, "没有帮助！");
    assert!(turned.contains("已转为工单"), "{turned}");
    assert_eq!(case_number_in(&turned), number, "{turned}");
    let (_, case) = get(daemon, &format!("/api/v1/cases/{number}"), HRSS);
    assert_eq!(case["state"], "dispatched", "{case}");
    assert_eq!(case["lead_unit"], "human-resources-social-security");
    let last = case["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"]["type"], "dispatch_after_answer", "{case}");
    assert!(
        last["action"]["reason"]
            .as_str()
            .unwrap()
            .contains("没有帮助")
    );
    assert!(
        eventually(Duration::from_secs(15), || setup.hrss.accepted().len() == 1),
        "the lead unit got no notice: {} requests",
        setup.hrss.requests()
    );
    let notice = setup.hrss.accepted()[0].clone();
    assert_eq!(notice["case_number"], number.as_str(), "{notice}");
    assert_eq!(notice["notice"]["notice"]["type"], "new_case", "{notice}");

    // The retry of that reply answers the same and dispatches nothing more.
    let retry = wechat(daemon, "oCitizenKb0002", 26120400000013, "没有帮助！");
    assert_eq!(case_number_in(&retry), number);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(setup.hrss.accepted().len(), 1);
}

#[test]
fn an_sms_consultation_is_answered_in_the_twiml_and_the_same_phone_can_say_it_did_not_help() {
    let setup = start();
    let daemon = &setup.daemon;
    let twiml = twilio_sms(
        daemon,
        "SM00000000000000000000000000kb0001",
        "+8613800000077",
        "请问灵活就业人员怎么缴纳养老保险",
    );
    assert!(twiml.contains("参保登记"), "{twiml}");
    assert!(!twiml.contains("已受理"), "{twiml}");
    let number = case_number_in(&twiml);
    let (_, case) = get(daemon, &format!("/api/v1/cases/{number}"), SUPERVISOR);
    assert_eq!(case["state"], "resolved", "{case}");

    // A "did not help" from another phone is not this citizen's.
    let other = twilio_sms(
        daemon,
        "SM00000000000000000000000000kb0002",
        "+8613800000078",
        "没用",
    );
    assert!(!other.contains("已转为工单"), "{other}");

    let turned = twilio_sms(
        daemon,
        "SM00000000000000000000000000kb0003",
        "+8613800000077",
        "没用",
    );
    assert!(turned.contains("已转为工单"), "{turned}");
    assert_eq!(case_number_in(&turned), number);
    let (_, case) = get(daemon, &format!("/api/v1/cases/{number}"), SUPERVISOR);
    assert_eq!(case["state"], "dispatched", "{case}");
    assert!(
        eventually(Duration::from_secs(15), || setup.hrss.accepted().len() == 1),
        "the lead unit got no notice: {} requests",
        setup.hrss.requests()
    );
}

#[test]
fn a_stale_entry_is_not_given_and_the_case_is_routed_with_it_marked_stale() {
    let setup = start();
    let daemon = &setup.daemon;
    let reply = wechat(
        daemon,
        "oCitizenKb0003",
        26120400000021,
        "请问个体户办理营业执照需要什么材料",
    );
    assert!(
        !reply.contains("经营场所证明"),
        "a stale answer was given: {reply}"
    );
    let number = case_number_in(&reply);

    let (_, case) = get(daemon, &format!("/api/v1/cases/{number}"), MARKET);
    assert_eq!(case["state"], "dispatched", "{case}");
    assert_eq!(case["knowledge_answer"], Value::Null);
    let candidates = &case["knowledge_candidates"];
    assert_eq!(
        ids(candidates).first().map(String::as_str),
        Some("market-business-licence"),
        "{case}"
    );
    assert_eq!(candidates[0]["freshness"], "past_review", "{case}");

    // The unit's notice carries the candidates too.
    assert!(
        eventually(Duration::from_secs(15), || setup.market.accepted().len()
            == 1),
        "no notice: {} requests",
        setup.market.requests()
    );
    let notice = setup.market.accepted()[0].clone();
    assert_eq!(
        ids(&notice["knowledge_candidates"])
            .first()
            .map(String::as_str),
        Some("market-business-licence"),
        "{notice}"
    );
    assert_eq!(
        notice["knowledge_candidates"][0]["freshness"],
        "past_review"
    );

    // The stale list: the owner sees its entry, another unit sees nothing of it.
    let (_, stale) = get(daemon, "/api/v1/kb/stale", MARKET);
    assert_eq!(stale["count"], 1, "{stale}");
    assert_eq!(
        stale["units"]["market-supervision"][0]["entry_id"],
        "market-business-licence"
    );
    let (_, stale) = get(daemon, "/api/v1/kb/stale", HRSS);
    assert_eq!(stale["count"], 0, "{stale}");

    // The unit's row of the report counts its entries past review.
    let (status, report) = get(
        daemon,
        "/api/v1/reports/units?from=2020-01-01&to=2099-12-31",
        SUPERVISOR,
    );
    assert_eq!(status, 200, "{report}");
    let market = report["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["unit"] == "market-supervision")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(market["stale_knowledge_entries"], 1, "{market}");
}

#[test]
fn a_weak_match_routes_as_usual_with_the_candidates_attached() {
    let setup = start();
    let daemon = &setup.daemon;
    let text = "请问灵活就业人员的失业补助今年怎么申请，需要准备哪些材料，去哪里办";
    let reply = wechat(daemon, "oCitizenKb0004", 26120400000031, text);
    assert!(
        !reply.contains("参保登记"),
        "a weak match was given as the answer: {reply}"
    );
    let number = case_number_in(&reply);

    let (_, case) = get(daemon, &format!("/api/v1/cases/{number}"), HRSS);
    assert_eq!(case["state"], "dispatched", "{case}");
    let candidates = &case["knowledge_candidates"];
    assert!(
        ids(candidates).contains(&"hrss-flexible-pension".to_string()),
        "{case}"
    );
    let score = candidates[0]["score"].as_f64().unwrap();
    assert!(score > 0.0 && score < 0.5, "{case}");
    assert_eq!(candidates[0]["freshness"], "fresh");

    assert!(
        eventually(Duration::from_secs(15), || setup.hrss.accepted().len() == 1),
        "no notice: {} requests",
        setup.hrss.requests()
    );
    let notice = setup.hrss.accepted()[0].clone();
    assert!(
        ids(&notice["knowledge_candidates"]).contains(&"hrss-flexible-pension".to_string()),
        "{notice}"
    );
}

#[test]
fn a_phone_consultation_is_not_answered_but_the_operator_sees_the_suggestion() {
    let setup = start();
    let daemon = &setup.daemon;
    let url = daemon.url(&format!("/channels/cti/{}", creds::CTI_TOKEN));
    let record = json!({"event":"record","callId":"kb-call-1","from":"13800005678","to":"12345","summary":"请问灵活就业人员怎么缴纳养老保险","agent":"8012"});
    let answer: Value = client()
        .post(&url)
        .json(&record)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let number = answer["caseNumber"]
        .as_str()
        .expect("a case number")
        .to_string();

    // Routed as usual: the operator answers on the phone, the unit still gets the case.
    let (_, case) = get(daemon, &format!("/api/v1/cases/{number}"), SUPERVISOR);
    assert_eq!(case["state"], "dispatched", "{case}");
    let appeal_id = case["appeal_id"].as_str().unwrap().to_string();
    let (status, suggestions) = get(
        daemon,
        &format!("/api/v1/appeals/{appeal_id}/suggestions"),
        creds::READER_TOKEN,
    );
    assert_eq!(status, 200, "{suggestions}");
    assert_eq!(
        suggestions["knowledge"]["route_reason"],
        "channel_without_reply"
    );
    assert_eq!(
        suggestions["entries"][0]["id"], "hrss-flexible-pension",
        "{suggestions}"
    );
    assert!(
        suggestions["entries"][0]["answer"]
            .as_str()
            .unwrap()
            .contains("参保登记")
    );
    let (status, _) = get(
        daemon,
        &format!("/api/v1/appeals/{appeal_id}/suggestions"),
        HRSS,
    );
    assert_eq!(status, 403);
}

#[test]
fn units_keep_their_own_entries_and_search_ranks_with_scores() {
    let mut setup = start();
    let path = "/api/v1/kb/entries/hrss-flexible-pension";

    // Search, with a reader token: ranked, scored, with freshness.
    let (status, found) = get(
        &setup.daemon,
        "/api/v1/kb/search?q=%E7%81%B5%E6%B4%BB%E5%B0%B1%E4%B8%9A%E5%85%BB%E8%80%81%E4%BF%9D%E9%99%A9&limit=5",
        creds::READER_TOKEN,
    );
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["hits"][0]["id"], "hrss-flexible-pension", "{found}");
    let score = found["hits"][0]["score"].as_f64().unwrap();
    assert!(score > 0.0 && score <= 1.0, "{found}");
    assert_eq!(found["hits"][0]["freshness"], "fresh");
    let (status, _) = get(&setup.daemon, "/api/v1/kb/search?q=", creds::READER_TOKEN);
    assert_eq!(status, 400);
    let (status, _) = get(
        &setup.daemon,
        "/api/v1/kb/search?q=x",
        "not-a-token-at-all-0000",
    );
    assert_eq!(status, 401);

    // The owner edits its entry; the history grows by one change naming the field.
    let edit = json!({
        "question": "灵活就业人员怎么缴纳养老保险",
        "answer": "灵活就业人员可在“浙里办”或县社保中心一楼窗口办理参保登记。",
        "topic": ["劳动和社会保障", "城镇职工社会保险"],
        "source": "县人力社保局灵活就业参保指南（2026年版）",
        "valid_from": "2026-01-01",
        "review_by": "2099-12-31"
    });
    let (status, changed) = send(&setup.daemon, "PUT", path, HRSS, edit.clone());
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["outcome"]["outcome"], "updated", "{changed}");
    assert_eq!(changed["outcome"]["fields"], json!(["answer"]));
    let (_, history) = get(&setup.daemon, &format!("{path}/history"), HRSS);
    let changes = history["history"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{history}");
    assert_eq!(changes[1]["action"], "updated");
    assert_eq!(changes[1]["actor"], "human-resources-social-security");

    // Another unit may neither change nor read it, nor retire it.
    let (status, refused) = send(&setup.daemon, "PUT", path, MARKET, edit.clone());
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("human-resources-social-security"),
        "{refused}"
    );
    assert_eq!(get(&setup.daemon, path, MARKET).0, 403);
    assert_eq!(
        send(&setup.daemon, "DELETE", path, MARKET, json!({})).0,
        403
    );
    let (_, listed) = get(&setup.daemon, "/api/v1/kb/entries", MARKET);
    assert_eq!(
        ids_of_entries(&listed),
        ["market-business-licence"],
        "{listed}"
    );
    // A reader token may read but not write.
    assert_eq!(get(&setup.daemon, path, creds::READER_TOKEN).0, 200);
    assert_eq!(
        send(&setup.daemon, "PUT", path, creds::READER_TOKEN, edit).0,
        403
    );

    // An import with a bad line is refused with that line; a good one is all applied.
    let bad = "id,owner,question,answer,valid_from,review_by\nhrss-a,human-resources-social-security,退休人员养老金什么时候调整,每年按省里通知调整。,2026-01-01,2099-12-31\nhrss-b,human-resources-social-security,社保卡丢了怎么补办,带身份证到社保中心补办。,2026-13-01,2099-12-31\n";
    let response = client()
        .post(setup.daemon.url("/api/v1/kb/import"))
        .bearer_auth(HRSS)
        .header("content-type", "text/csv")
        .body(bad)
        .send()
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().unwrap();
    assert_eq!(body["problems"][0]["line"], 3, "{body}");
    assert_eq!(get(&setup.daemon, "/api/v1/kb/entries/hrss-a", HRSS).0, 404);
    let good = bad.replace("2026-13-01", "2026-03-01");
    let response = client()
        .post(setup.daemon.url("/api/v1/kb/import"))
        .bearer_auth(HRSS)
        .header("content-type", "text/csv")
        .body(good)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().unwrap();
    assert_eq!(body["created"], 2, "{body}");

    // A restart imports the same files again: nothing changes, and the unit's edit stands.
    let before = get(&setup.daemon, &format!("{path}/history"), HRSS).1;
    setup.daemon.terminate();
    let daemon = start_daemon(&setup.sandbox, &setup.market, &setup.yuhu, &setup.hrss);
    let (_, after) = get(&daemon, &format!("{path}/history"), HRSS);
    assert_eq!(after, before);
    let (_, entry) = get(&daemon, path, HRSS);
    assert!(
        entry["entry"]["answer"]
            .as_str()
            .unwrap()
            .contains("浙里办"),
        "{entry}"
    );
    let (_, listed) = get(&daemon, "/api/v1/kb/entries", creds::READER_TOKEN);
    assert_eq!(listed["count"], 4, "{listed}");
}

fn ids_of_entries(listed: &Value) -> Vec<String> {
    listed["entries"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|e| e["id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}
