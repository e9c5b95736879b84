//! Messages to the WeChat Official Account (微信公众号).
//!
//! The platform checks the URL once with a GET (`echostr`), then pushes every message as XML,
//! signed with the account's token, and in safe mode (安全模式) encrypted with AES-256-CBC
//! under the EncodingAESKey. Text, voice (by its `Recognition` text), image, video,
//! location and link messages become appeals, keyed by `MsgId`; events (subscribe, menu
//! clicks, location reports) do not, and are keyed by sender and `CreateTime`. The passive
//! reply tells the citizen the case number, from a template the operator edits.
//!
//! Standards followed: the platform's "消息推送" and "消息加解密" documents; the scheme is
//! cross-checked against wechatpy in the crate's tests.

mod adapter;
mod config;
pub mod crypto;
mod error;
mod message;

pub use adapter::{WechatAdapter, WechatPush};
pub use config::{EncryptionMode, WechatConfig};
pub use crypto::{Decrypted, WechatCrypto};
pub use error::WechatError;
pub use message::WechatEvent;
