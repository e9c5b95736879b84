//! The email target: a hook for the email channel's SMTP sender.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// A future returned by [`EmailSender::send`].
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// One notice as an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailMessage {
    /// The recipient's address.
    pub to: String,
    /// The subject, from the templates.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// The delivery id, to send as a `Message-ID` or header so that repeats can be spotted.
    pub idempotency_key: String,
}

/// Sends notices by email. The email channel implements it over its SMTP connection; an
/// error is retried like a webhook failure, so say in it what failed (lower case).
pub trait EmailSender: Send + Sync {
    /// Sends one message.
    fn send<'a>(&'a self, message: &'a EmailMessage) -> SendFuture<'a>;
}

/// An [`EmailSender`] that keeps what it is given, for tests and dry runs. The daemon sends
/// over SMTP with `crate::email::notices::SmtpNoticeSender` when `[channels.email]` is set;
/// without that section, email deliveries are retried and then marked failed.
#[derive(Debug, Default)]
pub struct RecordingEmailSender {
    sent: Mutex<Vec<EmailMessage>>,
}

impl RecordingEmailSender {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every message sent so far.
    pub fn sent(&self) -> Vec<EmailMessage> {
        match self.sent.lock() {
            Ok(sent) => sent.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl EmailSender for RecordingEmailSender {
    fn send<'a>(&'a self, message: &'a EmailMessage) -> SendFuture<'a> {
        Box::pin(async move {
            match self.sent.lock() {
                Ok(mut sent) => sent.push(message.clone()),
                Err(poisoned) => poisoned.into_inner().push(message.clone()),
            }
            Ok(())
        })
    }
}
