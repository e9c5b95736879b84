//! `gateway report`: the rates per unit over a period, read offline from the data dir.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use gateway_analysis::report::render_table;
use gateway_core::UnitId;
use gateway_core::calendar::WorkingCalendar;
use gateway_core::store::{AppealStore, StoreError};

use crate::cases::records as case_records;
use crate::config::GatewayConfig;
use crate::defaults;
use crate::reports::rows::{to_csv, unit_names};
use crate::reports::{ReportInputs, parse_period, unit_report};

/// The options of `gateway report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The first Beijing day of the period, YYYY-MM-DD.
    #[arg(long)]
    pub from: String,
    /// The last Beijing day of the period (included), YYYY-MM-DD.
    #[arg(long)]
    pub to: String,
    /// The daemon's config file, for the store type, data dir and unit names.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Where the store lives, overriding `data_dir` in the config.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Also write the rates as CSV to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Also write the public feed of the cases resolved in the period, as JSON, to this
    /// file.
    #[arg(long)]
    pub public_feed: Option<PathBuf>,
    /// Also write the analysis of hot and rising topics (分析研判) of the appeals received
    /// in the period into this folder: hot-topics.md, hot-topics.csv, topic-townships.csv
    /// and the chart weekly-topics.svg.
    #[arg(long)]
    pub trends: Option<PathBuf>,
}

/// A failure, as the message printed and the exit code.
struct Failure {
    message: String,
    code: u8,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code: 2,
    }
}

fn failed(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code: 1,
    }
}

/// Prints the table and writes the files asked for.
pub fn run(args: &ReportArgs) -> ExitCode {
    match report(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn report(args: &ReportArgs) -> Result<(), Failure> {
    // The period and the config first: nothing is opened on a typo.
    let period = parse_period(Some(&args.from), Some(&args.to))
        .map_err(|e| usage(format!("{e} (--from / --to)")))?;
    let mut config = match &args.config {
        Some(path) => GatewayConfig::load(path).map_err(|e| usage(e.to_string()))?,
        None => GatewayConfig::parse("").map_err(|e| usage(e.to_string()))?,
    };
    if let Some(data_dir) = &args.data_dir {
        config.data_dir = data_dir.clone();
    }
    let store_config = config.store.store_config(&config.data_dir);
    if !store_config.path.exists() {
        return Err(usage(format!(
            "there is no store at {}; give --data-dir (or --config) of the daemon whose cases \
             to report",
            store_config.path.display()
        )));
    }

    // The store, which a running daemon holds for itself.
    let store = AppealStore::open(&store_config).map_err(|e| match e {
        StoreError::Open { .. } => failed(format!(
            "{e}\nif the daemon is running it holds the store: stop it first, or ask it instead: \
             GET /api/v1/reports/units?from={}&to={} (add &format=csv for CSV)",
            period.first_day, period.last_day
        )),
        other => failed(other.to_string()),
    })?;
    let read = case_records::all(&store).and_then(|cases| ReportInputs::read(&store, &cases));
    let observations = match &args.trends {
        Some(_) => {
            let (from, until) = crate::trends::bounds(&period);
            Some(crate::trends::observations(&store, from, until))
        }
        None => None,
    };
    store.close();
    let inputs = read.map_err(|e| failed(format!("cannot read the cases: {e}")))?;

    // The rates, as a table on standard output and as CSV if asked.
    let calendar = WorkingCalendar::embedded()
        .map_err(|e| failed(format!("the working calendar could not be loaded: {e}")))?;
    let report = unit_report(&inputs, period, &calendar).map_err(|e| failed(e.to_string()))?;
    let configured: BTreeMap<UnitId, String> = config
        .cases
        .as_ref()
        .map(|cases| {
            cases
                .units
                .iter()
                .map(|(id, unit)| (UnitId::new(id.clone()), unit.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let rules = defaults::load_rules(config.rules.entry.as_deref()).ok();
    let names = unit_names(&configured, rules.as_ref());
    print!("{}", render_table(&report, &names));
    if let Some(path) = &args.csv {
        let text = to_csv(&report, true).map_err(|e| failed(e.to_string()))?;
        std::fs::write(path, text)
            .map_err(|e| failed(format!("cannot write {}: {e}", path.display())))?;
        eprintln!("wrote {}", path.display());
    }

    // The analysis of hot topics, if asked.
    if let (Some(dir), Some(observations)) = (&args.trends, observations) {
        let observations =
            observations.map_err(|e| failed(format!("cannot read the appeals: {e}")))?;
        let files = crate::trends::analyse(
            &observations,
            &gateway_analysis::TrendConfig::default(),
            &crate::trends::title(&period),
        )
        .map_err(|e| failed(e.to_string()))?;
        let written = crate::trends::write_files(&files, dir)
            .map_err(|e| failed(format!("cannot write into {}: {e}", dir.display())))?;
        for path in written {
            eprintln!("wrote {}", path.display());
        }
    }

    // The public feed, if asked.
    if let Some(path) = &args.public_feed {
        let feed = inputs.public_cases(period);
        let text = serde_json::to_string_pretty(&feed)
            .map_err(|e| failed(format!("cannot encode the public feed: {e}")))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| failed(format!("cannot write {}: {e}", path.display())))?;
        eprintln!("wrote {} ({} cases)", path.display(), feed.len());
    }
    Ok(())
}
