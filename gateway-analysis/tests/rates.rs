//! Rates per unit on a small fixed data set, against values worked out by hand, and the
//! table and CSV made from them.
//!
//! The period is Monday 30 November to Sunday 6 December 2026 (Beijing time), a week with no
//! holiday and no make-up working day. Units: A = market-supervision, B = urban-management.
//!
//! | case | lead | returned by | received     | resolved     | on time | rating    | reopened | working days |
//! | ---- | ---- | ----------- | ------------ | ------------ | ------- | --------- | -------- | ------------ |
//! | C1   | A    |             | Mon 30 09:00 | Wed 2 15:00  | yes     | satisfied | 0        | Tue, Wed = 2 |
//! | C2   | A    |             | Mon 30 10:00 | Fri 4 10:00  | no      | dissat.   | 1        | Tue-Fri = 4  |
//! | C3   | A    |             | Tue 1 09:00  | -            |         |           |          |              |
//! | C4   | B    | A           | Tue 1 09:00  | Thu 3 09:00  | yes     | partly    | 0        | Wed, Thu = 2 |
//! | C5   | B    |             | Wed 2 09:00  | Sat 5 10:00  | yes     | none      | 0        | Thu, Fri = 2 (Sat is off) |
//! | C6   | B    |             | Fri 27 Nov   | Mon 30 11:00 | yes     | unclear   | 0        | Mon = 1      |
//! | C7   | A    |             | Mon 7 Dec    | -            |         |           |          | (outside)    |
//!
//! Unit A: received C1, C2, C3 and C4 (dispatched to A, which returned it) = 4; returned 1,
//! return rate 1/4 = 25%. Resolved C1, C2 = 2; on time C1, so 1/2 = 50%. Rated C1
//! (satisfied) and C2 (dissatisfied), satisfaction 1/2 = 50%. Reopened 1 (C2). Average
//! working days (2 + 4) / 2 = 3.0.
//!
//! Unit B: received C4, C5 = 2 (C6 came before the period); returned 0, 0%. Resolved C4, C5,
//! C6 = 3, all on time, 100%. Rated only C4 (C5 unanswered, C6 unclear), partly satisfied,
//! so 1/1 = 100%. Reopened 0. Average working days (2 + 2 + 1) / 3 = 1.667.
//!
//! Total, each case once: received C1-C5 = 5, returned 1 (C4), 20%. Resolved C1, C2, C4, C5,
//! C6 = 5; on time 4, 80%. Rated 3 (C1, C2, C4), satisfied or partly 2, 66.7%. Reopened 1.
//! Average working days (2 + 4 + 2 + 2 + 1) / 5 = 2.2.

use chrono::{DateTime, NaiveDate, Utc};
use gateway_analysis::Rating;
use gateway_analysis::report::{CaseSummary, Period, render_table, unit_rates, write_csv};
use gateway_core::calendar::WorkingCalendar;
use gateway_core::case::{
    Action, Actor, Case, CaseConfig, CaseNumber, CaseOpening, Command, ReplyMethod,
};
use gateway_core::{AppealId, Kind, UnitId};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn case(
    number: &str,
    lead: &str,
    returned_by: &[&str],
    received: &str,
    resolved: Option<(&str, bool)>,
    rating: Option<Rating>,
    reopen_count: u32,
) -> CaseSummary {
    CaseSummary {
        case_number: CaseNumber::parse(number).unwrap(),
        lead_unit: UnitId::new(lead),
        returned_by: returned_by.iter().map(|u| UnitId::new(*u)).collect(),
        kind: Kind::Complaint,
        topic: vec![],
        township: None,
        received_at: at(received),
        resolved_at: resolved.map(|(r, _)| at(r)),
        resolved_on_time: resolved.map(|(_, on_time)| on_time),
        rating,
        reopen_count,
    }
}

const A: &str = "market-supervision";
const B: &str = "urban-management";

