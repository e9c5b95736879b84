//! One year's calendar file: the holidays and make-up working days of one State Council notice.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::CalendarError;

/// The longest run of days off one holiday may have. The longest so far is nine (Spring
/// Festival 2026); a longer range is almost certainly a typing error in the file.
const MAX_HOLIDAY_DAYS: i64 = 14;

/// A calendar file for one year, as written in `calendar/<year>.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearFile {
    /// The year the notice covers.
    pub year: i32,
    /// The notice's title (and document number, when known).
    pub notice: String,
    /// The date the notice was issued, `YYYY-MM-DD`.
    pub notice_date: String,
    /// The holidays, in the notice's order.
    pub holidays: Vec<HolidayEntry>,
}

/// One holiday of a notice: a run of days off and the weekend days worked instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayEntry {
    /// The holiday's Chinese name, e.g. `国庆节、中秋节`.
    pub name: String,
    /// The first day off, `YYYY-MM-DD`.
    pub first_day_off: String,
    /// The last day off, inclusive, `YYYY-MM-DD`.
    pub last_day_off: String,
    /// Saturdays and Sundays that are working days because of this holiday (调休上班).
    #[serde(default)]
    pub make_up_working_days: Vec<String>,
}

/// The checked content of one year file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct YearDays {
    pub(crate) year: i32,
    pub(crate) days_off: BTreeSet<NaiveDate>,
    pub(crate) make_up_working_days: BTreeSet<NaiveDate>,
}

impl YearFile {
    /// Parses a calendar file's text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<YearFile, CalendarError> {
        toml::from_str(text).map_err(|error| CalendarError::Parse {
            file: file.to_string(),
            message: error.to_string(),
        })
    }

    /// Checks every date and returns the days off and make-up working days.
    pub(crate) fn check(&self, file: &str) -> Result<YearDays, CalendarError> {
        let invalid = |problem: String| CalendarError::Invalid {
            file: file.to_string(),
            problem,
        };

        // A year the hotline can meet; this also keeps the date arithmetic below in range.
        if !(1990..=2200).contains(&self.year) {
            return Err(invalid(format!(
                "year {} is not a year between 1990 and 2200",
                self.year
            )));
        }

        // The notice date comes before the year it announces.
        let notice_date =
            parse_date(&self.notice_date).map_err(|p| invalid(format!("notice_date: {p}")))?;
        if notice_date.year() > self.year {
            return Err(invalid(format!(
                "notice_date {notice_date} is after the year {} it announces",
                self.year
            )));
        }

        let mut days = YearDays {
            year: self.year,
            ..YearDays::default()
        };
        for holiday in &self.holidays {
            let field = |name: &str| format!("holiday {}: {name}", holiday.name);
            let first = parse_date(&holiday.first_day_off)
                .map_err(|p| invalid(format!("{}: {p}", field("first_day_off"))))?;
            let last = parse_date(&holiday.last_day_off)
                .map_err(|p| invalid(format!("{}: {p}", field("last_day_off"))))?;

            // A holiday is a short run of days near its year (New Year can start in December).
            let length = (last - first).num_days() + 1;
            if !(1..=MAX_HOLIDAY_DAYS).contains(&length) {
                return Err(invalid(format!(
                    "{}: runs from {first} to {last}, which is not 1 to {MAX_HOLIDAY_DAYS} days",
                    field("days off")
                )));
            }
            for date in [first, last] {
                if (date.year() - self.year).abs() > 1 {
                    return Err(invalid(format!(
                        "{}: {date} is not in or next to {}",
                        field("days off"),
                        self.year
                    )));
                }
            }
            for date in first.iter_days().take(length as usize) {
                if !days.days_off.insert(date) {
                    return Err(invalid(format!(
                        "{}: {date} is listed twice",
                        field("days off")
                    )));
                }
            }

            // Make-up working days are always weekend days that would otherwise be off.
            for text in &holiday.make_up_working_days {
                let date = parse_date(text)
                    .map_err(|p| invalid(format!("{}: {p}", field("make_up_working_days"))))?;
                if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                    return Err(invalid(format!(
                        "{}: {date} is a {:?}; a make-up working day (调休上班) is always a \
                         Saturday or Sunday",
                        field("make_up_working_days"),
                        date.weekday()
                    )));
                }
                if (date.year() - self.year).abs() > 1 {
                    return Err(invalid(format!(
                        "{}: {date} is not in or next to {}",
                        field("make_up_working_days"),
                        self.year
                    )));
                }
                days.make_up_working_days.insert(date);
            }
        }

        // No day is both off and worked.
        if let Some(date) = days
            .days_off
            .intersection(&days.make_up_working_days)
            .next()
        {
            return Err(invalid(format!(
                "{date} is listed both as a day off and as a make-up working day"
            )));
        }
        Ok(days)
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date; write it as YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(holiday: &str) -> String {
        format!(
            "year = 2025\nnotice = \"test\"\nnotice_date = \"2024-11-12\"\n[[holidays]]\n{holiday}\n"
        )
    }

    #[test]
    fn weekday_make_up_day_is_refused() {
        let text = file_with(
            "name = \"x\"\nfirst_day_off = \"2025-10-01\"\nlast_day_off = \"2025-10-08\"\n\
             make_up_working_days = [\"2025-10-09\"]",
        );
        let error = YearFile::parse("2025.toml", &text)
            .unwrap()
            .check("2025.toml")
            .unwrap_err();
        assert!(
            error.to_string().contains("always a Saturday or Sunday"),
            "{error}"
        );
    }

    #[test]
    fn reversed_range_is_refused() {
        let text = file_with(
            "name = \"x\"\nfirst_day_off = \"2025-10-08\"\nlast_day_off = \"2025-10-01\"",
        );
        let error = YearFile::parse("2025.toml", &text)
            .unwrap()
            .check("2025.toml")
            .unwrap_err();
        assert!(error.to_string().contains("not 1 to 14 days"), "{error}");
    }

    #[test]
    fn malformed_date_names_the_field() {
        let text = file_with(
            "name = \"x\"\nfirst_day_off = \"2025/10/01\"\nlast_day_off = \"2025-10-01\"",
        );
        let error = YearFile::parse("2025.toml", &text)
            .unwrap()
            .check("2025.toml")
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("first_day_off") && message.contains("YYYY-MM-DD"),
            "{message}"
        );
    }

    #[test]
    fn unknown_field_is_refused() {
        let text = file_with(
            "name = \"x\"\nfirst_day_off = \"2025-10-01\"\nlast_day_off = \"2025-10-01\"\nlength = 1",
        );
        let error = YearFile::parse("2025.toml", &text).unwrap_err();
        assert!(error.to_string().contains("length"), "{error}");
    }
}
