//! Analysis (分析研判) of the stored appeals: hot and rising topics by week and township,
//! as Markdown, CSV and an SVG chart, for `gateway report --trends` and
//! `GET /api/v1/reports/trends`.

use chrono::{DateTime, Utc};
use gateway_analysis::report::ReportError;
use gateway_analysis::trends::{
    ChartError, TopicObservation, TrendConfig, TrendReport, trend_markdown, weekly_chart_svg,
    write_township_csv, write_weekly_csv,
};
use gateway_core::AppealStore;
use gateway_core::store::{AppealFilter, MAX_PAGE_LIMIT, PageRequest, StoreError};

/// The analysis of one period, in every form it is published in.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendFiles {
    /// The report a supervisor reads (`hot-topics.md`).
    pub markdown: String,
    /// Counts per topic and week, rising weeks marked (`hot-topics.csv`).
    pub weekly_csv: String,
    /// Counts per topic and township (`topic-townships.csv`).
    pub township_csv: String,
    /// The weekly lines of the hottest topics (`weekly-topics.svg`); `None` when the
    /// period holds no appeal.
    pub svg: Option<String>,
    /// How many appeals were counted.
    pub appeals: usize,
}

/// Why the analysis could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TrendError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A table could not be written.
    #[error("could not write the analysis tables: {0}")]
    Table(#[from] ReportError),
    /// The chart could not be drawn.
    #[error("could not draw the chart: {0}")]
    Chart(String),
}

/// Every appeal received in `[from, until)`, as analysis sees it: the last level of its
/// topic, its township, and when the citizen sent it (or it was received).
pub fn observations(
    store: &AppealStore,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<TopicObservation>, StoreError> {
    let filter = AppealFilter {
        received_from: Some(from),
        received_until: Some(until),
        ..AppealFilter::default()
    };
    let mut found = Vec::new();
    let mut page = PageRequest::first(MAX_PAGE_LIMIT);
    loop {
        let listed = store.list(&filter, &page)?;
        for record in listed.records {
            let at = record
                .appeal
                .submitted_at
                .map_or(record.appeal.received_at, |at| at.with_timezone(&Utc));
            found.push(TopicObservation {
                at,
                topic: record.decision.topic.last().cloned().unwrap_or_default(),
                township: record.decision.township.map(|t| t.name),
            });
        }
        match listed.next_cursor {
            Some(cursor) => page = PageRequest::after(MAX_PAGE_LIMIT, cursor),
            None => return Ok(found),
        }
    }
}

/// The instants that bound a period of Beijing days: its first midnight, and the midnight
/// after its last day.
pub fn bounds(period: &gateway_analysis::Period) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = |day: chrono::NaiveDate| {
        let local = day.and_time(chrono::NaiveTime::MIN);
        DateTime::<Utc>::from_naive_utc_and_offset(local - chrono::Duration::hours(8), Utc)
    };
    let after = period.last_day.succ_opt().unwrap_or(period.last_day);
    (midnight(period.first_day), midnight(after))
}

/// The title of a period's analysis, for the reader.
pub fn title(period: &gateway_analysis::Period) -> String {
    format!(
        "12345 热点问题分析（{} 至 {}）",
        period.first_day, period.last_day
    )
}

/// Writes the four files of an analysis into `dir` (created if need be): `hot-topics.md`,
/// `hot-topics.csv`, `topic-townships.csv` and, when there is anything to draw,
/// `weekly-topics.svg`. Returns the paths written.
pub fn write_files(
    files: &TrendFiles,
    dir: &std::path::Path,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let mut put = |name: &str, text: &str| -> std::io::Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path);
        Ok(())
    };
    put("hot-topics.md", &files.markdown)?;
    put("hot-topics.csv", &files.weekly_csv)?;
    put("topic-townships.csv", &files.township_csv)?;
    if let Some(svg) = &files.svg {
        put("weekly-topics.svg", svg)?;
    }
    Ok(written)
}

/// The analysis of these observations, titled `title` (Chinese, for the reader).
pub fn analyse(
    observations: &[TopicObservation],
    config: &TrendConfig,
    title: &str,
) -> Result<TrendFiles, TrendError> {
    let report = TrendReport::build(observations, config);
    let mut weekly = Vec::new();
    write_weekly_csv(&report, &mut weekly)?;
    let mut townships = Vec::new();
    write_township_csv(&report, &mut townships)?;
    let svg = match weekly_chart_svg(&report, config.top_topics, title) {
        Ok(svg) => Some(svg),
        Err(ChartError::Empty) => None,
        Err(error) => return Err(TrendError::Chart(error.to_string())),
    };
    Ok(TrendFiles {
        markdown: trend_markdown(&report, config, title),
        weekly_csv: String::from_utf8_lossy(&weekly).into_owned(),
        township_csv: String::from_utf8_lossy(&townships).into_owned(),
        svg,
        appeals: report.appeal_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_period_of_beijing_days_starts_and_ends_at_beijing_midnight() {
        let period = gateway_analysis::Period::new(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        );
        let (from, until) = bounds(&period);
        assert_eq!(from, at("2026-10-31T16:00:00Z"));
        assert_eq!(until, at("2026-11-30T16:00:00Z"));
    }

    #[test]
    fn a_rising_topic_is_in_every_form_and_an_empty_period_has_no_chart() {
        let mut observations = Vec::new();
        // Two quiet weeks of street lights, then a week of eight.
        for (week, count) in [("2026-11-02", 1), ("2026-11-09", 1), ("2026-11-16", 8)] {
            for i in 0..count {
                observations.push(TopicObservation {
                    at: at(&format!("{week}T0{i}:00:00Z")),
                    topic: "路灯".to_string(),
                    township: Some("玉壶镇".to_string()),
                });
            }
        }
        let config = TrendConfig {
            baseline_weeks: 2,
            rising_min_count: 3,
            ..TrendConfig::default()
        };
        let files = analyse(&observations, &config, "测试").unwrap();
        assert_eq!(files.appeals, 10);
        assert!(files.markdown.contains("路灯"), "{}", files.markdown);
        // The week of 16 November is flagged rising; the quiet weeks are not.
        assert!(
            files.weekly_csv.contains("2026-11-16,路灯,8,true"),
            "{}",
            files.weekly_csv
        );
        assert!(
            files.weekly_csv.contains("2026-11-09,路灯,1,false"),
            "{}",
            files.weekly_csv
        );
        assert!(
            files.township_csv.contains("路灯,玉壶镇,10"),
            "{}",
            files.township_csv
        );
        assert!(
            files
                .svg
                .as_deref()
                .is_some_and(|svg| svg.starts_with("<svg"))
        );

        let empty = analyse(&[], &config, "测试").unwrap();
        assert_eq!(empty.appeals, 0);
        assert!(empty.svg.is_none());
    }
}
