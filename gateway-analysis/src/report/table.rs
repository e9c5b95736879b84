//! The rate report as a text table for people and as CSV for spreadsheets.

use std::collections::BTreeMap;
use std::io::Write;

use super::error::ReportError;
use super::rates::{RateReport, UnitRates};
use gateway_core::UnitId;

/// How many columns a character takes in a terminal: two for CJK and full-width forms.
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{:.1}%", v * 100.0))
}

fn days(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{v:.1}"))
}

/// The rate report as an aligned text table with Chinese headings. `names` gives a unit's
/// Chinese name; a unit without one shows its id.
pub fn render_table(report: &RateReport, names: &BTreeMap<UnitId, String>) -> String {
    let header = [
        "承办单位",
        "受理",
        "办结",
        "按期办结率",
        "满意率",
        "退回率",
        "重办",
        "平均办理工作日",
    ];
    let line = |rates: &UnitRates| -> Vec<String> {
        let unit = match &rates.unit {
            Some(unit) => names.get(unit).cloned().unwrap_or_else(|| unit.to_string()),
            None => "合计".to_string(),
        };
        vec![
            unit,
            rates.received.to_string(),
            rates.resolved.to_string(),
            percent(rates.on_time_rate()),
            percent(rates.satisfaction_rate()),
            percent(rates.return_rate()),
            rates.reopened.to_string(),
            days(rates.average_working_days()),
        ]
    };
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    rows.extend(report.units.iter().map(line));
    rows.push(line(&report.total));

    let columns = header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| display_width(&r[c])).max().unwrap_or(0))
        .collect();
    let mut out = format!(
        "统计期间：{} 至 {}\n",
        report.period.first_day, report.period.last_day
    );
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let pad = " ".repeat(widths[c] - display_width(cell));
                // The unit name reads left-aligned, numbers right-aligned.
                if c == 0 {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if i == 0 || i == rows.len() - 2 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}

/// The rate report as CSV: one row per unit and a last row `total`, counts and rates
/// (fractions from 0 to 1, empty when there is nothing to divide by).
pub fn write_csv(report: &RateReport, out: impl Write) -> Result<(), ReportError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "unit",
        "first_day",
        "last_day",
        "received",
        "resolved",
        "resolved_on_time",
        "rated",
        "satisfied",
        "partly_satisfied",
        "dissatisfied",
        "returned",
        "reopened",
        "on_time_rate",
        "satisfaction_rate",
        "return_rate",
        "average_working_days",
    ])?;
    let number = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.4}"));
    for rates in report.units.iter().chain(std::iter::once(&report.total)) {
        writer.write_record([
            rates
                .unit
                .as_ref()
                .map_or_else(|| "total".to_string(), |u| u.to_string()),
            report.period.first_day.to_string(),
            report.period.last_day.to_string(),
            rates.received.to_string(),
            rates.resolved.to_string(),
            rates.resolved_on_time.to_string(),
            rates.rated.to_string(),
            rates.satisfied.to_string(),
            rates.partly_satisfied.to_string(),
            rates.dissatisfied.to_string(),
            rates.returned.to_string(),
            rates.reopened.to_string(),
            number(rates.on_time_rate()),
            number(rates.satisfaction_rate()),
            number(rates.return_rate()),
            number(rates.average_working_days()),
        ])?;
    }
    writer.flush()?;
    Ok(())
}
