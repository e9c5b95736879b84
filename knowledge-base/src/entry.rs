//! One entry of the knowledge base: a question a department has answered.

use chrono::NaiveDate;
use gateway_core::UnitId;
use serde::{Deserialize, Serialize};

use crate::error::EntryProblem;

/// One answered question (知识条目), owned by the unit that wrote the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The entry's id, stable across edits: ASCII letters, digits, `-`, `_` or `.`.
    pub id: String,
    /// The question as citizens ask it.
    pub question: String,
    /// The answer the platform reads or sends to the citizen (Chinese).
    pub answer: String,
    /// Other ways citizens ask the same question; searched like the question.
    #[serde(default)]
    pub phrasings: Vec<String>,
    /// The handling unit that owns the answer and alone may change it.
    pub owner: UnitId,
    /// The topic path in the routing taxonomy, top level first, e.g.
    /// `["劳动和社会保障", "城镇职工社会保险"]`.
    #[serde(default)]
    pub topic: Vec<String>,
    /// The policy or document the answer rests on.
    #[serde(default)]
    pub source: String,
    /// The first day the answer may be given.
    pub valid_from: NaiveDate,
    /// The day by which the owner must review the answer; from the next day on it is stale
    /// and never given as a direct answer.
    pub review_by: NaiveDate,
}

/// Whether an entry may be given as a direct answer on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Valid and not past its review date.
    Fresh,
    /// Its valid-from date is still to come.
    NotYetValid,
    /// Its review date has passed.
    PastReview,
}

impl Entry {
    /// Whether the entry may be used on `today`.
    pub fn freshness(&self, today: NaiveDate) -> Freshness {
        if today < self.valid_from {
            Freshness::NotYetValid
        } else if today > self.review_by {
            Freshness::PastReview
        } else {
            Freshness::Fresh
        }
    }

    /// True when the entry may be given as a direct answer on `today`.
    pub fn is_fresh(&self, today: NaiveDate) -> bool {
        self.freshness(today) == Freshness::Fresh
    }

    /// Checks what every stored entry must satisfy; the first problem found is returned.
    pub fn validate(&self) -> Result<(), EntryProblem> {
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(EntryProblem::BadId(self.id.clone()));
        }
        if self.question.trim().is_empty() {
            return Err(EntryProblem::Empty("question"));
        }
        if self.answer.trim().is_empty() {
            return Err(EntryProblem::Empty("answer"));
        }
        if self.owner.as_str().trim().is_empty() {
            return Err(EntryProblem::Empty("owner"));
        }
        if self.topic.iter().any(|level| level.trim().is_empty()) {
            return Err(EntryProblem::Empty("topic level"));
        }
        if self.review_by < self.valid_from {
            return Err(EntryProblem::ReviewBeforeValid {
                valid_from: self.valid_from,
                review_by: self.review_by,
            });
        }
        Ok(())
    }

    /// The names of the fields that differ between `self` and `other`, in declaration order.
    pub fn changed_fields(&self, other: &Entry) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if self.question != other.question {
            changed.push("question");
        }
        if self.answer != other.answer {
            changed.push("answer");
        }
        if self.phrasings != other.phrasings {
            changed.push("phrasings");
        }
        if self.owner != other.owner {
            changed.push("owner");
        }
        if self.topic != other.topic {
            changed.push("topic");
        }
        if self.source != other.source {
            changed.push("source");
        }
        if self.valid_from != other.valid_from {
            changed.push("valid_from");
        }
        if self.review_by != other.review_by {
            changed.push("review_by");
        }
        changed
    }
}

#[cfg(test)]
pub(crate) fn sample(id: &str, owner: &str) -> Entry {
    Entry {
        id: id.to_string(),
        question: "灵活就业人员怎样参加职工养老保险".to_string(),
        answer: "携带身份证到县社保中心窗口办理参保登记。".to_string(),
        phrasings: vec![],
        owner: UnitId::new(owner),
        topic: vec!["劳动和社会保障".to_string()],
        source: "《社会保险法》".to_string(),
        valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        review_by: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn freshness_follows_both_dates() {
        let entry = sample("a-1", "human-resources-social-security");
        assert_eq!(entry.freshness(day(2025, 12, 31)), Freshness::NotYetValid);
        assert_eq!(entry.freshness(day(2026, 1, 1)), Freshness::Fresh);
        assert_eq!(entry.freshness(day(2027, 1, 1)), Freshness::Fresh);
        assert_eq!(entry.freshness(day(2027, 1, 2)), Freshness::PastReview);
    }

    #[test]
    fn validation_names_the_problem() {
        let mut entry = sample("a 1", "x");
        assert_eq!(entry.validate(), Err(EntryProblem::BadId("a 1".into())));
        entry.id = "a-1".into();
        entry.answer = " ".into();
        assert_eq!(entry.validate(), Err(EntryProblem::Empty("answer")));
        entry.answer = "答".into();
        entry.review_by = day(2025, 1, 1);
        assert!(matches!(
            entry.validate(),
            Err(EntryProblem::ReviewBeforeValid { .. })
        ));
    }

    #[test]
    fn changed_fields_lists_only_differences() {
        let before = sample("a-1", "x");
        let mut after = before.clone();
        after.answer = "新的答复".into();
        after.review_by = day(2028, 1, 1);
        assert_eq!(before.changed_fields(&after), vec!["answer", "review_by"]);
        assert!(before.changed_fields(&before).is_empty());
    }
}
