//! The whole command line as one function, for the `gateway` binary and for test builds.

use std::process::ExitCode;

use clap::Parser;

use super::{Cli, Command, RulesCommand};

/// Parses the process arguments and runs the subcommand.
pub fn main() -> ExitCode {
    run(Cli::parse())
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve(args) => super::serve::run(&args),
        Command::Report(args) => super::report::run(&args),
        Command::Route { rules, input } => super::route::run(rules.as_deref(), input.as_deref()),
        Command::Rules { command } => match command {
            RulesCommand::Check { file } => super::rules::check(&file),
            RulesCommand::Test { file } => super::rules::test(&file),
            RulesCommand::Explain {
                file,
                text,
                address,
                dialed,
            } => super::rules::explain(&file, text, address, dialed),
            RulesCommand::Evaluate {
                rules,
                labelled,
                silver,
                replied,
                unlabelled,
                min_accuracy,
            } => super::rules::evaluate(super::rules::EvaluateArgs {
                rules,
                labelled,
                silver,
                replied,
                unlabelled,
                min_accuracy,
            }),
        },
    }
}
