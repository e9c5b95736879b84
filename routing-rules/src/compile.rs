//! Checking a rule set and compiling it into one engine.
//!
//! Every phrase of every rule (topic keywords, kind phrases, emergency phrases, exclusions,
//! place names) goes into one Aho-Corasick automaton over normalized text, so routing an
//! appeal is one pass over its text whatever the number of rules.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use gateway_core::{EmergencyService, Kind, Principle};
use regex::Regex;
use toml::Spanned;

use crate::divisions::{Divisions, NameForm};
use crate::error::{RuleError, RuleErrors};
use crate::format::{ExampleRule, RuleFile};
use crate::normalize::normalize;
use crate::sources::{DiskSources, RuleSources};
use crate::taxonomy::Taxonomy;

/// The kind of a handling unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitType {
    /// A county department that holds power over matters (谁主管谁负责).
    Department,
    /// A township or town government (属地管理).
    Township,
    /// The platform itself or another body.
    Platform,
}

/// A handling unit as the rule files declare it.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Its id.
    pub id: String,
    /// Its name, e.g. `县市场监督管理局`.
    pub name: String,
    /// Department, township or platform.
    pub unit_type: UnitType,
    /// For a township unit, the index of its township in the divisions.
    pub township: Option<usize>,
    /// Old hotline numbers.
    pub hotlines: Vec<String>,
}

/// How a topic is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TopicPrinciple {
    Territorial,
    Owner,
}

#[derive(Debug, Clone)]
pub(crate) struct Topic {
    pub id: String,
    pub path: Vec<String>,
    pub principle: TopicPrinciple,
    pub owners: Vec<usize>,
    pub assisting: Vec<usize>,
    pub priority: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct KindRule {
    pub id: String,
    pub kind: Kind,
    pub weight: f32,
    pub priority: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct EmergencyRule {
    pub id: String,
    pub service: EmergencyService,
    pub needs_cue: bool,
    pub priority: i64,
}

/// What one matched pattern means; a pattern can mean several things at once.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Use {
    Topic { topic: u32, weight: f32 },
    TopicExclude { topic: u32 },
    Kind { rule: u32 },
    KindExclude { rule: u32 },
    Emergency { rule: u32 },
    EmergencyCue { rule: u32 },
    EmergencyExclude { rule: u32 },
    Cancel,
    Township { township: u32, form: NameForm },
    Village { village: u32, form: NameForm },
}

/// An in-file example: a text and what it must route to.
#[derive(Debug, Clone)]
pub struct Example {
    /// Where it is written.
    pub file: PathBuf,
    /// Its line.
    pub line: usize,
    /// The title, if any.
    pub title: Option<String>,
    /// The text.
    pub text: String,
    /// The address field, if any.
    pub address: Option<String>,
    /// The dialed number, if any.
    pub dialed: Option<String>,
    /// Expected field values, by output field name (`kind`, `topic`, `emergency`, ...),
    /// written as `gateway route` writes them.
    pub expect: Vec<(String, String)>,
}

/// A compiled rule set: the engine that classifies and routes appeals.
#[derive(Debug)]
pub struct RuleSet {
    pub(crate) name: String,
    pub(crate) files: Vec<PathBuf>,
    pub(crate) units: Vec<Unit>,
    pub(crate) unit_index: HashMap<String, usize>,
    pub(crate) township_units: HashMap<usize, usize>,
    pub(crate) topics: Vec<Topic>,
    pub(crate) kinds: Vec<KindRule>,
    pub(crate) emergencies: Vec<EmergencyRule>,
    pub(crate) divisions: Divisions,
    pub(crate) taxonomy: Taxonomy,
    pub(crate) matcher: AhoCorasick,
    pub(crate) patterns: Vec<String>,
    pub(crate) uses: Vec<Vec<Use>>,
    pub(crate) regexes: Vec<(Regex, Use)>,
    pub(crate) address_only: HashSet<usize>,
    pub(crate) default_kind: Kind,
    pub(crate) min_topic_score: f32,
    pub(crate) examples: Vec<Example>,
}

impl RuleSet {
    /// Loads and compiles the rule set whose entry file is `entry` (e.g.
    /// `examples/wencheng/routing.toml`); included files are relative to its folder.
    pub fn load(entry: &Path) -> Result<RuleSet, RuleErrors> {
        let root = entry.parent().unwrap_or(Path::new("."));
        let name = entry.file_name().map(PathBuf::from).unwrap_or_default();
        RuleSet::load_from(&DiskSources::new(root), &name)
    }

