//! What can be wrong with a form submission: a message for the citizen, a status for HTTP.

use serde_json::json;
use thiserror::Error;

use crate::webhook::WebhookReply;

/// A submission that was refused, or a configuration that cannot run.
///
/// Each refusal names the form field and carries the Chinese message shown beside it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WebFormError {
    /// A required field is empty.
    #[error("web form field `{field}` is required")]
    MissingField {
        /// The form field.
        field: &'static str,
        /// What the citizen reads.
        message: String,
    },
    /// A field is too long.
    #[error("web form field `{field}` is longer than {max_chars} characters")]
    TooLong {
        /// The form field.
        field: &'static str,
        /// The limit.
        max_chars: usize,
        /// What the citizen reads.
        message: String,
    },
    /// A file was refused (type, size or count).
    #[error("web form file {file:?} refused: {problem}")]
    FileRefused {
        /// The file name, or the field name when the file has none.
        file: String,
        /// What is wrong, in lower case.
        problem: String,
        /// What the citizen reads.
        message: String,
    },
    /// A field has a shape the form never sends (a list where text belongs, a long key).
    #[error("web form field `{field}` {problem}")]
    MalformedField {
        /// The field.
        field: String,
        /// What is wrong, in lower case.
        problem: String,
    },
    /// The body is neither JSON nor form data.
    #[error("web form body is not a json object nor form data: {reason}")]
    MalformedBody {
        /// What the parser said.
        reason: String,
    },
    /// The configuration cannot run.
    #[error("web form configuration: {reason}")]
    Config {
        /// What is wrong and how to fix it.
        reason: String,
    },
}

impl WebFormError {
    /// The HTTP status the daemon answers with.
    pub fn status(&self) -> u16 {
        match self {
            WebFormError::Config { .. } => 500,
            _ => 400,
        }
    }

    /// The form field at fault, when one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            WebFormError::MissingField { field, .. } | WebFormError::TooLong { field, .. } => {
                Some(field)
            }
            WebFormError::FileRefused { .. } => Some("files"),
            WebFormError::MalformedField { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The message for the citizen, in Chinese.
    pub fn citizen_message(&self) -> String {
        match self {
            WebFormError::MissingField { message, .. }
            | WebFormError::TooLong { message, .. }
            | WebFormError::FileRefused { message, .. } => message.clone(),
            WebFormError::MalformedField { .. } | WebFormError::MalformedBody { .. } => {
                "提交的内容格式有误，请刷新页面后重新填写。".to_string()
            }
            WebFormError::Config { .. } => "系统暂时无法受理，请稍后再试或拨打12345。".to_string(),
        }
    }

    /// The JSON answer the form page shows: `{"error", "field", "message"}`.
    pub fn to_reply(&self) -> WebhookReply {
        let mut reply = WebhookReply::json(&json!({
            "error": self.to_string(),
            "field": self.field(),
            "message": self.citizen_message(),
        }));
        reply.status = self.status();
        reply
    }
}
