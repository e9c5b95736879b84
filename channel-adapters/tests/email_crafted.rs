//! Hand-made samples of the charset faults real Chinese mail has (PROTOCOLS §7.3), each in
//! `tests/email/crafted/`. For each the test states the true text, checks that we decode it
//! and flag what was wrong, and checks that Python's `email` package (its output is in
//! `tests/email/expected-crafted.json`) differs, saying how.
//!
//! Run: `cargo test -p channel-adapters --test email_crafted`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use channel_adapters::email::{EmailOutcome, NoSentMessages, intake_email, parse_email};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Python {
    subject: Option<String>,
    body: Option<String>,
}

/// One sample: file, true subject, true body, sender name, the flag we must raise (field and
/// a word of its problem), and how Python goes wrong.
struct Case {
    file: &'static str,
    subject: &'static str,
    body: &'static str,
    sender_name: Option<&'static str>,
    flag: (&'static str, &'static str),
    python_wrong: &'static str,
}

const CASES: &[Case] = &[
    Case {
        file: "split_encoded_word.eml",
        subject: "路灯不亮了",
        body: "路灯不亮了。",
        sender_name: None,
        flag: ("", ""),
        python_wrong: "the subject: policy.default decodes each encoded word alone, so the \
                       character 不 cut between two words becomes U+FFFD and mojibake",
    },
    Case {
        file: "raw_gbk_header.eml",
        subject: "噪音扰民，请处理",
        body: "楼下工地夜间施工。",
        sender_name: None,
        flag: ("Subject", "gb18030"),
        python_wrong: "the subject: raw 8-bit GBK in a header is read as undecodable bytes",
    },
    Case {
        file: "utf8_under_gbk_label.eml",
        subject: "关于路灯",
        body: "在 2026年12月3日 写道：我家门口的路灯坏了。",
        sender_name: None,
        flag: ("text/plain", "utf-8"),
        python_wrong: "the body: the gbk label is believed and UTF-8 text turns into 鍦…鍐欓亾 mojibake",
    },
    Case {
        file: "gbk_only_chars_gb2312_label.eml",
        subject: "朱镕基路",
        body: "张堃反映：𠮷家巷积水。",
        sender_name: Some("王喆"),
        flag: ("text/plain", "beyond gb2312"),
        python_wrong: "subject, body and sender: Python's gb2312 codec is strict and loses \
                       镕, 喆, 堃 and the four-byte 𠮷",
    },
];

fn crafted(file: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/email/crafted")
        .join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn python() -> BTreeMap<String, Python> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/email/expected-crafted.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("expected-crafted.json"))
        .expect("valid json")
}

#[test]
fn crafted_charset_faults_decode_to_the_true_text() {
    let python = python();
    assert_eq!(
        python.len(),
        CASES.len(),
        "every crafted sample has a python decoding"
    );
    for case in CASES {
        let raw = crafted(case.file);
        let parsed = parse_email(&raw);
        assert_eq!(
            parsed.subject.as_deref(),
            Some(case.subject),
            "{}: subject",
            case.file
        );
        assert_eq!(parsed.text.trim_end(), case.body, "{}: body", case.file);
        if let Some(name) = case.sender_name {
            let from = parsed.from.as_ref().and_then(|f| f.name.as_deref());
            assert_eq!(from, Some(name), "{}: sender", case.file);
        }
        let (field, word) = case.flag;
        if !field.is_empty() {
            assert!(
                parsed
                    .flags
                    .iter()
                    .any(|f| f.field == field && f.problem.contains(word)),
                "{}: expected a {field} flag mentioning {word:?}, got {:?}",
                case.file,
                parsed.flags
            );
        }

        // Python's reading differs, in the way the case says.
        let theirs = &python[case.file];
        let python_matches = theirs.subject.as_deref() == Some(case.subject)
            && theirs.body.as_deref().map(str::trim_end) == Some(case.body);
        assert!(
            !python_matches,
            "{}: python now decodes it right; the note \"{}\" is stale",
            case.file, case.python_wrong
        );
        println!("{}: python is wrong about {}", case.file, case.python_wrong);

        // And each becomes an appeal with its original kept.
        match intake_email(&raw, &NoSentMessages) {
            EmailOutcome::NewAppeal(new) => {
                assert_eq!(new.appeal.title.as_deref(), Some(case.subject));
                assert_eq!(new.appeal.raw.and_then(|r| r.bytes()), Some(raw.clone()));
            }
            other => panic!("{}: not a new appeal: {other:?}", case.file),
        }
    }
}
