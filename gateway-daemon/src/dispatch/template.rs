//! The Chinese texts of dispatch notices, from templates the operator may edit.
//!
//! A template is plain text with placeholders in braces, e.g. `{case_number}`. The
//! placeholders every template may use are [`PLACEHOLDERS`]; one a notice has no value for
//! (a deadline in a withdrawal) is left empty. An unknown placeholder is a config error, so
//! a typo is caught at start-up rather than sent to a unit.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The placeholders templates may use.
pub const PLACEHOLDERS: [&str; 12] = [
    "case_number",
    "unit",
    "unit_name",
    "role",
    "kind",
    "title",
    "address",
    "deadline",
    "lead_unit",
    "working_days",
    "level",
    "notice",
];

/// The notice templates (`[cases.dispatch.templates]`), one per kind of notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TemplateConfig {
    /// The email subject of every notice.
    pub email_subject: String,
    /// A new case for the lead unit (主办).
    pub new_case: String,
    /// A case for an assisting unit (协办).
    pub assist_requested: String,
    /// The case was taken from the unit (改派 or 归档).
    pub withdrawn: String,
    /// The case came back to the unit (重办).
    pub reopened: String,
    /// To supervisors: a unit asks for more time.
    pub extension_requested: String,
    /// To the unit: the extension was granted.
    pub extension_granted: String,
    /// To the unit: the extension was refused.
    pub extension_refused: String,
    /// A supervision step (预警, 催办, 督办).
    pub supervision: String,
    /// To supervisors: the case awaits the platform's coordination (平台协调).
    pub coordination: String,
}

impl Default for TemplateConfig {
    fn default() -> Self {
        Self {
            email_subject: "【12345工单】{case_number} {notice}".to_string(),
            new_case:
                "{unit_name}：新派工单{case_number}（{kind}）由贵单位主办。诉求摘要：{title}。\
                       发生地：{address}。{notice}。"
                    .to_string(),
            assist_requested: "{unit_name}：工单{case_number}（{kind}）请贵单位协办，主办单位为\
                               {lead_unit}。诉求摘要：{title}。"
                .to_string(),
            withdrawn: "{unit_name}：工单{case_number}已改派或归档，无需继续办理。".to_string(),
            reopened: "{unit_name}：工单{case_number}（{kind}）{notice}。".to_string(),
            extension_requested: "工单{case_number}：主办单位{lead_unit}申请延期{working_days}个\
                                  工作日，请审核。"
                .to_string(),
            extension_granted: "{unit_name}：工单{case_number}{notice}。".to_string(),
            extension_refused: "{unit_name}：工单{case_number}{notice}。".to_string(),
            supervision: "{unit_name}：工单{case_number}（主办单位{lead_unit}）{level}，{notice}，\
                          请抓紧办理。"
                .to_string(),
            coordination: "工单{case_number}（{kind}）已被退回{working_days}次，请平台协调确定\
                           主办单位。诉求摘要：{title}。"
                .to_string(),
        }
    }
}

impl TemplateConfig {
    /// Each template with its config name.
    fn all(&self) -> [(&'static str, &str); 10] {
        [
            ("email_subject", self.email_subject.as_str()),
            ("new_case", self.new_case.as_str()),
            ("assist_requested", self.assist_requested.as_str()),
            ("withdrawn", self.withdrawn.as_str()),
            ("reopened", self.reopened.as_str()),
            ("extension_requested", self.extension_requested.as_str()),
            ("extension_granted", self.extension_granted.as_str()),
            ("extension_refused", self.extension_refused.as_str()),
            ("supervision", self.supervision.as_str()),
            ("coordination", self.coordination.as_str()),
        ]
    }

    /// Refuses an empty template, an unclosed brace and an unknown placeholder.
    pub(crate) fn check(&self) -> Result<(), String> {
        for (name, text) in self.all() {
            let field = format!("dispatch.templates.{name}");
            if text.trim().is_empty() {
                return Err(format!(
                    "{field} is empty; write the text units should read"
                ));
            }
            for piece in pieces(text) {
                match piece {
                    Piece::Placeholder(key) if !PLACEHOLDERS.contains(&key) => {
                        return Err(format!(
                            "{field} uses the unknown placeholder {{{key}}}; use one of {}",
                            PLACEHOLDERS.join(", ")
                        ));
                    }
                    Piece::Unclosed => {
                        return Err(format!(
                            "{field} has a `{{` without its `}}`; close the placeholder"
                        ));
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// Refuses a template (named `field` in the config) that is empty, leaves a brace open or
/// uses a placeholder outside `allowed`.
pub(crate) fn check_template(field: &str, text: &str, allowed: &[&str]) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(format!("{field} is empty; write the text to send"));
    }
    for piece in pieces(text) {
        match piece {
            Piece::Placeholder(key) if !allowed.contains(&key) => {
                return Err(format!(
                    "{field} uses the unknown placeholder {{{key}}}; use one of {}",
                    allowed.join(", ")
                ));
            }
            Piece::Unclosed => {
                return Err(format!(
                    "{field} has a `{{` without its `}}`; close the placeholder"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Fills a template with the values given; a placeholder without a value becomes empty.
pub fn render(template: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    for piece in pieces(template) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Placeholder(key) => {
                if let Some(value) = values.get(key) {
                    out.push_str(value);
                }
            }
            Piece::Unclosed => {}
        }
    }
    out
}

enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'a str),
    Unclosed,
}

fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push(Piece::Placeholder(after[..close].trim()));
                rest = &after[close + 1..];
            }
            None => {
                out.push(Piece::Unclosed);
                return out;
            }
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_missing_values_left_empty() {
        let values = BTreeMap::from([
            ("case_number", "2612030042".to_string()),
            ("unit_name", "县市场监管局".to_string()),
        ]);
        let text = render("{unit_name}：工单{case_number}{deadline}。", &values);
        assert_eq!(text, "县市场监管局：工单2612030042。");
    }

    #[test]
    fn the_default_templates_pass_the_check() {
        assert!(TemplateConfig::default().check().is_ok());
    }

    #[test]
    fn an_unknown_placeholder_or_open_brace_is_refused() {
        let config = TemplateConfig {
            withdrawn: "工单{case_numer}".to_string(),
            ..TemplateConfig::default()
        };
        let error = config.check().unwrap_err();
        assert!(
            error.contains("withdrawn") && error.contains("case_numer"),
            "{error}"
        );
        let config = TemplateConfig {
            supervision: "工单{case_number".to_string(),
            ..TemplateConfig::default()
        };
        assert!(config.check().unwrap_err().contains("without its"));
    }
}
