//! The acknowledgement (受理回执) mailed to a citizen: "您的诉求已收到，工单号 N".
//!
//! Two steps, because sending is the daemon's business through its durable outbox:
//! [`build_acknowledgement`] renders the message to bytes once (with a fixed `Message-ID`, so
//! a resend after a crash is the same mail and threads the same way), and [`AckSender::send`]
//! delivers those bytes over SMTP. Text is UTF-8: the subject and display names as RFC 2047
//! encoded words (lettre folds them on character boundaries), the body in Base64.

use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};
use tracing::warn;

use super::thread::{CaseNumber, strip_brackets};

/// Errors building or sending an acknowledgement.
#[derive(Debug, thiserror::Error)]
pub enum AckError {
    /// An address in the config or the request does not parse.
    #[error(
        "invalid {field} address {value:?}: {reason}; give a plain address like name@example.org"
    )]
    InvalidAddress {
        /// Which address (`from_address`, `to`).
        field: &'static str,
        /// The address as given.
        value: String,
        /// What the parser said.
        reason: String,
    },
    /// A template names a placeholder that does not exist, or has an unclosed brace.
    #[error(
        "template {template} has {problem}; allowed placeholders are {{case_number}}, {{subject}} and {{name}}"
    )]
    Template {
        /// Which template (`subject_template`, `body_template`).
        template: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// lettre refused to build the message.
    #[error("acknowledgement for case {case_number} could not be built: {reason}")]
    Build {
        /// The case.
        case_number: String,
        /// What lettre said.
        reason: String,
    },
    /// The SMTP transport could not be set up (TLS parameters, host name).
    #[error("smtp transport to {host}:{port} could not be set up: {reason}")]
    Transport {
        /// The server.
        host: String,
        /// The port.
        port: u16,
        /// What failed.
        reason: String,
    },
    /// The server refused the mail or the connection failed; `transient` says whether a
    /// later retry may succeed.
    #[error("smtp send of {message_id} failed ({}): {reason}", if *.transient { "transient, retry later" } else { "permanent" })]
    Send {
        /// The Message-ID of the acknowledgement.
        message_id: String,
        /// True when retrying later may work (4xx replies, network failures).
        transient: bool,
        /// What failed.
        reason: String,
    },
    /// The send did not finish within the configured time.
    #[error(
        "smtp send of {message_id} timed out after {seconds} s; the server may be down or speak TLS on a plain port"
    )]
    Timeout {
        /// The Message-ID of the acknowledgement.
        message_id: String,
        /// The limit that passed.
        seconds: u64,
    },
}

/// How the acknowledgement reads and whom it comes from. Operators edit the templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckConfig {
    /// The address acknowledgements come from, e.g. `xianzhang@wencheng.example.gov.cn`.
    pub from_address: String,
    /// The display name they come from.
    #[serde(default = "default_from_name")]
    pub from_name: String,
    /// The domain written after `@` in the Message-IDs the gateway makes.
    pub message_id_domain: String,
    /// The subject. Placeholders: `{case_number}`, `{subject}` (the citizen's), `{name}`.
    /// Keep `[工单 {case_number}]` in it: replies are tied to the case by that form.
    #[serde(default = "default_subject_template")]
    pub subject_template: String,
    /// The body text, with the same placeholders.
    #[serde(default = "default_body_template")]
    pub body_template: String,
}

fn default_from_name() -> String {
    "12345政务服务便民热线".into()
}

fn default_subject_template() -> String {
    "[工单 {case_number}] 您的诉求已收到".into()
}

fn default_body_template() -> String {
    "{name}您好：\n\n您的诉求已收到，工单号 {case_number}。\n\
     我们将按规定转交承办单位办理，并在办结后答复您。\n\
     如需补充材料，请直接回复本邮件，并保留主题中的工单号。\n\n\
     12345政务服务便民热线\n"
        .into()
}

impl AckConfig {
    /// Checks the addresses and templates, so a typo fails at start-up, not at the first mail.
    pub fn validate(&self) -> Result<(), AckError> {
        parse_address("from_address", &self.from_address)?;
        check_template("subject_template", &self.subject_template)?;
        check_template("body_template", &self.body_template)?;
        Ok(())
    }

    /// The Message-ID for the acknowledgement with outbox id `reply_id`: `<reply_id@domain>`.
    pub fn message_id(&self, reply_id: &str) -> String {
        format!("<{reply_id}@{}>", self.message_id_domain)
    }
}

/// What an acknowledgement answers: the case and the citizen's mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckRequest {
    /// The case number given to the citizen.
    pub case_number: CaseNumber,
    /// The citizen's address (their `Reply-To`, else `From`).
    pub to_address: String,
    /// The citizen's display name, if they gave one.
    pub to_name: Option<String>,
    /// The citizen's subject, for the `{subject}` placeholder.
    pub original_subject: Option<String>,
    /// The citizen's `Message-ID` (with or without brackets), to thread the reply under it.
    pub original_message_id: Option<String>,
    /// The citizen's `References`, oldest first, so the whole thread stays linked.
    pub original_references: Vec<String>,
}

