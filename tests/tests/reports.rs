//! Reports through the running daemon: a fixed set of cases is driven through the API,
//! then the rates per unit equal the counts worked out by hand below; a unit sees only its
//! own row; CSV carries the same numbers; and `gateway report`, run on the data dir once
//! the daemon has stopped, prints the same table and writes the same CSV.

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gateway_tests::{Daemon, Receiver, Sandbox, client, config_text, eventually, twilio_sms};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gateway-under-test");
const MARKET: &str = "test-unit-market-0123456789";
const HRSS: &str = "test-unit-hrss-0123456789";
const COMMERCE: &str = "test-unit-commerce-0123456789";
const SUPERVISOR: &str = "test-supervisor-0123456789";
const PERIOD: &str = "from=2020-01-01&to=2099-12-31";

fn cases_section(url: &str) -> String {
    let unit = |id: &str, name: &str, token: &str| {
        format!(
            "[cases.units.{id}]\nname = \"{name}\"\ntoken = \"{token}\"\n\
             [[cases.units.{id}.targets]]\ntype = \"webhook\"\nurl = \"{url}\"\n\
             secret = \"test-webhook-secret-{id}-0123\"\n\n"
        )
    };
    format!(
        "[cases]\nsupervision_interval_seconds = 3600\n\n{}{}{}{}{}\
         [[cases.supervisors]]\nstaff_id = \"D001\"\ntoken = \"{SUPERVISOR}\"\n",
        unit("market-supervision", "县市场监督管理局", MARKET),
        unit("yuhu", "玉壶镇人民政府", "test-unit-yuhu-0123456789"),
        unit(
            "human-resources-social-security",
            "县人力资源和社会保障局",
            HRSS
        ),
        unit("commerce", "县商务局", COMMERCE),
        unit(
            "medical-insurance",
            "县医疗保障局",
            "test-unit-medical-0123456789"
        ),
    )
}

