//! Who gets notices where: each unit's delivery targets and the supervisors'.

use std::collections::BTreeMap;

use gateway_core::UnitId;
use gateway_core::case::Recipient;

use super::config::TargetConfig;

/// The delivery targets of every recipient, from config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetBook {
    units: BTreeMap<UnitId, Vec<TargetConfig>>,
    supervisors: Vec<TargetConfig>,
}

impl TargetBook {
    /// A book with these units' targets and the supervisors' targets.
    pub fn new(units: BTreeMap<UnitId, Vec<TargetConfig>>, supervisors: Vec<TargetConfig>) -> Self {
        Self { units, supervisors }
    }

    /// The recipient's targets; empty for a unit the config does not name.
    pub fn targets(&self, recipient: &Recipient) -> &[TargetConfig] {
        match recipient {
            Recipient::Unit(unit) => self.units.get(unit).map(Vec::as_slice).unwrap_or(&[]),
            Recipient::Supervisors => &self.supervisors,
        }
    }

    /// The recipient's target of this kind at this address, if it is still configured.
    pub fn find(&self, recipient: &Recipient, kind: &str, address: &str) -> Option<&TargetConfig> {
        self.targets(recipient)
            .iter()
            .find(|target| target.kind() == kind && target.address() == address)
    }
}
