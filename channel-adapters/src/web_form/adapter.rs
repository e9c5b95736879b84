//! The running web form adapter: reads the fields, checks them, makes the appeal.

use std::convert::Infallible;

use gateway_core::{Appeal, Attachment, Channel, Citizen};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::config::WebFormConfig;
use super::error::WebFormError;
use crate::contact::{normalize_phone, plausible_email};
use crate::fields::{self, BodyEncoding};
use crate::webhook::{Inbound, IntakeOutcome, WebhookReply, WebhookRequest};

/// The longest idempotency key taken.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

/// The web form, ready to take submissions. Built by [`WebFormConfig::build`].
#[derive(Debug, Clone)]
pub struct WebFormAdapter {
    config: WebFormConfig,
}

/// A file the daemon took out of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    /// The file name the browser gave, if any.
    pub file_name: Option<String>,
    /// The media type the browser gave.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A file to store under its hash before the appeal is acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Hex SHA-256 of the bytes, as in the appeal's attachment.
    pub sha256: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// What one submission delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct WebFormSubmission {
    /// The appeal (a form submission makes exactly one; the form has no events).
    pub items: Vec<Inbound<Infallible>>,
    /// The files, in the order of the appeal's attachments.
    pub files: Vec<StoredFile>,
}

impl WebFormSubmission {
    /// The submission's appeal.
    pub fn appeal(&self) -> Option<&Appeal> {
        self.items.iter().find_map(Inbound::as_appeal)
    }
}

impl WebFormAdapter {
    pub(super) fn new(config: WebFormConfig) -> Self {
        Self { config }
    }

    /// Reads a JSON or urlencoded submission. Files come only by multipart, through
    /// [`parse_fields`](Self::parse_fields).
    pub fn parse(&self, request: &WebhookRequest) -> Result<WebFormSubmission, WebFormError> {
        let (encoding, map) = fields::read_fields(&request.headers, &request.body)
            .map_err(|reason| WebFormError::MalformedBody { reason })?;
        let key = request.headers.get("idempotency-key");
        self.submission(&map, Vec::new(), key, encoding.media_type(), &request.body)
    }

    /// Reads a submission whose fields and files the daemon has already split (multipart).
    /// `idempotency_key` is the `Idempotency-Key` header, if the page sent one.
    pub fn parse_fields(
        &self,
        fields: Vec<(String, String)>,
        files: Vec<UploadedFile>,
        idempotency_key: Option<&str>,
    ) -> Result<WebFormSubmission, WebFormError> {
        let raw = serde_urlencoded::to_string(&fields).unwrap_or_default();
        let map = fields::form_pairs_to_map(fields);
        self.submission(
            &map,
            files,
            idempotency_key,
            BodyEncoding::Form.media_type(),
            raw.as_bytes(),
        )
    }

    /// The answer for the page: the case number and a sentence for the citizen.
    pub fn reply(&self, outcome: &IntakeOutcome) -> WebhookReply {
        let message = match outcome.emergency {
            Some(service) => format!(
                "您反映的情况紧急，已转{service}处置，工单号 {}。如仍有危险，请立即拨打{service}。",
                outcome.case_number
            ),
            None => format!(
                "您的诉求已受理，工单号 {}。请保存工单号，用于查询办理进度。",
                outcome.case_number
            ),
        };
        WebhookReply::json(&json!({
            "appealId": outcome.appeal_id.as_str(),
            "caseNumber": outcome.case_number,
            "emergency": outcome.emergency.map(|s| s.number()),
            "message": message,
        }))
    }

    fn submission(
        &self,
        map: &Map<String, Value>,
        files: Vec<UploadedFile>,
        idempotency_key: Option<&str>,
        raw_type: &str,
        raw: &[u8],
    ) -> Result<WebFormSubmission, WebFormError> {
        let text = |field: &'static str| {
            fields::text(map, field)
                .map(|v| v.map(|s| s.trim().to_string()))
                .map_err(|problem| WebFormError::MalformedField {
                    field: field.to_string(),
                    problem,
                })
        };

        // The text: body required, title as configured, both within their lengths.
        let body = text("body")?.ok_or_else(|| WebFormError::MissingField {
            field: "body",
            message: "请填写诉求内容".to_string(),
        })?;
        self.check_length("body", &body, self.config.max_body_chars, "诉求内容")?;
        let title = text("title")?;
        match &title {
            Some(title) => {
                self.check_length("title", title, self.config.max_title_chars, "标题")?
            }
            None if self.config.require_title => {
                return Err(WebFormError::MissingField {
                    field: "title",
                    message: "请填写标题".to_string(),
                });
            }
            None => {}
        }

