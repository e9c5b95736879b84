//! No input makes the parsers panic: arbitrary text through the reply parser, the redaction
//! and the duplicate index.

use chrono::{DateTime, Utc};
use gateway_analysis::duplicate::{DuplicateConfig, DuplicateIndex};
use gateway_analysis::followup::FollowUpConfig;
use gateway_analysis::report::redact;
use gateway_core::case::CaseNumber;
use gateway_core::{Appeal, Channel, Kind, Principle, RoutingDecision, UnitId};
use proptest::prelude::*;

fn decision() -> RoutingDecision {
    RoutingDecision {
        kind: Kind::Complaint,
        topic: vec![],
        emergency: None,
        township: None,
        village: None,
        ambiguous_places: vec![],
        lead_unit: UnitId::coordination(),
        assisting_units: vec![],
        principle: Principle::Coordination,
        rules: vec![],
        confidence: 0.0,
    }
}

proptest! {
    #[test]
    fn arbitrary_text_is_read_redacted_and_indexed_without_panic(
        text in "\\PC{0,200}",
        mixed in "[0-9０-９满意不是很一般还行组号栋室@a-z.\\s>-]{0,80}",
    ) {
        let plan = FollowUpConfig::default().build().unwrap();
        for input in [&text, &mixed] {
            let reading = plan.parser().read(input);
            prop_assert!(reading.evidence.len() <= input.chars().count() + 1);
            let redacted = redact(input, &[input.as_str()]);
            prop_assert!(!redacted.chars().any(|c| c.is_ascii_digit()));
        }

        let at: DateTime<Utc> = "2026-12-01T10:00:00Z".parse().unwrap();
        let mut index = DuplicateIndex::new(DuplicateConfig::default()).unwrap();
        let first = Appeal::builder(Channel::Sms, "a", text.clone()).received_at(at).build();
        index.add(&first, &decision(), CaseNumber::new(at, 1)).unwrap();
        let second = Appeal::builder(Channel::Sms, "b", mixed.clone()).received_at(at).build();
        if let Some((_, score)) = index.find_duplicate(&second, &decision(), at) {
            prop_assert!((0.0..=1.0).contains(&score));
        }
    }
}