impl AckRequest {
    /// The request for an appeal that came in by email, answering its citizen's address.
    pub fn for_appeal(appeal: &gateway_core::Appeal, case_number: CaseNumber) -> Option<Self> {
        let to_address = appeal.citizen.email.clone()?;
        let message_id = (!appeal.channel_message_id.starts_with("sha256:"))
            .then(|| appeal.channel_message_id.clone());
        Some(Self {
            case_number,
            to_address,
            to_name: appeal.citizen.name.clone(),
            original_subject: appeal.title.clone(),
            original_message_id: message_id,
            original_references: Vec::new(),
        })
    }
}

/// A rendered acknowledgement, ready for the outbox: keep it, send it, resend it unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    /// Its `Message-ID`, with angle brackets.
    pub message_id: String,
    /// The envelope sender.
    pub envelope_from: String,
    /// The envelope recipients.
    pub envelope_to: Vec<String>,
    /// The whole message as sent (RFC 5322, CRLF line ends).
    pub bytes: Vec<u8>,
}

const PLACEHOLDERS: [&str; 3] = ["case_number", "subject", "name"];

fn check_template(template: &'static str, text: &str) -> Result<(), AckError> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(AckError::Template {
                template,
                problem: "an unclosed '{'".into(),
            });
        };
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(AckError::Template {
                template,
                problem: format!("an unknown placeholder {{{name}}}"),
            });
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

fn render(text: &str, request: &AckRequest) -> String {
    text.replace("{case_number}", request.case_number.as_str())
        .replace(
            "{subject}",
            request.original_subject.as_deref().unwrap_or(""),
        )
        .replace("{name}", request.to_name.as_deref().unwrap_or(""))
}

fn parse_address(field: &'static str, value: &str) -> Result<Address, AckError> {
    value
        .trim()
        .parse::<Address>()
        .map_err(|error| AckError::InvalidAddress {
            field,
            value: value.to_string(),
            reason: error.to_string(),
        })
}

/// A Message-ID in angle brackets, whether or not it came with them.
fn bracketed(id: &str) -> String {
    format!("<{}>", strip_brackets(id))
}

/// Renders the acknowledgement for `request`; `reply_id` is the outbox's id for it and makes
/// the Message-ID, so building twice gives the same threading.
pub fn build_acknowledgement(
    config: &AckConfig,
    request: &AckRequest,
    reply_id: &str,
) -> Result<OutgoingMail, AckError> {
    config.validate()?;
    let from = parse_address("from_address", &config.from_address)?;
    let to = parse_address("to", &request.to_address)?;
    let message_id = config.message_id(reply_id);
    let build_error = |reason: String| AckError::Build {
        case_number: request.case_number.to_string(),
        reason,
    };

    // Headers: Chinese display names and subject are encoded by lettre as UTF-8 words.
    let mut builder = lettre::Message::builder()
        .from(Mailbox::new(Some(config.from_name.clone()), from))
        .to(Mailbox::new(request.to_name.clone(), to))
        .subject(render(&config.subject_template, request))
        .message_id(Some(message_id.clone()))
        .date_now();

    // Threading: In-Reply-To is the citizen's mail; References carry the thread and it.
    if let Some(original) = request.original_message_id.as_deref() {
        let original = bracketed(original);
        let mut references: Vec<String> = request
            .original_references
            .iter()
            .map(|id| bracketed(id))
            .collect();
        if !references.contains(&original) {
            references.push(original.clone());
        }
        builder = builder
            .in_reply_to(original)
            .references(references.join(" "));
    }

    // Body: UTF-8 text in Base64, so no line or byte limit of any relay can break it.
    let body = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .header(ContentTransferEncoding::Base64)
        .body(render(&config.body_template, request).replace('\n', "\r\n"));
    let message = builder
        .singlepart(body)
        .map_err(|error| build_error(error.to_string()))?;
    let envelope = message.envelope();
    Ok(OutgoingMail {
        message_id,
        envelope_from: envelope.from().map(ToString::to_string).unwrap_or_default(),
        envelope_to: envelope.to().iter().map(ToString::to_string).collect(),
        bytes: message.formatted(),
    })
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Implicit TLS from the first byte (port 465, `relay()` in lettre).
    #[default]
    Tls,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    Starttls,
    /// No encryption at all: only for a relay on loopback, such as the test servers.
    Plain,
}