        // The contact: required as configured; malformed values are kept raw and flagged.
        let name = text("name")?;
        let phone = text("phone")?;
        let email = text("email")?;
        if self.config.require_contact && phone.is_none() && email.is_none() {
            return Err(WebFormError::MissingField {
                field: "phone",
                message: "请留下联系电话或电子邮箱，以便我们答复您".to_string(),
            });
        }
        let address = text("address")?;

        // The files, checked before anything is kept.
        let (attachments, stored) = self.check_files(files)?;

        // The id: the page's key, else a digest of what the citizen typed.
        let client_key = match idempotency_key.map(str::trim).filter(|k| !k.is_empty()) {
            Some(key) => Some(("Idempotency-Key", key.to_string())),
            None => text("client_token")?.map(|token| ("client_token", token)),
        };
        let message_id = match client_key {
            Some((field, key)) => {
                if key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
                    return Err(WebFormError::MalformedField {
                        field: field.to_string(),
                        problem: format!("is longer than {MAX_IDEMPOTENCY_KEY_CHARS} characters"),
                    });
                }
                key
            }
            None => content_digest(&[&name, &phone, &email, &title, &Some(body.clone())]),
        };

        let mut builder = Appeal::builder(Channel::WebForm, message_id, body).raw(raw_type, raw);
        let mut citizen = Citizen {
            name,
            ..Citizen::default()
        };
        if let Some(phone) = phone {
            match normalize_phone(&phone) {
                Ok(normalized) => citizen.phone = Some(normalized),
                Err(problem) => builder = builder.flag("phone", problem, Some(phone)),
            }
        }
        if let Some(email) = email {
            if plausible_email(&email) {
                citizen.email = Some(email);
            } else {
                builder = builder.flag("email", "invalid email address", Some(email));
            }
        }
        builder = builder.citizen(citizen);
        if let Some(title) = title {
            builder = builder.title(title);
        }
        if let Some(address) = address {
            builder = builder.address(address);
        }
        for attachment in attachments {
            builder = builder.attachment(attachment);
        }
        Ok(WebFormSubmission {
            items: vec![Inbound::Appeal(Box::new(builder.build()))],
            files: stored,
        })
    }

    fn check_length(
        &self,
        field: &'static str,
        value: &str,
        max_chars: usize,
        label: &str,
    ) -> Result<(), WebFormError> {
        if value.chars().count() > max_chars {
            return Err(WebFormError::TooLong {
                field,
                max_chars,
                message: format!("{label}不能超过{max_chars}个字"),
            });
        }
        Ok(())
    }

    fn check_files(
        &self,
        files: Vec<UploadedFile>,
    ) -> Result<(Vec<Attachment>, Vec<StoredFile>), WebFormError> {
        if files.len() > self.config.max_files {
            return Err(WebFormError::FileRefused {
                file: format!("{} files", files.len()),
                problem: format!("more than max_files = {}", self.config.max_files),
                message: format!("附件最多{}个", self.config.max_files),
            });
        }
        let mut attachments = Vec::with_capacity(files.len());
        let mut stored = Vec::with_capacity(files.len());
        for file in files {
            let shown = file.file_name.clone().unwrap_or_else(|| "附件".to_string());
            let media_type = file
                .content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if !self
                .config
                .allowed_file_types
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&media_type))
            {
                return Err(WebFormError::FileRefused {
                    file: shown.clone(),
                    problem: format!("media type {media_type:?} is not allowed"),
                    message: format!(
                        "附件“{shown}”的格式不支持，请上传图片、PDF、Word、Excel或文本文件"
                    ),
                });
            }
            let size = file.bytes.len() as u64;
            if size > self.config.max_file_bytes {
                return Err(WebFormError::FileRefused {
                    file: shown.clone(),
                    problem: format!(
                        "{size} bytes, more than max_file_bytes = {}",
                        self.config.max_file_bytes
                    ),
                    message: format!(
                        "附件“{shown}”超过{:.1}MB，请压缩后再上传",
                        self.config.max_file_bytes as f64 / (1024.0 * 1024.0)
                    ),
                });
            }
            let sha256 = hex::encode(Sha256::digest(&file.bytes));
            attachments.push(Attachment {
                file_name: file.file_name,
                content_type: media_type,
                size_bytes: Some(size),
                sha256: Some(sha256.clone()),
                url: None,
            });
            stored.push(StoredFile {
                sha256,
                bytes: file.bytes,
            });
        }
        Ok((attachments, stored))
    }
}

/// `sha256:` and the hex digest of the given fields, each ended by a NUL so that moving text
/// from one field to the next changes the digest.
fn content_digest(parts: &[&Option<String>]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_deref().unwrap_or_default().as_bytes());
        hasher.update([0u8]);
    }
    format!("sha256:{}", hex::encode(hasher.finalize()))
}
