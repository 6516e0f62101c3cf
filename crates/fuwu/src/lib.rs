//! The `fuwu` binary's library: configuration, the commands and the demo data.
//! `main.rs` only parses the command line and calls into here, so tests can
//! build exactly what production runs.

pub mod backup;
pub mod bench;
pub mod cli;
pub mod config;
pub mod demo;
