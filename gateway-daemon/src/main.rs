//! The `gateway` binary: the intake server, batch routing and rule tools.

use std::process::ExitCode;

fn main() -> ExitCode {
    gateway_daemon::cli::entry::main()
}