    /// Loads and compiles a rule set from any source of files.
    pub fn load_from(sources: &dyn RuleSources, entry: &Path) -> Result<RuleSet, RuleErrors> {
        Compiler::default().compile(sources, entry)
    }

    /// The set's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The files it was compiled from, entry first.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The handling units.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// The unit with this id.
    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.unit_index.get(id).map(|&i| &self.units[i])
    }

    /// The divisions the set resolves places against.
    pub fn divisions(&self) -> &Divisions {
        &self.divisions
    }

    /// The in-file examples.
    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    /// The number of distinct phrases in the automaton.
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// The normalized phrases of the automaton, for benchmarks against a bare pass.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// A copy of this set with extra topic keywords that point at the first topic, used to
    /// measure how matching time grows with the number of keywords.
    pub fn with_extra_keywords(&self, extra: &[String]) -> RuleSet {
        let mut patterns = self.patterns.clone();
        let mut uses = self.uses.clone();
        let mut index: HashMap<String, usize> = patterns.iter().cloned().zip(0..).collect();
        for keyword in extra {
            let normalized = normalize(keyword);
            let id = *index.entry(normalized.clone()).or_insert_with(|| {
                patterns.push(normalized);
                uses.push(Vec::new());
                patterns.len() - 1
            });
            uses[id].push(Use::Topic {
                topic: 0,
                weight: 1.0,
            });
        }
        let matcher = build_matcher(&patterns).expect("patterns that compiled once compile again");
        RuleSet {
            name: self.name.clone(),
            files: self.files.clone(),
            units: self.units.clone(),
            unit_index: self.unit_index.clone(),
            township_units: self.township_units.clone(),
            topics: self.topics.clone(),
            kinds: self.kinds.clone(),
            emergencies: self.emergencies.clone(),
            divisions: self.divisions.clone(),
            taxonomy: self.taxonomy.clone(),
            matcher,
            patterns,
            uses,
            regexes: self.regexes.clone(),
            address_only: self.address_only.clone(),
            default_kind: self.default_kind,
            min_topic_score: self.min_topic_score,
            examples: self.examples.clone(),
        }
    }
}

fn build_matcher(patterns: &[String]) -> Result<AhoCorasick, aho_corasick::BuildError> {
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
}

/// One parsed file and its text, for error positions.
struct Parsed {
    path: PathBuf,
    text: String,
    file: RuleFile,
}

impl Parsed {
    fn error<T>(&self, spanned: &Spanned<T>, message: impl Into<String>) -> RuleError {
        RuleError::at(&self.path, &self.text, Some(spanned.span()), message)
    }

    fn error_at(&self, span: Range<usize>, message: impl Into<String>) -> RuleError {
        RuleError::at(&self.path, &self.text, Some(span), message)
    }
}

#[derive(Default)]
struct Compiler {
    errors: Vec<RuleError>,
    patterns: Vec<String>,
    pattern_index: HashMap<String, usize>,
    uses: Vec<Vec<Use>>,
    regexes: Vec<(Regex, Use)>,
    rule_ids: HashMap<String, (PathBuf, usize)>,
}

const UNIT_TYPES: &str = "`department`, `township` or `platform`";
const PRINCIPLES: &str = "`territorial` or `owner`";
const KINDS: &str = "`consultation`, `complaint`, `report`, `help_request` or `suggestion`";
const SERVICES: &str = "\"110\", \"119\", \"120\" or \"122\"";

