//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use chrono::NaiveDate;
use gateway_core::UnitId;
use knowledge_base::{Entry, KnowledgeBase};

pub const HRSS: &str = "human-resources-social-security";
pub const TRANSPORT: &str = "transport";

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

pub fn unit(id: &str) -> UnitId {
    UnitId::new(id)
}

/// An entry valid through 2026 and 2027.
pub fn entry(id: &str, owner: &str, question: &str, answer: &str, topic: &[&str]) -> Entry {
    Entry {
        id: id.to_string(),
        question: question.to_string(),
        answer: answer.to_string(),
        phrasings: Vec::new(),
        owner: UnitId::new(owner),
        topic: topic.iter().map(|t| t.to_string()).collect(),
        source: "《测试政策》".to_string(),
        valid_from: day(2026, 1, 1),
        review_by: day(2027, 12, 31),
    }
}

/// The folder of the example set in this repository.
pub fn example_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/wencheng/knowledge")
}

/// A knowledge base holding the whole example set, each file imported by its own unit.
pub fn example_kb(dir: &std::path::Path) -> KnowledgeBase {
    let mut kb = KnowledgeBase::open(dir).expect("open the knowledge base");
    let mut files: Vec<PathBuf> = std::fs::read_dir(example_dir())
        .expect("the example set folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md" || x == "csv"))
        .collect();
    files.sort();
    assert!(files.len() > 5, "the example set has its unit files");
    for file in files {
        let owner = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a file name")
            .to_string();
        kb.import_file(&UnitId::new(owner), &file)
            .unwrap_or_else(|e| panic!("{} imports: {e}", file.display()));
    }
    kb
}
