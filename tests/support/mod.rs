//! Helpers for the end-to-end tests: start the real daemon binary on loopback with a config
//! of the test's making, wait for `/readyz`, stop it (SIGKILL on drop), and a loopback HTTP
//! receiver that stands in for an emergency service.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// The test credentials the generated configs use.
pub mod creds {
    /// The CTI path token.
    pub const CTI_TOKEN: &str = "e2e-cti-token-0123456789";
    /// The reader API token.
    pub const READER_TOKEN: &str = "e2e-reader-token-0123456789";
    /// The admin API token.
    pub const ADMIN_TOKEN: &str = "e2e-admin-token-0123456789";
    /// The Twilio auth token.
    pub const TWILIO_TOKEN: &str = "0123456789abcdef0123456789abcdef";
    /// The WeChat token.
    pub const WECHAT_TOKEN: &str = "hotline12345";
    /// The WeChat EncodingAESKey.
    pub const WECHAT_KEY: &str = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";
    /// The WeChat AppID.
    pub const WECHAT_APP_ID: &str = "wx1234567890abcdef";
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The storage backends the tests run on: redb always, sled with the `sled` feature.
pub fn backends() -> Vec<&'static str> {
    let mut backends = vec!["redb"];
    if cfg!(feature = "sled") {
        backends.push("sled");
    }
    backends
}

/// A config with every channel on, for a daemon on an ephemeral loopback port.
///
/// `rules_entry` is the rule set's entry file (the embedded county when `None`); `extra` is
/// appended as is (more sections, such as `[emergency.endpoints.119]`).
pub fn config_text(backend: &str, rules_entry: Option<&Path>, extra: &str) -> String {
    use creds::*;
    let rules = match rules_entry {
        Some(entry) => format!(
            "[rules]\nentry = {:?}\nwatch = true\ndebounce_millis = 100\n",
            entry.display().to_string()
        ),
        None => String::new(),
    };
    format!(
        r#"listen = "127.0.0.1:0"
max_body_bytes = 65536
shutdown_grace_seconds = 5

[store]
type = "{backend}"

{rules}
[[api.tokens]]
name = "reader"
token = "{READER_TOKEN}"
role = "reader"

[[api.tokens]]
name = "admin"
token = "{ADMIN_TOKEN}"
role = "admin"

[channels.cti]
token = "{CTI_TOKEN}"

[channels.sms.accounts.aliyun]
type = "aliyun"

[channels.sms.accounts.tencent]
type = "tencent"

[channels.sms.accounts.twilio]
type = "twilio"
auth_token = "{TWILIO_TOKEN}"
reply_template = "已受理，工单号 {{case_number}}"

[channels.wechat.accounts.wencheng]
token = "{WECHAT_TOKEN}"
app_id = "{WECHAT_APP_ID}"
encoding_aes_key = "{WECHAT_KEY}"
encryption_mode = "safe"

[channels.web_form]
require_contact = false
max_file_bytes = 32768

[logging]
format = "json"
level = "info"

{extra}
"#
    )
}

/// A running daemon; killed with SIGKILL when dropped.
pub struct Daemon {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    logs: Arc<Mutex<String>>,
}

impl Daemon {
    /// Starts `binary serve --config CONFIG --data-dir DATA` and waits until `/readyz`
    /// answers 200 (at most 30 s).
    pub fn start(binary: &str, config: &Path, data_dir: &Path) -> Daemon {
        Self::start_with_env(binary, config, data_dir, &[])
    }

