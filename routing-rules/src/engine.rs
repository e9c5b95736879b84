//! Routing one appeal: one pass of the automaton over its normalized text, then the
//! decisions in order: emergency, kind, topic, place, and the handling units.

use std::fmt::Write as _;

use gateway_core::{
    Appeal, DivisionRef, Emergency, Kind, PlaceAmbiguity, Principle, RoutingDecision, RuleHit,
    UnitId,
};

use crate::compile::{RuleSet, TopicPrinciple, UnitType, Use};
use crate::divisions::NameForm;
use crate::normalize::normalize_into;

/// What the engine reads of an appeal.
#[derive(Debug, Clone, Copy, Default)]
pub struct RouteInput<'a> {
    /// A title or subject.
    pub title: Option<&'a str>,
    /// The citizen's text.
    pub body: &'a str,
    /// Free address text, matched for places only.
    pub address: Option<&'a str>,
    /// The number dialed, for calls.
    pub dialed: Option<&'a str>,
}

impl<'a> From<&'a Appeal> for RouteInput<'a> {
    fn from(appeal: &'a Appeal) -> Self {
        RouteInput {
            title: appeal.title.as_deref(),
            body: &appeal.body,
            address: appeal.location.address.as_deref(),
            dialed: appeal.location.dialed.as_deref(),
        }
    }
}

/// A decision and the reasons behind it, for `gateway rules explain`.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The decision.
    pub decision: RoutingDecision,
    /// Why, one line per step.
    pub lines: Vec<String>,
}

/// A match of one pattern meaning, at a byte range of the normalized text.
#[derive(Debug, Clone, Copy)]
struct Hit {
    meaning: Use,
    pattern: u32,
    start: usize,
    end: usize,
    in_address: bool,
}

/// Marks regex matches apart from automaton patterns when deduplicating.
const REGEX_PATTERN_BASE: u32 = 1 << 30;

/// How much a match in the title counts against one in the body.
const TITLE_FACTOR: f32 = 2.0;

impl RuleSet {
    /// Classifies and routes one appeal.
    pub fn route(&self, input: &RouteInput<'_>) -> RoutingDecision {
        self.evaluate(input, false).decision
    }

    /// Classifies and routes one appeal, saying why.
    pub fn explain(&self, input: &RouteInput<'_>) -> Explanation {
        self.evaluate(input, true)
    }