impl Compiler {
    fn compile(mut self, sources: &dyn RuleSources, entry: &Path) -> Result<RuleSet, RuleErrors> {
        // Read the entry file, then every file it includes.
        let Some(entry_file) = self.parse_file(sources, entry, None) else {
            return Err(RuleErrors(self.errors));
        };
        let Some(section) = entry_file.file.ruleset.as_ref() else {
            let error = RuleError::at(
                entry,
                &entry_file.text,
                None,
                "the entry file has no [ruleset] table",
            )
            .expected("a `[ruleset]` table with `name` and `include`")
            .hint("start the entry file with `[ruleset]` and `name = \"...\"`");
            return Err(RuleErrors(vec![error]));
        };
        let section = section.get_ref();
        let includes: Vec<(PathBuf, Range<usize>)> = section
            .include
            .iter()
            .map(|s| (PathBuf::from(s.get_ref()), s.span()))
            .collect();
        let mut files = vec![entry_file];
        let mut seen: Vec<PathBuf> = vec![entry.to_path_buf()];
        for (path, span) in includes {
            if let Some(problem) = outside_folder(&path) {
                let e = files[0]
                    .error_at(span, format!("include `{}` {problem}", path.display()))
                    .hint("name rule files by their path inside the entry file's folder, e.g. `topics.toml`");
                self.errors.push(e);
                continue;
            }
            if seen.contains(&path) {
                let e = files[0]
                    .error_at(span, format!("`{}` is included twice", path.display()))
                    .hint("list each rule file once in `include`");
                self.errors.push(e);
                continue;
            }
            seen.push(path.clone());
            let from = (&files[0], span);
            if let Some(parsed) = self.parse_file(sources, &path, Some(from)) {
                if let Some(extra) = &parsed.file.ruleset {
                    let e = parsed
                        .error(extra, "only the entry file may hold a [ruleset] table")
                        .hint("move these keys to the entry file");
                    self.errors.push(e);
                }
                files.push(parsed);
            }
        }

        // A file that does not parse hides what it declares; checking the rest would bury
        // the real mistake under errors that follow from it.
        if !self.errors.is_empty() {
            return Err(RuleErrors(self.errors));
        }

        // The data the rules refer to: divisions and taxonomy.
        let entry = &files[0];
        let section = entry
            .file
            .ruleset
            .as_ref()
            .expect("checked above")
            .get_ref();
        let divisions = match &section.divisions {
            Some(path) => self
                .read_data(sources, entry, path, Divisions::parse)
                .unwrap_or_default(),
            None => Divisions::default(),
        };
        let taxonomy = match &section.taxonomy {
            Some(path) => {
                let taxonomy = self.read_data(sources, entry, path, Taxonomy::parse);
                if taxonomy.as_ref().is_some_and(Taxonomy::is_empty) {
                    self.errors.push(
                        entry
                            .error(
                                path,
                                format!("the taxonomy `{}` holds no topic paths", path.get_ref()),
                            )
                            .expected(
                                "a CSV with a header row and one path per row, top level first",
                            ),
                    );
                }
                taxonomy.unwrap_or_default()
            }
            None => Taxonomy::default(),
        };
        let default_kind = match &section.default_kind {
            Some(k) => Kind::parse(k.get_ref()).unwrap_or_else(|| {
                self.errors.push(
                    entry
                        .error(k, format!("unknown kind `{}`", k.get_ref()))
                        .expected(KINDS),
                );
                Kind::Complaint
            }),
            None => Kind::Complaint,
        };
        let min_topic_score = section
            .min_topic_score
            .as_ref()
            .map(|s| *s.get_ref() as f32)
            .unwrap_or(1.0);
        let mut address_only = HashSet::new();
        for name in &section.address_only_names {
            match divisions
                .townships
                .iter()
                .position(|t| t.short_name.as_deref() == Some(name.get_ref()))
            {
                Some(i) => {
                    address_only.insert(i);
                }
                None => self.errors.push(
                    entry
                        .error(
                            name,
                            format!("`{}` is not the short name of a township", name.get_ref()),
                        )
                        .hint("write a township name without 镇 or 乡, as in `平和`"),
                ),
            }
        }
        let ruleset_name = section.name.get_ref().clone();

        // Units first: topics and examples refer to them.
        let (units, unit_index, township_units) = self.compile_units(&files, &divisions);
        let topics = self.compile_topics(&files, &unit_index, &taxonomy);
        let kinds = self.compile_kinds(&files);
        let emergencies = self.compile_emergencies(&files);
        let examples = self.compile_examples(&files, &unit_index, &taxonomy, &divisions);

        // Place names share the automaton with the rules.
        for (i, name, form) in divisions.township_names() {
            let name = name.to_string();
            self.add_pattern(
                &name,
                Use::Township {
                    township: i as u32,
                    form,
                },
            );
        }
        for (i, name, form) in divisions.village_names() {
            self.add_pattern(
                &name,
                Use::Village {
                    village: i as u32,
                    form,
                },
            );
        }

        if !self.errors.is_empty() {
            return Err(RuleErrors(self.errors));
        }
        let matcher = match build_matcher(&self.patterns) {
            Ok(m) => m,
            Err(e) => {
                let error = RuleError::at(
                    &files[0].path,
                    &files[0].text,
                    None,
                    format!("the phrases do not compile: {e}"),
                );
                return Err(RuleErrors(vec![error]));
            }
        };
        Ok(RuleSet {
            name: ruleset_name,
            files: files.iter().map(|f| f.path.clone()).collect(),
            units,
            unit_index,
            township_units,
            topics,
            kinds,
            emergencies,
            divisions,
            taxonomy,
            matcher,
            patterns: self.patterns,
            uses: self.uses,
            regexes: self.regexes,
            address_only,
            default_kind,
            min_topic_score,
            examples,
        })
    }

