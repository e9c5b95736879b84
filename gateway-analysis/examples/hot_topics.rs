//! Run with: `cargo run -p gateway-analysis --example hot_topics`
//!
//! Routes the 4,326 real messages of `fixtures/appeals/hot-topics.jsonl` with the example
//! rules (`examples/wencheng/routing.toml`), counts them by topic (the taxonomy leaf),
//! township and ISO week, flags rising topics, and writes the report to
//! `examples/wencheng/reports/`: `hot-topics.md`, `hot-topics.csv` (weekly counts),
//! `topic-townships.csv` and `weekly-topics.svg`. Only counts and topic names are written,
//! never the messages' text.
//!
//! The four messages sent before 2019 (one each in June 2017, May, October and November
//! 2018) are left out, so that the weeks run without a year-long gap.

#[path = "board/mod.rs"]
mod board;

use chrono::{DateTime, Utc};
use gateway_analysis::trends::{
    TopicObservation, TrendConfig, TrendReport, trend_markdown, weekly_chart_svg,
    write_township_csv, write_weekly_csv,
};
use routing_rules::RouteInput;

fn main() {
    let rules = board::rules();
    let from: DateTime<Utc> = "2019-01-01T00:00:00+08:00"
        .parse()
        .expect("a valid instant");
    let observations: Vec<TopicObservation> = board::load_messages()
        .iter()
        .map(board::to_appeal)
        .filter(|appeal| appeal.received_at >= from)
        .map(|appeal| {
            let decision = rules.route(&RouteInput::from(&appeal));
            TopicObservation {
                at: appeal.received_at,
                topic: decision.topic.last().cloned().unwrap_or_default(),
                township: decision.township.map(|t| t.name),
            }
        })
        .collect();

    let config = TrendConfig::default();
    let report = TrendReport::build(&observations, &config);
    let dir = board::workspace_root().join("examples/wencheng/reports");
    std::fs::create_dir_all(&dir).expect("the reports folder can be made");

    let title = "文成县 12345 热点问题分析（示例数据：留言板真实留言）";
    let mut markdown = trend_markdown(&report, &config, title);
    markdown.push_str(
        "\n## 说明\n\n数据为 `fixtures/appeals/hot-topics.jsonl` 中 2019 年起的留言，按示例规则 \
         `examples/wencheng/routing.toml` 分类；问题类别为分类树的末级。留言中的地名是数据集的匿名地名\
         （A 市、A1 区），不是文成县的乡镇，所以乡镇多为“未识别”。\n\n\
         由 `cargo run -p gateway-analysis --example hot_topics` 生成。\n",
    );
    std::fs::write(dir.join("hot-topics.md"), &markdown).expect("hot-topics.md is written");
    let mut weekly = Vec::new();
    write_weekly_csv(&report, &mut weekly).expect("csv in memory");
    std::fs::write(dir.join("hot-topics.csv"), weekly).expect("hot-topics.csv is written");
    let mut townships = Vec::new();
    write_township_csv(&report, &mut townships).expect("csv in memory");
    std::fs::write(dir.join("topic-townships.csv"), townships)
        .expect("topic-townships.csv is written");
    let svg = weekly_chart_svg(
        &report,
        config.top_topics,
        "文成县12345热点问题周趋势（前8类，示例数据）",
    )
    .expect("the chart draws");
    std::fs::write(dir.join("weekly-topics.svg"), svg).expect("weekly-topics.svg is written");

    println!(
        "appeals: {}, weeks: {}, topics: {}",
        report.appeal_count,
        report.weeks.len(),
        report.topics.len()
    );
    for series in report.topics.iter().take(config.top_topics) {
        println!("  {:>5}  {}", series.total, series.topic);
    }
    println!("rising weeks flagged: {}", report.rising.len());
    for rising in report.rising.iter().take(10) {
        println!(
            "  {} {} {} (baseline {:.1})",
            rising.week, rising.topic, rising.count, rising.baseline_mean
        );
    }
    println!("written to {}", dir.display());
}
