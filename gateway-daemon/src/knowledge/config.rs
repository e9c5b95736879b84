//! The `[knowledge]` section: where the knowledge base lives, what is imported at start, when
//! the platform answers directly, and the Chinese texts the citizen reads.

use std::path::{Path, PathBuf};

use knowledge_base::DirectAnswerConfig;
use serde::{Deserialize, Serialize};

use crate::dispatch::template::check_template;

/// The placeholders of the answer template.
pub const ANSWER_PLACEHOLDERS: [&str; 4] = ["answer", "source", "case_number", "question"];
/// The placeholders of the "turned into a case" template.
pub const CASE_PLACEHOLDERS: [&str; 2] = ["case_number", "deadline"];

/// `[knowledge]`: the knowledge base (知识库) in the daemon; off when the section is absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeConfig {
    /// The knowledge base's folder (history and search index). Relative to the config file;
    /// default `<data_dir>/knowledge`.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// Department files (`.md`, `.csv`) or folders of them imported at every start, relative
    /// to the config file. A file's stem names the owner unit (`market-supervision.md`).
    /// Entries already so are left alone, so importing again changes nothing.
    #[serde(default)]
    pub import: Vec<PathBuf>,
    /// When the platform answers a consultation itself (`[knowledge.direct]`).
    #[serde(default)]
    pub direct: DirectAnswerConfig,
    /// The citizen's "did not help" reply (`[knowledge.not_helpful]`).
    #[serde(default)]
    pub not_helpful: NotHelpfulConfig,
    /// The texts the citizen reads (`[knowledge.templates]`).
    #[serde(default)]
    pub templates: KnowledgeTemplates,
}

/// `[knowledge.not_helpful]`: how a citizen says a direct answer did not help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotHelpfulConfig {
    /// The phrases that say so. Default 没有帮助, 没帮助, 没用, 不能解决.
    pub phrases: Vec<String>,
    /// How long after the answer such a reply counts, in hours. Default 72.
    pub window_hours: u32,
    /// The longest reply (in characters, punctuation and spaces left out) read as "did not
    /// help"; a longer text is a new appeal even if it has a phrase. Default 30.
    pub max_chars: usize,
}

impl Default for NotHelpfulConfig {
    fn default() -> Self {
        Self {
            phrases: ["没有帮助", "没帮助", "没用", "不能解决"]
                .map(String::from)
                .to_vec(),
            window_hours: 72,
            max_chars: 30,
        }
    }
}

/// `[knowledge.templates]`: what the citizen reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KnowledgeTemplates {
    /// The direct answer. Placeholders: `{answer}`, `{source}`, `{case_number}`,
    /// `{question}`. Keep the line that tells the citizen to reply 没有帮助.
    pub answer: String,
    /// The reply to "did not help": the case now goes to a unit. Placeholders:
    /// `{case_number}`, `{deadline}`.
    pub turned_into_case: String,
    /// The longest direct answer sent, in characters; a longer entry answer is cut to fit
    /// and ends with `……`. WeChat refuses a passive reply over 2048 bytes, about 680 Chinese
    /// characters. Default 600.
    pub max_reply_chars: usize,
}

impl Default for KnowledgeTemplates {
    fn default() -> Self {
        Self {
            answer: "您好，关于您咨询的问题，答复如下：\n{answer}\n（依据：{source}）\n\
                     工单号 {case_number}。如未解决您的问题，请直接回复“没有帮助”，\
                     我们将转交承办单位办理。"
                .to_string(),
            turned_into_case: "您好，您的诉求已转为工单 {case_number}，交由承办单位办理，\
                               办理时限至{deadline}。"
                .to_string(),
            max_reply_chars: 600,
        }
    }
}

impl KnowledgeConfig {
    /// The knowledge base's folder.
    pub fn dir_in(&self, data_dir: &Path) -> PathBuf {
        self.dir
            .clone()
            .unwrap_or_else(|| data_dir.join("knowledge"))
    }

    /// Resolves relative paths against the config file's folder.
    pub fn resolve_paths(&mut self, folder: &Path) {
        if let Some(dir) = &self.dir
            && dir.is_relative()
        {
            self.dir = Some(folder.join(dir));
        }
        for path in &mut self.import {
            if path.is_relative() {
                *path = folder.join(&*path);
            }
        }
    }

    /// Refuses values that cannot be used, saying what to write instead.
    pub fn check(&self) -> Result<(), (String, String)> {
        let invalid = |field: &str, reason: String| Err((field.to_string(), reason));
        let direct = &self.direct;
        if !(0.0..=1.0).contains(&direct.threshold) {
            return invalid(
                "knowledge.direct.threshold",
                format!(
                    "{} is not a score; scores run from 0 to 1 (default 0.5)",
                    direct.threshold
                ),
            );
        }
        if direct.candidate_count == 0 || direct.search_depth == 0 {
            return invalid(
                "knowledge.direct",
                "candidate_count and search_depth must be at least 1".to_string(),
            );
        }
        if self
            .not_helpful
            .phrases
            .iter()
            .all(|phrase| phrase.trim().is_empty())
        {
            return invalid(
                "knowledge.not_helpful.phrases",
                "give at least one phrase, e.g. \"没有帮助\"".to_string(),
            );
        }
        if self.templates.max_reply_chars < 100 {
            return invalid(
                "knowledge.templates.max_reply_chars",
                "it must be at least 100, or the answer has no room".to_string(),
            );
        }
        if self.not_helpful.window_hours == 0 {
            return invalid(
                "knowledge.not_helpful.window_hours",
                "it must be at least 1".to_string(),
            );
        }
        let templates = [
            (
                "knowledge.templates.answer",
                &self.templates.answer,
                &ANSWER_PLACEHOLDERS[..],
            ),
            (
                "knowledge.templates.turned_into_case",
                &self.templates.turned_into_case,
                &CASE_PLACEHOLDERS[..],
            ),
        ];
        for (field, text, allowed) in templates {
            if let Err(reason) = check_template(field, text, allowed) {
                return invalid(field, reason);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_the_check_and_tell_the_citizen_how_to_say_it_did_not_help() {
        let config: KnowledgeConfig = toml::from_str("").unwrap();
        assert!(config.check().is_ok());
        assert!(config.templates.answer.contains("没有帮助"));
        assert_eq!(config.direct.threshold, 0.5);
    }

    #[test]
    fn a_bad_threshold_or_placeholder_is_refused() {
        let config: KnowledgeConfig = toml::from_str("[direct]\nthreshold = 5.0").unwrap();
        assert_eq!(config.check().unwrap_err().0, "knowledge.direct.threshold");
        let config: KnowledgeConfig = toml::from_str("[templates]\nanswer = \"{answr}\"").unwrap();
        let (field, reason) = config.check().unwrap_err();
        assert_eq!(field, "knowledge.templates.answer");
        assert!(reason.contains("answr"), "{reason}");
        assert!(toml::from_str::<KnowledgeConfig>("[direct]\nthreshhold = 0.4").is_err());
    }
}
