//! The knowledge base comes back after a restart, index included, and repairs what a crash
//! leaves behind.

mod common;

use std::io::Write;

use common::{HRSS, TRANSPORT, entry, unit};
use knowledge_base::{KbError, KnowledgeBase};

fn seeded(dir: &std::path::Path) {
    let mut kb = KnowledgeBase::open(dir).expect("open");
    kb.upsert_many(
        &unit(HRSS),
        vec![
            entry(
                "hrss-1",
                HRSS,
                "灵活就业人员怎样参加养老保险",
                "到社保窗口登记。",
                &["劳动和社会保障"],
            ),
            entry(
                "hrss-2",
                HRSS,
                "失业保险金怎么申领",
                "在浙里办申领。",
                &["劳动和社会保障"],
            ),
        ],
    )
    .expect("seed hrss");
    kb.upsert(
        &unit(TRANSPORT),
        entry(
            "tr-1",
            TRANSPORT,
            "老年人公交卡怎么办理",
            "带身份证到营业厅。",
            &["交通运输"],
        ),
    )
    .expect("seed transport");
    kb.retire(&unit(HRSS), "hrss-2").expect("retire");
}

#[test]
fn reopening_keeps_entries_history_and_index() {
    let dir = tempfile::tempdir().expect("temp dir");
    seeded(dir.path());

    let kb = KnowledgeBase::open(dir.path()).expect("reopen");
    assert_eq!(kb.len(), 2);
    assert_eq!(kb.changes().len(), 4);
    assert!(kb.get("hrss-2").is_none());
    let hits = kb.search("老年公交卡在哪里办", &[], 3).expect("search");
    assert_eq!(hits.first().map(|h| h.entry_id.as_str()), Some("tr-1"));
    assert!(
        kb.search("失业保险金", &[], 3)
            .expect("search")
            .iter()
            .all(|h| h.entry_id != "hrss-2")
    );
    let ids: Vec<String> = kb
        .search("养老保险", &[], 3)
        .expect("search")
        .into_iter()
        .map(|h| h.entry_id)
        .collect();
    assert_eq!(ids, vec!["hrss-1"]);
}

#[test]
fn writes_go_on_after_reopening() {
    let dir = tempfile::tempdir().expect("temp dir");
    seeded(dir.path());
    let mut kb = KnowledgeBase::open(dir.path()).expect("reopen");
    kb.upsert(
        &unit(HRSS),
        entry(
            "hrss-3",
            HRSS,
            "医保卡丢了怎么补办",
            "到医保窗口补办。",
            &[],
        ),
    )
    .expect("write after reopen");
    assert_eq!(kb.changes().last().map(|c| c.seq), Some(5));
    drop(kb);
    let kb = KnowledgeBase::open(dir.path()).expect("reopen again");
    assert_eq!(kb.len(), 3);
    assert_eq!(
        kb.search("医保卡补办", &[], 1).expect("search")[0].entry_id,
        "hrss-3"
    );
}

#[test]
fn a_lost_index_is_rebuilt_from_the_history() {
    let dir = tempfile::tempdir().expect("temp dir");
    seeded(dir.path());
    std::fs::remove_dir_all(dir.path().join("index")).expect("remove the index");

    let kb = KnowledgeBase::open(dir.path()).expect("reopen");
    assert_eq!(
        kb.search("公交卡", &[], 1).expect("search")[0].entry_id,
        "tr-1"
    );
}

#[test]
fn an_index_behind_the_history_is_rebuilt() {
    // A crash after the history append and before the index commit: simulated by
    // appending a change by hand.
    let dir = tempfile::tempdir().expect("temp dir");
    seeded(dir.path());
    let mut change = KnowledgeBase::open(dir.path()).expect("open").changes()[0].clone();
    change.seq = 5;
    let mut lost = entry(
        "hrss-9",
        HRSS,
        "社保卡密码忘了怎么办",
        "带身份证到银行网点重置。",
        &[],
    );
    lost.answer.push_str("也可在浙里办重置。");
    change.entry = Some(lost);
    change.entry_id = "hrss-9".into();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("history.jsonl"))
        .expect("history");
    writeln!(file, "{}", serde_json::to_string(&change).expect("json")).expect("append");
    drop(file);

    let kb = KnowledgeBase::open(dir.path()).expect("reopen");
    assert_eq!(
        kb.search("社保卡密码忘了", &[], 1).expect("search")[0].entry_id,
        "hrss-9"
    );
}

#[test]
fn an_unfinished_last_line_is_cut_and_a_damaged_one_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    seeded(dir.path());
    let path = dir.path().join("history.jsonl");

    // A torn append: the change was never acknowledged, so it is dropped.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("history");
    file.write_all(b"{\"seq\":5,\"at\":\"2026-")
        .expect("torn write");
    drop(file);
    let mut kb = KnowledgeBase::open(dir.path()).expect("reopen after a torn line");
    assert_eq!(kb.changes().len(), 4);
    kb.upsert(
        &unit(HRSS),
        entry("hrss-4", HRSS, "生育津贴怎么领", "单位代为申领。", &[]),
    )
    .expect("write");
    drop(kb);
    assert_eq!(
        KnowledgeBase::open(dir.path())
            .expect("reopen")
            .changes()
            .len(),
        5
    );

    // A damaged line in the middle is not guessed at.
    let text = std::fs::read_to_string(&path).expect("read");
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "{not json}";
    std::fs::write(&path, lines.join("\n") + "\n").expect("damage");
    match KnowledgeBase::open(dir.path()) {
        Err(KbError::CorruptHistory { line, .. }) => assert_eq!(line, 2),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("a damaged history was accepted"),
    }
}
