//! `gateway route` as a user runs it: one output line per input line, in order, whatever
//! the input lines hold.

use std::io::Write;
use std::process::{Command, Stdio};

fn route(input: &[u8]) -> (i32, Vec<serde_json::Value>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .arg("route")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the gateway binary starts");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    let lines = String::from_utf8(output.stdout)
        .expect("output is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect();
    (
        output.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn every_input_line_gets_its_output_line_in_order() {
    let mut input = Vec::new();
    input.extend_from_slice(
        "\u{feff}{\"id\":\"bom\",\"body\":\"楼道里着火了，烟很大\"}\n".as_bytes(),
    );
    input.extend_from_slice(b"   \n");
    input.extend_from_slice(b"{\"id\":\"bad\",\"body\":\"\xff\xfe\"}\n");
    input.extend_from_slice("{\"id\":\"ok\",\"body\":\"公司拖欠工资三个月了\"}\n".as_bytes());
    let (status, lines, stderr) = route(&input);

    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(
        lines[0]["id"], "bom",
        "a byte order mark on the first line is skipped"
    );
    assert_eq!(lines[0]["emergency"]["service"], "119");
    assert!(
        lines[1]["error"].as_str().unwrap().contains("empty line"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2]["error"].as_str().unwrap().contains("UTF-8"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3]["id"], "ok");
    assert_eq!(lines[3]["lead_unit"], "human-resources-social-security");
    assert!(
        stderr.contains("line 2:") && stderr.contains("line 3:"),
        "{stderr}"
    );
    assert_eq!(status, 1, "a failed line makes the run fail at the end");
}

#[test]
fn a_long_text_full_of_matches_does_not_hang_the_run() {
    // Many matches in one sentence once took time quadratic in their number.
    let body = "着火了".repeat(30_000) + &"玉壶镇".repeat(10_000);
    let line = serde_json::json!({"id": "long", "body": body}).to_string() + "\n";
    let started = std::time::Instant::now();
    let (status, lines, _) = route(line.as_bytes());
    assert_eq!(status, 0);
    assert_eq!(lines[0]["id"], "long");
    // A bound generous enough for a loaded debug build; the quadratic path took minutes.
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
}
