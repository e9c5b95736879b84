//! Counts by topic, township and ISO week, and the rule that flags a rising topic.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

use gateway_core::calendar::day_of;

/// The name used for appeals whose topic or township was not found.
pub const UNKNOWN: &str = "未识别";

/// One appeal as analysis sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicObservation {
    /// When the citizen sent it.
    pub at: DateTime<Utc>,
    /// Its topic (a taxonomy leaf or path, as the caller chooses); empty when none.
    pub topic: String,
    /// Its township's name, if resolved.
    pub township: Option<String>,
}

/// An ISO 8601 week, in Beijing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IsoWeekKey {
    /// The ISO week-numbering year.
    pub year: i32,
    /// The week, 1 to 53.
    pub week: u32,
}

impl IsoWeekKey {
    /// The week a day belongs to.
    pub fn of_day(day: NaiveDate) -> IsoWeekKey {
        let iso = day.iso_week();
        IsoWeekKey {
            year: iso.year(),
            week: iso.week(),
        }
    }

    /// The week an instant belongs to, in Beijing time.
    pub fn of(at: DateTime<Utc>) -> IsoWeekKey {
        IsoWeekKey::of_day(day_of(at))
    }

    /// The Monday that starts the week.
    pub fn monday(self) -> Option<NaiveDate> {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon)
    }
}

impl fmt::Display for IsoWeekKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

/// When a topic counts as rising (上升).
///
/// A topic rises in a week when that week's count is at least `rising_min_count` and at
/// least `rising_ratio` times the mean of the `baseline_weeks` weeks before it (a mean of
/// zero counts as met). Weeks too early to have a full baseline are never flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrendConfig {
    /// How many times the baseline mean a week must reach. Default 2.
    pub rising_ratio: f64,
    /// How many weeks before make the baseline. Default 4.
    pub baseline_weeks: usize,
    /// The least count of a rising week. Default 5.
    pub rising_min_count: u32,
    /// How many topics the hot list and the chart show. Default 8.
    pub top_topics: usize,
}

impl Default for TrendConfig {
    fn default() -> Self {
        Self {
            rising_ratio: 2.0,
            baseline_weeks: 4,
            rising_min_count: 5,
            top_topics: 8,
        }
    }
}

/// One topic's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicSeries {
    /// The topic.
    pub topic: String,
    /// All appeals of the topic.
    pub total: u32,
    /// One count per week of the report, in order.
    pub weekly: Vec<u32>,
}

/// A topic flagged as rising in a week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RisingTopic {
    /// The topic.
    pub topic: String,
    /// The week.
    pub week: IsoWeekKey,
    /// Its count that week.
    pub count: u32,
    /// The mean of the baseline weeks.
    pub baseline_mean: f64,
}

/// Topics, townships and weeks of a set of appeals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendReport {
    /// Every week from the first appeal's to the last's, gaps included.
    pub weeks: Vec<IsoWeekKey>,
    /// Every topic, most appeals first (ties by name).
    pub topics: Vec<TopicSeries>,
    /// Appeals per township, most first; unresolved places as [`UNKNOWN`].
    pub townships: Vec<(String, u32)>,
    /// Appeals per topic and township, for the CSV.
    pub topic_townships: BTreeMap<(String, String), u32>,
    /// Every rising week of every topic, latest week first.
    pub rising: Vec<RisingTopic>,
    /// How many appeals.
    pub appeal_count: usize,
}

impl TrendReport {
    /// Counts the observations and applies the rising rule.
    pub fn build(observations: &[TopicObservation], config: &TrendConfig) -> TrendReport {
        // The weeks, gaps included.
        let weeks = week_range(observations);
        let position: HashMap<IsoWeekKey, usize> =
            weeks.iter().enumerate().map(|(i, w)| (*w, i)).collect();

        // Counts per topic and week, per township, per topic and township.
        let mut by_topic: HashMap<String, Vec<u32>> = HashMap::new();
        let mut townships: HashMap<String, u32> = HashMap::new();
        let mut topic_townships = BTreeMap::new();
        for observation in observations {
            let topic = if observation.topic.is_empty() {
                UNKNOWN.to_string()
            } else {
                observation.topic.clone()
            };
            let township = observation
                .township
                .clone()
                .unwrap_or_else(|| UNKNOWN.to_string());
            let week = position[&IsoWeekKey::of(observation.at)];
            by_topic
                .entry(topic.clone())
                .or_insert_with(|| vec![0; weeks.len()])[week] += 1;
            *townships.entry(township.clone()).or_default() += 1;
            *topic_townships.entry((topic, township)).or_default() += 1;
        }
        let mut topics: Vec<TopicSeries> = by_topic
            .into_iter()
            .map(|(topic, weekly)| TopicSeries {
                total: weekly.iter().sum(),
                topic,
                weekly,
            })
            .collect();
        topics.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.topic.cmp(&b.topic)));
        let mut townships: Vec<(String, u32)> = townships.into_iter().collect();
        townships.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

        // The rising rule.
        let mut rising = Vec::new();
        for series in &topics {
            for (i, &count) in series.weekly.iter().enumerate() {
                if i < config.baseline_weeks || count < config.rising_min_count {
                    continue;
                }
                let baseline = &series.weekly[i - config.baseline_weeks..i];
                let mean = if baseline.is_empty() {
                    0.0
                } else {
                    f64::from(baseline.iter().sum::<u32>()) / baseline.len() as f64
                };
                if f64::from(count) >= config.rising_ratio * mean {
                    rising.push(RisingTopic {
                        topic: series.topic.clone(),
                        week: weeks[i],
                        count,
                        baseline_mean: mean,
                    });
                }
            }
        }
        rising.sort_by(|a, b| {
            b.week
                .cmp(&a.week)
                .then_with(|| b.count.cmp(&a.count))
                .then_with(|| a.topic.cmp(&b.topic))
        });

        TrendReport {
            weeks,
            topics,
            townships,
            topic_townships,
            rising,
            appeal_count: observations.len(),
        }
    }
}

// Limitation: the first and last weeks may be partial (the data starts or ends mid-week),
// so their counts read low and a rise in a partial last week is flagged late.
fn week_range(observations: &[TopicObservation]) -> Vec<IsoWeekKey> {
    let days = observations.iter().map(|o| day_of(o.at));
    let (Some(first), Some(last)) = (days.clone().min(), days.max()) else {
        return Vec::new();
    };
    let mut weeks = Vec::new();
    let mut day = first - Duration::days(i64::from(first.weekday().num_days_from_monday()));
    while day <= last {
        weeks.push(IsoWeekKey::of_day(day));
        day += Duration::days(7);
    }
    weeks
}
