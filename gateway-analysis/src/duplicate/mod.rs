//! Duplicates (重复件): the same matter reported again, by the same citizen on any channel or
//! by others about the same place and topic, is linked to the open case instead of being
//! dispatched again.
//!
//! [`DuplicateIndex`] holds the appeals already dispatched with their cases; a new appeal is
//! compared on character [`Shingles`] of its title and body (see the index for the score).
//! Links can be made and undone by hand, and each group counts its citizens.

mod config;
mod index;
mod shingle;

pub use config::{DuplicateConfig, DuplicateConfigError};
pub use index::{
    CaseRef, DuplicateError, DuplicateIndex, DuplicateMatch, GroupSummary, MatchBasis,
};
pub use shingle::{Shingles, jaccard};
