//! The example county's rule set, embedded so that `gateway` runs with nothing else installed.

use std::path::{Path, PathBuf};

use routing_rules::{EmbeddedSources, RuleErrors, RuleSet};

/// The entry file's name among the embedded files.
pub const ENTRY: &str = "routing.toml";

macro_rules! embedded {
    ($($path:literal),* $(,)?) => {
        [$(($path, include_str!(concat!("../../examples/wencheng/", $path)))),*]
    };
}

/// The embedded files of `examples/wencheng/`, by path relative to it.
pub fn files() -> EmbeddedSources {
    EmbeddedSources::new(embedded!(
        "routing.toml",
        "units.toml",
        "topics.toml",
        "kinds.toml",
        "emergency.toml",
        "divisions/wencheng_330328_towns_villages.csv",
        "taxonomy/topics.csv",
    ))
}

/// The rule set at `path`, or the embedded example county when no path is given.
pub fn load_rules(path: Option<&Path>) -> Result<RuleSet, RuleErrors> {
    match path {
        Some(path) => RuleSet::load(path),
        None => RuleSet::load_from(&files(), &PathBuf::from(ENTRY)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_rules_compile() {
        let rules = load_rules(None).unwrap();
        assert_eq!(rules.name(), "wencheng");
        assert!(rules.pattern_count() > 100);
    }
}
