//! HTTP-level tests: the real router, a fresh database per test, on SQLite and
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! on PostgreSQL (`FUWU_TEST_DATABASE_URL`; without it the PostgreSQL variants
//! fail unless `FUWU_SKIP_PG=1`, and then say they were skipped).
//! One test binary keeps link time low.

mod harness;

mod access;
mod accounts;
mod backup;
mod bad_input;
mod boundaries;
mod browser;
mod choices;
mod cli;
mod clocks;
mod demo;
mod export;
mod exposure;
mod flow;
mod hardening;
mod housekeeping;
mod intake;
mod journeys;
mod language;
mod lookup;
mod mail;
mod pages;
mod plan;
mod records;
mod report_copy;
mod service;
mod walk;
