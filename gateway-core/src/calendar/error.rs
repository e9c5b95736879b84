//! What can go wrong loading a calendar or counting on it.

use std::path::PathBuf;

/// An error from the working-day calendar.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// A date fell in a year for which no calendar file is loaded.
    #[error(
        "no working-day calendar is loaded for {year} (loaded: {loaded}); add calendar/{year}.toml \
         from the State Council General Office's holiday notice for {year}"
    )]
    YearNotLoaded {
        /// The year that is missing.
        year: i32,
        /// The years that are loaded, comma-separated.
        loaded: String,
    },
    /// A calendar file could not be read.
    #[error("cannot read calendar file {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A calendar file is not valid TOML of the expected shape.
    #[error("calendar file {file} is malformed: {message}")]
    Parse {
        /// The file's name.
        file: String,
        /// What the parser said.
        message: String,
    },
    /// A calendar file parses but says something impossible.
    #[error("calendar file {file} is wrong: {problem}")]
    Invalid {
        /// The file's name.
        file: String,
        /// What is wrong, and how to fix it.
        problem: String,
    },
    /// Two loaded files describe the same year.
    #[error(
        "the calendar for {year} is given twice ({first} and {second}); keep one file per year"
    )]
    DuplicateYear {
        /// The year.
        year: i32,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },
    /// A directory held no calendar file at all.
    #[error("no calendar files (<year>.toml) found in {path}")]
    Empty {
        /// The directory.
        path: PathBuf,
    },
    /// Date arithmetic left the range chrono can represent.
    #[error("date arithmetic out of range: {what}")]
    OutOfRange {
        /// What was being computed.
        what: String,
    },
}
