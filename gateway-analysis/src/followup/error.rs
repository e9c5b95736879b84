//! Errors of follow-up configuration and of the follow-up machine.

use thiserror::Error;

/// A follow-up configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FollowUpConfigError {
    /// The TOML did not parse or named an unknown field.
    #[error("follow-up config is not valid toml: {message}")]
    Toml {
        /// The parser's message.
        message: String,
    },
    /// `answer_wait_hours` is zero.
    #[error("answer_wait_hours is 0; give the citizen at least one hour to answer")]
    ZeroWait,
    /// A template is empty.
    #[error("{field} is empty; write the text the citizen receives")]
    EmptyTemplate {
        /// The field.
        field: &'static str,
    },
    /// A template names a placeholder other than `{case_number}`.
    #[error("{field} has placeholder {placeholder}; only {{case_number}} is replaced")]
    UnknownPlaceholder {
        /// The field.
        field: &'static str,
        /// The placeholder as written.
        placeholder: String,
    },
    /// No survey choices.
    #[error("choices is empty; list at least one numbered option such as 1 = satisfied")]
    NoChoices,
    /// A choice key is not one or two digits.
    #[error("survey choice key {key:?} is not a number of one or two digits")]
    BadChoiceKey {
        /// The key as written.
        key: String,
    },
    /// A choice means "unclear".
    #[error("survey choice {key:?} has rating unclear; a choice must name a rating")]
    UnclearChoice {
        /// The key as written.
        key: String,
    },
    /// Two choices share a key.
    #[error("survey choice key {key:?} is listed twice")]
    DuplicateChoice {
        /// The key as written.
        key: String,
    },
}

/// A follow-up event the machine's state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FollowUpError {
    /// A reply came when no survey was waiting for one.
    #[error(
        "case {case_number}: a reply arrived but follow-up is {state}, not waiting for one; keep it as a note"
    )]
    NotAsking {
        /// The case.
        case_number: String,
        /// The follow-up state's name.
        state: &'static str,
    },
    /// The case was reported resolved again, but follow-up had not reopened it.
    #[error("case {case_number}: resolved again but follow-up is {state}, not reopened")]
    NotReopened {
        /// The case.
        case_number: String,
        /// The follow-up state's name.
        state: &'static str,
    },
}
