//! The command line: what `gateway` can do, one module per subcommand group.

pub mod entry;
pub mod report;
pub mod route;
pub mod rules;
pub mod serve;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The intake gateway of a unified government service hotline (12345).
#[derive(Debug, Parser)]
#[command(name = "gateway", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the intake server: every channel's webhooks, routing on arrival, the read-back API.
    Serve(serve::ServeArgs),
    /// Classify and route appeals given as JSON lines, writing one decision per line.
    Route {
        /// The rule set's entry file; the embedded example county when omitted.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// The input file of JSON lines; standard input when omitted or `-`.
        input: Option<PathBuf>,
    },
    /// Tools for rule authors.
    Rules {
        /// Which tool.
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Rates per handling unit over a period (按期办结率, 满意率, ...), read from the data
    /// dir of a stopped daemon; optionally as CSV and with the public feed.
    Report(report::ReportArgs),
}

/// Tools for rule authors.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate a whole rule set; every error names file:line:column.
    Check {
        /// The entry file.
        file: PathBuf,
    },
    /// Run the examples written in the rule files.
    Test {
        /// The entry file.
        file: PathBuf,
    },
    /// Show which rules fire on a text, on which words, and why the units were chosen.
    Explain {
        /// The entry file.
        file: PathBuf,
        /// The text; standard input when omitted.
        text: Option<String>,
        /// An address to resolve, as the address field of an appeal.
        #[arg(long)]
        address: Option<String>,
        /// The number dialed, as for a call.
        #[arg(long)]
        dialed: Option<String>,
    },
    /// Measure the rules on labelled real messages: topic accuracy, confusion per label,
    /// agreement with silver labels and with who really answered, emergencies raised.
    Evaluate {
        /// The entry file; the embedded example county when omitted.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Messages with the official top-level label (`label`).
        #[arg(long, default_value = "fixtures/appeals/labelled-dev.jsonl")]
        labelled: PathBuf,
        /// Messages with another system's predicted label (`silver_label`).
        #[arg(long, default_value = "fixtures/appeals/silver-dev.jsonl")]
        silver: PathBuf,
        /// Messages with the official reply and its responder (`responder_kind`).
        #[arg(long, default_value = "fixtures/appeals/replied-dev.jsonl")]
        replied: PathBuf,
        /// Further real messages checked only for emergencies raised.
        #[arg(long, default_value = "fixtures/appeals/hot-topics.jsonl")]
        unlabelled: PathBuf,
        /// Exit non-zero when the labelled accuracy is below this share (0 to 1).
        #[arg(long)]
        min_accuracy: Option<f64>,
    },
}
