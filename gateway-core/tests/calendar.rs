//! The working-day calendar on real dates from the State Council's 2025 and 2026 notices.

use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use gateway_core::calendar::{CalendarError, StartRule, WorkingCalendar, day_of};

fn calendar() -> WorkingCalendar {
    WorkingCalendar::embedded().expect("the embedded calendar files are valid")
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn embedded_calendar_covers_2025_and_2026() {
    assert_eq!(calendar().years(), vec![2025, 2026]);
}

#[test]
fn national_day_2025_and_its_make_up_days() {
    let calendar = calendar();
    // 28 September (Sunday) and 11 October (Saturday) are worked; 1 to 8 October are off.
    assert!(calendar.is_working_day(date("2025-09-28")).unwrap());
    assert!(calendar.is_working_day(date("2025-10-11")).unwrap());
    for day in 1..=8 {
        let off = NaiveDate::from_ymd_opt(2025, 10, day).unwrap();
        assert!(!calendar.is_working_day(off).unwrap(), "{off} is a day off");
    }
    assert!(calendar.is_working_day(date("2025-10-09")).unwrap());
    // The weekend around them is not: Saturday 27 September, Sunday 12 October.
    assert!(!calendar.is_working_day(date("2025-09-27")).unwrap());
    assert!(!calendar.is_working_day(date("2025-10-12")).unwrap());
}

#[test]
fn deadline_across_national_day_2025() {
    let calendar = calendar();
    // Received Tuesday 30 September: day 1 is Thursday 9 October, then 10, 11 (the Saturday
    // make-up day), 13 and 14 October. The deadline is 24:00 on 14 October.
    let deadline = calendar
        .add_working_days(at("2025-09-30T10:00:00+08:00"), 5)
        .unwrap();
    assert_eq!(deadline, at("2025-10-15T00:00:00+08:00"));
    assert_eq!(day_of(deadline), date("2025-10-14"));
}

#[test]
fn deadline_starting_on_the_make_up_sunday_before_national_day() {
    let calendar = calendar();
    // Received Saturday 27 September: day 1 is the make-up Sunday 28, then 29, 30 September,
    // 9 and 10 October.
    let deadline = calendar
        .add_working_days(at("2025-09-27T20:00:00+08:00"), 5)
        .unwrap();
    assert_eq!(deadline, at("2025-10-11T00:00:00+08:00"));
    // Received on the make-up Sunday itself, the day is not counted: day 1 is 29 September.
    let deadline = calendar
        .add_working_days(at("2025-09-28T09:30:00+08:00"), 2)
        .unwrap();
    assert_eq!(deadline, at("2025-10-01T00:00:00+08:00"));
}

#[test]
fn deadline_across_spring_festival_2026() {
    let calendar = calendar();
    assert!(
        calendar.is_working_day(date("2026-02-14")).unwrap(),
        "Saturday make-up day"
    );
    assert!(
        calendar.is_working_day(date("2026-02-28")).unwrap(),
        "Saturday make-up day"
    );
    assert!(
        !calendar.is_working_day(date("2026-02-16")).unwrap(),
        "a Monday off"
    );
    assert!(
        !calendar.is_working_day(date("2026-02-23")).unwrap(),
        "a Monday off"
    );

    // Received Friday 13 February: day 1 is the make-up Saturday 14, then 24, 25, 26 and 27
    // February; day 6 is the make-up Saturday 28 and day 7 Monday 2 March.
    let received = at("2026-02-13T11:00:00+08:00");
    assert_eq!(
        calendar.add_working_days(received, 5).unwrap(),
        at("2026-02-28T00:00:00+08:00")
    );
    assert_eq!(
        calendar.add_working_days(received, 6).unwrap(),
        at("2026-03-01T00:00:00+08:00")
    );
    assert_eq!(
        calendar.add_working_days(received, 7).unwrap(),
        at("2026-03-03T00:00:00+08:00")
    );
}

#[test]
fn same_day_rule_counts_a_working_morning() {
    let calendar = calendar();
    let rule = StartRule::SameDayBefore(NaiveTime::from_hms_opt(17, 0, 0).unwrap());
    // Saturday 14 February 2026 is a make-up working day: a morning appeal counts it as day 1.
    let morning = at("2026-02-14T10:00:00+08:00");
    assert_eq!(
        calendar.deadline_after(morning, 2, rule).unwrap(),
        at("2026-02-25T00:00:00+08:00")
    );
    // After the cut-off it starts the next working day, 24 February.
    let evening = at("2026-02-14T18:00:00+08:00");
    assert_eq!(
        calendar.deadline_after(evening, 2, rule).unwrap(),
        at("2026-02-26T00:00:00+08:00")
    );
    // On a holiday the cut-off does not matter.
    let holiday = at("2026-02-16T09:00:00+08:00");
    assert_eq!(
        calendar.deadline_after(holiday, 1, rule).unwrap(),
        at("2026-02-25T00:00:00+08:00")
    );
}

#[test]
fn midnight_receipt_belongs_to_the_day_before() {
    let calendar = calendar();
    // 00:00 on 9 October is 24:00 on 8 October (a holiday): day 1 is 9 October.
    let deadline = calendar
        .add_working_days(at("2025-10-09T00:00:00+08:00"), 1)
        .unwrap();
    assert_eq!(deadline, at("2025-10-10T00:00:00+08:00"));
    // One second later it is 9 October, which is then not counted.
    let deadline = calendar
        .add_working_days(at("2025-10-09T00:00:01+08:00"), 1)
        .unwrap();
    assert_eq!(deadline, at("2025-10-11T00:00:00+08:00"));
}

#[test]
fn deadline_running_into_an_unloaded_year_is_an_error_naming_it() {
    let calendar = calendar();
    // Tuesday 29 December 2026: days 1 and 2 are 30 and 31 December, day 3 needs 2027.
    let error = calendar
        .add_working_days(at("2026-12-29T10:00:00+08:00"), 5)
        .unwrap_err();
    match &error {
        CalendarError::YearNotLoaded { year, .. } => assert_eq!(*year, 2027),
        other => panic!("expected YearNotLoaded, got {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.contains("2027") && message.contains("2025, 2026"),
        "{message}"
    );

    // Two working days still fit in 2026.
    assert_eq!(
        calendar
            .add_working_days(at("2026-12-29T10:00:00+08:00"), 2)
            .unwrap(),
        at("2027-01-01T00:00:00+08:00")
    );
    assert!(matches!(
        calendar.is_working_day(date("2024-06-03")),
        Err(CalendarError::YearNotLoaded { year: 2024, .. })
    ));
}

#[test]
fn shifting_a_deadline_keeps_24_00_and_skips_holidays() {
    let calendar = calendar();
    let deadline = at("2025-10-01T00:00:00+08:00"); // 24:00 on 30 September
    assert_eq!(
        calendar.shift_instant(deadline, 3).unwrap(),
        at("2025-10-12T00:00:00+08:00") // 24:00 on 11 October, the make-up Saturday
    );
    assert_eq!(
        calendar
            .shift_instant(at("2025-10-10T00:00:00+08:00"), -1)
            .unwrap(),
        at("2025-10-01T00:00:00+08:00")
    );
    assert_eq!(calendar.shift_instant(deadline, 0).unwrap(), deadline);
    // A mid-day instant keeps its time of day.
    assert_eq!(
        calendar
            .shift_instant(at("2025-09-30T15:30:00+08:00"), 1)
            .unwrap(),
        at("2025-10-09T15:30:00+08:00")
    );
}

#[test]
fn working_days_between_counts_days_after_the_first() {
    let calendar = calendar();
    let from = at("2025-09-30T10:00:00+08:00");
    assert_eq!(calendar.working_days_between(from, from).unwrap(), 0);
    // 9, 10, 11 and 13 October.
    let to = at("2025-10-13T16:00:00+08:00");
    assert_eq!(calendar.working_days_between(from, to).unwrap(), 4);
    assert_eq!(calendar.working_days_between(to, from).unwrap(), -4);
    // The whole holiday counts for nothing.
    let holiday_end = at("2025-10-08T23:00:00+08:00");
    assert_eq!(calendar.working_days_between(from, holiday_end).unwrap(), 0);
}

#[test]
fn hours_count_through_holidays() {
    let calendar = calendar();
    assert_eq!(
        calendar
            .add_hours(at("2025-10-01T08:00:00+08:00"), 24)
            .unwrap(),
        at("2025-10-02T08:00:00+08:00")
    );
}

#[test]
fn yearly_working_day_totals_match_an_independent_count() {
    use chrono::Datelike as _;
    let calendar = calendar();
    let working_days_in = |year: i32| {
        NaiveDate::from_ymd_opt(year, 1, 1)
            .unwrap()
            .iter_days()
            .take_while(|d| d.year() == year)
            .filter(|d| calendar.is_working_day(*d).unwrap())
            .count()
    };
    // Counted apart from this crate, from the notices' day lists with Python's datetime:
    // 2025 has 28 days off (10 on weekends) and 5 make-up days, 2026 has 33 (14 on weekends)
    // and 6; both years come to 248 working days.
    assert_eq!(working_days_in(2025), 248);
    assert_eq!(working_days_in(2026), 248);
}

#[test]
fn loading_from_the_crate_directory_matches_the_embedded_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("calendar");
    let loaded = WorkingCalendar::from_dir(&dir).unwrap();
    let embedded = calendar();
    assert_eq!(loaded.years(), embedded.years());
    for day in date("2025-01-01").iter_days().take(730) {
        assert_eq!(
            loaded.is_working_day(day).unwrap(),
            embedded.is_working_day(day).unwrap(),
            "{day}"
        );
    }
}

#[test]
fn a_file_named_for_another_year_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("../calendar/2026.toml");
    std::fs::write(dir.path().join("2027.toml"), text).unwrap();
    let error = WorkingCalendar::from_dir(dir.path()).unwrap_err();
    assert!(error.to_string().contains("named for 2027"), "{error}");
}

