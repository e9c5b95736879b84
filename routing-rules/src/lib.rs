//! Rule files and the engine that classifies and routes appeals.
//!
//! Rule authors at the hotline office write TOML files: handling units with their old
//! hotline numbers, topics of the taxonomy with the words that point at them and who handles
//! them, kind and emergency phrases, and examples. A whole set, which may span several files,
//! compiles into one [`RuleSet`]; every mistake is reported at its `file:line:column` and a set
//! with any mistake does not compile, so a typo never reaches the running system.
//!
//! Routing follows the hotline's principles in order: an **emergency** (danger now) is handed
//! to 110/119/120/122; otherwise the **territorial first** principle gives a matter within a
//! township's reach to the township where it happened, **owner responsible** gives a matter
//! that needs a department's power to that department (several owners: one leads, the others
//! assist), a call to an old department hotline is an owner hint, and what the rules cannot
//! decide goes to the platform's **coordination**.
//!
//! ```
//! use routing_rules::{EmbeddedSources, RouteInput, RuleSet};
//! use std::path::Path;
//!
//! let files = EmbeddedSources::new([(
//!     "routing.toml",
//!     r#"
//!     [ruleset]
//!     name = "demo"
//!
//!     [[unit]]
//!     id = "urban-management"
//!     name = "县综合行政执法局"
//!     type = "department"
//!     hotlines = ["12319"]
//!
//!     [[topic]]
//!     id = "illegal-building"
//!     path = ["城乡建设", "城乡规划", "违章建筑"]
//!     principle = "owner"
//!     owners = ["urban-management"]
//!     keywords = ["违建", "违章建筑"]
//!
//!     [[emergency]]
//!     id = "fire-now"
//!     service = "119"
//!     phrases = ["着火了"]
//!     "#,
//! )]);
//! let rules = RuleSet::load_from(&files, Path::new("routing.toml")).unwrap();
//! let decision = rules.route(&RouteInput { body: "隔壁在搞违建", ..Default::default() });
//! assert_eq!(decision.lead_unit.as_str(), "urban-management");
//! let decision = rules.route(&RouteInput { body: "楼道里着火了", ..Default::default() });
//! assert_eq!(decision.emergency.unwrap().service.number(), "119");
//! ```

mod compile;
pub mod divisions;
mod engine;
pub mod error;
mod examples;
mod format;
pub mod normalize;
mod sources;
pub mod taxonomy;

pub use compile::{Example, RuleSet, Unit, UnitType};
pub use engine::{Explanation, RouteInput};
pub use error::{RuleError, RuleErrors};
pub use examples::{ExampleFailure, field_value};
pub use sources::{DiskSources, EmbeddedSources, RuleSources};
