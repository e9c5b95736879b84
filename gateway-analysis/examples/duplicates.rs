//! Run with: `cargo run -p gateway-analysis --example duplicates [-- --print N]`
//!
//! Replays the 4,326 real messages of `fixtures/appeals/hot-topics.jsonl` in the order they
//! were sent through a duplicate index with the default settings, and prints how many
//! duplicate groups it found, their sizes and citizens. With `--print N` it also prints the
//! titles of N groups (largest first) for reading by eye; the texts are personal data, so
//! print them to the terminal only.

#[path = "board/mod.rs"]
mod board;

use std::collections::BTreeMap;

use gateway_analysis::duplicate::{DuplicateConfig, MatchBasis};

fn main() {
    let print: usize = std::env::args()
        .skip_while(|a| a != "--print")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let config = DuplicateConfig::default();
    let (index, replayed) = board::replay(config.clone());
    let mut groups = index.duplicate_groups();
    groups.sort_by(|a, b| {
        b.appeals
            .len()
            .cmp(&a.appeals.len())
            .then(a.case.cmp(&b.case))
    });

    let linked = replayed.iter().filter(|r| r.found.is_some()).count();
    let same = replayed
        .iter()
        .filter(|r| {
            r.found
                .as_ref()
                .is_some_and(|f| f.basis == MatchBasis::SameCitizen)
        })
        .count();
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for group in &groups {
        *sizes.entry(group.appeals.len()).or_default() += 1;
    }
    let many_citizens = groups.iter().filter(|g| g.citizens > 1).count();
    println!("messages: {}", replayed.len());
    println!(
        "settings: same citizen >= {} within {} days, others >= {} within {} days",
        config.same_citizen_threshold,
        config.same_citizen_window_days,
        config.others_threshold,
        config.others_window_days
    );
    println!("duplicate groups found: {}", groups.len());
    println!(
        "appeals linked to an open case: {linked} ({same} by the same citizen, {} by others)",
        linked - same
    );
    println!("groups with more than one citizen: {many_citizens}");
    println!("group sizes (appeals: groups): {sizes:?}");

    let by_id: BTreeMap<&str, &board::Replayed> =
        replayed.iter().map(|r| (r.appeal.id.as_str(), r)).collect();
    for group in groups.iter().take(print) {
        println!(
            "\n== case {} ({} appeals, {} citizens)",
            group.case,
            group.appeals.len(),
            group.citizens
        );
        for id in &group.appeals {
            let r = by_id[id.as_str()];
            let score = r
                .found
                .as_ref()
                .map_or("new".to_string(), |f| format!("{:.2}", f.score));
            println!(
                "  {} {} {} {} [{}] {}",
                r.appeal.id,
                r.appeal.received_at.format("%Y-%m-%d"),
                r.appeal.citizen.wechat_openid.as_deref().unwrap_or(""),
                score,
                r.decision.topic.last().map_or("-", |t| t.as_str()),
                r.appeal.title.as_deref().unwrap_or("")
            );
        }
    }
}