    fn evaluate(&self, input: &RouteInput<'_>, explain: bool) -> Explanation {
        let mut lines = Vec::new();

        // Normalize title and body into one text; the title's bytes come first.
        let original = match input.title {
            Some(title) if !title.is_empty() => format!("{title}\n{}", input.body),
            _ => input.body.to_string(),
        };
        let mut text = String::new();
        let same_offsets = normalize_into(&original, &mut text);
        let title_end = match input.title {
            Some(title) if !title.is_empty() => text.find('\n').unwrap_or(0),
            _ => 0,
        };

        // One pass of the automaton (and the few regexes) collects every meaning.
        let mut hits = Vec::new();
        self.collect_hits(&text, false, &mut hits);
        let mut address_text = String::new();
        let mut address_same_offsets = true;
        if let Some(address) = input.address {
            address_same_offsets = normalize_into(address, &mut address_text);
            self.collect_hits(&address_text, true, &mut hits);
        }
        let spans = OffsetMap::new(&original, &text, same_offsets);
        let address_original = input.address.unwrap_or("");
        let address_spans = OffsetMap::new(address_original, &address_text, address_same_offsets);
        let words = |hit: &Hit| -> String {
            if hit.in_address {
                address_spans
                    .slice(address_original, hit.start, hit.end)
                    .to_string()
            } else {
                spans.slice(&original, hit.start, hit.end).to_string()
            }
        };
        let mut fired: Vec<RuleHit> = Vec::new();

        // Emergency: danger now, in a sentence without a cancelling word.
        let emergency = self.decide_emergency(&text, &hits, explain, &mut lines, &words);
        if let Some((rule, hit)) = &emergency {
            fired.push(RuleHit {
                rule: rule.rule.clone(),
                matched: vec![words(hit)],
            });
        }

        // Kind.
        let kind = self.decide_kind(&hits, title_end, explain, &mut lines, &words, &mut fired);
        // A call about danger now that says nothing else is a call for help.
        let kind_said = fired
            .iter()
            .any(|h| self.kinds.iter().any(|k| k.id == h.rule));
        let kind = if emergency.is_some() && !kind_said {
            Kind::HelpRequest
        } else {
            kind
        };

        // Topic.
        let topic = self.decide_topic(&hits, title_end, explain, &mut lines, &words, &mut fired);

        // Place.
        let place = self.decide_place(&hits, &words);
        if explain {
            lines.push(place.describe(self));
        }
        if let Some(t) = place.township {
            fired.push(RuleHit {
                rule: format!("place:{}", self.divisions.townships[t].code),
                matched: place.words.clone(),
            });
        }

        // Handling units by principle.
        let dialed_unit = input.dialed.and_then(|d| self.unit_for_dialed(d));
        if let (Some(unit), Some(number)) = (dialed_unit, input.dialed) {
            fired.push(RuleHit {
                rule: format!("dialed:{}", number.trim()),
                matched: vec![number.trim().to_string()],
            });
            if explain {
                lines.push(format!(
                    "dialed: {} is a hotline of `{}` ({}), an owner hint",
                    number.trim(),
                    self.units[unit].id,
                    self.units[unit].name
                ));
            }
        }
        let (lead, assisting, principle, note) = match &emergency {
            Some((rule, _)) => (
                UnitId::new(rule.service.number()),
                Vec::new(),
                Principle::Emergency,
                format!(
                    "emergency: handed to {} at once, not queued",
                    rule.service.number()
                ),
            ),
            None => self.decide_units(topic.as_ref().map(|t| t.topic), place.township, dialed_unit),
        };
        if explain {
            lines.push(format!("principle: {} — {note}", principle.as_str()));
        }

        let confidence = match (&emergency, &topic) {
            (Some(_), _) => 0.95,
            (None, Some(t)) if principle != Principle::Coordination => t.confidence,
            (None, _) if principle == Principle::OwnerResponsible => 0.5,
            _ => 0.0,
        };
        let decision = RoutingDecision {
            kind,
            topic: topic
                .as_ref()
                .map(|t| self.topics[t.topic].path.clone())
                .unwrap_or_default(),
            emergency: emergency.map(|(rule, _)| rule),
            township: place.township.map(|t| self.divisions.township_ref(t)),
            village: place.village.map(|v| self.divisions.village_ref(v)),
            ambiguous_places: place.ambiguous,
            lead_unit: lead,
            assisting_units: assisting,
            principle,
            rules: fired,
            confidence,
        };
        Explanation { decision, lines }
    }

    fn collect_hits(&self, text: &str, in_address: bool, hits: &mut Vec<Hit>) {
        for m in self.matcher.find_overlapping_iter(text) {
            let pattern = m.pattern().as_u32();
            for &meaning in &self.uses[pattern as usize] {
                let is_place = matches!(meaning, Use::Township { .. } | Use::Village { .. });
                if in_address && !is_place {
                    continue;
                }
                hits.push(Hit {
                    meaning,
                    pattern,
                    start: m.start(),
                    end: m.end(),
                    in_address,
                });
            }
        }
        if in_address {
            return;
        }
        // Words of emergency context matter only beside a danger phrase: their regexes run
        // then, not on every text.
        self.collect_regex_hits(text, hits, |meaning| !is_emergency_context(meaning));
        if hits
            .iter()
            .any(|h| matches!(h.meaning, Use::Emergency { .. }))
        {
            self.collect_regex_hits(text, hits, is_emergency_context);
        }
    }