    /// [`Daemon::start`] with extra environment variables.
    pub fn start_with_env(
        binary: &str,
        config: &Path,
        data_dir: &Path,
        env: &[(&str, &str)],
    ) -> Daemon {
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(data_dir)
            .env_remove("RUST_LOG")
            .env_remove("GATEWAY_ADMIN_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
        let logs = Arc::new(Mutex::new(String::new()));
        if let Some(stderr) = child.stderr.take() {
            let logs = Arc::clone(&logs);
            thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let mut logs = logs.lock().unwrap_or_else(|p| p.into_inner());
                    logs.push_str(&line);
                    logs.push('\n');
                }
            });
        }
        let (tx, rx) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(address) = line.strip_prefix("listening on ") {
                        let _ = tx.send(address.trim().to_string());
                    }
                }
            });
        }
        let mut daemon = Daemon {
            child: Some(child),
            base: String::new(),
            logs,
        };
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(base) => daemon.base = base,
            Err(_) => panic!(
                "the daemon did not say where it listens within 30 s; its log:\n{}",
                daemon.logs()
            ),
        }
        daemon.wait_ready();
        daemon
    }

    fn wait_ready(&mut self) {
        let client = client();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = client.get(self.url("/readyz")).send()
                && response.status().as_u16() == 200
            {
                return;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("the daemon exited with {status}; its log:\n{}", self.logs());
            }
            assert!(
                Instant::now() < deadline,
                "the daemon was not ready within 30 s; its log:\n{}",
                self.logs()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// A URL on the daemon.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Everything the daemon logged so far.
    pub fn logs(&self) -> String {
        self.logs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Kills the daemon with SIGKILL and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends a signal by name (`TERM`, `HUP`) with the system's `kill`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("the kill command runs");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Sends SIGTERM and waits (at most 20 s) for the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        self.signal("TERM");
        let mut child = self.child.take().expect("the daemon is running");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the daemon did not stop within 20 s of SIGTERM");
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A blocking HTTP client with short timeouts.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("the http client builds")
}

/// A loopback HTTP server standing in for an emergency service: it answers 503 to the first
/// `failures` requests and 200 afterwards, and keeps every body it received.
pub struct Receiver {
    /// `http://127.0.0.1:PORT/handoff`.
    pub url: String,
    requests: Arc<AtomicUsize>,
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Receiver {
    /// Starts the receiver on an ephemeral port.
    pub fn start(failures: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        let url = format!(
            "http://{}/handoff",
            listener.local_addr().expect("receiver address")
        );
        let requests = Arc::new(AtomicUsize::new(0));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let (counter, kept) = (Arc::clone(&requests), Arc::clone(&bodies));
        thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let seen = counter.fetch_add(1, Ordering::SeqCst);
                let status = if seen < failures {
                    "503 Service Unavailable"
                } else {
                    "200 OK"
                };
                if let Some(body) = read_request(&stream)
                    && seen >= failures
                    && let Ok(value) = serde_json::from_slice(&body)
                {
                    kept.lock().unwrap_or_else(|p| p.into_inner()).push(value);
                }
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            }
        });
        Receiver {
            url,
            requests,
            bodies,
        }
    }

    /// How many requests arrived.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The bodies of the accepted requests.
    pub fn accepted(&self) -> Vec<serde_json::Value> {
        self.bodies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Reads one HTTP/1.1 request with a `content-length` body; returns the body.
fn read_request(stream: &TcpStream) -> Option<Vec<u8>> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(body)
}

/// Waits (at most `timeout`) until `check` is true; returns whether it became true.
pub fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        thread::sleep(Duration::from_millis(50));
    }
    check()
}

/// Copies a folder tree (for a rule set the test edits).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy's folder");
    for entry in std::fs::read_dir(from).expect("read the folder") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// Runs the WeChat peer (wechatpy) from the adapters' tests: `mode` is `encrypt` or
/// `decrypt`.
pub fn wechat_peer(mode: &str, request: &serde_json::Value) -> serde_json::Value {
    run_peer(
        "wechat_peer.py",
        &[mode],
        request,
        "pip install wechatpy==1.8.18 cryptography",
    )
}

/// Runs the Twilio peer (the `twilio` package's `RequestValidator`) from the adapters' tests.
pub fn twilio_peer(request: &serde_json::Value) -> serde_json::Value {
    run_peer("twilio_peer.py", &[], request, "pip install twilio==9.13.0")
}

/// Runs a Python peer of `channel-adapters/tests/peers/` with a JSON request on stdin.
///
/// Panics, naming the pip command, when the peer's package is missing: a cross-check that
/// silently did not run would prove nothing.
fn run_peer(
    script: &str,
    args: &[&str],
    request: &serde_json::Value,
    install: &str,
) -> serde_json::Value {
    let script = repo_root()
        .join("channel-adapters/tests/peers")
        .join(script);
    let mut child = Command::new("python3")
        .arg(&script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start python3: {e}; install python 3"));
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(request.to_string().as_bytes())
        .expect("the peer reads its request");
    let output = child.wait_with_output().expect("the peer finishes");
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => serde_json::from_slice(&output.stdout).expect("the peer writes json"),
        Some(3) => panic!(
            "the peer {} cannot run: {stderr}; {install}",
            script.display()
        ),
        _ => panic!("the peer {} refused: {stderr}", script.display()),
    }
}

