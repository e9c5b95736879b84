//! The trend report as Markdown for people and CSV for spreadsheets.

use std::fmt::Write as _;
use std::io::Write;

use super::weekly::{TrendConfig, TrendReport};
use crate::report::ReportError;

/// The report in Markdown (Chinese headings): hot topics, rising topics, townships.
pub fn trend_markdown(report: &TrendReport, config: &TrendConfig, title: &str) -> String {
    let mut out = String::new();
    let first = report
        .weeks
        .first()
        .map(|w| w.to_string())
        .unwrap_or_default();
    let last = report
        .weeks
        .last()
        .map(|w| w.to_string())
        .unwrap_or_default();
    let _ = writeln!(out, "# {title}\n");
    let _ = writeln!(
        out,
        "诉求 {} 件，{} 至 {}（ISO 周，北京时间），共 {} 周。\n",
        report.appeal_count,
        first,
        last,
        report.weeks.len()
    );

    // Hot topics.
    let _ = writeln!(out, "## 热点问题（前 {} 位）\n", config.top_topics);
    let _ = writeln!(out, "| 排名 | 问题类别 | 诉求数 | 占比 | 最多的一周 |");
    let _ = writeln!(out, "| ---: | --- | ---: | ---: | --- |");
    for (i, series) in report.topics.iter().take(config.top_topics).enumerate() {
        let peak = series
            .weekly
            .iter()
            .enumerate()
            .max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i)))
            .map(|(i, c)| format!("{}（{} 件）", report.weeks[i], c))
            .unwrap_or_default();
        let share = f64::from(series.total) * 100.0 / report.appeal_count.max(1) as f64;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1}% | {} |",
            i + 1,
            series.topic,
            series.total,
            share,
            peak
        );
    }

    // Rising topics.
    let _ = writeln!(out, "\n## 上升问题\n");
    let _ = writeln!(
        out,
        "规则：某周诉求数不少于 {} 件，且不少于前 {} 周平均数的 {} 倍。\n",
        config.rising_min_count, config.baseline_weeks, config.rising_ratio
    );
    if report.rising.is_empty() {
        let _ = writeln!(out, "无。");
    } else {
        let _ = writeln!(
            out,
            "| 周 | 问题类别 | 本周 | 前 {} 周平均 |",
            config.baseline_weeks
        );
        let _ = writeln!(out, "| --- | --- | ---: | ---: |");
        for rising in &report.rising {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} |",
                rising.week, rising.topic, rising.count, rising.baseline_mean
            );
        }
    }

    // Townships.
    let _ = writeln!(out, "\n## 乡镇分布\n");
    let _ = writeln!(out, "| 乡镇 | 诉求数 |");
    let _ = writeln!(out, "| --- | ---: |");
    for (township, count) in &report.townships {
        let _ = writeln!(out, "| {township} | {count} |");
    }
    out
}

/// The weekly counts as CSV in long form: `week,week_monday,topic,count`, one row per topic
/// and week with a count above zero.
pub fn write_weekly_csv(report: &TrendReport, out: impl Write) -> Result<(), ReportError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["week", "week_monday", "topic", "count", "rising"])?;
    for series in &report.topics {
        for (i, count) in series.weekly.iter().enumerate() {
            if *count == 0 {
                continue;
            }
            let week = report.weeks[i];
            let rising = report
                .rising
                .iter()
                .any(|r| r.week == week && r.topic == series.topic);
            writer.write_record([
                week.to_string(),
                week.monday().map(|d| d.to_string()).unwrap_or_default(),
                series.topic.clone(),
                count.to_string(),
                rising.to_string(),
            ])?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// Appeals per topic and township as CSV: `topic,township,count`.
pub fn write_township_csv(report: &TrendReport, out: impl Write) -> Result<(), ReportError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["topic", "township", "count"])?;
    for ((topic, township), count) in &report.topic_townships {
        writer.write_record([topic.as_str(), township.as_str(), &count.to_string()])?;
    }
    writer.flush()?;
    Ok(())
}
