//! The weekly chart of the hottest topics, as SVG.
//!
//! Drawn with `plotters` through its SVG backend only. Text is written as SVG `<text>`
//! elements naming a generic font family, so nothing reads font files here (no fontconfig);
//! the viewer picks a font that has the Chinese characters.

use plotters::prelude::*;
use thiserror::Error;

use super::weekly::TrendReport;

/// A chart that could not be drawn.
#[derive(Debug, Error)]
pub enum ChartError {
    /// There is nothing to draw.
    #[error("no weeks to draw; the report has no appeals")]
    Empty,
    /// The drawing library failed.
    #[error("cannot draw the chart: {message}")]
    Draw {
        /// The library's message.
        message: String,
    },
}

/// Colours for the lines, distinguishable from each other.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The weekly counts of the `top` hottest topics as lines, with a title, axes and a legend
/// in Chinese. Returns the SVG document. The y axis reaches half again above the highest
/// count so the legend sits above the lines.
pub fn weekly_chart_svg(
    report: &TrendReport,
    top: usize,
    title: &str,
) -> Result<String, ChartError> {
    if report.weeks.is_empty() {
        return Err(ChartError::Empty);
    }
    let draw = |e: &dyn std::fmt::Display| ChartError::Draw {
        message: e.to_string(),
    };
    let series: Vec<_> = report.topics.iter().take(top.min(PALETTE.len())).collect();
    let max = series
        .iter()
        .flat_map(|s| s.weekly.iter().copied())
        .max()
        .unwrap_or(1)
        .max(1);
    let weeks = report.weeks.len();

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1200, 640)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 26))
            .margin(16)
            .margin_right(48)
            .x_label_area_size(56)
            .y_label_area_size(56)
            .build_cartesian_2d(0..weeks.saturating_sub(1).max(1), 0..(max + max / 2 + 1))
            .map_err(|e| draw(&e))?;
        let labels = report.weeks.clone();
        chart
            .configure_mesh()
            .x_desc("ISO 周（北京时间）")
            .y_desc("诉求数（件）")
            .x_labels(12)
            .x_label_formatter(&|i| labels.get(*i).map(|w| w.to_string()).unwrap_or_default())
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 12))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| draw(&e))?;
        for (k, topic) in series.iter().enumerate() {
            let colour = PALETTE[k];
            chart
                .draw_series(LineSeries::new(
                    topic.weekly.iter().enumerate().map(|(i, c)| (i, *c)),
                    colour.stroke_width(2),
                ))
                .map_err(|e| draw(&e))?
                .label(format!("{}（{}）", topic.topic, topic.total))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperMiddle)
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(|e| draw(&e))?;
        root.present().map_err(|e| draw(&e))?;
    }
    Ok(svg)
}