/// A temporary folder for one daemon: its config file and data dir.
pub struct Sandbox {
    /// The folder; removed when dropped.
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    /// A new, empty sandbox.
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("a temp dir"),
        }
    }

    /// Writes the config file and returns its path.
    pub fn config(&self, text: &str) -> PathBuf {
        let path = self.dir.path().join("gateway.toml");
        std::fs::write(&path, text).expect("write the config");
        path
    }

    /// The data dir.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

/// One API call with a bearer token: `GET` without a body, anything else `POST` with the
/// JSON body. Returns the status and the JSON answer (`null` when it is not JSON).
pub fn api(
    daemon: &Daemon,
    method: &str,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let request = match method {
        "GET" => client().get(daemon.url(path)),
        _ => client().post(daemon.url(path)).json(&body),
    };
    let response = request
        .bearer_auth(token)
        .send()
        .expect("the daemon answers");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(serde_json::Value::Null))
}

/// How many appeals the daemon has stored (up to 1,000), read with the reader token.
pub fn count_appeals(daemon: &Daemon) -> usize {
    let (status, page) = api(
        daemon,
        "GET",
        "/api/v1/appeals?limit=1000",
        creds::READER_TOKEN,
        serde_json::Value::Null,
    );
    assert_eq!(status, 200, "{page}");
    page["appeals"].as_array().map_or(0, Vec::len)
}

/// Sends an SMS through the daemon's Twilio webhook, as Twilio would: the form fields signed
/// over the URL by the `twilio` package itself (an implementation that shares no code with
/// the daemon's). Returns the TwiML the daemon answered with.
pub fn twilio_sms(daemon: &Daemon, message_sid: &str, from: &str, body: &str) -> String {
    let url = daemon.url("/channels/sms/twilio");
    let params = vec![
        ("MessageSid".to_string(), message_sid.to_string()),
        (
            "AccountSid".to_string(),
            "AC0123456789abcdef0123456789abcdef".to_string(),
        ),
        ("From".to_string(), from.to_string()),
        ("To".to_string(), "+15005550006".to_string()),
        ("Body".to_string(), body.to_string()),
        ("NumMedia".to_string(), "0".to_string()),
    ];
    let signed = twilio_peer(
        &serde_json::json!({"auth_token": creds::TWILIO_TOKEN, "url": url, "params": params}),
    );
    let response = client()
        .post(&url)
        .header(
            "x-twilio-signature",
            signed["twilio"].as_str().expect("the peer signs"),
        )
        .form(&params)
        .send()
        .expect("the daemon answers");
    assert_eq!(response.status(), 200, "the signed SMS is taken");
    response.text().expect("the TwiML")
}

/// The lead unit acknowledges (签收) a case and resolves (办结) it with `result`; both steps
/// must be accepted.
pub fn resolve_case(daemon: &Daemon, case_number: &str, token: &str, result: &str) {
    let path = format!("/api/v1/cases/{case_number}");
    let (status, body) = api(
        daemon,
        "POST",
        &format!("{path}/acknowledge"),
        token,
        serde_json::json!({}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = api(
        daemon,
        "POST",
        &format!("{path}/resolve"),
        token,
        serde_json::json!({"result": result, "citizen_informed_by": "phone"}),
    );
    assert_eq!(status, 200, "{body}");
}

/// A case's state as `token` reads it (`dispatched`, `resolved`, `closed`, ...).
pub fn case_state(daemon: &Daemon, case_number: &str, token: &str) -> String {
    let (status, case) = api(
        daemon,
        "GET",
        &format!("/api/v1/cases/{case_number}"),
        token,
        serde_json::Value::Null,
    );
    assert_eq!(status, 200, "{case}");
    case["state"].as_str().unwrap_or_default().to_string()
}

/// `GET /api/v1/cases/{case_number}/follow-up` with `token`: the status and the answer.
pub fn follow_up(daemon: &Daemon, case_number: &str, token: &str) -> (u16, serde_json::Value) {
    api(
        daemon,
        "GET",
        &format!("/api/v1/cases/{case_number}/follow-up"),
        token,
        serde_json::Value::Null,
    )
}
