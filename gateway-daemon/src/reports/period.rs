//! The period of a report, from two `YYYY-MM-DD` Beijing days.

use chrono::NaiveDate;
use gateway_analysis::Period;
use thiserror::Error;

/// A period that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PeriodError {
    /// A day is missing.
    #[error("`{name}` is missing; give it as YYYY-MM-DD (a Beijing calendar day)")]
    Missing {
        /// `from` or `to`.
        name: &'static str,
    },
    /// A day does not read as a date.
    #[error("`{name}` is `{value}`, which is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01")]
    NotADate {
        /// `from` or `to`.
        name: &'static str,
        /// What was given.
        value: String,
    },
    /// The first day comes after the last.
    #[error("`from` ({from}) is after `to` ({to}); the period runs from its first day to its last")]
    Backwards {
        /// The first day given.
        from: NaiveDate,
        /// The last day given.
        to: NaiveDate,
    },
}

fn day(name: &'static str, value: Option<&str>) -> Result<NaiveDate, PeriodError> {
    let value = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(PeriodError::Missing { name })?;
    // Exactly four, two and two digits: `2026-1-5` is refused rather than guessed.
    let shaped = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|_| shaped)
        .ok_or_else(|| PeriodError::NotADate {
            name,
            value: value.to_string(),
        })
}

/// The period from `from` to `to`, both Beijing days and both included.
pub fn parse_period(from: Option<&str>, to: Option<&str>) -> Result<Period, PeriodError> {
    let first = day("from", from)?;
    let last = day("to", to)?;
    if first > last {
        return Err(PeriodError::Backwards {
            from: first,
            to: last,
        });
    }
    Ok(Period::new(first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_days_are_read_and_kept_in_order() {
        let period = parse_period(Some("2026-11-01"), Some("2026-11-30")).unwrap();
        assert_eq!(period.first_day.to_string(), "2026-11-01");
        assert_eq!(period.last_day.to_string(), "2026-11-30");
    }

    #[test]
    fn a_missing_or_odd_day_names_the_format() {
        for (from, to) in [
            (None, Some("2026-11-30")),
            (Some("2026/11/01"), Some("2026-11-30")),
            (Some("2026-1-5"), Some("2026-11-30")),
            (Some("2026-11-01"), Some("2026-02-30")),
        ] {
            let error = parse_period(from, to).unwrap_err().to_string();
            assert!(error.contains("YYYY-MM-DD"), "{from:?} {to:?}: {error}");
        }
    }

    #[test]
    fn a_backwards_period_is_refused() {
        let error = parse_period(Some("2026-12-01"), Some("2026-11-01")).unwrap_err();
        assert!(matches!(error, PeriodError::Backwards { .. }), "{error}");
    }
}
