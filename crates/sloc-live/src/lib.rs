//! Checks of what live servers run (`sloc check`): a Prometheus or a ruler ([`prometheus`],
//! codes `C…`) and an Alertmanager's routes and inhibitions ([`alertmanager`], codes `A…`).
//! Like every check they do no IO: the caller fetches what they ask for with `sloc-client` (or
//! reads a file) and hands them the answers.

pub mod alertmanager;
pub mod prometheus;

/// Every code of the live checks.
pub fn live_codes() -> Vec<&'static sloc_diagnostics::Code> {
    prometheus::prometheus_codes().into_iter().chain(alertmanager::alertmanager_codes()).collect()
}