#[test]
fn an_empty_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "not a calendar").unwrap();
    assert!(matches!(
        WorkingCalendar::from_dir(dir.path()),
        Err(CalendarError::Empty { .. })
    ));
}

#[test]
fn the_same_year_twice_is_refused() {
    let text = include_str!("../calendar/2025.toml");
    let error = WorkingCalendar::from_sources([("a.toml", text), ("b.toml", text)]).unwrap_err();
    assert!(
        matches!(error, CalendarError::DuplicateYear { year: 2025, .. }),
        "{error}"
    );
}

mod properties {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn start() -> impl Strategy<Value = DateTime<Utc>> {
        // Any minute from 1 January 2025 to mid-November 2026, so every count stays in 2026.
        (0i64..(680 * 24 * 60))
            .prop_map(|minutes| at("2025-01-01T00:00:00+08:00") + Duration::minutes(minutes))
    }

    proptest! {
        #[test]
        fn a_deadline_ends_a_working_day_and_counts_back_to_n(start in start(), n in 1u32..20) {
            let calendar = calendar();
            let deadline = calendar.add_working_days(start, n).unwrap();
            prop_assert!(calendar.is_working_day(day_of(deadline)).unwrap());
            prop_assert_eq!(calendar.working_days_between(start, deadline).unwrap(), i64::from(n));
            prop_assert!(deadline > start);
            // One more working day always ends later.
            prop_assert!(calendar.add_working_days(start, n + 1).unwrap() > deadline);
        }

        #[test]
        fn shifting_there_and_back_returns_to_a_working_day_deadline(start in start(), k in -10i64..10) {
            let calendar = calendar();
            let deadline = calendar.add_working_days(start, 12).unwrap();
            let there = calendar.shift_instant(deadline, k).unwrap();
            prop_assert_eq!(calendar.shift_instant(there, -k).unwrap(), deadline);
            prop_assert_eq!(calendar.working_days_between(deadline, there).unwrap(), k);
        }

        #[test]
        fn any_calendar_text_is_an_answer_or_an_error_never_a_panic(text in "\\PC{0,300}") {
            let _ = WorkingCalendar::from_sources([("fuzz.toml", text.as_str())]);
        }

        #[test]
        fn odd_years_and_dates_are_refused_cleanly(
            year in any::<i32>(),
            first in "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            last in "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            make_up in "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        ) {
            let text = format!(
                "year = {year}\nnotice = \"n\"\nnotice_date = \"2024-11-12\"\n[[holidays]]\n\
                 name = \"x\"\nfirst_day_off = \"{first}\"\nlast_day_off = \"{last}\"\n\
                 make_up_working_days = [\"{make_up}\"]\n"
            );
            let _ = WorkingCalendar::from_sources([("fuzz.toml", text.as_str())]);
        }
    }
}
