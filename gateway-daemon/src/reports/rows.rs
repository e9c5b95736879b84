//! The rate report for people and programs: JSON rows with unit names, and CSV, for all
//! units (a supervisor) or for one (a unit's own row only).

use std::collections::BTreeMap;

use gateway_analysis::report::{RateReport, ReportError, UnitRates, write_csv};
use gateway_core::UnitId;
use routing_rules::RuleSet;
use serde_json::{Value, json};

/// Unit names: the cases config's, and the rule set's for units the config does not name.
pub fn unit_names(
    configured: &BTreeMap<UnitId, String>,
    rules: Option<&RuleSet>,
) -> BTreeMap<UnitId, String> {
    let mut names: BTreeMap<UnitId, String> = rules
        .map(|rules| {
            rules
                .units()
                .iter()
                .map(|unit| (UnitId::new(unit.id.clone()), unit.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    names.extend(
        configured
            .iter()
            .map(|(id, name)| (id.clone(), name.clone())),
    );
    names
}

/// The report as one unit may see it: its own row (zero when it had nothing in the
/// period), and that row as the total, so nothing of other units shows.
pub fn only_unit(report: &RateReport, unit: &UnitId) -> RateReport {
    let row = report
        .units
        .iter()
        .find(|rates| rates.unit.as_ref() == Some(unit))
        .cloned()
        .unwrap_or(UnitRates {
            unit: Some(unit.clone()),
            received: 0,
            resolved: 0,
            resolved_on_time: 0,
            rated: 0,
            satisfied: 0,
            partly_satisfied: 0,
            dissatisfied: 0,
            returned: 0,
            reopened: 0,
            working_days_total: 0,
        });
    RateReport {
        period: report.period,
        units: vec![row.clone()],
        total: UnitRates { unit: None, ..row },
    }
}

fn row(rates: &UnitRates, names: &BTreeMap<UnitId, String>) -> Value {
    json!({
        "unit": rates.unit,
        "unit_name": rates.unit.as_ref().map(|unit| names.get(unit).cloned().unwrap_or_else(|| unit.to_string())),
        "received": rates.received,
        "resolved": rates.resolved,
        "resolved_on_time": rates.resolved_on_time,
        "rated": rates.rated,
        "satisfied": rates.satisfied,
        "partly_satisfied": rates.partly_satisfied,
        "dissatisfied": rates.dissatisfied,
        "returned": rates.returned,
        "reopened": rates.reopened,
        "on_time_rate": rates.on_time_rate(),
        "satisfaction_rate": rates.satisfaction_rate(),
        "return_rate": rates.return_rate(),
        "average_working_days": rates.average_working_days(),
    })
}

/// The report as JSON: the period, one row per unit, and the total when `with_total`.
pub fn to_json(report: &RateReport, names: &BTreeMap<UnitId, String>, with_total: bool) -> Value {
    let units: Vec<Value> = report.units.iter().map(|rates| row(rates, names)).collect();
    let mut value = json!({
        "period": {"from": report.period.first_day, "to": report.period.last_day},
        "units": units,
    });
    if with_total && let Value::Object(map) = &mut value {
        map.insert("total".to_string(), row(&report.total, names));
    }
    value
}

/// The report as CSV text; without `with_total` the last row (the total) is left out.
pub fn to_csv(report: &RateReport, with_total: bool) -> Result<String, ReportError> {
    let mut bytes = Vec::new();
    write_csv(report, &mut bytes)?;
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if !with_total {
        // The total is always the last record, and no field holds a line break.
        let body = text.trim_end_matches('\n');
        if let Some(cut) = body.rfind('\n') {
            text = format!("{}\n", &body[..cut]);
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_analysis::Period;

    fn rates(unit: Option<&str>, received: u32) -> UnitRates {
        UnitRates {
            unit: unit.map(UnitId::new),
            received,
            resolved: 0,
            resolved_on_time: 0,
            rated: 0,
            satisfied: 0,
            partly_satisfied: 0,
            dissatisfied: 0,
            returned: 0,
            reopened: 0,
            working_days_total: 0,
        }
    }

    fn report() -> RateReport {
        let day = "2026-11-01".parse().unwrap();
        RateReport {
            period: Period::new(day, day),
            units: vec![rates(Some("housing"), 2), rates(Some("yuhu"), 3)],
            total: rates(None, 5),
        }
    }

    #[test]
    fn a_unit_sees_its_own_row_as_the_total() {
        let own = only_unit(&report(), &UnitId::new("yuhu"));
        assert_eq!(own.units.len(), 1);
        assert_eq!(own.total.received, 3);
    }

    #[test]
    fn a_unit_with_nothing_gets_a_zero_row() {
        let own = only_unit(&report(), &UnitId::new("market-supervision"));
        assert_eq!(own.units[0].received, 0);
    }

    #[test]
    fn csv_without_total_drops_only_the_last_row() {
        let text = to_csv(&report(), false).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(!text.contains("total"), "{text}");
        assert_eq!(to_csv(&report(), true).unwrap().lines().count(), 4);
    }
}
