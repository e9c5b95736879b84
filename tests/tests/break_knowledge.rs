//! The knowledge base API and its start-up import under a careless or hostile unit: odd
//! uploads, odd bodies and ids, queries in odd shapes, and an entry id one unit takes before
//! another unit's department file names it.

use std::path::{Path, PathBuf};

use gateway_tests::{Daemon, Receiver, Sandbox, client, config_text, creds};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gateway-under-test");
const MARKET: &str = "test-unit-market-0123456789";
const HRSS: &str = "test-unit-hrss-0123456789";
const SUPERVISOR: &str = "test-supervisor-0123456789";

const HRSS_FILE: &str = "# 知识库：human-resources-social-security

## 灵活就业人员怎么缴纳养老保险

- id: hrss-flexible-pension
- owner: human-resources-social-security
- valid_from: 2026-01-01
- review_by: 2099-12-31

灵活就业人员可携带身份证到县社保中心一楼窗口办理参保登记，按月或按季度缴费。
";

const HRSS_ADDED: &str = "
## 社保卡丢了怎么补办

- id: hrss-lost-card
- owner: human-resources-social-security
- valid_from: 2026-01-01
- review_by: 2099-12-31

带身份证到县社保中心补办，当场制卡。
";

struct Setup {
    _market: Receiver,
    _hrss: Receiver,
    sandbox: Sandbox,
    files: PathBuf,
    config: PathBuf,
    daemon: Daemon,
}

fn start() -> Setup {
    let (market, hrss) = (Receiver::start(0), Receiver::start(0));
    let sandbox = Sandbox::new();
    let files = sandbox.data_dir().with_file_name("department-files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("human-resources-social-security.md"), HRSS_FILE).unwrap();
    let config = sandbox.config(&config_text(
        "redb",
        None,
        &sections(&market.url, &hrss.url, &files),
    ));
    let daemon = Daemon::start(BIN, &config, &sandbox.data_dir());
    Setup {
        _market: market,
        _hrss: hrss,
        sandbox,
        files,
        config,
        daemon,
    }
}

fn sections(market: &str, hrss: &str, files: &Path) -> String {
    let unit = |id: &str, name: &str, token: &str, url: &str| {
        format!(
            "[cases.units.{id}]\nname = \"{name}\"\ntoken = \"{token}\"\n\
             [[cases.units.{id}.targets]]\ntype = \"webhook\"\nurl = \"{url}\"\n\
             secret = \"test-webhook-secret-{id}-0123\"\n\n"
        )
    };
    format!(
        "[cases]\nsupervision_interval_seconds = 3600\n\n{}{}[[cases.supervisors]]\nstaff_id = \"D001\"\ntoken = \"{SUPERVISOR}\"\n\n\
         [knowledge]\nimport = [{:?}]\n",
        unit("market-supervision", "县市场监督管理局", MARKET, market),
        unit(
            "human-resources-social-security",
            "县人力资源和社会保障局",
            HRSS,
            hrss
        ),
        files.display().to_string()
    )
}

/// A raw request: the status and the body as text.
fn raw(
    daemon: &Daemon,
    method: &str,
    path: &str,
    token: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, String) {
    let url = daemon.url(path);
    let request = match method {
        "GET" => client().get(url),
        "PUT" => client().put(url),
        "DELETE" => client().delete(url),
        _ => client().post(url),
    };
    let request = match content_type {
        Some(kind) => request.header("content-type", kind),
        None => request,
    };
    let response = request.bearer_auth(token).body(body).send().unwrap();
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}

fn import(daemon: &Daemon, token: &str, kind: &str, body: &[u8]) -> (u16, String) {
    raw(
        daemon,
        "POST",
        "/api/v1/kb/import",
        token,
        Some(kind),
        body.to_vec(),
    )
}

fn entry_body(question: &str, owner: Option<&str>) -> Value {
    let mut body = json!({
        "question": question,
        "answer": "请携带身份证到县行政服务中心办理。",
        "source": "测试指南",
        "valid_from": "2026-01-01",
        "review_by": "2099-12-31"
    });
    if let Some(owner) = owner {
        body["owner"] = json!(owner);
    }
    body
}

fn assert_refused(what: &str, (status, body): (u16, String)) {
    assert!((400..500).contains(&status), "{what}: {status} {body:.300}");
    assert!(!body.trim().is_empty(), "{what}: no reason given");
}

#[test]
fn odd_uploads_are_refused_with_a_reason_and_change_nothing() {
    let setup = start();
    let daemon = &setup.daemon;
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("not utf-8", "text/csv", vec![0xff, 0xfe, b'i', b'd', 0x80]),
        ("no content type", "", b"id,owner\n".to_vec()),
        ("json", "application/json", b"{}".to_vec()),
        ("unknown column", "text/csv", "id,owner,问题\na,b,c\n".into()),
        (
            "ragged row",
            "text/csv",
            "id,owner,question,answer,valid_from,review_by\nhrss-x,human-resources-social-security,问\n".into(),
        ),
        (
            "unclosed quote",
            "text/csv",
            "id,owner,question,answer,valid_from,review_by\n\"hrss-x,human-resources-social-security,问,答,2026-01-01,2099-12-31\n".into(),
        ),
        (
            "emoji id",
            "text/csv",
            "id,owner,question,answer,valid_from,review_by\n😀,human-resources-social-security,问,答,2026-01-01,2099-12-31\n".into(),
        ),
        (
            "another unit's owner",
            "text/csv",
            "id,owner,question,answer,valid_from,review_by\nhrss-x,market-supervision,问,答,2026-01-01,2099-12-31\n".into(),
        ),
        (
            "full-width date",
            "text/csv",
            "id,owner,question,answer,valid_from,review_by\nhrss-x,human-resources-social-security,问,答,２０２６-01-01,2099-12-31\n".into(),
        ),
        ("empty heading", "text/markdown", "## \n\n- id: a\n".into()),
        (
            "no answer",
            "text/markdown",
            "## 问题\n\n- id: hrss-y\n- owner: human-resources-social-security\n- valid_from: 2026-01-01\n- review_by: 2099-12-31\n".into(),
        ),
        (
            "duplicate id",
            "text/markdown",
            "## 问一\n\n- id: hrss-z\n- owner: human-resources-social-security\n- valid_from: 2026-01-01\n- review_by: 2099-12-31\n\n答一\n\n## 问二\n\n- id: hrss-z\n- owner: human-resources-social-security\n- valid_from: 2026-01-01\n- review_by: 2099-12-31\n\n答二\n".into(),
        ),
        ("too large", "text/csv", vec![b'a'; 70_000]),
    ];
    for (what, kind, body) in cases {
        assert_refused(what, import(daemon, HRSS, kind, &body));
    }

    // A file that holds no entry at all (headings of the wrong level, or nothing) is a
    // mistake the unit should hear about, not a silent success.
    for (what, kind, body) in [
        ("empty csv", "text/csv", ""),
        (
            "header only",
            "text/csv",
            "id,owner,question,answer,valid_from,review_by\n",
        ),
        ("empty markdown", "text/markdown", ""),
        (
            "wrong heading level",
            "text/markdown",
            "# 社保卡丢了怎么补办\n\n- id: hrss-w\n\n带身份证补办。\n",
        ),
    ] {
        let (status, body) = import(daemon, HRSS, kind, body.as_bytes());
        assert_eq!(status, 422, "{what}: {body}");
        assert!(body.contains("no entr"), "{what}: {body}");
    }

    let (status, listed) = raw(
        daemon,
        "GET",
        "/api/v1/kb/entries",
        creds::READER_TOKEN,
        None,
        Vec::new(),
    );
    assert_eq!(status, 200);
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed["count"], 1, "{listed}");
}