    fn collect_regex_hits(&self, text: &str, hits: &mut Vec<Hit>, wanted: impl Fn(Use) -> bool) {
        for (i, (regex, meaning)) in self.regexes.iter().enumerate() {
            if !wanted(*meaning) {
                continue;
            }
            for m in regex.find_iter(text) {
                hits.push(Hit {
                    meaning: *meaning,
                    pattern: REGEX_PATTERN_BASE + i as u32,
                    start: m.start(),
                    end: m.end(),
                    in_address: false,
                });
            }
        }
    }

    fn decide_emergency(
        &self,
        text: &str,
        hits: &[Hit],
        explain: bool,
        lines: &mut Vec<String>,
        words: &dyn Fn(&Hit) -> String,
    ) -> Option<(Emergency, Hit)> {
        let mut candidates: Vec<(u32, Hit)> = hits
            .iter()
            .filter_map(|h| match h.meaning {
                Use::Emergency { rule } => Some((rule, *h)),
                _ => None,
            })
            .collect();
        if candidates.is_empty() {
            return None;
        }
        candidates
            .sort_by_key(|(rule, hit)| (-self.emergencies[*rule as usize].priority, hit.start));

        // Sentence ends and context words, found once and sorted, so that each candidate
        // costs a binary search however many matches a long text holds.
        let ends: Vec<(usize, usize)> = text
            .char_indices()
            .filter(|(_, c)| is_sentence_end(*c))
            .map(|(i, c)| (i, i + c.len_utf8()))
            .collect();
        let mut context: Vec<&Hit> = hits
            .iter()
            .filter(|h| {
                matches!(
                    h.meaning,
                    Use::Cancel | Use::EmergencyExclude { .. } | Use::EmergencyCue { .. }
                )
            })
            .collect();
        context.sort_by_key(|h| h.start);
        let mut judged: Vec<(u32, u32, usize)> = Vec::new();

        for (rule_index, hit) in candidates {
            let rule = &self.emergencies[rule_index as usize];
            let (from, to) = sentence_bounds(&ends, text.len(), hit.start, hit.end);
            // One verdict per phrase and sentence: a text repeating a phrase is judged once.
            if judged.contains(&(rule_index, hit.pattern, from)) {
                continue;
            }
            judged.push((rule_index, hit.pattern, from));
            let first = context.partition_point(|h| h.start < from);
            let in_sentence = context[first..]
                .iter()
                .take_while(|h| h.start < to)
                .filter(|h| h.end <= to);
            // A context word inside the danger phrase itself (一直 in 一直流血) is part of it;
            // one that reaches beyond it (油烟 over 烟很大, 不是着火 over 着火) still counts.
            // A regex match can span a whole clause, so only a phrase keeps its own words.
            let phrase = hit.pattern < REGEX_PATTERN_BASE;
            let outside = |h: &&&Hit| !phrase || h.start < hit.start || h.end > hit.end;
            let cancel = in_sentence
                .clone()
                .filter(outside)
                .find(|h| match h.meaning {
                    Use::Cancel => true,
                    Use::EmergencyExclude { rule } => rule == rule_index,
                    _ => false,
                });
            if let Some(cancel) = cancel {
                if explain {
                    lines.push(format!(
                        "emergency rule `{}` matched `{}` but `{}` in the same sentence says it is not danger now",
                        rule.id,
                        words(&hit),
                        words(cancel)
                    ));
                }
                continue;
            }
            let cued = !rule.needs_cue
                || in_sentence
                    .clone()
                    .any(|h| matches!(h.meaning, Use::EmergencyCue { rule } if rule == rule_index));
            if !cued {
                if explain {
                    lines.push(format!(
                        "emergency rule `{}` matched `{}` but no word of its `requires_any` is in the same sentence",
                        rule.id,
                        words(&hit)
                    ));
                }
                continue;
            }
            if explain {
                lines.push(format!(
                    "emergency: rule `{}` matched `{}`: hand to {}",
                    rule.id,
                    words(&hit),
                    rule.service.number()
                ));
            }
            let emergency = Emergency {
                service: rule.service,
                rule: rule.id.clone(),
            };
            return Some((emergency, hit));
        }
        None
    }

