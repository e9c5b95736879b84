//! Helpers shared by the webhook adapter tests: fixtures, peers, signed requests.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use channel_adapters::wechat::crypto::signature;
use channel_adapters::{IntakeOutcome, Method, WebhookRequest};
use gateway_core::{AppealId, EmergencyService};

/// The repository's fixtures folder.
pub(crate) fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The folder of the Python peers.
pub(crate) fn peers() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers")
}

/// Runs a Python peer with a JSON request on stdin and returns its JSON answer.
///
/// Fails the test, with the install command, when the peer's package is missing: a
/// cross-check that silently did not run would prove nothing.
pub(crate) fn run_peer(
    script: &str,
    args: &[&str],
    request: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let path = peers().join(script);
    let mut child = Command::new("python3")
        .arg(&path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start python3 for {}: {e}; install python 3",
                path.display()
            )
        });
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(request.to_string().as_bytes())
        .expect("peer reads its request");
    let output = child.wait_with_output().expect("peer finishes");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    match output.status.code() {
        Some(0) => Ok(serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "peer {script} wrote no json ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })),
        Some(3) => panic!("the independent peer {script} cannot run: {stderr}"),
        _ => Err(stderr),
    }
}

/// An outcome as the daemon would give it.
pub(crate) fn outcome(case_number: &str, emergency: Option<EmergencyService>) -> IntakeOutcome {
    IntakeOutcome {
        appeal_id: AppealId::from_string("01JTEST0000000000000000000"),
        case_number: case_number.to_string(),
        emergency,
        reply: None,
    }
}

/// A WeChat push signed as the platform signs it (plain `signature`, and `msg_signature`
/// over `encrypt` when given).
pub(crate) fn wechat_push(
    token: &str,
    timestamp: &str,
    nonce: &str,
    body: &str,
    encrypt: Option<&str>,
) -> WebhookRequest {
    let sig = signature(&[token, timestamp, nonce]);
    let mut url = format!(
        "http://127.0.0.1/wechat?signature={sig}&timestamp={timestamp}&nonce={nonce}&openid=oX"
    );
    if let Some(encrypt) = encrypt {
        let msg_sig = signature(&[token, timestamp, nonce, encrypt]);
        url.push_str(&format!("&encrypt_type=aes&msg_signature={msg_sig}"));
    }
    WebhookRequest::new(Method::Post, url, body.as_bytes().to_vec())
        .with_header("Content-Type", "text/xml")
}
