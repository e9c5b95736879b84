//! Dispatch notices to handling units by email, over the email channel's SMTP connection.
//!
//! A unit whose delivery target is an email address gets its case notices from the same
//! sender address as the citizens' acknowledgements. The delivery id becomes the mail's
//! `Message-ID`, so a repeat after a lost answer can be spotted by the unit's mail system.

use channel_adapters::email::{AckSender, OutgoingMail};
use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;

use crate::dispatch::email::SendFuture;
use crate::dispatch::{EmailMessage, EmailSender};
use crate::email::EmailConfig;

/// Sends dispatch notices over SMTP.
#[derive(Debug)]
pub struct SmtpNoticeSender {
    sender: AckSender,
    from: Mailbox,
    message_id_domain: String,
}

impl SmtpNoticeSender {
    /// A sender from the `[channels.email]` section: its SMTP server and its sender address.
    pub fn from_config(config: &EmailConfig) -> Result<Self, String> {
        let sender = config
            .smtp
            .build()
            .map_err(|e| format!("the smtp settings for unit notices are not usable: {e}"))?;
        let address = config
            .acknowledgement
            .from_address
            .parse()
            .map_err(|e| format!("`from_address` is not an email address: {e}"))?;
        let name = config.acknowledgement.from_name.clone();
        let from = Mailbox::new((!name.is_empty()).then_some(name), address);
        Ok(Self {
            sender,
            from,
            message_id_domain: config.acknowledgement.message_id_domain.clone(),
        })
    }

    /// The notice as a mail ready to send.
    fn render(&self, notice: &EmailMessage) -> Result<OutgoingMail, String> {
        let to: Mailbox = notice
            .to
            .parse()
            .map_err(|e| format!("the unit's address is not an email address: {e}"))?;
        let message_id = format!("<{}@{}>", notice.idempotency_key, self.message_id_domain);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.clone())
            .subject(notice.subject.clone())
            .message_id(Some(message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(notice.body.clone())
            .map_err(|e| format!("the notice cannot be built as a mail: {e}"))?;
        Ok(OutgoingMail {
            message_id,
            envelope_from: self.from.email.to_string(),
            envelope_to: vec![to.email.to_string()],
            bytes: message.formatted(),
        })
    }
}

impl EmailSender for SmtpNoticeSender {
    fn send<'a>(&'a self, message: &'a EmailMessage) -> SendFuture<'a> {
        Box::pin(async move {
            let mail = self.render(message)?;
            self.sender.send(&mail).await.map_err(|e| e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> EmailConfig {
        toml::from_str(
            r#"
            [imap]
            host = "127.0.0.1"
            username = "hotline"
            password = "x"
            mailboxes = ["INBOX"]
            [smtp]
            host = "127.0.0.1"
            port = 10025
            security = "plain"
            [acknowledgement]
            from_address = "hotline@wencheng.example.gov.cn"
            message_id_domain = "wencheng.example.gov.cn"
            "#,
        )
        .expect("the sample section parses")
    }

    #[tokio::test]
    async fn a_notice_becomes_a_chinese_mail_with_the_delivery_id_as_message_id() {
        let sender = SmtpNoticeSender::from_config(&config()).unwrap();
        let mail = sender
            .render(&EmailMessage {
                to: "scjg@wencheng.example.gov.cn".into(),
                subject: "【12345】新工单 2612040001".into(),
                body: "请于期限内签收办理。".into(),
                idempotency_key: "d-42".into(),
            })
            .unwrap();
        assert_eq!(mail.message_id, "<d-42@wencheng.example.gov.cn>");
        assert_eq!(mail.envelope_to, vec!["scjg@wencheng.example.gov.cn"]);
        let text = String::from_utf8_lossy(&mail.bytes);
        assert!(
            text.contains("Message-ID: <d-42@wencheng.example.gov.cn>"),
            "{text}"
        );
        assert!(
            text.contains("Subject: =?utf-8?"),
            "the Chinese subject is encoded: {text}"
        );
    }

    #[tokio::test]
    async fn a_bad_unit_address_is_an_error_not_a_panic() {
        let sender = SmtpNoticeSender::from_config(&config()).unwrap();
        let error = sender
            .render(&EmailMessage {
                to: "not an address".into(),
                subject: "s".into(),
                body: "b".into(),
                idempotency_key: "k".into(),
            })
            .unwrap_err();
        assert!(error.contains("not an email address"), "{error}");
    }
}