/// Where acknowledgements are sent from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// The SMTP server's host name (checked against its TLS certificate).
    pub host: String,
    /// The port; when absent, 465 for `tls`, 587 for `starttls`, 25 for `plain`.
    #[serde(default)]
    pub port: Option<u16>,
    /// How the connection is secured.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// A PEM file of root certificates to trust besides the Mozilla roots (a private CA).
    #[serde(default)]
    pub tls_ca_file: Option<std::path::PathBuf>,
    /// The login, when the server wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// The password for `username`.
    #[serde(default)]
    pub password: Option<String>,
    /// The limit on one whole send, connect to QUIT, in seconds.
    #[serde(default = "default_send_timeout_seconds")]
    pub send_timeout_seconds: u64,
    /// The most pooled connections kept open.
    #[serde(default = "default_pool_max_connections")]
    pub pool_max_connections: u32,
}

fn default_send_timeout_seconds() -> u64 {
    30
}

fn default_pool_max_connections() -> u32 {
    2
}

impl SmtpConfig {
    /// The port in use, explicit or the default for the security mode.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Plain => 25,
        })
    }

    /// The running sender.
    pub fn build(&self) -> Result<AckSender, AckError> {
        let port = self.effective_port();
        let transport_error = |reason: String| AckError::Transport {
            host: self.host.clone(),
            port,
            reason,
        };
        let tls = match self.security {
            SmtpSecurity::Plain => Tls::None,
            SmtpSecurity::Tls | SmtpSecurity::Starttls => {
                let mut parameters = TlsParameters::builder(self.host.clone());
                if let Some(path) = &self.tls_ca_file {
                    let pem = std::fs::read(path).map_err(|error| {
                        transport_error(format!(
                            "tls_ca_file {} unreadable: {error}",
                            path.display()
                        ))
                    })?;
                    let certificate = Certificate::from_pem(&pem).map_err(|error| {
                        transport_error(format!("tls_ca_file {}: {error}", path.display()))
                    })?;
                    parameters = parameters.add_root_certificate(certificate);
                }
                let parameters = parameters
                    .build_rustls()
                    .map_err(|error| transport_error(error.to_string()))?;
                if self.security == SmtpSecurity::Tls {
                    Tls::Wrapper(parameters)
                } else {
                    Tls::Required(parameters)
                }
            }
        };
        let timeout = Duration::from_secs(self.send_timeout_seconds.max(1));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(port)
            .tls(tls)
            .timeout(Some(timeout))
            .pool_config(PoolConfig::new().max_size(self.pool_max_connections.max(1)));
        if let (Some(user), Some(password)) = (&self.username, &self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(AckSender {
            transport: builder.build(),
            timeout,
        })
    }
}

/// Sends rendered acknowledgements over SMTP.
#[derive(Clone)]
pub struct AckSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    timeout: Duration,
}

