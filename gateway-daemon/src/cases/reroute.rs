//! Routing a returned case again, without the units that returned it.

use gateway_core::{Appeal, RoutingDecision, UnitId};
use routing_rules::{RouteInput, RuleSet};

/// Where re-routing gets a fresh decision: the rule set in force.
pub trait DecisionSource: Send + Sync {
    /// Routes the appeal as intake would.
    fn decide(&self, appeal: &Appeal) -> RoutingDecision;
}

impl DecisionSource for RuleSet {
    fn decide(&self, appeal: &Appeal) -> RoutingDecision {
        self.route(&RouteInput::from(appeal))
    }
}

/// A closure, for a daemon whose rules are reloaded: it reads the set in force each time.
pub struct DecideWith<F>(pub F);

impl<F> DecisionSource for DecideWith<F>
where
    F: Fn(&Appeal) -> RoutingDecision + Send + Sync,
{
    fn decide(&self, appeal: &Appeal) -> RoutingDecision {
        (self.0)(appeal)
    }
}

/// The decision with the excluded units dropped: the lead unit if it is still allowed,
/// else the first allowed assisting unit (the next owner) leads and the rest assist. `None`
/// when no unit is left, or when the rules themselves send the appeal to coordination: then
/// the platform's coordination must choose.
// Limitation: the engine has no way to exclude a unit and rank the others, so the "next
// owner" is the next unit of the same decision; a topic whose only owner returned it goes to
// coordination even if a broader rule would have found another unit.
pub fn without_units(
    mut decision: RoutingDecision,
    excluding: &[UnitId],
) -> Option<RoutingDecision> {
    let coordination = UnitId::coordination();
    let mut allowed = std::iter::once(decision.lead_unit.clone())
        .chain(decision.assisting_units.iter().cloned())
        .filter(|unit| unit != &coordination && !excluding.contains(unit));
    let lead = allowed.next()?;
    let mut assisting: Vec<UnitId> = Vec::new();
    for unit in allowed {
        if unit != lead && !assisting.contains(&unit) {
            assisting.push(unit);
        }
    }
    decision.lead_unit = lead;
    decision.assisting_units = assisting;
    Some(decision)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_core::{Kind, Principle};

    fn decision(lead: &str, assisting: &[&str]) -> RoutingDecision {
        RoutingDecision {
            kind: Kind::Complaint,
            topic: vec![],
            emergency: None,
            township: None,
            village: None,
            ambiguous_places: vec![],
            lead_unit: UnitId::new(lead),
            assisting_units: assisting.iter().map(|u| UnitId::new(*u)).collect(),
            principle: Principle::OwnerResponsible,
            rules: vec![],
            confidence: 0.8,
        }
    }

    #[test]
    fn the_next_owner_leads_when_the_lead_returned() {
        let next = without_units(
            decision("market-supervision", &["urban-management", "housing"]),
            &[UnitId::new("market-supervision")],
        )
        .unwrap();
        assert_eq!(next.lead_unit.as_str(), "urban-management");
        assert_eq!(next.assisting_units, vec![UnitId::new("housing")]);
    }

    #[test]
    fn no_unit_left_means_coordination() {
        assert!(
            without_units(
                decision("market-supervision", &[]),
                &[UnitId::new("market-supervision")]
            )
            .is_none()
        );
        assert!(without_units(decision("coordination", &[]), &[]).is_none());
    }
}
