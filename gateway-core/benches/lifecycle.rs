//! Deadlines on the working-day calendar, the supervision list, and one case action, each
//! against a baseline measured in the same run.
//!
//! Run: `cargo bench -p gateway-core --bench lifecycle`
//! Fewer cases: `LIFECYCLE_BENCH_CASES=2000 cargo bench -p gateway-core --bench lifecycle`

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use gateway_core::calendar::{WorkingCalendar, day_of, end_of_day};
use gateway_core::case::{
    Action, Actor, Case, CaseConfig, CaseNumber, CaseOpening, CasePolicy, Command, supervision_list,
};
use gateway_core::{AppealId, Kind, UnitId};

const ROUNDS: usize = 15;
const UNITS: [&str; 6] = [
    "market-supervision",
    "housing",
    "urban-management",
    "ecology-environment",
    "water-resources",
    "transport",
];

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Nanoseconds per call of `work` over `count` calls, median of the rounds.
fn per_call(count: usize, mut work: impl FnMut(usize)) -> f64 {
    let samples = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            for i in 0..count {
                work(i);
            }
            started.elapsed().as_nanos() as f64 / count as f64
        })
        .collect();
    median(samples)
}

/// The baseline deadline: Monday to Friday only, no holidays, no make-up days.
fn weekdays_only(start: DateTime<Utc>, working_days: u32) -> DateTime<Utc> {
    let mut day: NaiveDate = day_of(start);
    let mut left = working_days;
    while left > 0 {
        day = day.succ_opt().unwrap_or(day);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    end_of_day(day).unwrap_or(start)
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid time")
        .with_timezone(&Utc)
}

fn open(
    calendar: &WorkingCalendar,
    policy: &CasePolicy,
    i: usize,
    received: DateTime<Utc>,
) -> Case {
    let opening = CaseOpening {
        case_number: CaseNumber::new(received, i as u64),
        appeal_id: AppealId::from_parts(received.timestamp_millis() as u128, i as u128),
        kind: Kind::ALL[i % Kind::ALL.len()],
        urgent: i.is_multiple_of(17),
        lead_unit: UnitId::new(UNITS[i % UNITS.len()]),
        assisting_units: Vec::new(),
        received_at: received,
    };
    Case::open(opening, Actor::System, calendar, policy)
        .expect("a case opens")
        .0
}

fn main() {
    let calendar = WorkingCalendar::embedded().expect("the embedded calendar loads");
    let policy = CaseConfig::default()
        .build()
        .expect("the default policy builds");
    let cases = env_number("LIFECYCLE_BENCH_CASES", 10_000);

    // Starts every 7 hours through 2025, so every holiday and make-up day is crossed.
    let first = at("2025-01-01T08:00:00+08:00");
    let starts: Vec<DateTime<Utc>> = (0..1_200).map(|i| first + Duration::hours(7 * i)).collect();
    let calendar_ns = per_call(starts.len(), |i| {
        black_box(calendar.add_working_days(black_box(starts[i]), 5).ok());
    });
    let baseline_ns = per_call(starts.len(), |i| {
        black_box(weekdays_only(black_box(starts[i]), 5));
    });
    println!(
        "# a 5-working-day deadline, median of {ROUNDS} rounds of {} starts",
        starts.len()
    );
    println!("calendar_ns  weekdays_only_ns  ratio");
    println!(
        "{calendar_ns:>11.0} {baseline_ns:>17.0} {:>6.2}x",
        calendar_ns / baseline_ns
    );

    // A supervision list over open cases received through September and October 2025.
    let received = at("2025-09-01T09:00:00+08:00");
    let open_cases: Vec<Case> = (0..cases)
        .map(|i| {
            open(
                &calendar,
                &policy,
                i,
                received + Duration::minutes(8 * i as i64 % 86_400),
            )
        })
        .collect();
    let now = at("2025-10-20T10:00:00+08:00");
    let list_ms = median(
        (0..ROUNDS)
            .map(|_| {
                let started = Instant::now();
                black_box(supervision_list(&open_cases, &calendar, &policy, now).ok());
                started.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    );
    // The baseline is the least calendar work per case: its deadline counted once again.
    let recount_ms = median(
        (0..ROUNDS)
            .map(|_| {
                let started = Instant::now();
                for case in &open_cases {
                    let start = case.history()[0].at;
                    black_box(calendar.add_working_days(start, 5).ok());
                }
                started.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    );
    println!("# supervision list of {cases} open cases, median of {ROUNDS} rounds");
    println!("list_ms  one_deadline_per_case_ms  ratio");
    println!(
        "{list_ms:>7.2} {recount_ms:>25.2} {:>6.2}x",
        list_ms / recount_ms
    );

    // Notes on a case with a short and with a long history. Apply keeps a copy of the
    // case's fields but not of its history, so the cost should stay flat as the history
    // grows. The notes are applied to the same case, so its history grows during the run.
    println!("# one accepted action (a note), median of {ROUNDS} rounds of 2000");
    println!("history_entries_at_start  apply_ns  ratio_to_10");
    let mut short_ns = 0.0;
    for entries in [10usize, 1_000, 10_000] {
        let mut case = open(&calendar, &policy, 1, received);
        let lead = Actor::Unit(case.lead_unit().clone());
        let note = Action::AddNote {
            text: "已电话联系诉求人".to_string(),
        };
        for _ in 1..entries {
            case.apply(
                Command::new(received, lead.clone(), note.clone()),
                &calendar,
                &policy,
            )
            .expect("a note is accepted");
        }
        let apply_ns = per_call(2_000, |_| {
            let command = Command::new(received, lead.clone(), note.clone());
            black_box(case.apply(command, &calendar, &policy).ok());
        });
        if entries == 10 {
            short_ns = apply_ns;
        }
        println!(
            "{entries:>24} {apply_ns:>9.0} {:>11.2}x",
            apply_ns / short_ns
        );
    }
}
