//! Checks of what live servers run (`sloc check`): a Prometheus or a ruler ([`prometheus`],
//! codes `C…`). Like every check they do no IO: the caller fetches what they ask for with
//! `sloc-client` and hands them the answers.

pub mod prometheus;

/// Every code of the live checks.
pub static LIVE_CODES: &[&sloc_diagnostics::Code] = prometheus::PROMETHEUS_CODES;