    /// Reads and parses one rule file; errors are collected and `None` returned.
    fn parse_file(
        &mut self,
        sources: &dyn RuleSources,
        path: &Path,
        from: Option<(&Parsed, Range<usize>)>,
    ) -> Option<Parsed> {
        let text = match sources.read(path) {
            Ok(text) => text,
            Err(e) => {
                let error = match from {
                    Some((parent, span)) => parent
                        .error_at(
                            span,
                            format!("cannot read included file `{}`: {e}", path.display()),
                        )
                        .hint("include paths are relative to the entry file's folder"),
                    None => RuleError::at(path, "", None, format!("cannot read rule file: {e}")),
                };
                self.errors.push(error);
                return None;
            }
        };
        match toml::from_str::<RuleFile>(&text) {
            Ok(file) => Some(Parsed {
                path: path.to_path_buf(),
                text,
                file,
            }),
            Err(e) => {
                self.errors.push(toml_error(path, &text, &e));
                None
            }
        }
    }

    fn read_data<T>(
        &mut self,
        sources: &dyn RuleSources,
        entry: &Parsed,
        path: &Spanned<String>,
        parse: fn(&Path, &str) -> Result<T, RuleError>,
    ) -> Option<T> {
        let file = PathBuf::from(path.get_ref());
        if let Some(problem) = outside_folder(&file) {
            self.errors.push(
                entry
                    .error(path, format!("`{}` {problem}", file.display()))
                    .hint("keep data files inside the entry file's folder"),
            );
            return None;
        }
        match sources.read(&file) {
            Ok(text) => parse(&file, &text).map_err(|e| self.errors.push(e)).ok(),
            Err(e) => {
                self.errors.push(
                    entry
                        .error(path, format!("cannot read `{}`: {e}", file.display()))
                        .hint("data paths are relative to the entry file's folder"),
                );
                None
            }
        }
    }

    /// Records a rule id, refusing one used twice.
    fn claim_id(&mut self, parsed: &Parsed, id: &Spanned<String>) {
        let (line, _) = crate::error::line_column(&parsed.text, id.span().start);
        if id.get_ref().trim().is_empty() {
            self.errors.push(
                parsed
                    .error(id, "a rule id is empty")
                    .hint("give every rule a short id such as `fire-now`"),
            );
            return;
        }
        if let Some((file, first_line)) = self.rule_ids.get(id.get_ref()) {
            let e = parsed
                .error(id, format!("rule id `{}` is used twice", id.get_ref()))
                .hint(format!(
                    "it is first used at {}:{first_line}; ids must be unique across all files",
                    file.display()
                ));
            self.errors.push(e);
        } else {
            self.rule_ids
                .insert(id.get_ref().clone(), (parsed.path.clone(), line));
        }
    }

    fn add_pattern(&mut self, text: &str, meaning: Use) {
        let normalized = normalize(text);
        let id = match self.pattern_index.get(&normalized) {
            Some(&id) => id,
            None => {
                self.patterns.push(normalized.clone());
                self.uses.push(Vec::new());
                self.pattern_index
                    .insert(normalized, self.patterns.len() - 1);
                self.patterns.len() - 1
            }
        };
        self.uses[id].push(meaning);
    }

    /// Adds phrases for a rule, refusing empty ones.
    fn add_phrases(&mut self, parsed: &Parsed, phrases: &[Spanned<String>], meaning: Use) {
        for phrase in phrases {
            if phrase.get_ref().trim().is_empty() {
                self.errors.push(
                    parsed
                        .error(phrase, "a phrase is empty")
                        .hint("remove the empty string from the list"),
                );
                continue;
            }
            self.add_pattern(phrase.get_ref(), meaning);
        }
    }

    fn add_regexes(&mut self, parsed: &Parsed, patterns: &[Spanned<String>], meaning: Use) {
        for pattern in patterns {
            match Regex::new(&normalize(pattern.get_ref())) {
                Ok(regex) => self.regexes.push((regex, meaning)),
                Err(e) => self.errors.push(
                    parsed
                        .error(
                            pattern,
                            format!(
                                "pattern `{}` is not a valid regular expression",
                                pattern.get_ref()
                            ),
                        )
                        .expected("a regular expression in the syntax of the `regex` crate")
                        .hint(
                            e.to_string()
                                .lines()
                                .last()
                                .unwrap_or("")
                                .trim()
                                .to_string(),
                        ),
                ),
            }
        }
    }

