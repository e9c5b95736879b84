//! The search index: tantivy over question, phrasings and answer, with BM25 scores
//! normalized so that one threshold means the same for every query.
//!
//! # How scores are normalized
//!
//! A raw BM25 score grows with the number and rarity of the query's words, so it cannot be
//! compared to a fixed threshold. Each query is therefore scored against its own ceiling: the
//! BM25 score an entry would get whose question is exactly the query (every query word, with
//! its count, in a question field of the query's length, with the index's own document
//! frequencies and average question length, times the question weight). The reported score is
//! `min(1, raw / ceiling)`: 1 for a question that says what the query says (or more, as the
//! answer and phrasings add to the raw score), near 0 for an entry that shares only common
//! words. Query words the index has never seen raise the ceiling, so a query about a matter
//! nobody has answered scores low even where a few of its words match.
//!
//! The routing topic adds to the raw score, not to the ceiling: an entry whose topic path
//! matches the routing topic gains up to `topic_boost_share` of the ceiling (in proportion to
//! the levels that match), enough to reorder near ties, not to lift an unrelated answer.
//!
//! A long query (an appeal's whole body) is searched by at most 128 of its distinct words,
//! the rarest of those the index holds; its ceiling still counts every word. On the
//! benchmark this cut the 99th percentile with 10,000 entries from 181 ms to 31 ms and left
//! the evaluation's figures as they were.

use std::collections::BTreeMap;
use std::path::Path;

use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::{
    Bm25StatisticsProvider, Bm25Weight, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query,
    TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

use crate::entry::Entry;
use crate::error::KbError;
use crate::tokenizer::{ChineseTokenizer, TOKENIZER_NAME};

/// How the fields weigh in the raw score.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchWeights {
    /// Weight of a word found in the question. Default 3.
    pub question: f32,
    /// Weight of a word found in an alternative phrasing. Default 2.5.
    pub phrasing: f32,
    /// Weight of a word found in the answer. Default 1.
    pub answer: f32,
    /// The most a matching topic adds, as a share of the query's ceiling. Default 0.1.
    pub topic_boost_share: f32,
}

impl Default for SearchWeights {
    fn default() -> Self {
        Self {
            question: 3.0,
            phrasing: 2.5,
            answer: 1.0,
            topic_boost_share: 0.1,
        }
    }
}

/// One entry found, best first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    /// The entry's id.
    pub entry_id: String,
    /// The normalized score, from 0 to 1 (see the module docs).
    pub score: f32,
    /// tantivy's raw BM25 score, topic boost included, for diagnosis.
    pub raw_score: f32,
}

struct Fields {
    id: Field,
    question: Field,
    phrasing: Field,
    answer: Field,
    topic: Field,
}

/// The tantivy index of the entries.
pub(crate) struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: IndexWriter,
    fields: Fields,
    tokenizer: ChineseTokenizer,
    weights: SearchWeights,
}

const WRITER_MEMORY_BYTES: usize = 50_000_000;

/// The most distinct words of one query that are searched; a longer text (an appeal's whole
/// body) keeps the rarest of the words the index holds.
const MAX_QUERY_WORDS: usize = 128;

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        question: builder.add_text_field("question", text.clone()),
        phrasing: builder.add_text_field("phrasing", text.clone()),
        answer: builder.add_text_field("answer", text),
        topic: builder.add_text_field("topic", STRING),
    };
    (builder.build(), fields)
}