fn data() -> Vec<CaseSummary> {
    vec![
        case(
            "2611300001",
            A,
            &[],
            "2026-11-30T09:00:00+08:00",
            Some(("2026-12-02T15:00:00+08:00", true)),
            Some(Rating::Satisfied),
            0,
        ),
        case(
            "2611300002",
            A,
            &[],
            "2026-11-30T10:00:00+08:00",
            Some(("2026-12-04T10:00:00+08:00", false)),
            Some(Rating::Dissatisfied),
            1,
        ),
        case(
            "2612010003",
            A,
            &[],
            "2026-12-01T09:00:00+08:00",
            None,
            None,
            0,
        ),
        case(
            "2612010004",
            B,
            &[A],
            "2026-12-01T09:00:00+08:00",
            Some(("2026-12-03T09:00:00+08:00", true)),
            Some(Rating::PartlySatisfied),
            0,
        ),
        case(
            "2612020005",
            B,
            &[],
            "2026-12-02T09:00:00+08:00",
            Some(("2026-12-05T10:00:00+08:00", true)),
            None,
            0,
        ),
        case(
            "2611270006",
            B,
            &[],
            "2026-11-27T09:00:00+08:00",
            Some(("2026-11-30T11:00:00+08:00", true)),
            Some(Rating::Unclear),
            0,
        ),
        case(
            "2612070007",
            A,
            &[],
            "2026-12-07T09:00:00+08:00",
            None,
            None,
            0,
        ),
    ]
}

fn period() -> Period {
    Period::new(
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
    )
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-3)
}

#[test]
fn rates_match_the_hand_worked_values() {
    let calendar = WorkingCalendar::embedded().unwrap();
    let report = unit_rates(&data(), period(), &calendar).unwrap();
    assert_eq!(report.units.len(), 2);
    let a = &report.units[0];
    let b = &report.units[1];
    assert_eq!(a.unit.as_ref().unwrap().as_str(), A);

    assert_eq!(
        (
            a.received,
            a.returned,
            a.resolved,
            a.resolved_on_time,
            a.rated,
            a.reopened
        ),
        (4, 1, 2, 1, 2, 1)
    );
    assert!(close(a.return_rate(), 0.25));
    assert!(close(a.on_time_rate(), 0.5));
    assert!(close(a.satisfaction_rate(), 0.5));
    assert!(close(a.average_working_days(), 3.0));

    assert_eq!(
        (
            b.received,
            b.returned,
            b.resolved,
            b.resolved_on_time,
            b.rated,
            b.reopened
        ),
        (2, 0, 3, 3, 1, 0)
    );
    assert!(close(b.return_rate(), 0.0));
    assert!(close(b.on_time_rate(), 1.0));
    assert!(close(b.satisfaction_rate(), 1.0));
    assert!(close(b.average_working_days(), 5.0 / 3.0));

    let t = &report.total;
    assert_eq!(
        (
            t.received,
            t.returned,
            t.resolved,
            t.resolved_on_time,
            t.rated,
            t.reopened
        ),
        (5, 1, 5, 4, 3, 1)
    );
    assert!(close(t.return_rate(), 0.2));
    assert!(close(t.on_time_rate(), 0.8));
    assert!(close(t.satisfaction_rate(), 2.0 / 3.0));
    assert!(close(t.average_working_days(), 2.2));
}

#[test]
fn an_empty_period_has_no_rates_rather_than_zero() {
    let calendar = WorkingCalendar::embedded().unwrap();
    let empty = Period::new(
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 6, 7).unwrap(),
    );
    let report = unit_rates(&data(), empty, &calendar).unwrap();
    assert!(report.units.is_empty());
    assert_eq!(report.total.on_time_rate(), None);
    assert_eq!(report.total.satisfaction_rate(), None);
    assert!(render_table(&report, &Default::default()).contains("合计"));
}