    fn compile_units(
        &mut self,
        files: &[Parsed],
        divisions: &Divisions,
    ) -> (Vec<Unit>, HashMap<String, usize>, HashMap<usize, usize>) {
        let mut units = Vec::new();
        let mut index = HashMap::new();
        let mut township_units = HashMap::new();
        let mut hotlines: HashMap<String, String> = HashMap::new();
        for parsed in files {
            for spanned in &parsed.file.unit {
                let rule = spanned.get_ref();
                let id = rule.id.get_ref().clone();
                if index.contains_key(&id) || id == "coordination" {
                    self.errors.push(
                        parsed
                            .error(&rule.id, format!("unit id `{id}` is declared twice"))
                            .hint("`coordination` is reserved for the platform; other ids must be unique"),
                    );
                    continue;
                }
                let unit_type = match rule.unit_type.get_ref().as_str() {
                    "department" => UnitType::Department,
                    "township" => UnitType::Township,
                    "platform" => UnitType::Platform,
                    other => {
                        self.errors.push(
                            parsed
                                .error(&rule.unit_type, format!("unknown unit type `{other}`"))
                                .expected(UNIT_TYPES),
                        );
                        continue;
                    }
                };
                let township = match (&rule.township, unit_type) {
                    (Some(code), _) => match divisions.township(code.get_ref()) {
                        Some(t) => Some(t),
                        None => {
                            self.errors.push(
                                parsed
                                    .error(
                                        code,
                                        format!(
                                            "township `{}` is not in the divisions file",
                                            code.get_ref()
                                        ),
                                    )
                                    .expected(
                                        "a 9-digit township code or an official township name",
                                    ),
                            );
                            None
                        }
                    },
                    (None, UnitType::Township) => {
                        self.errors.push(
                            parsed
                                .error(
                                    spanned,
                                    format!("township unit `{id}` has no `township` key"),
                                )
                                .hint("add `township = \"<9-digit code>\"`"),
                        );
                        None
                    }
                    (None, _) => None,
                };
                for number in &rule.hotlines {
                    if let Some(owner) = hotlines.insert(number.get_ref().clone(), id.clone()) {
                        self.errors.push(
                            parsed
                                .error(
                                    number,
                                    format!(
                                        "hotline {} is already claimed by unit `{owner}`",
                                        number.get_ref()
                                    ),
                                )
                                .hint("a dialed number can point at one unit only"),
                        );
                    }
                }
                if let Some(t) = township {
                    township_units.insert(t, units.len());
                }
                index.insert(id.clone(), units.len());
                units.push(Unit {
                    id,
                    name: rule.name.get_ref().clone(),
                    unit_type,
                    township,
                    hotlines: rule.hotlines.iter().map(|h| h.get_ref().clone()).collect(),
                });
            }
        }
        (units, index, township_units)
    }

    fn resolve_units(
        &mut self,
        parsed: &Parsed,
        ids: &[Spanned<String>],
        units: &HashMap<String, usize>,
    ) -> Vec<usize> {
        let mut resolved = Vec::new();
        for id in ids {
            match units.get(id.get_ref()) {
                Some(&i) => resolved.push(i),
                None => self.errors.push(
                    parsed
                        .error(id, format!("unknown unit `{}`", id.get_ref()))
                        .expected("the id of a `[[unit]]` declared in one of the set's files")
                        .hint(closest(id.get_ref(), units.keys())),
                ),
            }
        }
        resolved
    }

    fn check_path(&mut self, parsed: &Parsed, path: &Spanned<Vec<String>>, taxonomy: &Taxonomy) {
        let p = path.get_ref();
        if p.is_empty() {
            self.errors.push(
                parsed
                    .error(path, "a topic path is empty")
                    .expected("a path such as [\"城乡建设\", \"城乡规划\"]"),
            );
            return;
        }
        if taxonomy.is_empty() || taxonomy.contains(p) {
            return;
        }
        let known = (0..p.len())
            .rev()
            .find(|&n| taxonomy.contains(&p[..n]) || n == 0)
            .unwrap_or(0);
        let children = taxonomy.children(&p[..known]);
        let shown: Vec<_> = children.iter().take(12).cloned().collect();
        self.errors.push(
            parsed
                .error(path, format!("`{}` is not in the taxonomy", p.join(" > ")))
                .expected(if known == 0 {
                    format!("a top level: {}", shown.join(", "))
                } else {
                    format!("under `{}`: {}", p[..known].join(" > "), shown.join(", "))
                })
                .hint("paths must follow the taxonomy file, top level first"),
        );
    }

