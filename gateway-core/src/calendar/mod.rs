//! The working-day calendar (工作日 / 调休) and how deadlines are counted on it.
//!
//! Chinese working days are not simply Monday to Friday: each year the State Council General
//! Office publishes which days are public holidays (放假) and which Saturdays and Sundays are
//! working days instead (调休上班). One data file per year (`calendar/<year>.toml` in this
//! crate) lists those exceptions; [`WorkingCalendar::embedded`] carries the files compiled in,
//! [`WorkingCalendar::from_dir`] reads a directory of them.
//!
//! # How time is counted
//!
//! All counting happens in Asia/Shanghai time, which is UTC+08:00 all year (China has kept
//! no daylight saving time since 1991, so a fixed offset is exact).
//!
//! - **An instant belongs to a day** `(00:00, 24:00]`: an instant at exactly 00:00 is the end
//!   (24:00) of the day before. This is what lets a deadline be "24:00 on the Nth working day"
//!   and still be one instant.
//! - **The day of receipt is not counted** (开始的当日不计入, as 《民法典》 art. 201 counts
//!   periods in days): working day 1 is the first working day after the day the appeal was
//!   received. An appeal received on a holiday, at night or during office hours alike starts on
//!   the next working day. [`StartRule::SameDayBefore`] instead counts the day of receipt when
//!   the appeal came in on a working day before a cut-off time.
//! - **A working-day deadline is the end of the Nth working day**, 24:00 Asia/Shanghai.
//! - **An hours deadline counts calendar hours** from the instant of receipt, holidays included.
//! - **Moving an instant by N working days** keeps its time of day and lands on the Nth working
//!   day after (or before) its day; a deadline at 24:00 stays at 24:00.
//! - **A date in a year with no loaded calendar is an error** naming the year, never a guess.

mod error;
mod shanghai;
mod working;
mod year;

pub use error::CalendarError;
pub use shanghai::{SHANGHAI_OFFSET_SECONDS, day_of, end_of_day, start_of_day, to_shanghai};
pub use working::{StartRule, WorkingCalendar};
pub use year::{HolidayEntry, YearFile};
