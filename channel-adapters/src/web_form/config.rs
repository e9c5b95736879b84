//! The web form adapter's configuration.

use serde::{Deserialize, Serialize};

use super::adapter::WebFormAdapter;
use super::error::WebFormError;

/// How the web form is checked (`[web_form]` in the gateway's config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebFormConfig {
    /// The longest title, in characters. Default: 100.
    #[serde(default = "default_max_title_chars")]
    pub max_title_chars: usize,
    /// The longest body, in characters. Default: 5000.
    #[serde(default = "default_max_body_chars")]
    pub max_body_chars: usize,
    /// Whether a title is required. Default: false.
    #[serde(default)]
    pub require_title: bool,
    /// Whether a phone number or an email address is required, so the answer can reach the
    /// citizen. Default: true.
    #[serde(default = "default_true")]
    pub require_contact: bool,
    /// The most files one submission may carry. Default: 5.
    #[serde(default = "default_max_files")]
    pub max_files: usize,
    /// The largest file, in bytes. Default: 10 MiB.
    #[serde(default = "default_max_file_bytes")]
    pub max_file_bytes: u64,
    /// The media types a file may have. Default: JPEG, PNG, GIF, PDF, plain text, Word and
    /// Excel.
    #[serde(default = "default_allowed_file_types")]
    pub allowed_file_types: Vec<String>,
}

fn default_max_title_chars() -> usize {
    100
}
fn default_max_body_chars() -> usize {
    5000
}
fn default_true() -> bool {
    true
}
fn default_max_files() -> usize {
    5
}
fn default_max_file_bytes() -> u64 {
    10 * 1024 * 1024
}
fn default_allowed_file_types() -> Vec<String> {
    [
        "image/jpeg",
        "image/png",
        "image/gif",
        "application/pdf",
        "text/plain",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

impl Default for WebFormConfig {
    fn default() -> Self {
        Self {
            max_title_chars: default_max_title_chars(),
            max_body_chars: default_max_body_chars(),
            require_title: false,
            require_contact: true,
            max_files: default_max_files(),
            max_file_bytes: default_max_file_bytes(),
            allowed_file_types: default_allowed_file_types(),
        }
    }
}

impl WebFormConfig {
    /// Checks the configuration and returns the running adapter.
    pub fn build(self) -> Result<WebFormAdapter, WebFormError> {
        if self.max_body_chars == 0 || self.max_title_chars == 0 {
            return Err(WebFormError::Config {
                reason: "max_body_chars and max_title_chars must be at least 1".to_string(),
            });
        }
        Ok(WebFormAdapter::new(self))
    }
}
