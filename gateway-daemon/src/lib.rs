//! The gateway daemon: the intake server and the command-line tools around it.
//!
//! The `gateway` binary is a thin shell over this library: [`cli`] holds each subcommand,
//! [`defaults`] the example county embedded so that every command runs with nothing else
//! installed. [`server`] is the intake server behind `gateway serve`, configured by
//! [`config`], logging through [`logging`]. [`knowledge`] wires the knowledge base into
//! intake and serves its API; [`followup`] asks citizens for their rating; [`reports`]
//! computes the rates per unit and the public feed, and [`trends`] the hot and rising
//! topics, for the API and for `gateway report`.

pub mod cases;
pub mod cli;
pub mod config;
pub mod defaults;
pub mod dispatch;
pub mod email;
pub mod followup;
pub mod knowledge;
pub mod logging;
pub mod reports;
pub mod server;
pub mod trends;
