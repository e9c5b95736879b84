//! The working-day calendar: which days are worked, and counting working days on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};

use super::shanghai::{local_time, time_into_day};
use super::{CalendarError, YearFile, day_of, end_of_day, start_of_day};

/// The calendar files compiled into the crate, by file name.
const EMBEDDED: [(&str, &str); 2] = [
    ("2025.toml", include_str!("../../calendar/2025.toml")),
    ("2026.toml", include_str!("../../calendar/2026.toml")),
];

/// Which day a working-day count starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartRule {
    /// The day of receipt is never counted: working day 1 is the first working day after it.
    #[default]
    NextWorkingDay,
    /// The day of receipt is working day 1 when it is a working day and the appeal came in
    /// before this local (Asia/Shanghai) time; otherwise as [`StartRule::NextWorkingDay`].
    SameDayBefore(NaiveTime),
}

/// The working days of the years whose State Council notices are loaded.
///
/// A day is a working day when it is Monday to Friday and not a day off, or when it is a
/// Saturday or Sunday listed as a make-up working day (调休上班). Asking about a year that is not
/// loaded is [`CalendarError::YearNotLoaded`].
// Limitation: only the national notices are modelled; a province's or county's own extra
// days off (or a unit's shift roster) are not, and would need their own file format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    /// Loaded years and the file each came from.
    years: BTreeMap<i32, String>,
    days_off: BTreeSet<NaiveDate>,
    make_up_working_days: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    /// The calendar files compiled into the crate (2025 and 2026).
    pub fn embedded() -> Result<WorkingCalendar, CalendarError> {
        WorkingCalendar::from_sources(EMBEDDED)
    }

    /// A calendar from `(file name, text)` pairs, one per year.
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<WorkingCalendar, CalendarError> {
        let mut calendar = WorkingCalendar::default();
        for (file, text) in sources {
            calendar.add(file, &YearFile::parse(file, text)?)?;
        }
        Ok(calendar)
    }

    /// A calendar from every `<year>.toml` in `dir`; other files are ignored. Each file's
    /// `year` must match its name.
    pub fn from_dir(dir: &Path) -> Result<WorkingCalendar, CalendarError> {
        let io = |source| CalendarError::Io {
            path: dir.to_path_buf(),
            source,
        };

        // Collect the year files in name order, so errors come out the same every time.
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let is_toml = path.extension().is_some_and(|ext| ext == "toml");
            let year = path
                .file_stem()
                .and_then(|stem| stem.to_str())
                .and_then(|stem| stem.parse::<i32>().ok());
            if let (true, Some(year)) = (is_toml, year) {
                files.insert(year, path);
            }
        }
        if files.is_empty() {
            return Err(CalendarError::Empty {
                path: dir.to_path_buf(),
            });
        }

        let mut calendar = WorkingCalendar::default();
        for (year, path) in files {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|source| CalendarError::Io {
                path: path.clone(),
                source,
            })?;
            let parsed = YearFile::parse(&name, &text)?;
            if parsed.year != year {
                return Err(CalendarError::Invalid {
                    file: name,
                    problem: format!(
                        "the file is named for {year} but says year = {}; rename it or fix the year",
                        parsed.year
                    ),
                });
            }
            calendar.add(&name, &parsed)?;
        }
        Ok(calendar)
    }

    /// Adds one checked year file.
    fn add(&mut self, file: &str, parsed: &YearFile) -> Result<(), CalendarError> {
        let days = parsed.check(file)?;
        if let Some(first) = self.years.get(&days.year) {
            return Err(CalendarError::DuplicateYear {
                year: days.year,
                first: first.clone(),
                second: file.to_string(),
            });
        }
        self.years.insert(days.year, file.to_string());
        self.days_off.extend(days.days_off);
        self.make_up_working_days.extend(days.make_up_working_days);
        Ok(())
    }

    /// The loaded years, in order.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// Whether the calendar for `year` is loaded.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Whether `date` is a working day; an error if its year is not loaded.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        if !self.covers(date.year()) {
            return Err(CalendarError::YearNotLoaded {
                year: date.year(),
                loaded: self
                    .years()
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        if self.make_up_working_days.contains(&date) {
            return Ok(true);
        }
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        Ok(!weekend && !self.days_off.contains(&date))
    }

    /// The `count`-th working day after `date` (before it when `count` is negative); `date`
    /// itself when `count` is zero. `date` need not be a working day.
    pub fn shift_date(&self, date: NaiveDate, count: i64) -> Result<NaiveDate, CalendarError> {
        let mut current = date;
        let mut left = count.unsigned_abs();
        while left > 0 {
            let next = if count > 0 {
                current.succ_opt()
            } else {
                current.pred_opt()
            };
            current = next.ok_or_else(|| CalendarError::OutOfRange {
                what: format!("{count} working days from {date}"),
            })?;
            if self.is_working_day(current)? {
                left -= 1;
            }
        }
        Ok(current)
    }

    /// The deadline `working_days` working days after `start`, counting by the default rule:
    /// the day of receipt is not counted, and the deadline is 24:00 Asia/Shanghai at the end of
    /// the last working day. See [`WorkingCalendar::deadline_after`].
    pub fn add_working_days(
        &self,
        start: DateTime<Utc>,
        working_days: u32,
    ) -> Result<DateTime<Utc>, CalendarError> {
        self.deadline_after(start, working_days, StartRule::NextWorkingDay)
    }

    /// The deadline `working_days` working days after `start` by `rule`: 24:00 Asia/Shanghai at
    /// the end of working day number `working_days`, where day 1 is the first working day after
    /// the day of `start` (or the day of `start` itself, when `rule` says so and it applies).
    /// Zero working days gives the end of the day before day 1.
    pub fn deadline_after(
        &self,
        start: DateTime<Utc>,
        working_days: u32,
        rule: StartRule,
    ) -> Result<DateTime<Utc>, CalendarError> {
        // The anchor is the day before working day 1.
        let received = day_of(start);
        let mut anchor = received;
        if let StartRule::SameDayBefore(cutoff) = rule {
            // 00:00 exactly is 24:00 of the day before, never "before the cut-off".
            let time = local_time(start);
            let same_day =
                time != NaiveTime::MIN && time < cutoff && self.is_working_day(received)?;
            if same_day {
                anchor = received
                    .pred_opt()
                    .ok_or_else(|| CalendarError::OutOfRange {
                        what: format!("the day before {received}"),
                    })?;
            }
        }

        // The deadline is the end of the Nth working day after the anchor.
        let last_day = self.shift_date(anchor, i64::from(working_days))?;
        end_of_day(last_day)
    }

    /// `at` moved by `count` working days (backwards when negative), keeping its time of day:
    /// it lands on the `count`-th working day after (or before) the day `at` belongs to. An
    /// instant at 24:00 stays at 24:00, so a deadline extended by 3 working days is 24:00 on
    /// the third working day after its day.
    pub fn shift_instant(
        &self,
        at: DateTime<Utc>,
        count: i64,
    ) -> Result<DateTime<Utc>, CalendarError> {
        let into_day = time_into_day(at);
        let day = self.shift_date(day_of(at), count)?;
        Ok(start_of_day(day) + into_day)
    }

    /// How many working days lie between two instants: the working days after the day `from`
    /// belongs to, up to and including the day `to` belongs to (days as [`day_of`] counts
    /// them). Negative when `to` is on an earlier day than `from`.
    ///
    /// So a case paused on Monday morning and resumed on Wednesday afternoon lost two working
    /// days (Tuesday and Wednesday), and a case resumed the same day lost none.
    pub fn working_days_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<i64, CalendarError> {
        let (first, last, sign) = if from <= to {
            (day_of(from), day_of(to), 1)
        } else {
            (day_of(to), day_of(from), -1)
        };
        let mut count = 0;
        let mut current = first;
        while current < last {
            current = current
                .succ_opt()
                .ok_or_else(|| CalendarError::OutOfRange {
                    what: format!("the day after {current}"),
                })?;
            if self.is_working_day(current)? {
                count += 1;
            }
        }
        Ok(sign * count)
    }

    /// An instant `hours` calendar hours after `start`: holidays and nights count.
    pub fn add_hours(
        &self,
        start: DateTime<Utc>,
        hours: u32,
    ) -> Result<DateTime<Utc>, CalendarError> {
        start
            .checked_add_signed(Duration::hours(i64::from(hours)))
            .ok_or_else(|| CalendarError::OutOfRange {
                what: format!("{hours} hours after {start}"),
            })
    }
}
