//! Errors of computing and writing reports.

use thiserror::Error;

use gateway_core::calendar::CalendarError;

/// A report that could not be computed or written.
#[derive(Debug, Error)]
pub enum ReportError {
    /// Working days could not be counted for a case (a year outside the calendar).
    #[error(
        "case {case_number}: cannot count working days: {source}; add the year's calendar file"
    )]
    Calendar {
        /// The case.
        case_number: String,
        /// The calendar's error.
        source: CalendarError,
    },
    /// Writing CSV failed.
    #[error("cannot write csv: {0}")]
    Csv(#[from] csv::Error),
    /// Writing failed.
    #[error("cannot write report: {0}")]
    Io(#[from] std::io::Error),
}