    fn compile_topics(
        &mut self,
        files: &[Parsed],
        units: &HashMap<String, usize>,
        taxonomy: &Taxonomy,
    ) -> Vec<Topic> {
        let mut topics = Vec::new();
        for parsed in files {
            for spanned in &parsed.file.topic {
                let rule = spanned.get_ref();
                self.claim_id(parsed, &rule.id);
                self.check_path(parsed, &rule.path, taxonomy);
                let principle = match rule.principle.get_ref().as_str() {
                    "territorial" => TopicPrinciple::Territorial,
                    "owner" => TopicPrinciple::Owner,
                    other => {
                        self.errors.push(
                            parsed
                                .error(&rule.principle, format!("unknown principle `{other}`"))
                                .expected(PRINCIPLES),
                        );
                        TopicPrinciple::Owner
                    }
                };
                let owners = self.resolve_units(parsed, &rule.owners, units);
                let assisting = self.resolve_units(parsed, &rule.assisting, units);
                if principle == TopicPrinciple::Owner && rule.owners.is_empty() {
                    self.errors.push(
                        parsed
                            .error(
                                &rule.principle,
                                format!(
                                    "topic `{}` is owner-responsible but names no owners",
                                    rule.id.get_ref()
                                ),
                            )
                            .hint("add `owners = [\"<unit id>\"]`, lead first"),
                    );
                }
                if rule.keywords.is_empty()
                    && rule.strong_keywords.is_empty()
                    && rule.patterns.is_empty()
                {
                    self.errors.push(
                        parsed
                            .error(spanned, format!("topic `{}` has no keywords", rule.id.get_ref()))
                            .hint("add `keywords = [...]`, `strong_keywords = [...]` or `patterns = [...]`"),
                    );
                }
                let topic = topics.len() as u32;
                self.add_phrases(parsed, &rule.keywords, Use::Topic { topic, weight: 1.0 });
                self.add_phrases(
                    parsed,
                    &rule.strong_keywords,
                    Use::Topic { topic, weight: 3.0 },
                );
                self.add_regexes(parsed, &rule.patterns, Use::Topic { topic, weight: 2.0 });
                self.add_phrases(parsed, &rule.exclude, Use::TopicExclude { topic });
                topics.push(Topic {
                    id: rule.id.get_ref().clone(),
                    path: rule.path.get_ref().clone(),
                    principle,
                    owners,
                    assisting,
                    priority: rule.priority.as_ref().map(|p| *p.get_ref()).unwrap_or(0),
                });
            }
        }
        topics
    }

    fn compile_kinds(&mut self, files: &[Parsed]) -> Vec<KindRule> {
        let mut kinds = Vec::new();
        for parsed in files {
            for spanned in &parsed.file.kind {
                let rule = spanned.get_ref();
                self.claim_id(parsed, &rule.id);
                let Some(kind) = Kind::parse(rule.kind.get_ref()) else {
                    self.errors.push(
                        parsed
                            .error(
                                &rule.kind,
                                format!("unknown kind `{}`", rule.kind.get_ref()),
                            )
                            .expected(KINDS),
                    );
                    continue;
                };
                if rule.phrases.is_empty() && rule.patterns.is_empty() {
                    self.errors.push(
                        parsed
                            .error(
                                spanned,
                                format!("kind rule `{}` has no phrases", rule.id.get_ref()),
                            )
                            .hint("add `phrases = [...]`"),
                    );
                }
                let id = kinds.len() as u32;
                self.add_phrases(parsed, &rule.phrases, Use::Kind { rule: id });
                self.add_regexes(parsed, &rule.patterns, Use::Kind { rule: id });
                self.add_phrases(parsed, &rule.exclude, Use::KindExclude { rule: id });
                if let Some(weight) = &rule.weight
                    && !(weight.get_ref().is_finite() && *weight.get_ref() > 0.0)
                {
                    self.errors.push(
                        parsed
                            .error(
                                weight,
                                format!("weight {} is not a positive number", weight.get_ref()),
                            )
                            .expected("a number above 0, such as 1.0 or 0.5"),
                    );
                }
                kinds.push(KindRule {
                    id: rule.id.get_ref().clone(),
                    kind,
                    weight: rule
                        .weight
                        .as_ref()
                        .map(|w| *w.get_ref() as f32)
                        .unwrap_or(1.0),
                    priority: rule.priority.as_ref().map(|p| *p.get_ref()).unwrap_or(0),
                });
            }
        }
        kinds
    }