fn web_form(daemon: &Daemon, title: &str, body: &str, phone: &str) -> String {
    let answer: Value = client()
        .post(daemon.url("/channels/web-form"))
        .json(&json!({"title": title, "body": body, "phone": phone}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    answer["caseNumber"]
        .as_str()
        .expect("a case number")
        .to_string()
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

fn get_text(daemon: &Daemon, path: &str, token: &str) -> (u16, String, String) {
    let response = client()
        .get(daemon.url(path))
        .bearer_auth(token)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, content_type, response.text().unwrap())
}

fn act(daemon: &Daemon, case: &str, step: &str, token: &str, body: Value) {
    let response = client()
        .post(daemon.url(&format!("/api/v1/cases/{case}/{step}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().unwrap();
    assert_eq!(status, 200, "{step} on {case}: {text}");
}

fn resolve(daemon: &Daemon, case: &str, token: &str, result: &str) {
    act(daemon, case, "acknowledge", token, json!({}));
    act(
        daemon,
        case,
        "resolve",
        token,
        json!({"result": result, "citizen_informed_by": "phone"}),
    );
}

/// A survey answer by SMS through the Twilio webhook, signed by the `twilio` package;
/// returns the TwiML.
fn rate_by_sms(daemon: &Daemon, sid: &str, from: &str, body: &str) -> String {
    twilio_sms(
        daemon,
        &format!("{sid}0000000000000000000000000000"),
        from,
        body,
    )
}

/// The Beijing day number (days since 1970-01-01, UTC+8) of now.
fn beijing_day() -> u64 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (seconds + 8 * 3600) / 86_400
}

fn row<'a>(report: &'a Value, unit: &str) -> &'a Value {
    report["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["unit"] == unit)
        .unwrap_or_else(|| panic!("no row for {unit}: {report}"))
}

/// The CSV fields of a unit's row (or `total`), by header name.
fn csv_row(text: &str, unit: &str) -> std::collections::BTreeMap<String, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let fields: Vec<&str> = lines
        .map(|line| line.split(',').collect::<Vec<_>>())
        .find(|fields| fields[0] == unit)
        .unwrap_or_else(|| panic!("no csv row for {unit}:\n{text}"));
    header
        .iter()
        .zip(fields)
        .map(|(h, f)| (h.to_string(), f.to_string()))
        .collect()
}

#[test]
fn unit_rates_match_the_counts_worked_out_by_hand() {
    let receiver = Receiver::start(0);
    // Twilio's Messages API for the surveys, played by a loopback server that answers 200.
    let sms_api = Receiver::start(0);
    let follow_up = format!(
        "\n[follow_up]\n\n[follow_up.sms]\naccount_sid = \"ACreports0123\"\n\
         auth_token = \"sms-auth-token-0123\"\nfrom = \"+8610690012345\"\napi_base = \"{}\"\n",
        sms_api.url.trim_end_matches("/handoff")
    );
    let sandbox = Sandbox::new();
    let config = sandbox.config(&config_text(
        "redb",
        None,
        &(cases_section(&receiver.url) + &follow_up),
    ));
    let mut daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
    let first_day = beijing_day();

    // Five cases, each a different matter (so none joins another as a duplicate):
    // A and B for market supervision, C for commerce, D and E for human resources.
    let a = web_form(
        &daemon,
        "超市卖过期食品",
        "玉壶镇的超市卖过期食品，要求退款商家不理",
        "13800000101",
    );
    let b = web_form(
        &daemon,
        "饭店卫生差",
        "县城一家饭店后厨卫生很差，我们吃完饭全家拉肚子，请市场监管部门查处",
        "13800000102",
    );
    let c = web_form(
        &daemon,
        "菜市场缺斤少两",
        "玉壶镇菜市场有商贩用作弊的电子秤缺斤少两，买两斤肉少了三两",
        "13800000103",
    );
    let d = web_form(
        &daemon,
        "拖欠工资",
        "我们在工地干了三个月，包工头拖欠工资一直不给，要求帮忙讨薪",
        "13800000104",
    );
    let e = web_form(
        &daemon,
        "不缴社保",
        "公司两年没给我们缴纳社会保险，现在辞退也不给经济补偿",
        "13800000105",
    );
    // A second citizen reports A's matter again: it joins case A and is not counted anew.
    let again = web_form(
        &daemon,
        "超市卖过期食品",
        "玉壶镇的超市卖过期食品，要求退款商家不理",
        "13800000106",
    );
    assert_eq!(again, a, "the repeated report joins case A");
    let numbers = [&a, &b, &c, &d, &e];
    let mut distinct = numbers.to_vec();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 5, "five cases: {numbers:?}");

    // A: resolved on time. B: resolved, then reopened by its citizen's dissatisfied rating.
    // C: returned by commerce, so the rules give it to another unit. D: resolved on time.
    // E: left open.
    resolve(&daemon, &a, MARKET, "已责令超市下架过期食品并退款");
    resolve(&daemon, &b, MARKET, "已检查饭店后厨并责令整改");
    // Follow-up: each resolved case's citizen was asked by SMS, and answers by SMS: A's
    // satisfied, B's dissatisfied (which reopens B), D's partly satisfied.
    assert!(
        eventually(Duration::from_secs(15), || sms_api.requests() >= 2),
        "the surveys were not sent: {}",
        sms_api.requests()
    );
    assert!(rate_by_sms(&daemon, "SMr01", "+8613800000101", "1").contains("感谢"));
    assert!(
        rate_by_sms(&daemon, "SMr02", "+8613800000102", "不满意，后厨还是很脏")
            .contains("重新办理")
    );
    act(
        &daemon,
        &c,
        "return",
        COMMERCE,
        json!({"reason": "计量作弊不属于本单位职责"}),
    );
    resolve(&daemon, &d, HRSS, "已督促包工头结清工资");
    assert!(rate_by_sms(&daemon, "SMr04", "+8613800000104", "基本满意").contains("感谢"));
    let (_, returned) = get(&daemon, &format!("/api/v1/cases/{c}"), SUPERVISOR);
    // Without commerce, the rules give C to the township where it happened.
    assert_eq!(returned["lead_unit"], "yuhu", "{returned}");
    eventually(Duration::from_secs(10), || receiver.requests() >= 6);
    let same_day = beijing_day() == first_day;

    // The report, by hand:
    // market-supervision: received A, B; resolved A, B, both by the deadline -> on-time
    //   2/2 = 1.0; B reopened -> reopened 1; returned 0 -> return rate 0/2 = 0.0; rated 2
    //   (A satisfied, B dissatisfied) -> satisfaction 1/2 = 0.5.
    // commerce: received C, returned C -> return rate 1/1 = 1.0; resolved 0 -> no on-time
    //   rate, no average.
    // human-resources-social-security: received D, E; resolved D on time -> 1/1 = 1.0;
    //   rated 1 (D partly satisfied, which counts as satisfied) -> satisfaction 1/1 = 1.0.
    // yuhu: received C (dispatched to it after the return), resolved 0.
    // total: received 5 (the repeat of A is part of case A), resolved 3 (A, B, D), on time 3/3 = 1.0, returned 1 (C) ->
    //   1/5 = 0.2, reopened 1, rated 3, satisfied or partly 2 -> satisfaction 2/3.
    // Every case was opened and resolved on the same Beijing day, so 0 working days each.
    let (status, report) = get(
        &daemon,
        &format!("/api/v1/reports/units?{PERIOD}"),
        SUPERVISOR,
    );
    assert_eq!(status, 200, "{report}");
    let market = row(&report, "market-supervision");
    assert_eq!(market["unit_name"], "县市场监督管理局");
    assert_eq!(market["received"], 2, "{market}");
    assert_eq!(market["resolved"], 2, "{market}");
    assert_eq!(market["resolved_on_time"], 2, "{market}");
    assert_eq!(market["on_time_rate"], 1.0, "{market}");
    assert_eq!(market["reopened"], 1, "{market}");
    assert_eq!(market["returned"], 0, "{market}");
    assert_eq!(market["return_rate"], 0.0, "{market}");
    assert_eq!(market["rated"], 2, "{market}");
    assert_eq!(market["satisfied"], 1, "{market}");
    assert_eq!(market["dissatisfied"], 1, "{market}");
    assert_eq!(market["satisfaction_rate"], 0.5, "{market}");
    let commerce = row(&report, "commerce");
    assert_eq!(commerce["received"], 1, "{commerce}");
    assert_eq!(commerce["returned"], 1, "{commerce}");
    assert_eq!(commerce["return_rate"], 1.0, "{commerce}");
    assert_eq!(commerce["resolved"], 0, "{commerce}");
    assert_eq!(commerce["on_time_rate"], Value::Null, "{commerce}");
    assert_eq!(commerce["average_working_days"], Value::Null, "{commerce}");
    let hrss = row(&report, "human-resources-social-security");
    assert_eq!(hrss["received"], 2, "{hrss}");
    assert_eq!(hrss["resolved"], 1, "{hrss}");
    assert_eq!(hrss["on_time_rate"], 1.0, "{hrss}");
    assert_eq!(hrss["return_rate"], 0.0, "{hrss}");
    assert_eq!(hrss["partly_satisfied"], 1, "{hrss}");
    assert_eq!(hrss["satisfaction_rate"], 1.0, "{hrss}");
    let yuhu = row(&report, "yuhu");
    assert_eq!(yuhu["unit_name"], "玉壶镇人民政府");
    assert_eq!(yuhu["received"], 1, "{yuhu}");
    assert_eq!(yuhu["resolved"], 0, "{yuhu}");
    assert_eq!(
        report["units"].as_array().map(Vec::len),
        Some(4),
        "{report}"
    );
    let total = &report["total"];
    assert_eq!(total["received"], 5, "{total}");
    assert_eq!(total["resolved"], 3, "{total}");
    assert_eq!(total["resolved_on_time"], 3, "{total}");
    assert_eq!(total["on_time_rate"], 1.0, "{total}");
    assert_eq!(total["returned"], 1, "{total}");
    assert_eq!(total["return_rate"], 0.2, "{total}");
    assert_eq!(total["reopened"], 1, "{total}");
    assert_eq!(total["rated"], 3, "{total}");
    let satisfaction = total["satisfaction_rate"].as_f64().unwrap();
    assert!((satisfaction - 2.0 / 3.0).abs() < 1e-9, "{total}");
    if same_day {
        assert_eq!(market["average_working_days"], 0.0, "{market}");
        assert_eq!(total["average_working_days"], 0.0, "{total}");
    }

    // A period without these days has nothing in it.
    let (_, empty) = get(
        &daemon,
        "/api/v1/reports/units?from=2020-01-01&to=2020-01-31",
        SUPERVISOR,
    );
    assert_eq!(empty["units"], json!([]), "{empty}");
    assert_eq!(empty["total"]["received"], 0, "{empty}");

    // A unit sees its own row only, and no total.
    let (status, own) = get(&daemon, &format!("/api/v1/reports/units?{PERIOD}"), HRSS);
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["units"].as_array().map(Vec::len), Some(1), "{own}");
    assert_eq!(own["units"][0]["unit"], "human-resources-social-security");
    assert_eq!(own["units"][0]["received"], 2);
    assert!(own.get("total").is_none(), "{own}");
    let (_, _, own_csv) = get_text(
        &daemon,
        &format!("/api/v1/reports/units?{PERIOD}&format=csv"),
        HRSS,
    );
    assert_eq!(own_csv.lines().count(), 2, "{own_csv}");
    assert!(!own_csv.contains("market-supervision"), "{own_csv}");

    // Bad dates are refused with the format.
    for query in [
        "from=2026/11/01&to=2026-11-30",
        "from=2026-11-01",
        "from=2026-11-31&to=2026-12-01",
    ] {
        let (status, refused) = get(
            &daemon,
            &format!("/api/v1/reports/units?{query}"),
            SUPERVISOR,
        );
        assert_eq!(status, 400, "{query}: {refused}");
        assert!(
            refused["error"].as_str().unwrap().contains("YYYY-MM-DD"),
            "{refused}"
        );
    }
    assert_eq!(
        get(
            &daemon,
            &format!("/api/v1/reports/units?{PERIOD}"),
            "no-such-token-0123456789"
        )
        .0,
        401
    );

    // CSV: the header, one row per unit and the total, with the same numbers.
    let (status, content_type, csv) = get_text(
        &daemon,
        &format!("/api/v1/reports/units?{PERIOD}&format=csv"),
        SUPERVISOR,
    );
    assert_eq!(status, 200, "{csv}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(
        csv.starts_with("unit,first_day,last_day,received,resolved,"),
        "{csv}"
    );
    let market_csv = csv_row(&csv, "market-supervision");
    assert_eq!(market_csv["received"], "2");
    assert_eq!(market_csv["resolved"], "2");
    assert_eq!(market_csv["on_time_rate"], "1.0000");
    assert_eq!(market_csv["reopened"], "1");
    let total_csv = csv_row(&csv, "total");
    assert_eq!(total_csv["received"], "5");
    assert_eq!(total_csv["return_rate"], "0.2000");

    // The public feed: the three resolved cases, without the citizens' phone numbers;
    // supervisors only.
    assert_eq!(
        get(&daemon, &format!("/api/v1/reports/public?{PERIOD}"), MARKET).0,
        403
    );
    let (status, feed) = get(
        &daemon,
        &format!("/api/v1/reports/public?{PERIOD}"),
        SUPERVISOR,
    );
    assert_eq!(status, 200, "{feed}");
    let mut published: Vec<&str> = feed["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| case["case_number"].as_str().unwrap())
        .collect();
    published.sort();
    let mut resolved = vec![a.as_str(), b.as_str(), d.as_str()];
    resolved.sort();
    assert_eq!(published, resolved, "{feed}");
    assert!(!feed.to_string().contains("138000001"), "{feed}");

    // The analysis of hot topics: supervisors only; Markdown, CSV and the chart.
    let trends = format!("/api/v1/reports/trends?{PERIOD}");
    let (status, _, markdown) = get_text(&daemon, &trends, SUPERVISOR);
    assert_eq!(status, 200, "{markdown}");
    assert!(markdown.contains("热点问题"), "{markdown}");
    let (_, content_type, weekly) = get_text(&daemon, &format!("{trends}&format=csv"), SUPERVISOR);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(
        weekly.starts_with("week,week_monday,topic,count,rising"),
        "{weekly}"
    );
    // Six appeals were received (the repeat of A too); the weekly counts add up to them.
    let counted: u32 = weekly
        .lines()
        .skip(1)
        .map(|line| line.split(',').nth(3).unwrap().parse::<u32>().unwrap())
        .sum();
    assert_eq!(counted, 6, "{weekly}");
    let (_, content_type, svg) = get_text(&daemon, &format!("{trends}&format=svg"), SUPERVISOR);
    assert_eq!(content_type, "image/svg+xml");
    assert!(svg.contains("<svg"), "{svg}");
    assert_eq!(get_text(&daemon, &trends, HRSS).0, 403);
    assert_eq!(
        get_text(&daemon, &format!("{trends}&format=pdf"), SUPERVISOR).0,
        400
    );
    let (status, _, _) = get_text(
        &daemon,
        "/api/v1/reports/trends?from=2020-01-01&to=2020-01-31&format=svg",
        SUPERVISOR,
    );
    assert_eq!(status, 404, "an empty period has no chart");

    // The CLI refuses while the daemon holds the store, and says what to do instead.
    let data_dir = sandbox.data_dir();
    let out_trends = sandbox.dir.path().join("trends");
    let out_csv = sandbox.dir.path().join("report.csv");
    let out_feed = sandbox.dir.path().join("feed.json");
    let cli = || {
        let mut command = Command::new(BIN);
        command
            .args([
                "report",
                "--from",
                "2020-01-01",
                "--to",
                "2099-12-31",
                "--config",
            ])
            .arg(&config)
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--csv")
            .arg(&out_csv)
            .arg("--public-feed")
            .arg(&out_feed)
            .arg("--trends")
            .arg(&out_trends)
            .env_remove("RUST_LOG");
        command.output().expect("the cli runs")
    };
    let held = cli();
    assert!(!held.status.success());
    let stderr = String::from_utf8_lossy(&held.stderr);
    assert!(stderr.contains("stop it"), "{stderr}");
    assert!(stderr.contains("/api/v1/reports/units"), "{stderr}");

    // Once stopped, it prints the table and writes the same CSV as the API.
    assert!(daemon.terminate().success());
    let output = cli();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("统计期间：2020-01-01 至 2099-12-31"),
        "{stdout}"
    );
    let market_line = stdout
        .lines()
        .find(|line| line.starts_with("县市场监督管理局"))
        .unwrap_or_else(|| panic!("no market line:\n{stdout}"));
    let cells: Vec<&str> = market_line.split_whitespace().collect();
    assert_eq!(cells[1], "2", "{market_line}");
    assert_eq!(cells[2], "2", "{market_line}");
    assert_eq!(cells[3], "100.0%", "{market_line}");
    let total_line = stdout
        .lines()
        .find(|line| line.starts_with("合计"))
        .unwrap_or_else(|| panic!("no total line:\n{stdout}"));
    assert!(total_line.contains("20.0%"), "{total_line}");
    assert_eq!(std::fs::read_to_string(&out_csv).unwrap(), csv);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&out_feed).unwrap()).unwrap();
    assert_eq!(written.as_array().map(Vec::len), Some(3), "{written}");
    // The same analysis as the API's, as files.
    assert_eq!(
        std::fs::read_to_string(out_trends.join("hot-topics.csv")).unwrap(),
        weekly
    );
    assert!(
        std::fs::read_to_string(out_trends.join("weekly-topics.svg"))
            .unwrap()
            .contains("<svg")
    );
    assert!(out_trends.join("hot-topics.md").exists());
    assert!(out_trends.join("topic-townships.csv").exists());

    // A typo in the period is refused before anything is opened.
    let typo = Command::new(BIN)
        .args([
            "report",
            "--from",
            "2026-13-01",
            "--to",
            "2026-12-31",
            "--data-dir",
        ])
        .arg(&data_dir)
        .output()
        .unwrap();
    assert_eq!(typo.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("YYYY-MM-DD"));
}
