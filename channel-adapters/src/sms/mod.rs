//! Inbound SMS (上行短信) from three providers' HTTP pushes.
//!
//! - **Alibaba Cloud SmsUp** (`type = "aliyun"`): a JSON array of messages, answered
//!   `{"code":0,"msg":"接收成功"}`.
//! - **Tencent Cloud** reply callback (`type = "tencent"`): one JSON object, answered
//!   `{"result":0,"errmsg":"OK"}`.
//! - **Twilio** (`type = "twilio"`): form fields signed with `X-Twilio-Signature`, answered
//!   with TwiML.
//!
//! Accounts are named in the config and in the webhook path (`/sms/{account}`); an unknown
//! name is a 404. Alibaba and Tencent sign nothing, so for them the account name is the only
//! credential: make it long and random, and allow only the provider's addresses in front.
//!
//! The sender becomes the citizen's phone. The appeal's `channel_message_id` is
//! `{account}:{id}`, where `id` is the provider's message id when it has one (Twilio
//! `MessageSid`; Alibaba `sequence_id` with the sender's number, as the provider documents no
//! id) and otherwise (Tencent) `{nationcode}:{mobile}:{time}:` plus the first 16 hex digits
//! of the SHA-256 of the text, so a retried push maps to the same appeal.

mod adapter;
mod aliyun;
mod config;
mod error;
mod tencent;
mod twilio;

pub use adapter::{SmsAdapter, SmsIntake, SmsProvider};
pub use config::{AliyunConfig, SmsAccountConfig, SmsConfig, TencentConfig, TwilioConfig};
pub use error::SmsError;
pub use twilio::twilio_signature;