    fn compile_emergencies(&mut self, files: &[Parsed]) -> Vec<EmergencyRule> {
        let mut rules = Vec::new();
        for parsed in files {
            if let Some(context) = &parsed.file.emergency_context {
                let cancel = context.get_ref().cancel.clone();
                self.add_phrases(parsed, &cancel, Use::Cancel);
                let patterns = context.get_ref().cancel_patterns.clone();
                self.add_regexes(parsed, &patterns, Use::Cancel);
            }
            for spanned in &parsed.file.emergency {
                let rule = spanned.get_ref();
                self.claim_id(parsed, &rule.id);
                let Some(service) = EmergencyService::parse(rule.service.get_ref()) else {
                    self.errors.push(
                        parsed
                            .error(
                                &rule.service,
                                format!("unknown emergency service `{}`", rule.service.get_ref()),
                            )
                            .expected(SERVICES)
                            .hint("write the number as a string, e.g. service = \"119\""),
                    );
                    continue;
                };
                if rule.phrases.is_empty() && rule.patterns.is_empty() {
                    self.errors.push(
                        parsed
                            .error(
                                spanned,
                                format!("emergency rule `{}` has no phrases", rule.id.get_ref()),
                            )
                            .hint("add `phrases = [...]`"),
                    );
                }
                let id = rules.len() as u32;
                self.add_phrases(parsed, &rule.phrases, Use::Emergency { rule: id });
                self.add_regexes(parsed, &rule.patterns, Use::Emergency { rule: id });
                self.add_phrases(parsed, &rule.requires_any, Use::EmergencyCue { rule: id });
                self.add_phrases(parsed, &rule.exclude, Use::EmergencyExclude { rule: id });
                rules.push(EmergencyRule {
                    id: rule.id.get_ref().clone(),
                    service,
                    needs_cue: !rule.requires_any.is_empty(),
                    priority: rule.priority.as_ref().map(|p| *p.get_ref()).unwrap_or(0),
                });
            }
        }
        rules
    }

