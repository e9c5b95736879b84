//! Duplicates (重复件) in the daemon: a report that repeats an open case joins it instead of
//! opening another, so the unit handles one case and sees how many citizens raised it.
//!
//! The map:
//! - [`config`]: the `[cases.duplicates]` section.
//! - [`records`]: the durable links, appeal → case, and their index by case.
//! - [`book`]: the in-memory [`DuplicateIndex`](gateway_analysis::DuplicateIndex), rebuilt
//!   from the store at start.
//! - [`linking`]: intake's open-or-link, and a supervisor's link and unlink by hand.
//! - [`api`]: `POST /api/v1/cases/{n}/duplicates` and
//!   `DELETE /api/v1/cases/{n}/duplicates/{appeal_id}`.

pub mod api;
pub mod book;
pub mod config;
pub mod linking;
pub mod records;

pub use book::DuplicateBook;
pub use config::DuplicatesConfig;
pub use linking::{CaseIntake, DuplicateSummary};
pub use records::{DuplicateLink, LinkBasis};
