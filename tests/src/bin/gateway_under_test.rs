//! The daemon's command line, built inside this package so the tests can start it.

fn main() -> std::process::ExitCode {
    gateway_daemon::cli::entry::main()
}
