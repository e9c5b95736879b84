//! Trends: weekly counts, the rising rule, the reports and the chart.

use chrono::{DateTime, Duration, Utc};
use gateway_analysis::trends::{
    IsoWeekKey, TopicObservation, TrendConfig, TrendReport, trend_markdown, weekly_chart_svg,
    write_weekly_csv,
};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Observations of a topic: `counts[i]` appeals in the i-th week from Monday 2 November 2026
/// (ISO week 2026-W45), on the Wednesday of each week.
fn weekly(topic: &str, township: Option<&str>, counts: &[u32]) -> Vec<TopicObservation> {
    let monday = at("2026-11-02T10:00:00+08:00");
    let mut out = Vec::new();
    for (week, count) in counts.iter().enumerate() {
        for _ in 0..*count {
            out.push(TopicObservation {
                at: monday + Duration::days(7 * week as i64 + 2),
                topic: topic.to_string(),
                township: township.map(str::to_string),
            });
        }
    }
    out
}

#[test]
fn a_topic_rises_when_a_week_doubles_the_mean_of_the_four_before() {
    let mut observations = Vec::new();
    // Baseline mean for week 5 is (2+3+2+3)/4 = 2.5; 5 >= 2 × 2.5 and >= 5: rising.
    observations.extend(weekly("油烟噪音", Some("大峃镇"), &[2, 3, 2, 3, 5, 4]));
    // Week 5: 9 against a mean of (4+5+4+5)/4 = 4.5: 9 >= 9, rising. Week 6: 9 against
    // (5+4+5+9)/4 = 5.75: not.
    observations.extend(weekly("路灯", Some("玉壶镇"), &[4, 5, 4, 5, 9, 9]));
    // Week 5: 4 against a mean of 0: doubled, but fewer than 5, so not rising.
    observations.extend(weekly("违章建筑", None, &[0, 0, 0, 0, 4, 0]));
    // A rise inside the first four weeks has no full baseline and is never flagged.
    observations.extend(weekly("停水", None, &[0, 8, 0, 0, 0, 0]));
    // Midnight on Sunday in Beijing is still the same ISO week, though UTC says Sunday 16:00.
    observations.push(TopicObservation {
        at: at("2026-11-08T23:30:00+08:00"),
        topic: String::new(),
        township: None,
    });

    let config = TrendConfig::default();
    let report = TrendReport::build(&observations, &config);
    assert_eq!(report.weeks.len(), 6);
    assert_eq!(
        report.weeks[0],
        IsoWeekKey {
            year: 2026,
            week: 45
        }
    );
    assert_eq!(report.weeks[0].to_string(), "2026-W45");
    let rising: Vec<(String, String, u32)> = report
        .rising
        .iter()
        .map(|r| (r.topic.clone(), r.week.to_string(), r.count))
        .collect();
    assert_eq!(
        rising,
        vec![
            ("路灯".to_string(), "2026-W49".to_string(), 9),
            ("油烟噪音".to_string(), "2026-W49".to_string(), 5)
        ]
    );
    assert!((report.rising[0].baseline_mean - 4.5).abs() < 1e-9);

    // Hot topics by total; the unclassified one counted under its own name.
    assert_eq!(report.topics[0].topic, "路灯");
    assert_eq!(report.topics[0].total, 36);
    let unknown = report.topics.iter().find(|t| t.topic == "未识别").unwrap();
    assert_eq!(
        unknown.weekly[0], 1,
        "23:30 Sunday Beijing time is in week 45"
    );
    assert_eq!(report.townships[0], ("玉壶镇".to_string(), 36));

    // The Markdown names the rule and the rising weeks; the CSV marks them.
    let markdown = trend_markdown(&report, &config, "测试报告");
    assert!(
        markdown.contains("不少于前 4 周平均数的 2 倍"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| 2026-W49 | 路灯 | 9 | 4.5 |"),
        "{markdown}"
    );
    let mut csv = Vec::new();
    write_weekly_csv(&report, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.lines().any(|l| l == "2026-W49,2026-11-30,路灯,9,true"),
        "{csv}"
    );
    assert!(
        csv.lines().any(|l| l == "2026-W50,2026-12-07,路灯,9,false"),
        "{csv}"
    );
}

#[test]
fn the_chart_is_svg_with_chinese_text_as_text() {
    let mut observations = weekly("油烟噪音", Some("大峃镇"), &[2, 3, 2, 3, 5, 4]);
    observations.extend(weekly("路灯", Some("玉壶镇"), &[4, 5, 4, 5, 9, 9]));
    let report = TrendReport::build(&observations, &TrendConfig::default());
    let svg = weekly_chart_svg(&report, 8, "文成县12345热点问题周趋势").unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    for text in [
        "文成县12345热点问题周趋势",
        "ISO 周（北京时间）",
        "诉求数（件）",
        "路灯（36）",
        "油烟噪音（19）",
        "2026-W45",
    ] {
        assert!(svg.contains(text), "{text} is not in the SVG");
    }
    assert!(svg.contains("<text"));
    assert!(svg.contains("<polyline"), "the lines are drawn");
}

#[test]
fn no_appeals_make_an_empty_report_and_no_chart() {
    let report = TrendReport::build(&[], &TrendConfig::default());
    assert!(report.weeks.is_empty() && report.topics.is_empty() && report.rising.is_empty());
    assert!(weekly_chart_svg(&report, 8, "空").is_err());
}

#[path = "../examples/board/mod.rs"]
mod board;

/// The report made from the real messages holds together: every appeal counted once, weeks
/// without gaps, and every rising week meets the rule.
#[test]
fn the_report_from_the_real_messages_is_consistent() {
    let rules = board::rules();
    let observations: Vec<TopicObservation> = board::load_messages()
        .iter()
        .map(board::to_appeal)
        .map(|appeal| {
            let decision = rules.route(&routing_rules::RouteInput::from(&appeal));
            TopicObservation {
                at: appeal.received_at,
                topic: decision.topic.last().cloned().unwrap_or_default(),
                township: decision.township.map(|t| t.name),
            }
        })
        .collect();
    let config = TrendConfig::default();
    let report = TrendReport::build(&observations, &config);

    let counted: u32 = report.topics.iter().map(|t| t.total).sum();
    assert_eq!(counted as usize, observations.len());
    let by_township: u32 = report.townships.iter().map(|(_, c)| c).sum();
    assert_eq!(by_township as usize, observations.len());
    for pair in report.weeks.windows(2) {
        let (a, b) = (pair[0].monday().unwrap(), pair[1].monday().unwrap());
        assert_eq!(b - a, Duration::days(7), "{} then {}", pair[0], pair[1]);
    }
    assert!(
        report.topics.len() > 20,
        "the example rules find many topics"
    );
    for rising in &report.rising {
        let series = report
            .topics
            .iter()
            .find(|t| t.topic == rising.topic)
            .unwrap();
        let i = report.weeks.iter().position(|w| *w == rising.week).unwrap();
        let mean = series.weekly[i - 4..i].iter().sum::<u32>() as f64 / 4.0;
        assert_eq!(series.weekly[i], rising.count);
        assert!(rising.count >= 5 && rising.count as f64 >= 2.0 * mean);
    }
    assert!(!report.rising.is_empty());
}