/// The terms a topic path is indexed under: each prefix, levels joined by `/`.
fn topic_prefixes(topic: &[String]) -> Vec<String> {
    (1..=topic.len()).map(|n| topic[..n].join("/")).collect()
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when absent.
    pub(crate) fn open(dir: &Path, weights: SearchWeights) -> Result<SearchIndex, KbError> {
        std::fs::create_dir_all(dir).map_err(|source| KbError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir).map_err(|e| KbError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
        let index = Index::open_or_create(directory, schema)?;
        let tokenizer = ChineseTokenizer::new();
        index
            .tokenizers()
            .register(TOKENIZER_NAME, tokenizer.clone());
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer,
            fields,
            tokenizer,
            weights,
        })
    }

    /// The number of the last change the committed index holds.
    pub(crate) fn applied_seq(&self) -> Result<u64, KbError> {
        let metas = self.index.load_metas()?;
        Ok(metas.payload.and_then(|p| p.parse().ok()).unwrap_or(0))
    }

    /// The number of entries the index holds.
    pub(crate) fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Replaces the whole index with `entries`.
    pub(crate) fn rebuild<'a>(
        &mut self,
        entries: impl Iterator<Item = &'a Entry>,
        seq: u64,
    ) -> Result<(), KbError> {
        self.writer.delete_all_documents()?;
        for entry in entries {
            self.writer.add_document(self.document(entry))?;
        }
        self.commit(seq)
    }

    /// Writes entries (replacing earlier versions) and removes retired ids, then commits.
    pub(crate) fn apply(
        &mut self,
        upserts: &[&Entry],
        retired: &[&str],
        seq: u64,
    ) -> Result<(), KbError> {
        for id in retired {
            self.writer
                .delete_term(Term::from_field_text(self.fields.id, id));
        }
        for entry in upserts {
            self.writer
                .delete_term(Term::from_field_text(self.fields.id, &entry.id));
            self.writer.add_document(self.document(entry))?;
        }
        self.commit(seq)
    }

    fn commit(&mut self, seq: u64) -> Result<(), KbError> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&seq.to_string());
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    fn document(&self, entry: &Entry) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.fields.id, &entry.id);
        doc.add_text(self.fields.question, &entry.question);
        for phrasing in &entry.phrasings {
            doc.add_text(self.fields.phrasing, phrasing);
        }
        doc.add_text(self.fields.answer, &entry.answer);
        for prefix in topic_prefixes(&entry.topic) {
            doc.add_text(self.fields.topic, &prefix);
        }
        doc
    }

    /// The best `limit` entries for `query`, boosted where their topic matches `topic`.
    pub(crate) fn search(
        &self,
        query: &str,
        topic: &[String],
        limit: usize,
    ) -> Result<Vec<Hit>, KbError> {
        // The query's words with their counts; nothing to look for, nothing found.
        let words = self.tokenizer.clone().words(query);
        let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
        for word in &words {
            *counts.entry(word).or_default() += 1;
        }
        let searcher = self.reader.searcher();
        let total_docs = searcher.num_docs();
        if counts.is_empty() || total_docs == 0 || limit == 0 {
            return Ok(Vec::new());
        }

        // The ceiling counts every word of the query, found in the index or not.
        let average_question =
            searcher.total_num_tokens(self.fields.question)? as f32 / total_docs as f32;
        let query_norm = FieldNormReader::fieldnorm_to_id(words.len() as u32);
        let mut ceiling = 0.0f32;
        let mut searchable: Vec<(&str, u64)> = Vec::with_capacity(counts.len());
        for (word, &count) in &counts {
            let in_question =
                searcher.doc_freq(&Term::from_field_text(self.fields.question, word))?;
            ceiling +=
                Bm25Weight::for_one_term_without_explain(in_question, total_docs, average_question)
                    .boost_by(self.weights.question)
                    .score(query_norm, count);
            let in_answer = searcher.doc_freq(&Term::from_field_text(self.fields.answer, word))?;
            let in_phrasing =
                searcher.doc_freq(&Term::from_field_text(self.fields.phrasing, word))?;
            let found = in_question + in_answer + in_phrasing;
            if found > 0 {
                searchable.push((word, found));
            }
        }

        // A long text is searched by its rarest words found in the index: the common ones
        // add little to any score but cost three clauses each.
        if searchable.len() > MAX_QUERY_WORDS {
            searchable.sort_by_key(|&(word, found)| (found, word));
            searchable.truncate(MAX_QUERY_WORDS);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (word, _) in searchable {
            for (field, weight) in [
                (self.fields.question, self.weights.question),
                (self.fields.phrasing, self.weights.phrasing),
                (self.fields.answer, self.weights.answer),
            ] {
                let term = TermQuery::new(
                    Term::from_field_text(field, word),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(term), weight)),
                ));
            }
        }
        if clauses.is_empty() {
            return Ok(Vec::new());
        }
        let text: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));

        // The topic only adds to entries the words already found.
        let full: Box<dyn Query> = if topic.is_empty() || self.weights.topic_boost_share <= 0.0 {
            text
        } else {
            let per_level = self.weights.topic_boost_share * ceiling / topic.len() as f32;
            let mut levels: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for prefix in topic_prefixes(topic) {
                let term = TermQuery::new(
                    Term::from_field_text(self.fields.topic, &prefix),
                    IndexRecordOption::Basic,
                );
                levels.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(Box::new(term), per_level)),
                ));
            }
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, text),
                (Occur::Should, Box::new(BooleanQuery::new(levels))),
            ]))
        };

        // Best first, with the stored id.
        let top = searcher.search(&full, &TopDocs::with_limit(limit).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        for (raw, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_str()) else {
                continue;
            };
            let score = if ceiling > 0.0 {
                (raw / ceiling).min(1.0)
            } else {
                0.0
            };
            hits.push(Hit {
                entry_id: id.to_string(),
                score,
                raw_score: raw,
            });
        }
        Ok(hits)
    }
}
