//! The rule file format as rule authors write it, before it is checked and compiled.
//!
//! Every table rejects unknown keys, so a misspelt key is an error at its `line:column`
//! instead of a rule that silently does nothing.

use serde::Deserialize;
use toml::Spanned;

/// One rule file. The entry file usually holds `[ruleset]` and includes the others; any file
/// may hold any of the other tables.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    pub ruleset: Option<Spanned<RulesetSection>>,
    #[serde(default)]
    pub unit: Vec<Spanned<UnitRule>>,
    #[serde(default)]
    pub topic: Vec<Spanned<TopicRule>>,
    #[serde(default)]
    pub kind: Vec<Spanned<KindRule>>,
    #[serde(default)]
    pub emergency: Vec<Spanned<EmergencyRule>>,
    pub emergency_context: Option<Spanned<EmergencyContext>>,
    #[serde(default)]
    pub example: Vec<Spanned<ExampleRule>>,
}

/// `[ruleset]`: the set's name, its other files and its data.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RulesetSection {
    pub name: Spanned<String>,
    #[serde(default)]
    pub include: Vec<Spanned<String>>,
    /// The divisions CSV (`code,name,parent_code,level`).
    pub divisions: Option<Spanned<String>>,
    /// The taxonomy CSV (three columns, top level first).
    pub taxonomy: Option<Spanned<String>>,
    /// The kind when no kind rule fires.
    pub default_kind: Option<Spanned<String>>,
    /// The least topic score that counts as a topic.
    pub min_topic_score: Option<Spanned<f64>>,
    /// Township short names (without 镇/乡) that are also common words, matched only in the
    /// address field.
    #[serde(default)]
    pub address_only_names: Vec<Spanned<String>>,
}

/// `[[unit]]`: a handling unit (承办单位).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnitRule {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    #[serde(rename = "type")]
    pub unit_type: Spanned<String>,
    /// For a township unit: its division code.
    pub township: Option<Spanned<String>>,
    /// Old department hotline numbers that still ring through.
    #[serde(default)]
    pub hotlines: Vec<Spanned<String>>,
}

/// `[[topic]]`: words that point at a topic of the taxonomy, and who handles it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TopicRule {
    pub id: Spanned<String>,
    pub path: Spanned<Vec<String>>,
    pub principle: Spanned<String>,
    #[serde(default)]
    pub owners: Vec<Spanned<String>>,
    #[serde(default)]
    pub assisting: Vec<Spanned<String>>,
    #[serde(default)]
    pub keywords: Vec<Spanned<String>>,
    #[serde(default)]
    pub strong_keywords: Vec<Spanned<String>>,
    #[serde(default)]
    pub patterns: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    pub priority: Option<Spanned<i64>>,
}

/// `[[kind]]`: words that say what the citizen wants.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KindRule {
    pub id: Spanned<String>,
    pub kind: Spanned<String>,
    #[serde(default)]
    pub phrases: Vec<Spanned<String>>,
    #[serde(default)]
    pub patterns: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    pub weight: Option<Spanned<f64>>,
    pub priority: Option<Spanned<i64>>,
}

/// `[[emergency]]`: danger now, handed to 110, 119, 120 or 122.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmergencyRule {
    pub id: Spanned<String>,
    pub service: Spanned<String>,
    #[serde(default)]
    pub phrases: Vec<Spanned<String>>,
    #[serde(default)]
    pub patterns: Vec<Spanned<String>>,
    /// When given, one of these must be in the same sentence as the phrase.
    #[serde(default)]
    pub requires_any: Vec<Spanned<String>>,
    /// Phrases that cancel this rule when in the same sentence.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    pub priority: Option<Spanned<i64>>,
}

/// `[emergency_context]`: words that make any danger phrase in their sentence not "now":
/// past events, questions, rules about safety.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmergencyContext {
    #[serde(default)]
    pub cancel: Vec<Spanned<String>>,
    /// Regular expressions with the same effect, e.g. a written date (`\\d{4}年`).
    #[serde(default)]
    pub cancel_patterns: Vec<Spanned<String>>,
}

/// `[[example]]`: a text and what it must route to; `gateway rules test` runs them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExampleRule {
    pub text: Spanned<String>,
    pub title: Option<Spanned<String>>,
    pub address: Option<Spanned<String>>,
    pub dialed: Option<Spanned<String>>,
    pub kind: Option<Spanned<String>>,
    pub topic: Option<Spanned<Vec<String>>>,
    /// `"110"`, `"119"`, `"120"`, `"122"` or `"none"`.
    pub emergency: Option<Spanned<String>>,
    /// A township code or name, `"none"` or `"ambiguous"`.
    pub township: Option<Spanned<String>>,
    /// A village code or name, or `"none"`.
    pub village: Option<Spanned<String>>,
    pub lead_unit: Option<Spanned<String>>,
    pub assisting_units: Option<Spanned<Vec<String>>>,
    pub principle: Option<Spanned<String>>,
}