#[test]
fn odd_entry_writes_ids_and_queries_get_a_reason_not_a_crash() {
    let setup = start();
    let daemon = &setup.daemon;
    let put = |path: &str, token: &str, body: Vec<u8>| {
        raw(daemon, "PUT", path, token, Some("application/json"), body)
    };
    let good = serde_json::to_vec(&entry_body("个体户怎么办营业执照", None)).unwrap();
    assert_refused(
        "not json",
        put("/api/v1/kb/entries/m-1", MARKET, b"{".to_vec()),
    );
    assert_refused(
        "array",
        put("/api/v1/kb/entries/m-1", MARKET, b"[]".to_vec()),
    );
    assert_refused(
        "emoji id",
        put("/api/v1/kb/entries/%F0%9F%98%80", MARKET, good.clone()),
    );
    assert_refused(
        "not utf-8 id",
        put("/api/v1/kb/entries/%FF", MARKET, good.clone()),
    );
    assert_refused(
        "dot dot id",
        put("/api/v1/kb/entries/..%2F..%2Fx", MARKET, good.clone()),
    );
    let mut backwards = entry_body("个体户怎么办营业执照", None);
    backwards["review_by"] = json!("2025-01-01");
    assert_refused(
        "review before valid",
        put(
            "/api/v1/kb/entries/m-1",
            MARKET,
            serde_json::to_vec(&backwards).unwrap(),
        ),
    );
    let blank = serde_json::to_vec(&entry_body(" \u{3000} ", None)).unwrap();
    assert_refused(
        "blank question",
        put("/api/v1/kb/entries/m-1", MARKET, blank),
    );
    // An entry in another unit's name, or with an empty owner.
    for owner in ["human-resources-social-security", "", " market-supervision"] {
        let body = serde_json::to_vec(&entry_body("个体户怎么办营业执照", Some(owner))).unwrap();
        let (status, text) = put("/api/v1/kb/entries/m-2", MARKET, body);
        assert!(
            matches!(status, 403 | 422),
            "owner {owner:?}: {status} {text}"
        );
    }
    assert_eq!(
        raw(
            daemon,
            "GET",
            "/api/v1/kb/entries/m-2",
            SUPERVISOR,
            None,
            Vec::new()
        )
        .0,
        404
    );

    // Reading with odd ids and queries.
    for path in [
        "/api/v1/kb/entries/%F0%9F%98%80",
        "/api/v1/kb/entries/%FF",
        "/api/v1/kb/entries/nothing/history",
        "/api/v1/appeals/%F0%9F%98%80/suggestions",
        "/api/v1/appeals/..%2F..%2Fx/suggestions",
        "/api/v1/kb/search?q=",
        "/api/v1/kb/search?q=%E7%A4%BE%E4%BF%9D&limit=0",
        "/api/v1/kb/search?q=%E7%A4%BE%E4%BF%9D&limit=-1",
        "/api/v1/kb/search?q=%E7%A4%BE%E4%BF%9D&limit=%EF%BC%95",
        "/api/v1/kb/search?q=%E7%A4%BE%E4%BF%9D&nonsense=1",
    ] {
        assert_refused(path, raw(daemon, "GET", path, SUPERVISOR, None, Vec::new()));
    }
    let long = "社保卡丢了怎么补办😀".repeat(600);
    for q in [long.as_str(), "😀😀😀", "!!!???", "AND OR NOT (\"", "\u{0}"] {
        let response = client()
            .get(daemon.url("/api/v1/kb/search"))
            .query(&[("q", q), ("topic", "///")])
            .bearer_auth(SUPERVISOR)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        assert!(
            status == 200 || (400..500).contains(&status),
            "{q:.20}: {status}"
        );
    }
    // The daemon is still up.
    assert_eq!(
        raw(daemon, "GET", "/healthz", SUPERVISOR, None, Vec::new()).0,
        200
    );
}

