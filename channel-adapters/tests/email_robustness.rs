//! No input may panic the email parser: random bytes, every fixture cut short at many points,
//! and fixtures with bytes flipped all still produce a result.
//!
//! Run: `cargo test -p channel-adapters --test email_robustness`.

use std::path::PathBuf;

use channel_adapters::email::{NoSentMessages, intake_email, parse_email, to_appeal};
use proptest::prelude::*;

fn fixtures() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/email");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures/email exists")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().and_then(|e| e.to_str()) == Some("eml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("fixture"))
        .collect()
}

/// Everything the daemon would do with the bytes, checked for the invariants that matter.
fn take_in(raw: &[u8]) {
    let parsed = parse_email(raw);
    let appeal = to_appeal(raw, parsed).appeal;
    assert_eq!(appeal.raw.and_then(|r| r.bytes()).as_deref(), Some(raw));
    assert!(!appeal.channel_message_id.is_empty());
    let _ = intake_email(raw, &NoSentMessages);
}

#[test]
fn truncated_fixtures_do_not_panic() {
    for raw in fixtures() {
        let step = (raw.len() / 40).max(1);
        for cut in (0..raw.len()).step_by(step) {
            take_in(&raw[..cut]);
        }
    }
}

#[test]
fn empty_and_headerless_input_still_becomes_a_record() {
    for raw in [
        &b""[..],
        b"\r\n\r\n",
        b"just text, no headers",
        &[0xff, 0xfe, 0x00, 0x81][..],
    ] {
        take_in(raw);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_do_not_panic(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        take_in(&raw);
    }

    #[test]
    fn header_like_noise_does_not_panic(
        subject in "(=\\?[a-zA-Z0-9_*-]{0,8}\\?[bBqQ中]?\\?[A-Za-z0-9+/=_?中]{0,12}\\?=[ \\t\\r\\n]{0,3}){0,6}",
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let mut raw = format!("Subject: {subject}\r\nFrom: {subject}\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n").into_bytes();
        raw.extend_from_slice(&body);
        take_in(&raw);
    }

    #[test]
    fn fixtures_with_flipped_bytes_do_not_panic(index in 0usize..70, flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        let all = fixtures();
        let mut raw = all[index % all.len()].clone();
        for (at, byte) in flips {
            let i = at.index(raw.len());
            raw[i] = byte;
        }
        take_in(&raw);
    }
}
