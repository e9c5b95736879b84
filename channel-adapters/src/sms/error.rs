//! What can go wrong with an SMS push, and the HTTP status for each.

use thiserror::Error;

/// An SMS request that was refused, or a configuration that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SmsError {
    /// No account of that name is configured.
    #[error("no sms account named {account:?} is configured")]
    UnknownAccount {
        /// The name from the path.
        account: String,
    },
    /// The request carries no signature where the provider signs.
    #[error("sms account {account}: header `{header}` is missing; the request is not signed")]
    MissingSignature {
        /// The account.
        account: String,
        /// The header.
        header: &'static str,
    },
    /// The signature does not match.
    #[error("sms account {account}: {reason}")]
    SignatureMismatch {
        /// The account.
        account: String,
        /// What did not match and what to check.
        reason: String,
    },
    /// The body cannot be read at all.
    #[error("sms account {account}: body {reason}")]
    MalformedBody {
        /// The account.
        account: String,
        /// What is wrong.
        reason: String,
    },
    /// A field is missing or unusable (`[1].content` names the second message of a batch).
    #[error("sms account {account}: field `{field}` {problem}")]
    MalformedField {
        /// The account.
        account: String,
        /// The field, in the provider's naming.
        field: String,
        /// What is wrong, in lower case.
        problem: String,
    },
    /// The configuration cannot run.
    #[error("sms configuration: {reason}")]
    Config {
        /// What is wrong and how to fix it.
        reason: String,
    },
}

impl SmsError {
    /// The HTTP status the daemon answers with.
    pub fn status(&self) -> u16 {
        match self {
            SmsError::UnknownAccount { .. } => 404,
            SmsError::MissingSignature { .. } => 401,
            SmsError::SignatureMismatch { .. } => 403,
            SmsError::MalformedBody { .. } | SmsError::MalformedField { .. } => 400,
            SmsError::Config { .. } => 500,
        }
    }

    /// The field at fault, when one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            SmsError::MalformedField { field, .. } => Some(field),
            _ => None,
        }
    }
}