#[test]
fn an_id_another_unit_took_does_not_stop_the_daemon_when_the_department_file_names_it() {
    let mut setup = start();

    // Market supervision takes an id the social-security bureau has not used yet.
    let body = serde_json::to_vec(&entry_body("社保卡丢了怎么补办", None)).unwrap();
    let (status, text) = raw(
        &setup.daemon,
        "PUT",
        "/api/v1/kb/entries/hrss-lost-card",
        MARKET,
        Some("application/json"),
        body,
    );
    assert_eq!(status, 201, "{text}");

    // The bureau's file then adds an entry of that id; the daemon restarts.
    assert!(setup.daemon.terminate().success());
    let file = setup.files.join("human-resources-social-security.md");
    std::fs::write(&file, format!("{HRSS_FILE}{HRSS_ADDED}")).unwrap();
    setup.daemon = Daemon::start(BIN, &setup.config, &setup.sandbox.data_dir());

    // It starts and takes appeals; the file's problem is logged, naming the file, and the
    // bureau's earlier entries are kept.
    let response = client()
        .post(setup.daemon.url("/channels/web-form"))
        .json(&json!({"title": "路灯不亮", "body": "玉壶镇东樟村路灯不亮", "phone": "13800000051"}))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let logs = setup.daemon.logs();
    assert!(
        logs.contains("human-resources-social-security.md") && logs.contains("hrss-lost-card"),
        "{logs}"
    );
    let (status, _) = raw(
        &setup.daemon,
        "GET",
        "/api/v1/kb/entries/hrss-flexible-pension",
        HRSS,
        None,
        Vec::new(),
    );
    assert_eq!(status, 200);

    // The id stays with market supervision, even retired; once the bureau gives its entry
    // another id, the file is imported at the next start.
    assert!(setup.daemon.terminate().success());
    std::fs::write(
        &file,
        format!(
            "{HRSS_FILE}{}",
            HRSS_ADDED.replace("hrss-lost-card", "hrss-card-lost")
        ),
    )
    .unwrap();
    setup.daemon = Daemon::start(BIN, &setup.config, &setup.sandbox.data_dir());
    let (status, entry) = raw(
        &setup.daemon,
        "GET",
        "/api/v1/kb/entries/hrss-card-lost",
        HRSS,
        None,
        Vec::new(),
    );
    assert_eq!(status, 200, "{entry}");
    assert!(entry.contains("当场制卡"), "{entry}");
}

#[test]
fn a_retired_entry_id_stays_with_its_unit() {
    let setup = start();
    let daemon = &setup.daemon;
    let path = "/api/v1/kb/entries/hrss-flexible-pension";
    let (status, text) = raw(daemon, "DELETE", path, HRSS, None, Vec::new());
    assert_eq!(status, 200, "{text}");

    // Another unit may not take the retired id, nor read its history.
    let body = serde_json::to_vec(&entry_body("灵活就业人员怎么缴纳养老保险", None)).unwrap();
    let (status, text) = raw(daemon, "PUT", path, MARKET, Some("application/json"), body);
    assert_eq!(status, 403, "{text}");
    let history = format!("{path}/history");
    assert_eq!(
        raw(daemon, "GET", &history, MARKET, None, Vec::new()).0,
        403
    );

    // Its own unit still reads the history, and may bring the entry back.
    let (status, text) = raw(daemon, "GET", &history, HRSS, None, Vec::new());
    assert_eq!(status, 200, "{text}");
    let body = serde_json::to_vec(&entry_body("灵活就业人员怎么缴纳养老保险", None)).unwrap();
    let (status, text) = raw(daemon, "PUT", path, HRSS, Some("application/json"), body);
    assert_eq!(status, 201, "{text}");
}
