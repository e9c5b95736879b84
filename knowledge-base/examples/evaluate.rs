//! Retrieval evaluation over the example set.
//!
//! `cargo run --release -p knowledge-base --example evaluate`
//!
//! Indexes `examples/wencheng/knowledge/` (each entry's question is a real message's title,
//! its answer the department's reply) in a temporary directory, then queries it with texts
//! that were never indexed and whose right entry is known:
//!
//! - `body`: the body of each replied message, the citizen's own account of the matter whose
//!   title became the entry's question;
//! - `hot-topics`: bodies of messages in `hot-topics.jsonl` whose title repeats the title of a
//!   replied message but whose body is a different text.
//!
//! - `paraphrase`: the questions of `tests/paraphrases.tsv`, entries of the example set asked
//!   in other words by hand;
//! - `body+noise` and `paraphrase+noise`: both sets again, after the replied messages left
//!   out of the example set (no owner this county has, or a reply that only forwards the
//!   message) are added as distractor entries, 1,408 entries in all.
//!
//! The `body` set is easier than real consultations: a body repeats the rare names (roads,
//! estates, companies) of its own title and reply. The paraphrase set is small but closer to
//! how a caller asks.
//!
//! It prints, per set, the share where the right entry ranks first and in the top three,
//! without a routing topic and with the reply's own category as the topic (an upper bound on
//! what the routing topic adds), then the answered share and precision of direct answers at a
//! few thresholds. Message texts are personal data: only counts and shares are printed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use gateway_core::UnitId;
use knowledge_base::{Entry, KnowledgeBase};
use serde_json::Value;

struct Query {
    text: String,
    expected: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir()?;
    let mut kb = KnowledgeBase::open(dir.path())?;

    // The example set, one file per owner unit.
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("examples/wencheng/knowledge"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md" || x == "csv"))
        .collect();
    files.sort();
    for file in &files {
        let unit = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        kb.import_file(&UnitId::new(unit), file)?;
    }
    println!("indexed {} entries from {} files", kb.len(), files.len());

    // Held-back queries: bodies of the replied messages, and other messages on the same title.
    let replied = read_jsonl(&root.join("fixtures/appeals/replied-dev.jsonl"))?;
    let mut by_title: HashMap<String, (String, String)> = HashMap::new();
    let mut bodies = Vec::new();
    for row in &replied {
        let id = entry_id(text(row, "id"));
        if kb.get(&id).is_none() {
            continue;
        }
        by_title.insert(
            text(row, "title").trim().to_string(),
            (id.clone(), text(row, "body").to_string()),
        );
        bodies.push(Query {
            text: text(row, "body").to_string(),
            expected: id,
        });
    }
    let mut hot = Vec::new();
    for row in read_jsonl(&root.join("fixtures/appeals/hot-topics.jsonl"))? {
        if let Some((id, body)) = by_title.get(text(&row, "title").trim())
            && text(&row, "body").trim() != body.trim()
        {
            hot.push(Query {
                text: text(&row, "body").to_string(),
                expected: id.clone(),
            });
        }
    }

    let paraphrase_file = root.join("knowledge-base/tests/paraphrases.tsv");
    let paraphrases: Vec<Query> = std::fs::read_to_string(paraphrase_file)?
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(text, id)| Query {
            text: text.to_string(),
            expected: id.to_string(),
        })
        .collect();

    // Rank of the right entry, without and with the topic.
    for (name, queries) in [
        ("body", &bodies),
        ("hot-topics", &hot),
        ("paraphrase", &paraphrases),
    ] {
        report(&kb, name, queries)?;
    }

    // Direct answers by threshold, before the distractors are added.
    thresholds(&kb, &bodies, "body")?;
    thresholds(&kb, &paraphrases, "paraphrase")?;

    // The same queries among the replies this county has no owner for.
    let mut noise = Vec::new();
    for row in &replied {
        let id = entry_id(text(row, "id"));
        let answer = text(row, "reply");
        if kb.get(&id).is_some() || text(row, "title").trim().is_empty() || answer.trim().is_empty()
        {
            continue;
        }
        noise.push(Entry {
            id,
            question: text(row, "title").trim().to_string(),
            answer: answer.to_string(),
            phrasings: Vec::new(),
            owner: UnitId::coordination(),
            topic: Vec::new(),
            source: String::new(),
            valid_from: NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default(),
            review_by: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap_or_default(),
        });
    }
    kb.upsert_many(&UnitId::coordination(), noise)?;
    println!("added distractors: {} entries in all", kb.len());
    report(&kb, "body+noise", &bodies)?;
    report(&kb, "paraphrase+noise", &paraphrases)?;
    Ok(())
}

/// Prints the top-1 and top-3 shares of a query set, without and with the entry's topic.
fn report(
    kb: &KnowledgeBase,
    name: &str,
    queries: &[Query],
) -> Result<(), Box<dyn std::error::Error>> {
    for with_topic in [false, true] {
        let mut first = 0;
        let mut top3 = 0;
        for query in queries {
            let topic = if with_topic {
                kb.get(&query.expected)
                    .map(|e| e.topic.clone())
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            let hits = kb.search(&query.text, &topic, 3)?;
            let rank = hits.iter().position(|h| h.entry_id == query.expected);
            first += usize::from(rank == Some(0));
            top3 += usize::from(rank.is_some());
        }
        println!(
            "{name:<17} topic={:<5} queries={:<4} top1={:.3} top3={:.3}",
            with_topic,
            queries.len(),
            share(first, queries.len()),
            share(top3, queries.len()),
        );
    }
    Ok(())
}

/// Prints, per threshold, the share of queries answered directly and the share of those
/// answered with the right entry.
fn thresholds(
    kb: &KnowledgeBase,
    queries: &[Query],
    name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    println!("threshold  answered  precision   ({name} set, no topic)");
    let mut best: Vec<(f32, bool)> = Vec::new();
    for query in queries {
        if let Some(hit) = kb.search(&query.text, &[], 1)?.first() {
            best.push((hit.score, hit.entry_id == query.expected));
        }
    }
    for threshold in [0.1f32, 0.2, 0.3, 0.4, 0.5, 0.6] {
        let answered: Vec<bool> = best
            .iter()
            .filter(|(s, _)| *s >= threshold)
            .map(|(_, ok)| *ok)
            .collect();
        let right = answered.iter().filter(|ok| **ok).count();
        println!(
            "{threshold:<10.2} {:<9.3} {:.3}",
            share(answered.len(), queries.len()),
            share(right, answered.len())
        );
    }
    Ok(())
}

fn read_jsonl(path: &Path) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut rows = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        rows.push(serde_json::from_str(line)?);
    }
    Ok(rows)
}

fn text<'a>(row: &'a Value, key: &str) -> &'a str {
    row.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The entry id the example-set script gives a message: `teddycup2020c/附件4-2549` is `m4-2549`.
fn entry_id(message_id: &str) -> String {
    let tail = message_id.rsplit("附件").next().unwrap_or(message_id);
    format!("m{tail}")
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}