    fn decide_kind(
        &self,
        hits: &[Hit],
        title_end: usize,
        explain: bool,
        lines: &mut Vec<String>,
        words: &dyn Fn(&Hit) -> String,
        fired: &mut Vec<RuleHit>,
    ) -> Kind {
        let excluded: Vec<u32> = hits
            .iter()
            .filter_map(|h| match h.meaning {
                Use::KindExclude { rule } => Some(rule),
                _ => None,
            })
            .collect();
        let mut pairs: Vec<(u32, u32, bool, Hit)> = hits
            .iter()
            .filter_map(|h| match h.meaning {
                Use::Kind { rule } if !excluded.contains(&rule) => {
                    Some((rule, h.pattern, h.start < title_end, *h))
                }
                _ => None,
            })
            .collect();
        dedupe_pairs(&mut pairs);
        let mut scores = [0f32; Kind::ALL.len()];
        let mut priorities = [i64::MIN; Kind::ALL.len()];
        for (rule, _, in_title, _) in &pairs {
            let rule = &self.kinds[*rule as usize];
            let slot = Kind::ALL.iter().position(|k| *k == rule.kind).unwrap_or(0);
            scores[slot] += rule.weight * if *in_title { TITLE_FACTOR } else { 1.0 };
            priorities[slot] = priorities[slot].max(rule.priority);
        }
        let best = (0..scores.len())
            .filter(|&i| scores[i] > 0.0)
            .max_by(|&a, &b| {
                scores[a]
                    .total_cmp(&scores[b])
                    .then(priorities[a].cmp(&priorities[b]))
                    .then(b.cmp(&a))
            });
        let kind = best.map(|i| Kind::ALL[i]).unwrap_or(self.default_kind);
        for (rule_index, group) in group_by_rule(&pairs) {
            let rule = &self.kinds[rule_index as usize];
            if rule.kind == kind {
                fired.push(RuleHit {
                    rule: rule.id.clone(),
                    matched: distinct(group.iter().map(words)),
                });
            }
        }
        if explain {
            let mut line = format!("kind: {} ({})", kind.as_str(), kind.chinese());
            match best {
                Some(_) => {
                    let shown: Vec<String> = Kind::ALL
                        .iter()
                        .zip(scores)
                        .filter(|(_, s)| *s > 0.0)
                        .map(|(k, s)| format!("{} {s:.1}", k.as_str()))
                        .collect();
                    let _ = write!(line, "; scores: {}", shown.join(", "));
                }
                None => line.push_str("; no kind phrase matched, the set's default kind"),
            }
            lines.push(line);
        }
        kind
    }