    fn compile_examples(
        &mut self,
        files: &[Parsed],
        units: &HashMap<String, usize>,
        taxonomy: &Taxonomy,
        divisions: &Divisions,
    ) -> Vec<Example> {
        let mut examples = Vec::new();
        for parsed in files {
            for spanned in &parsed.file.example {
                let rule: &ExampleRule = spanned.get_ref();
                let mut expect = Vec::new();
                if let Some(kind) = &rule.kind {
                    if Kind::parse(kind.get_ref()).is_none() {
                        self.errors.push(
                            parsed
                                .error(kind, format!("unknown kind `{}`", kind.get_ref()))
                                .expected(KINDS),
                        );
                    }
                    expect.push(("kind".to_string(), kind.get_ref().clone()));
                }
                if let Some(topic) = &rule.topic {
                    self.check_path(parsed, topic, taxonomy);
                    expect.push(("topic".to_string(), topic.get_ref().join(" > ")));
                }
                if let Some(service) = &rule.emergency {
                    if service.get_ref() != "none"
                        && EmergencyService::parse(service.get_ref()).is_none()
                    {
                        self.errors.push(
                            parsed
                                .error(
                                    service,
                                    format!("unknown emergency service `{}`", service.get_ref()),
                                )
                                .expected(format!("{SERVICES} or \"none\"")),
                        );
                    }
                    expect.push(("emergency".to_string(), service.get_ref().clone()));
                }
                if let Some(township) = &rule.township {
                    let value = township.get_ref();
                    if !matches!(value.as_str(), "none" | "ambiguous")
                        && divisions.township(value).is_none()
                    {
                        self.errors.push(
                            parsed
                                .error(
                                    township,
                                    format!("township `{value}` is not in the divisions file"),
                                )
                                .expected(
                                    "a township code or official name, \"none\" or \"ambiguous\"",
                                ),
                        );
                    }
                    expect.push(("township".to_string(), value.clone()));
                }
                if let Some(village) = &rule.village {
                    let value = village.get_ref();
                    if value != "none" && divisions.villages_named(value).is_empty() {
                        self.errors.push(
                            parsed
                                .error(
                                    village,
                                    format!("village `{value}` is not in the divisions file"),
                                )
                                .expected("a village code or official name, or \"none\""),
                        );
                    }
                    expect.push(("village".to_string(), value.clone()));
                }
                if let Some(lead) = &rule.lead_unit {
                    let value = lead.get_ref();
                    let known = units.contains_key(value)
                        || value == "coordination"
                        || EmergencyService::parse(value).is_some();
                    if !known {
                        self.errors.push(
                            parsed
                                .error(lead, format!("unknown unit `{value}`"))
                                .expected(
                                    "a declared unit id, `coordination`, or an emergency number",
                                )
                                .hint(closest(value, units.keys())),
                        );
                    }
                    expect.push(("lead_unit".to_string(), value.clone()));
                }
                if let Some(assisting) = &rule.assisting_units {
                    for id in assisting.get_ref() {
                        if !units.contains_key(id) {
                            self.errors.push(
                                parsed
                                    .error(assisting, format!("unknown unit `{id}`"))
                                    .hint(closest(id, units.keys())),
                            );
                        }
                    }
                    expect.push(("assisting_units".to_string(), assisting.get_ref().join(",")));
                }
                if let Some(principle) = &rule.principle {
                    let value = principle.get_ref();
                    if !Principle::ALL.iter().any(|p| p.as_str() == value) {
                        self.errors.push(
                            parsed
                                .error(principle, format!("unknown principle `{value}`"))
                                .expected("`emergency`, `territorial_first`, `owner_responsible` or `coordination`"),
                        );
                    }
                    expect.push(("principle".to_string(), value.clone()));
                }
                if expect.is_empty() {
                    self.errors.push(
                        parsed
                            .error(spanned, "an example states nothing to expect")
                            .hint("add at least one of `kind`, `topic`, `emergency`, `township`, `lead_unit`, `principle`"),
                    );
                }
                let (line, _) = crate::error::line_column(&parsed.text, spanned.span().start);
                examples.push(Example {
                    file: parsed.path.clone(),
                    line,
                    title: rule.title.as_ref().map(|t| t.get_ref().clone()),
                    text: rule.text.get_ref().clone(),
                    address: rule.address.as_ref().map(|a| a.get_ref().clone()),
                    dialed: rule.dialed.as_ref().map(|d| d.get_ref().clone()),
                    expect,
                });
            }
        }
        examples
    }
}

/// Why a path named in a rule file leaves the entry file's folder, if it does.
fn outside_folder(path: &Path) -> Option<&'static str> {
    use std::path::Component;
    if path.is_absolute() {
        return Some("is an absolute path");
    }
    path.components()
        .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
        .then_some("leaves the entry file's folder")
}

/// Converts a TOML syntax or shape error into a rule error with its position.
fn toml_error(path: &Path, text: &str, error: &toml::de::Error) -> RuleError {
    let message = error.message().trim().to_string();
    let (message, expected) = match message.split_once(", expected ") {
        Some((m, e)) => (m.to_string(), Some(e.to_string())),
        None => (message, None),
    };
    let hint = if message.starts_with("unknown field") {
        "check the spelling of the key; the rule author's guide in README.md lists every key"
    } else if message.contains("missing field") {
        "add the key to this table"
    } else if message.contains("invalid type") {
        "check the value's type: strings in quotes, lists in [ ]"
    } else {
        "check the TOML syntax near this position: quotes, brackets and `=`"
    };
    let mut e = RuleError::at(path, text, error.span(), message).hint(hint);
    e.expected = expected;
    e
}

/// A hint naming the closest known id, if one is close.
fn closest<'a>(wanted: &str, known: impl Iterator<Item = &'a String>) -> String {
    let best = known
        .map(|k| (edit_distance(wanted, k), k))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((d, k)) if d <= 3 => format!("did you mean `{k}`?"),
        _ => "declare it with `[[unit]]` or check the spelling".to_string(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            previous = current;
        }
    }
    row[b.len()]
}

impl RuleSet {
    /// The principle the topic at `path` declares, as a routing principle (`None` when no
    /// topic rule has this path).
    pub fn topic_principle(&self, path: &[String]) -> Option<Principle> {
        self.topics
            .iter()
            .find(|t| t.path == path)
            .map(|t| match t.principle {
                TopicPrinciple::Territorial => Principle::TerritorialFirst,
                TopicPrinciple::Owner => Principle::OwnerResponsible,
            })
    }
}
