//! No input text panics the engine, whatever its characters.

use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use routing_rules::{RouteInput, RuleSet};

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let entry =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/wencheng/routing.toml");
        RuleSet::load(&entry).expect("example rules compile")
    })
}

/// Text drawn from the alphabet that matters: rule words, terminators, full-width and
/// traditional forms, combining marks, and anything else.
fn text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("着火了".to_string()),
        Just("上个月".to_string()),
        Just("玉壶".to_string()),
        Just("东樟村委会".to_string()),
        Just("中村村".to_string()),
        Just("。".to_string()),
        Just("\n".to_string()),
        Just("ＡＢＣ１２".to_string()),
        Just("樓道裡".to_string()),
        Just("\u{3000}\u{a0}".to_string()),
        Just("e\u{301}".to_string()),
        Just("😀".to_string()),
        any::<String>(),
    ];
    prop::collection::vec(pieces, 0..12).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn routing_any_text_never_panics(body in text(), title in proptest::option::of(text()), address in proptest::option::of(text()), dialed in proptest::option::of(any::<String>())) {
        let input = RouteInput {
            title: title.as_deref(),
            body: &body,
            address: address.as_deref(),
            dialed: dialed.as_deref(),
        };
        let decision = rules().route(&input);
        prop_assert!((0.0..=1.0).contains(&decision.confidence));
        prop_assert!(!decision.lead_unit.as_str().is_empty());
        let explanation = rules().explain(&input);
        prop_assert_eq!(explanation.decision, decision);
    }

    #[test]
    fn arbitrary_rule_files_never_panic_the_compiler(text in any::<String>()) {
        let files = routing_rules::EmbeddedSources::new([("routing.toml", text)]);
        let _ = RuleSet::load_from(&files, std::path::Path::new("routing.toml"));
    }
}
