//! The follow-up configuration an operator edits, and the plan built from it.

use serde::{Deserialize, Serialize};

use super::error::FollowUpConfigError;
use super::rating::{Rating, ReplyParser, SurveyChoice};

/// The only placeholder survey texts may carry.
const CASE_NUMBER: &str = "{case_number}";

/// How follow-up (回访) runs: how long to wait, how often to ask, what to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FollowUpConfig {
    /// Hours to wait for an answer to a survey before the round counts as no answer
    /// (未回复). Calendar hours: nights and holidays count. Default 72.
    pub answer_wait_hours: u32,
    /// How many times an unclear reply is answered with the survey again before the round
    /// ends as unclear. Default 1: asked again once.
    pub max_unclear_retries: u32,
    /// How many times dissatisfied ratings may reopen one case (不满意重办) before the case
    /// stays dissatisfied and goes to the supervisors. Default 2.
    pub max_reopens: u32,
    /// The survey sent when a case is resolved; `{case_number}` is replaced.
    pub survey_template: String,
    /// The survey sent again after an unclear reply; `{case_number}` is replaced.
    pub retry_template: String,
    /// The message sent when a dissatisfied rating reopens the case; `{case_number}` is
    /// replaced.
    pub reopen_template: String,
    /// The numbered options of the survey. Default `1` 满意, `2` 基本满意, `3` 不满意.
    pub choices: Vec<SurveyChoice>,
}

impl Default for FollowUpConfig {
    fn default() -> Self {
        Self {
            answer_wait_hours: 72,
            max_unclear_retries: 1,
            max_reopens: 2,
            survey_template: "【文成12345】您反映的问题（工单号{case_number}）已办结，请对办理结果评价，回复数字：1 满意，2 基本满意，3 不满意。".to_string(),
            retry_template: "【文成12345】抱歉，未能识别您的回复。请对工单{case_number}的办理结果回复数字：1 满意，2 基本满意，3 不满意。".to_string(),
            reopen_template: "【文成12345】您对工单{case_number}的办理结果不满意，我们已退回承办单位重新办理。".to_string(),
            choices: vec![
                SurveyChoice { key: "1".into(), rating: Rating::Satisfied },
                SurveyChoice { key: "2".into(), rating: Rating::PartlySatisfied },
                SurveyChoice { key: "3".into(), rating: Rating::Dissatisfied },
            ],
        }
    }
}

impl FollowUpConfig {
    /// Reads a configuration from TOML; absent fields take their defaults.
    pub fn from_toml(text: &str) -> Result<FollowUpConfig, FollowUpConfigError> {
        toml::from_str(text).map_err(|e| FollowUpConfigError::Toml {
            message: e.to_string(),
        })
    }

    /// Checks the configuration and builds the plan.
    pub fn build(self) -> Result<FollowUpPlan, FollowUpConfigError> {
        if self.answer_wait_hours == 0 {
            return Err(FollowUpConfigError::ZeroWait);
        }
        for (field, template) in [
            ("survey_template", &self.survey_template),
            ("retry_template", &self.retry_template),
            ("reopen_template", &self.reopen_template),
        ] {
            check_template(field, template)?;
        }
        if self.choices.is_empty() {
            return Err(FollowUpConfigError::NoChoices);
        }
        for (i, choice) in self.choices.iter().enumerate() {
            let key = crate::text::fold(choice.key.trim());
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_digit()) || key.len() > 2 {
                return Err(FollowUpConfigError::BadChoiceKey {
                    key: choice.key.clone(),
                });
            }
            if choice.rating == Rating::Unclear {
                return Err(FollowUpConfigError::UnclearChoice {
                    key: choice.key.clone(),
                });
            }
            if self.choices[..i]
                .iter()
                .any(|c| crate::text::fold(c.key.trim()) == key)
            {
                return Err(FollowUpConfigError::DuplicateChoice {
                    key: choice.key.clone(),
                });
            }
        }
        let parser = ReplyParser::new(self.choices.clone());
        Ok(FollowUpPlan {
            config: self,
            parser,
        })
    }
}

/// A template may carry `{case_number}` and no other placeholder.
fn check_template(field: &'static str, template: &str) -> Result<(), FollowUpConfigError> {
    if template.trim().is_empty() {
        return Err(FollowUpConfigError::EmptyTemplate { field });
    }
    let without = template.replace(CASE_NUMBER, "");
    if let Some(start) = without.find('{') {
        let rest = &without[start..];
        let end = rest.find('}').map_or(rest.len(), |e| e + 1);
        return Err(FollowUpConfigError::UnknownPlaceholder {
            field,
            placeholder: rest[..end].to_string(),
        });
    }
    if without.contains('}') {
        return Err(FollowUpConfigError::UnknownPlaceholder {
            field,
            placeholder: "}".to_string(),
        });
    }
    Ok(())
}

/// A checked follow-up configuration with its reply parser.
#[derive(Debug, Clone)]
pub struct FollowUpPlan {
    config: FollowUpConfig,
    parser: ReplyParser,
}

impl FollowUpPlan {
    /// The configuration it was built from.
    pub fn config(&self) -> &FollowUpConfig {
        &self.config
    }

    /// The parser for replies to this plan's survey.
    pub fn parser(&self) -> &ReplyParser {
        &self.parser
    }

    /// The survey text for a case.
    pub fn survey_text(&self, case_number: &str) -> String {
        self.config
            .survey_template
            .replace(CASE_NUMBER, case_number)
    }

    /// The text asking again after an unclear reply.
    pub fn retry_text(&self, case_number: &str) -> String {
        self.config.retry_template.replace(CASE_NUMBER, case_number)
    }

    /// The text telling the citizen the case was reopened.
    pub fn reopen_text(&self, case_number: &str) -> String {
        self.config
            .reopen_template
            .replace(CASE_NUMBER, case_number)
    }
}
