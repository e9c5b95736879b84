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
//! `examples/wencheng/knowledge/` (301 entries: question = a real message's title, answer =
//! the department's reply to it) and queries it with texts that were never indexed, whose
//! right entry is known:
//!
//! | set | queries | what is asked | top 1 | top 3 |
//! | --- | --- | --- | --- | --- |
//! | body | 301 | each message's body, the citizen's own account of the matter | 0.944 | 0.983 |
//! | paraphrase | 10 | questions of the set reworded by hand (`tests/paraphrases.tsv`) | 0.800 | 0.900 |
//! | hot-topics | 2 | other messages with a replied title but another body | 1.000 | 1.000 |
//! | body + noise | 301 | the body set after 1,107 other replies join as distractors | 0.900 | 0.947 |
//! | paraphrase + noise | 10 | the same for the paraphrases | 0.600 | 0.900 |
//!
//! (no routing topic; with the reply's own category as the topic, an upper bound on what
//! routing adds, body + noise rises to 0.940 / 0.983). The body set is easier than real
//! calls: a body repeats the rare names (roads, estates, companies) of its own title and
//! reply. The paraphrase set is closer to how callers ask but small. The command also prints
//! the answered share and precision of direct answers per threshold, from which the default
//! threshold of 0.5 was chosen.

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
