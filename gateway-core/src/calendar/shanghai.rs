//! Days and instants in Asia/Shanghai time (UTC+08:00, no daylight saving time).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, Utc};

use super::CalendarError;

/// The offset of Asia/Shanghai from UTC, in seconds. China has kept no daylight saving time
/// since 1991, so this offset holds for every date the hotline deals with.
pub const SHANGHAI_OFFSET_SECONDS: i32 = 8 * 3600;

fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(SHANGHAI_OFFSET_SECONDS)
        .expect("UTC+08:00 is within chrono's offset range")
}

/// An instant in Asia/Shanghai local time, for display.
pub fn to_shanghai(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&shanghai())
}

/// The Asia/Shanghai day an instant belongs to, counting days as `(00:00, 24:00]`: an instant at
/// exactly 00:00 is 24:00 of the day before.
pub fn day_of(at: DateTime<Utc>) -> NaiveDate {
    let local = at.with_timezone(&shanghai());
    let date = local.date_naive();
    if local.time() == NaiveTime::MIN {
        date.pred_opt().unwrap_or(date)
    } else {
        date
    }
}

/// 00:00 Asia/Shanghai at the start of `date`.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    // A fixed offset maps every local time to exactly one instant: subtract it.
    date.and_time(NaiveTime::MIN).and_utc() - Duration::seconds(i64::from(SHANGHAI_OFFSET_SECONDS))
}

/// 24:00 Asia/Shanghai at the end of `date`, that is 00:00 of the next day.
pub fn end_of_day(date: NaiveDate) -> Result<DateTime<Utc>, CalendarError> {
    let next = date.succ_opt().ok_or_else(|| CalendarError::OutOfRange {
        what: format!("the day after {date}"),
    })?;
    Ok(start_of_day(next))
}

/// How far into its day (as [`day_of`] counts it) an instant is: more than zero, at most 24 h.
pub(crate) fn time_into_day(at: DateTime<Utc>) -> Duration {
    at - start_of_day(day_of(at))
}

/// The local time of day of an instant in Asia/Shanghai, for cut-off comparisons.
pub(crate) fn local_time(at: DateTime<Utc>) -> NaiveTime {
    at.with_timezone(&shanghai()).time()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn midnight_belongs_to_the_day_before() {
        let midnight = utc("2025-10-09T00:00:00+08:00");
        assert_eq!(
            day_of(midnight),
            NaiveDate::from_ymd_opt(2025, 10, 8).unwrap()
        );
        let just_after = utc("2025-10-09T00:00:01+08:00");
        assert_eq!(
            day_of(just_after),
            NaiveDate::from_ymd_opt(2025, 10, 9).unwrap()
        );
    }

    #[test]
    fn utc_evening_is_the_next_shanghai_day() {
        // 17:00 UTC is 01:00 the next morning in Shanghai.
        let at = utc("2025-09-30T17:00:00Z");
        assert_eq!(day_of(at), NaiveDate::from_ymd_opt(2025, 10, 1).unwrap());
    }

    #[test]
    fn end_of_day_is_next_midnight_local() {
        let date = NaiveDate::from_ymd_opt(2025, 10, 9).unwrap();
        assert_eq!(end_of_day(date).unwrap(), utc("2025-10-09T16:00:00Z"));
        assert_eq!(day_of(end_of_day(date).unwrap()), date);
        assert_eq!(
            time_into_day(end_of_day(date).unwrap()),
            Duration::hours(24)
        );
    }
}
