//! The gateway daemon: the intake server and the command-line tools around it.
//!
//! The `gateway` binary is a thin shell over this library: [`cli`] holds each subcommand,
//! [`defaults`] the example county embedded so that every command runs with nothing else
//! installed.

pub mod cli;
pub mod defaults;
