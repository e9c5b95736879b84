//! The routing decision: what an appeal is, where it happened and who handles it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{DivisionRef, UnitId};

/// What the citizen wants (诉求类别).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 咨询: a question, answered from the knowledge base when it can be.
    Consultation,
    /// 投诉: the citizen's own rights or interests were harmed.
    Complaint,
    /// 举报: a tip-off about someone else's wrongdoing.
    Report,
    /// 求助: asks for practical help.
    HelpRequest,
    /// 建议: an idea for the government.
    Suggestion,
}

impl Kind {
    /// Every kind, in a stable order.
    pub const ALL: [Kind; 5] = [
        Kind::Consultation,
        Kind::Complaint,
        Kind::Report,
        Kind::HelpRequest,
        Kind::Suggestion,
    ];

    /// The kind's name as written in rule files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Consultation => "consultation",
            Kind::Complaint => "complaint",
            Kind::Report => "report",
            Kind::HelpRequest => "help_request",
            Kind::Suggestion => "suggestion",
        }
    }

    /// Parses a kind name as written in rule files.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The Chinese name citizens and units read.
    pub fn chinese(self) -> &'static str {
        match self {
            Kind::Consultation => "咨询",
            Kind::Complaint => "投诉",
            Kind::Report => "举报",
            Kind::HelpRequest => "求助",
            Kind::Suggestion => "建议",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The emergency services an emergency is handed to at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EmergencyService {
    /// 110, police.
    #[serde(rename = "110")]
    Police,
    /// 119, fire and rescue.
    #[serde(rename = "119")]
    Fire,
    /// 120, ambulance.
    #[serde(rename = "120")]
    Ambulance,
    /// 122, traffic police.
    #[serde(rename = "122")]
    Traffic,
}

impl EmergencyService {
    /// Every service.
    pub const ALL: [EmergencyService; 4] = [
        EmergencyService::Police,
        EmergencyService::Fire,
        EmergencyService::Ambulance,
        EmergencyService::Traffic,
    ];

    /// The number, `110`, `119`, `120` or `122`.
    pub fn number(self) -> &'static str {
        match self {
            EmergencyService::Police => "110",
            EmergencyService::Fire => "119",
            EmergencyService::Ambulance => "120",
            EmergencyService::Traffic => "122",
        }
    }

    /// Parses a number as written in rule files.
    pub fn parse(number: &str) -> Option<EmergencyService> {
        EmergencyService::ALL
            .into_iter()
            .find(|s| s.number() == number)
    }
}

impl fmt::Display for EmergencyService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.number())
    }
}

/// An emergency hand-off: danger to life or property now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emergency {
    /// Where it goes.
    pub service: EmergencyService,
    /// The rule that decided.
    pub rule: String,
}

/// The principle that chose the handling units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Principle {
    /// Danger now: handed to 110/119/120/122, not queued.
    Emergency,
    /// 属地管理优先: the township where it happened handles what is within its reach.
    TerritorialFirst,
    /// 谁主管谁负责: the department that holds the power over the matter handles it.
    OwnerResponsible,
    /// 平台协调: the rules could not decide; the platform chooses the lead unit itself.
    Coordination,
}

impl Principle {
    /// Every principle, in a stable order.
    pub const ALL: [Principle; 4] = [
        Principle::Emergency,
        Principle::TerritorialFirst,
        Principle::OwnerResponsible,
        Principle::Coordination,
    ];

    /// The principle's name as written in JSON and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Principle::Emergency => "emergency",
            Principle::TerritorialFirst => "territorial_first",
            Principle::OwnerResponsible => "owner_responsible",
            Principle::Coordination => "coordination",
        }
    }
}

impl fmt::Display for Principle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule that fired, with the text it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleHit {
    /// The rule's id as the rule file names it.
    pub rule: String,
    /// The words that matched, as the citizen wrote them.
    pub matched: Vec<String>,
}

/// A place name that more than one division carries; the engine names the candidates
/// instead of choosing one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceAmbiguity {
    /// The name as written.
    pub written: String,
    /// Every village (or township) it could be.
    pub candidates: Vec<DivisionRef>,
}

/// What routing decided about one appeal. It is kept beside the appeal, never inside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutingDecision {
    /// What the citizen wants.
    pub kind: Kind,
    /// The topic path in the taxonomy, top level first; empty when no topic was found.
    pub topic: Vec<String>,
    /// The emergency hand-off, which overrides everything else.
    pub emergency: Option<Emergency>,
    /// The township where it happened, if resolved.
    pub township: Option<DivisionRef>,
    /// The village where it happened, if resolved.
    pub village: Option<DivisionRef>,
    /// Place names that could not be resolved to one division.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ambiguous_places: Vec<PlaceAmbiguity>,
    /// The unit that answers (主办).
    pub lead_unit: UnitId,
    /// The units that help (协办).
    pub assisting_units: Vec<UnitId>,
    /// The principle that chose the units.
    pub principle: Principle,
    /// Why: each rule that fired, with its words.
    pub rules: Vec<RuleHit>,
    /// How sure the engine is, from 0 to 1.
    pub confidence: f32,
}

impl RoutingDecision {
    /// The ids of the rules that fired.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|hit| hit.rule.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emergency_service_serializes_as_its_number() {
        let json = serde_json::to_string(&EmergencyService::Fire).unwrap();
        assert_eq!(json, "\"119\"");
        assert_eq!(
            EmergencyService::parse("122"),
            Some(EmergencyService::Traffic)
        );
        assert_eq!(EmergencyService::parse("12345"), None);
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(
            serde_json::to_string(&Kind::HelpRequest).unwrap(),
            "\"help_request\""
        );
    }
}
