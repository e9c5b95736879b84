//! `gateway serve`: the intake server.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::config::GatewayConfig;
use crate::{logging, server};

/// The options of `gateway serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The config file (see `examples/wencheng/gateway.toml`).
    #[arg(long)]
    pub config: PathBuf,
    /// The address to listen on, overriding `listen` in the file (port 0 picks a free one).
    #[arg(long)]
    pub listen: Option<String>,
    /// Where the store lives, overriding `data_dir` in the file.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// Loads the config, applies the overrides and runs the server until it is stopped.
pub fn run(args: &ServeArgs) -> ExitCode {
    let mut config = match GatewayConfig::load(&args.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(listen) = &args.listen {
        config.listen = listen.clone();
    }
    if let Some(data_dir) = &args.data_dir {
        config.data_dir = data_dir.clone();
    }
    if let Err(e) = config.listen_addr() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    logging::init(&config.logging);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("gateway")
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "gateway stopped with an error");
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