    fn decide_topic(
        &self,
        hits: &[Hit],
        title_end: usize,
        explain: bool,
        lines: &mut Vec<String>,
        words: &dyn Fn(&Hit) -> String,
        fired: &mut Vec<RuleHit>,
    ) -> Option<TopicChoice> {
        let excluded: Vec<u32> = hits
            .iter()
            .filter_map(|h| match h.meaning {
                Use::TopicExclude { topic } => Some(topic),
                _ => None,
            })
            .collect();
        let mut pairs: Vec<(u32, u32, bool, Hit)> = hits
            .iter()
            .filter_map(|h| match h.meaning {
                Use::Topic { topic, .. } if !excluded.contains(&topic) => {
                    Some((topic, h.pattern, h.start < title_end, *h))
                }
                _ => None,
            })
            .collect();
        dedupe_pairs(&mut pairs);
        if pairs.is_empty() {
            if explain {
                lines.push("topic: no topic keyword matched".to_string());
            }
            return None;
        }

        // Score each topic, then each top level as the sum of its topics.
        let mut scores: Vec<(u32, f32)> = Vec::new();
        for (topic, _, in_title, hit) in &pairs {
            let weight = match hit.meaning {
                Use::Topic { weight, .. } => weight,
                _ => 0.0,
            };
            let add = weight * if *in_title { TITLE_FACTOR } else { 1.0 };
            match scores.iter_mut().find(|(t, _)| t == topic) {
                Some((_, s)) => *s += add,
                None => scores.push((*topic, add)),
            }
        }
        let mut tops: Vec<(&str, f32, i64)> = Vec::new();
        for &(topic, score) in &scores {
            let t = &self.topics[topic as usize];
            match tops.iter_mut().find(|(name, _, _)| *name == t.path[0]) {
                Some((_, s, p)) => {
                    *s += score;
                    *p = (*p).max(t.priority);
                }
                None => tops.push((&t.path[0], score, t.priority)),
            }
        }
        tops.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)));
        if explain {
            let shown: Vec<String> = tops.iter().map(|(n, s, _)| format!("{n} {s:.1}")).collect();
            lines.push(format!("topic scores by top level: {}", shown.join(", ")));
        }
        for (topic, group) in group_by_rule(&pairs) {
            fired.push(RuleHit {
                rule: self.topics[topic as usize].id.clone(),
                matched: distinct(group.iter().map(words)),
            });
        }
        let (best_top, best_score, best_priority) = tops[0];
        let second = tops.get(1).map(|t| t.1).unwrap_or(0.0);
        if best_score < self.min_topic_score {
            if explain {
                lines.push(format!(
                    "topic: best score {best_score:.1} is below the set's min_topic_score {:.1}",
                    self.min_topic_score
                ));
            }
            return None;
        }
        if let Some(&(other, score, priority)) = tops.get(1)
            && score == best_score
            && priority == best_priority
        {
            if explain {
                lines.push(format!(
                    "topic: {best_top} and {other} tie at {score:.1} with equal priority; the platform decides"
                ));
            }
            return None;
        }

        // Within the best top level, the best topic (then priority, then the deeper path).
        let (topic, _) = scores
            .iter()
            .filter(|(t, _)| self.topics[*t as usize].path[0] == best_top)
            .max_by(|a, b| {
                let (ta, tb) = (&self.topics[a.0 as usize], &self.topics[b.0 as usize]);
                a.1.total_cmp(&b.1)
                    .then(ta.priority.cmp(&tb.priority))
                    .then(ta.path.len().cmp(&tb.path.len()))
                    .then(b.0.cmp(&a.0))
            })
            .copied()?;
        // The chosen topic's rule is listed first.
        if let Some(i) = fired
            .iter()
            .position(|h| h.rule == self.topics[topic as usize].id)
        {
            let hit = fired.remove(i);
            let first_topic = fired
                .iter()
                .position(|h| self.topics.iter().any(|t| t.id == h.rule))
                .unwrap_or(fired.len());
            fired.insert(first_topic, hit);
        }
        let margin = (best_score - second) / best_score;
        let strength = (best_score / 4.0).min(1.0);
        let confidence = 0.5 * strength + 0.5 * margin;
        if explain {
            lines.push(format!(
                "topic: {} by rule `{}`",
                self.topics[topic as usize].path.join(" > "),
                self.topics[topic as usize].id
            ));
        }
        Some(TopicChoice {
            topic: topic as usize,
            confidence,
        })
    }

    fn decide_place(&self, hits: &[Hit], words: &dyn Fn(&Hit) -> String) -> PlaceChoice {
        // Keep place names, dropping bare names where they are not allowed and names inside
        // a longer place name (a township's short name inside a village name).
        let mut places: Vec<&Hit> = hits
            .iter()
            .filter(|h| match h.meaning {
                Use::Township { township, form } => {
                    form == NameForm::Full
                        || h.in_address
                        || !self.address_only.contains(&(township as usize))
                }
                Use::Village { form, .. } => form == NameForm::Full || h.in_address,
                _ => false,
            })
            .collect();
        places = drop_contained(places);
        // The address field, when it names a place, wins over the text.
        if places.iter().any(|h| h.in_address) {
            places.retain(|h| h.in_address);
        }

        let mut choice = PlaceChoice::default();
        let mut townships: Vec<usize> = Vec::new();
        let mut village_groups: Vec<(u32, Vec<usize>, String)> = Vec::new();
        for hit in &places {
            match hit.meaning {
                Use::Township { township, .. } if !townships.contains(&(township as usize)) => {
                    townships.push(township as usize);
                    choice.words.push(words(hit));
                }
                Use::Village { village, .. } => {
                    match village_groups
                        .iter_mut()
                        .find(|(p, _, _)| *p == hit.pattern)
                    {
                        Some((_, list, _)) => {
                            if !list.contains(&(village as usize)) {
                                list.push(village as usize);
                            }
                        }
                        None => {
                            village_groups.push((hit.pattern, vec![village as usize], words(hit)))
                        }
                    }
                }
                _ => {}
            }
        }
        choice.words.dedup();

        // A village decides its township when the name is unique, or unique among the
        // townships the text names.
        let mut villages: Vec<usize> = Vec::new();
        for (_, candidates, written) in &village_groups {
            let in_named: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|v| townships.contains(&self.divisions.villages[*v].township))
                .collect();
            let narrowed = if in_named.is_empty() {
                candidates.clone()
            } else {
                in_named
            };
            if narrowed.len() == 1 {
                if !villages.contains(&narrowed[0]) {
                    villages.push(narrowed[0]);
                }
                choice.words.push(written.clone());
            } else {
                choice.ambiguous.push(PlaceAmbiguity {
                    written: written.clone(),
                    candidates: narrowed
                        .iter()
                        .map(|&v| self.divisions.village_ref(v))
                        .collect(),
                });
            }
        }
        let village_townships: Vec<usize> = {
            let mut list: Vec<usize> = villages
                .iter()
                .map(|&v| self.divisions.villages[v].township)
                .collect();
            list.dedup();
            list
        };
        match (village_townships.as_slice(), townships.as_slice()) {
            ([t], _) => {
                choice.township = Some(*t);
                choice.village = villages.first().copied().filter(|_| villages.len() == 1);
            }
            ([], [t]) => choice.township = Some(*t),
            ([], []) => {}
            (_, _) => {
                let mut all: Vec<usize> = village_townships.clone();
                for t in &townships {
                    if !all.contains(t) {
                        all.push(*t);
                    }
                }
                if all.len() > 1 {
                    choice.ambiguous.push(PlaceAmbiguity {
                        written: choice.words.join("、"),
                        candidates: all
                            .iter()
                            .map(|&t| self.divisions.township_ref(t))
                            .collect(),
                    });
                }
            }
        }
        // A name ambiguous among villages stays ambiguous even if the township is known
        // from elsewhere only when no township narrowed it: then no township is chosen.
        if choice.township.is_none() && !choice.ambiguous.is_empty() {
            choice.village = None;
        }
        choice
    }

    fn unit_for_dialed(&self, dialed: &str) -> Option<usize> {
        let digits: String = dialed.chars().filter(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            return None;
        }
        self.units.iter().position(|u| {
            u.hotlines.iter().any(|h| {
                let Some(prefix) = digits.strip_suffix(h.as_str()) else {
                    return false;
                };
                // A local number may come with its area code (0577-67861371), and a short
                // hotline with the code the caller dialed it under (0577-12315).
                prefix.is_empty()
                    || (h.len() >= 7 && prefix.len() <= 4)
                    || (prefix.starts_with('0') && (3..=4).contains(&prefix.len()))
            })
        })
    }

    /// Chooses lead and assisting units: territorial first, then owner responsible, then the
    /// dialed department as an owner hint, else coordination.
    fn decide_units(
        &self,
        topic: Option<usize>,
        township: Option<usize>,
        dialed_unit: Option<usize>,
    ) -> (UnitId, Vec<UnitId>, Principle, String) {
        let township_unit = township.and_then(|t| self.township_units.get(&t).copied());
        let id = |i: usize| UnitId::new(&self.units[i].id);
        let Some(topic) = topic.map(|t| &self.topics[t]) else {
            return match dialed_unit {
                Some(unit) if self.units[unit].unit_type == UnitType::Department => (
                    id(unit),
                    township_unit.into_iter().map(id).collect(),
                    Principle::OwnerResponsible,
                    "no topic was found; the department whose old hotline was dialed leads"
                        .to_string(),
                ),
                _ => (
                    UnitId::coordination(),
                    Vec::new(),
                    Principle::Coordination,
                    "no topic and no owner hint; the platform decides the lead unit".to_string(),
                ),
            };
        };
        let mut owners = topic.owners.clone();
        if let Some(hint) = dialed_unit
            && let Some(pos) = owners.iter().position(|&o| o == hint)
        {
            // A call to an old department number keeps that department as the owner hint.
            owners.remove(pos);
            owners.insert(0, hint);
        }
        let (lead, mut assisting, principle, note) = match (topic.principle, township_unit) {
            (TopicPrinciple::Territorial, Some(t)) => (
                t,
                topic.assisting.clone(),
                Principle::TerritorialFirst,
                format!(
                    "topic `{}` is within a township's reach and it happened in {}: the township leads",
                    topic.id, self.units[t].name
                ),
            ),
            (TopicPrinciple::Territorial, None) if !owners.is_empty() => (
                owners[0],
                owners[1..]
                    .iter()
                    .chain(&topic.assisting)
                    .copied()
                    .collect(),
                Principle::OwnerResponsible,
                format!(
                    "topic `{}` is territorial but the place is unknown: its owner department leads",
                    topic.id
                ),
            ),
            (TopicPrinciple::Territorial, None) => {
                return (
                    UnitId::coordination(),
                    Vec::new(),
                    Principle::Coordination,
                    format!(
                        "topic `{}` is territorial, the place is unknown and it has no owner",
                        topic.id
                    ),
                );
            }
            (TopicPrinciple::Owner, _) => {
                let mut assisting: Vec<usize> = owners[1..]
                    .iter()
                    .chain(&topic.assisting)
                    .copied()
                    .collect();
                assisting.extend(township_unit);
                let note = if owners.len() > 1 {
                    format!(
                        "topic `{}` needs a department's power and has several owners: {} leads, the others assist",
                        topic.id, self.units[owners[0]].name
                    )
                } else {
                    format!(
                        "topic `{}` needs a department's power: {} leads",
                        topic.id, self.units[owners[0]].name
                    )
                };
                (owners[0], assisting, Principle::OwnerResponsible, note)
            }
        };
        if let Some(hint) = dialed_unit
            && hint != lead
            && !assisting.contains(&hint)
            && self.units[hint].unit_type == UnitType::Department
        {
            assisting.push(hint);
        }
        let mut seen = vec![lead];
        assisting.retain(|u| {
            let fresh = !seen.contains(u);
            seen.push(*u);
            fresh
        });
        (
            id(lead),
            assisting.into_iter().map(id).collect(),
            principle,
            note,
        )
    }
}