#[test]
fn a_year_outside_the_calendar_is_an_error_naming_the_case() {
    let calendar = WorkingCalendar::embedded().unwrap();
    let old = vec![case(
        "3001010001",
        A,
        &[],
        "2030-01-01T09:00:00+08:00",
        Some(("2030-01-03T09:00:00+08:00", true)),
        None,
        0,
    )];
    let wide = Period::new(
        NaiveDate::from_ymd_opt(2029, 12, 1).unwrap(),
        NaiveDate::from_ymd_opt(2030, 2, 1).unwrap(),
    );
    let error = unit_rates(&old, wide, &calendar).unwrap_err();
    assert!(error.to_string().contains("3001010001"), "{error}");
}

#[test]
fn the_table_and_csv_carry_the_same_figures() {
    let calendar = WorkingCalendar::embedded().unwrap();
    let report = unit_rates(&data(), period(), &calendar).unwrap();
    let names = [(UnitId::new(A), "县市场监督管理局".to_string())]
        .into_iter()
        .collect();
    let table = render_table(&report, &names);
    assert!(table.contains("按期办结率"), "{table}");
    let a_line = table
        .lines()
        .find(|l| l.starts_with("县市场监督管理局"))
        .unwrap();
    for cell in ["4", "2", "50.0%", "25.0%", "3.0"] {
        assert!(
            a_line.split_whitespace().any(|c| c == cell),
            "{cell} missing from {a_line:?}"
        );
    }
    let total = table.lines().find(|l| l.starts_with("合计")).unwrap();
    assert!(
        total.contains("80.0%") && total.contains("66.7%") && total.contains("2.2"),
        "{total}"
    );
    // Columns line up: every row of the table is as wide in display columns as the header,
    // the Chinese names counting two columns a character.
    let widths: Vec<usize> = table
        .lines()
        .skip(1)
        .map(gateway_analysis::report::display_width)
        .collect();
    assert!(widths.iter().all(|w| *w <= widths[0]), "{table}");

    let mut csv = Vec::new();
    write_csv(&report, &mut csv).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let get = |row: &csv::StringRecord, name: &str| {
        row[headers.iter().position(|h| h == name).unwrap()].to_string()
    };
    assert_eq!(get(&rows[0], "unit"), A);
    assert_eq!(get(&rows[0], "on_time_rate"), "0.5000");
    assert_eq!(get(&rows[2], "unit"), "total");
    assert_eq!(get(&rows[2], "satisfaction_rate"), "0.6667");
    assert_eq!(get(&rows[1], "average_working_days"), "1.6667");
}

#[test]
fn a_summary_read_from_a_real_case_counts_its_resolution_and_return() {
    let calendar = WorkingCalendar::embedded().unwrap();
    let policy = CaseConfig::default().build().unwrap();
    let unit = UnitId::new(A);
    let opening = CaseOpening {
        case_number: CaseNumber::parse("2612010042").unwrap(),
        appeal_id: AppealId::from_string("01JF0000000000000000000000"),
        kind: Kind::Complaint,
        urgent: false,
        lead_unit: unit.clone(),
        assisting_units: vec![],
        received_at: at("2026-12-01T10:00:00+08:00"),
    };
    let (mut case, _) = Case::open(opening, Actor::System, &calendar, &policy).unwrap();
    for (when, action) in [
        ("2026-12-01T11:00:00+08:00", Action::Acknowledge),
        (
            "2026-12-03T16:00:00+08:00",
            Action::Resolve {
                result: "已责令商家整改".into(),
                citizen_informed_by: ReplyMethod::Phone,
            },
        ),
    ] {
        case.apply(
            Command::new(at(when), Actor::Unit(unit.clone()), action),
            &calendar,
            &policy,
        )
        .unwrap();
    }
    let summary = CaseSummary::from_case(
        &case,
        vec!["市场监管".into()],
        None,
        Some(Rating::Satisfied),
    );
    assert_eq!(summary.resolved_at, Some(at("2026-12-03T16:00:00+08:00")));
    assert_eq!(summary.resolved_on_time, Some(true));
    assert_eq!(summary.received_at, at("2026-12-01T10:00:00+08:00"));
    let report = unit_rates(&[summary], period(), &calendar).unwrap();
    assert!(close(report.total.average_working_days(), 2.0));
    assert!(close(report.total.satisfaction_rate(), 1.0));
}
