//! The `gateway` binary: batch routing, rule tools and (soon) the intake server.

use std::process::ExitCode;

use clap::Parser;

use gateway_daemon::cli::{self, Cli, Command, RulesCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Route { rules, input } => cli::route::run(rules.as_deref(), input.as_deref()),
        Command::Rules { command } => match command {
            RulesCommand::Check { file } => cli::rules::check(&file),
            RulesCommand::Test { file } => cli::rules::test(&file),
            RulesCommand::Explain {
                file,
                text,
                address,
                dialed,
            } => cli::rules::explain(&file, text, address, dialed),
            RulesCommand::Evaluate {
                rules,
                labelled,
                silver,
                replied,
                unlabelled,
                min_accuracy,
            } => cli::rules::evaluate(cli::rules::EvaluateArgs {
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