#[derive(Debug, Clone, Copy)]
struct TopicChoice {
    topic: usize,
    confidence: f32,
}

#[derive(Debug, Default)]
struct PlaceChoice {
    township: Option<usize>,
    village: Option<usize>,
    ambiguous: Vec<PlaceAmbiguity>,
    words: Vec<String>,
}

impl PlaceChoice {
    fn describe(&self, rules: &RuleSet) -> String {
        let name = |d: DivisionRef| format!("{} ({})", d.name, d.code);
        let mut line = match (self.township, self.village) {
            (Some(t), Some(v)) => format!(
                "place: {}, {} from `{}`",
                name(rules.divisions.township_ref(t)),
                name(rules.divisions.village_ref(v)),
                self.words.join("`, `")
            ),
            (Some(t), None) => format!(
                "place: {} from `{}`",
                name(rules.divisions.township_ref(t)),
                self.words.join("`, `")
            ),
            _ => "place: no township of the county is named".to_string(),
        };
        for a in &self.ambiguous {
            let candidates: Vec<String> = a.candidates.iter().cloned().map(name).collect();
            let _ = write!(
                line,
                "; `{}` is ambiguous: {}",
                a.written,
                candidates.join(" or ")
            );
        }
        line
    }
}

/// Drops place names that lie inside a longer place name of the same field, in one sweep
/// over the names sorted by position (a text may repeat a name thousands of times).
fn drop_contained(mut places: Vec<&Hit>) -> Vec<&Hit> {
    places.sort_by_key(|h| (h.in_address, h.start, std::cmp::Reverse(h.end)));
    let mut kept = Vec::with_capacity(places.len());
    let mut reach: Option<(bool, usize)> = None;
    let mut i = 0;
    while i < places.len() {
        let span = (places[i].in_address, places[i].start, places[i].end);
        let mut j = i;
        while j < places.len() && (places[j].in_address, places[j].start, places[j].end) == span {
            j += 1;
        }
        // An earlier name of the same field reaching this far starts no later and ends no
        // earlier, with another span: it is longer and holds this one.
        let inside = matches!(reach, Some((field, end)) if field == span.0 && end >= span.2);
        if !inside {
            kept.extend_from_slice(&places[i..j]);
        }
        reach = match reach {
            Some((field, end)) if field == span.0 => Some((field, end.max(span.2))),
            _ => Some((span.0, span.2)),
        };
        i = j;
    }
    kept
}