impl std::fmt::Debug for AckSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AckSender")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl AckSender {
    /// Sends `mail`. A failure on a pooled connection the server had closed is retried once
    /// on a fresh one; every attempt is bounded by the configured timeout.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), AckError> {
        let envelope = self.envelope(mail)?;
        match self.attempt(&envelope, mail).await {
            Err(AckError::Send {
                transient: true, ..
            }) => {
                warn!(message_id = %mail.message_id, "smtp send failed; retrying once on a fresh connection");
                self.attempt(&envelope, mail).await
            }
            other => other,
        }
    }

    fn envelope(&self, mail: &OutgoingMail) -> Result<lettre::address::Envelope, AckError> {
        let from = parse_address("envelope_from", &mail.envelope_from)?;
        let to = mail
            .envelope_to
            .iter()
            .map(|to| parse_address("envelope_to", to))
            .collect::<Result<Vec<_>, _>>()?;
        lettre::address::Envelope::new(Some(from), to).map_err(|error| AckError::Send {
            message_id: mail.message_id.clone(),
            transient: false,
            reason: error.to_string(),
        })
    }

    async fn attempt(
        &self,
        envelope: &lettre::address::Envelope,
        mail: &OutgoingMail,
    ) -> Result<(), AckError> {
        // lettre's own timeout covers only connecting; bound the whole exchange here.
        let sent =
            tokio::time::timeout(self.timeout, self.transport.send_raw(envelope, &mail.bytes));
        match sent.await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(AckError::Send {
                message_id: mail.message_id.clone(),
                transient: !error.is_permanent(),
                reason: error.to_string(),
            }),
            Err(_) => Err(AckError::Timeout {
                message_id: mail.message_id.clone(),
                seconds: self.timeout.as_secs(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AckConfig {
        AckConfig {
            from_address: "xianzhang@wencheng.example.gov.cn".into(),
            from_name: default_from_name(),
            message_id_domain: "wencheng.example.gov.cn".into(),
            subject_template: default_subject_template(),
            body_template: default_body_template(),
        }
    }

    fn request() -> AckRequest {
        AckRequest {
            case_number: CaseNumber::parse("2612030042").unwrap(),
            to_address: "zhang@example.org".into(),
            to_name: Some("张三".into()),
            original_subject: Some("路灯不亮".into()),
            original_message_id: Some("orig-1@example.org".into()),
            original_references: vec!["<older@example.org>".into()],
        }
    }

    #[test]
    fn acknowledgement_decodes_to_chinese_and_threads() {
        let mail = build_acknowledgement(&config(), &request(), "ack-7").unwrap();
        assert_eq!(mail.message_id, "<ack-7@wencheng.example.gov.cn>");
        assert!(
            mail.bytes.is_ascii(),
            "every header and the body are encoded"
        );
        let parsed = mail_parser::MessageParser::default()
            .parse(&mail.bytes)
            .unwrap();
        assert_eq!(parsed.subject(), Some("[工单 2612030042] 您的诉求已收到"));
        assert_eq!(parsed.message_id(), Some("ack-7@wencheng.example.gov.cn"));
        assert_eq!(parsed.in_reply_to().as_text(), Some("orig-1@example.org"));
        let references: Vec<&str> = parsed
            .references()
            .as_text_list()
            .unwrap()
            .iter()
            .map(|r| r.as_ref())
            .collect();
        assert_eq!(references, ["older@example.org", "orig-1@example.org"]);
        let body = parsed.body_text(0).unwrap();
        assert!(body.contains("您的诉求已收到，工单号 2612030042"), "{body}");
        assert!(body.starts_with("张三您好"));
        let from = parsed.from().unwrap().first().unwrap();
        assert_eq!(from.name(), Some("12345政务服务便民热线"));
        assert_eq!(mail.envelope_to, ["zhang@example.org"]);
    }

    #[test]
    fn the_subject_form_is_recognized_when_the_citizen_replies() {
        let mail = build_acknowledgement(&config(), &request(), "ack-8").unwrap();
        let parsed = mail_parser::MessageParser::default()
            .parse(&mail.bytes)
            .unwrap();
        let reply_subject = format!("回复：{}", parsed.subject().unwrap());
        let found = super::super::thread::case_number_in_subject(&reply_subject).unwrap();
        assert_eq!(found.as_str(), "2612030042");
    }

    #[test]
    fn unknown_placeholders_and_bad_addresses_are_refused() {
        let mut bad = config();
        bad.body_template = "工单号 {case}".into();
        let error = build_acknowledgement(&bad, &request(), "x").unwrap_err();
        assert!(
            error.to_string().contains("unknown placeholder {case}"),
            "{error}"
        );
        let mut bad = config();
        bad.subject_template = "[工单 {case_number".into();
        assert!(matches!(bad.validate(), Err(AckError::Template { .. })));
        let mut to_nowhere = request();
        to_nowhere.to_address = "not an address".into();
        let error = build_acknowledgement(&config(), &to_nowhere, "x").unwrap_err();
        assert!(
            matches!(error, AckError::InvalidAddress { field: "to", .. }),
            "{error}"
        );
    }

    #[test]
    fn config_defaults_fill_in_and_unknown_keys_are_refused() {
        let parsed: AckConfig =
            toml_like(r#"{"from_address":"a@example.org","message_id_domain":"example.org"}"#);
        assert!(parsed.subject_template.contains("{case_number}"));
        let unknown = serde_json::from_str::<AckConfig>(
            r#"{"from_address":"a@example.org","message_id_domain":"x","colour":"red"}"#,
        );
        assert!(unknown.is_err());
        let smtp: SmtpConfig = toml_like(r#"{"host":"127.0.0.1","security":"plain","port":2525}"#);
        assert_eq!(smtp.effective_port(), 2525);
        let smtp: SmtpConfig = toml_like(r#"{"host":"smtp.example.org"}"#);
        assert_eq!(
            (smtp.security, smtp.effective_port()),
            (SmtpSecurity::Tls, 465)
        );
    }

    fn toml_like<T: serde::de::DeserializeOwned>(json: &str) -> T {
        serde_json::from_str(json).unwrap()
    }

    #[tokio::test]
    async fn a_server_that_never_answers_times_out() {
        // A listener that accepts and stays silent, like an implicit-TLS port spoken to in plain.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hold = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let sender = SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            security: SmtpSecurity::Plain,
            tls_ca_file: None,
            username: None,
            password: None,
            send_timeout_seconds: 1,
            pool_max_connections: 1,
        }
        .build()
        .unwrap();
        let mail = build_acknowledgement(&config(), &request(), "ack-9").unwrap();
        let error = sender.send(&mail).await.unwrap_err();
        assert!(
            matches!(error, AckError::Timeout { .. } | AckError::Send { .. }),
            "{error}"
        );
        hold.abort();
    }
}
