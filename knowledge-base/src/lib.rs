//! The knowledge base (知识库): the answers departments give to the questions citizens ask,
//! searched in Chinese, so that the platform answers a consultation (咨询) itself and sends
//! on only what it cannot.
//!
//! This crate owns the entries ([`Entry`]: question, answer, phrasings, owner unit, topic,
//! source, valid-from and review-by dates), who may change them (only the owning unit), the
//! history of every change, their import from the files departments write ([`import`]:
//! Markdown and CSV), the search index (tantivy with jieba words, [`index`]) and the choice
//! between a direct answer and routing ([`direct`]). It leaves classification and routing to
//! `routing-rules` and serving over HTTP to `gateway-daemon`.
//!
//! ```no_run
//! use chrono::NaiveDate;
//! use gateway_core::{Kind, UnitId};
//! use knowledge_base::{DirectAnswer, DirectAnswerConfig, KnowledgeBase};
//!
//! let mut kb = KnowledgeBase::open("data/knowledge").unwrap();
//! let unit = UnitId::new("human-resources-social-security");
//! kb.import_file(&unit, "examples/wencheng/knowledge/human-resources-social-security.md".as_ref())
//!     .unwrap();
//! let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
//! let topic = vec!["劳动和社会保障".to_string()];
//! match kb
//!     .direct_answer("灵活就业怎么交养老保险", Kind::Consultation, &topic, &DirectAnswerConfig::default(), today)
//!     .unwrap()
//! {
//!     DirectAnswer::Answer { entry, .. } => println!("{}", entry.answer),
//!     DirectAnswer::Route { candidates, .. } => println!("{} candidates", candidates.len()),
//! }
//! ```
//!
//! # Retrieval evaluation
//!
//! `cargo run --release -p knowledge-base --example evaluate` indexes the example set of
//! `examples/wencheng/knowledge/` (question = a real message's title, answer = the
//! department's reply to it) and queries it with texts that were never indexed: the body of
//! each message (the citizen's own account of the same matter), and the bodies of messages in
//! `hot-topics.jsonl` whose title repeats a replied message's title but whose body differs. It
//! prints the share where the reply's entry ranks first and in the top three, and how the
//! direct-answer threshold trades answered share against correct answers. Figures measured
//! are in the crate's README section of the report and are printed by the command itself.

pub mod direct;
pub mod entry;
pub mod error;
pub mod history;
pub mod import;
pub mod index;
pub mod kb;
pub mod tokenizer;

pub use direct::{Candidate, DirectAnswer, DirectAnswerConfig, RouteReason};
pub use entry::{Entry, Freshness};
pub use error::{EntryProblem, ImportError, ImportProblem, KbError};
pub use history::{Action, Change};
pub use import::ImportedEntry;
pub use index::{Hit, SearchWeights};
pub use kb::{KnowledgeBase, Outcome, StaleEntry};
pub use tokenizer::ChineseTokenizer;