/// True for the meanings that only qualify a danger phrase.
fn is_emergency_context(meaning: Use) -> bool {
    matches!(
        meaning,
        Use::Cancel | Use::EmergencyExclude { .. } | Use::EmergencyCue { .. }
    )
}

/// True for the characters that end a sentence for the emergency rules.
fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';' | '\n')
}

/// The sentence around a match, from the sorted sentence ends (each as the byte range of
/// its terminator): from after the previous end to the next one.
fn sentence_bounds(
    ends: &[(usize, usize)],
    len: usize,
    start: usize,
    end: usize,
) -> (usize, usize) {
    let before = ends.partition_point(|&(e, _)| e < start);
    let from = if before == 0 { 0 } else { ends[before - 1].1 };
    let after = ends.partition_point(|&(e, _)| e < end);
    let to = ends.get(after).map_or(len, |&(e, _)| e);
    (from, to)
}

/// Keeps one entry per (rule, pattern), remembering whether any copy was in the title.
fn dedupe_pairs(pairs: &mut Vec<(u32, u32, bool, Hit)>) {
    pairs.sort_by_key(|p| (p.0, p.1, !p.2, p.3.start));
    pairs.dedup_by(|later, first| later.0 == first.0 && later.1 == first.1);
}

fn group_by_rule(pairs: &[(u32, u32, bool, Hit)]) -> Vec<(u32, Vec<Hit>)> {
    let mut groups: Vec<(u32, Vec<Hit>)> = Vec::new();
    for (rule, _, _, hit) in pairs {
        match groups.last_mut() {
            Some((r, list)) if r == rule => list.push(*hit),
            _ => groups.push((*rule, vec![*hit])),
        }
    }
    groups
}

fn distinct(words: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words {
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// Maps byte offsets of the normalized text back to the original.
struct OffsetMap {
    /// The original offset of every character of the normalized text, when the two differ.
    starts: Option<Vec<(usize, usize)>>,
    normalized_len: usize,
}

impl OffsetMap {
    fn new(original: &str, normalized: &str, same: bool) -> OffsetMap {
        let starts = (!same).then(|| {
            normalized
                .char_indices()
                .map(|(i, _)| i)
                .zip(original.char_indices().map(|(i, _)| i))
                .collect()
        });
        OffsetMap {
            starts,
            normalized_len: normalized.len(),
        }
    }

    fn slice<'a>(&self, original: &'a str, start: usize, end: usize) -> &'a str {
        let Some(starts) = &self.starts else {
            return original.get(start..end).unwrap_or("");
        };
        let find = |offset: usize| {
            if offset >= self.normalized_len {
                return original.len();
            }
            match starts.binary_search_by_key(&offset, |p| p.0) {
                Ok(i) => starts[i].1,
                Err(_) => original.len(),
            }
        };
        let (from, to) = (find(start), find(end));
        original.get(from..to.max(from)).unwrap_or("")
    }
}
