//! Analysis (分析研判): hot topics and trends by topic, township and ISO week, the rising
//! rule, and the report as Markdown, CSV and an SVG chart.
//!
//! The caller routes each appeal and gives [`TopicObservation`]s; [`TrendReport::build`]
//! counts and flags rising topics by [`TrendConfig`]'s rule.

mod chart;
mod render;
mod weekly;

pub use chart::{ChartError, weekly_chart_svg};
pub use render::{trend_markdown, write_township_csv, write_weekly_csv};
pub use weekly::{
    IsoWeekKey, RisingTopic, TopicObservation, TopicSeries, TrendConfig, TrendReport, UNKNOWN,
};
