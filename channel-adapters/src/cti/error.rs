//! What can go wrong with a CTI request, and the HTTP status for each.

use thiserror::Error;

/// A CTI request that was refused, or a configuration that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CtiError {
    /// The token in the path is not the configured one.
    #[error(
        "cti token in the path does not match the configured token; check the pbx's webhook url"
    )]
    WrongToken,
    /// The body is neither JSON nor form data.
    #[error("cti body is not a json object nor form data: {reason}")]
    MalformedBody {
        /// What the parser said.
        reason: String,
    },
    /// A field is missing or has an unusable value.
    #[error("cti field `{field}` {problem}")]
    MalformedField {
        /// The field, as the CTI API names it.
        field: &'static str,
        /// What is wrong, in lower case.
        problem: String,
    },
    /// The configuration cannot run.
    #[error("cti configuration: {reason}")]
    Config {
        /// What is wrong and how to fix it.
        reason: String,
    },
}

impl CtiError {
    /// The HTTP status the daemon answers with.
    pub fn status(&self) -> u16 {
        match self {
            CtiError::WrongToken => 403,
            CtiError::MalformedBody { .. } | CtiError::MalformedField { .. } => 400,
            CtiError::Config { .. } => 500,
        }
    }

    /// The field at fault, when one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CtiError::MalformedField { field, .. } => Some(field),
            _ => None,
        }
    }
}
