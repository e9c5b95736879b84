//! What can go wrong with a WeChat push, and the HTTP status for each.

use thiserror::Error;

/// A WeChat request that was refused, or a configuration that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WechatError {
    /// A query parameter the signature needs is absent.
    #[error("wechat query parameter `{name}` is missing; the request is not signed")]
    MissingSignature {
        /// `signature`, `msg_signature`, `timestamp` or `nonce`.
        name: &'static str,
    },
    /// A signature does not match what the token gives.
    #[error(
        "wechat `{name}` does not match; check that the token (and in safe mode the encoding_aes_key) is the one set on the platform"
    )]
    SignatureMismatch {
        /// `signature` or `msg_signature`.
        name: &'static str,
    },
    /// The message was encrypted for another account.
    #[error(
        "wechat message was encrypted for `{found}`, not for this account `{expected}`; check app_id"
    )]
    WrongAccount {
        /// The configured AppID.
        expected: String,
        /// The trailing id in the plaintext.
        found: String,
    },
    /// The body is not XML.
    #[error("wechat body is not well-formed xml: {reason}")]
    MalformedXml {
        /// What the parser said.
        reason: String,
    },
    /// A field is missing or unusable.
    #[error("wechat field `{field}` {problem}")]
    MalformedField {
        /// The element or parameter, as WeChat names it.
        field: &'static str,
        /// What is wrong, in lower case.
        problem: String,
    },
    /// The method is neither GET (URL check) nor POST (push).
    #[error("wechat endpoint takes get (url check) and post (push), not {method}")]
    MethodNotAllowed {
        /// The method received.
        method: String,
    },
    /// The configuration cannot run.
    #[error("wechat configuration: {reason}")]
    Config {
        /// What is wrong and how to fix it.
        reason: String,
    },
}

impl WechatError {
    /// The HTTP status the daemon answers with.
    pub fn status(&self) -> u16 {
        match self {
            WechatError::MissingSignature { .. } => 401,
            WechatError::SignatureMismatch { .. } | WechatError::WrongAccount { .. } => 403,
            WechatError::MalformedXml { .. } | WechatError::MalformedField { .. } => 400,
            WechatError::MethodNotAllowed { .. } => 405,
            WechatError::Config { .. } => 500,
        }
    }
}
