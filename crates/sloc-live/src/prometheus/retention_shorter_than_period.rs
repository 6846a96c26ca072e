use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_plan::{Plan, window_name};
use sloc_promql::format_duration;

use super::Snapshot;

declare_code! {
    /// ## What it does
    /// Reports a server that keeps data for less than the SLO period
    /// (`--storage.tsdb.retention.time`, from `/api/v1/status/flags`).
    ///
    /// ## Why it matters
    /// The period's error ratio and the remaining budget are computed over data the server has
    /// already deleted: they describe the retention, not the period.
    ///
    /// ## Fix
    /// Raise the retention to the period or more, or shorten the period.
    pub CODE = ("C006", "retention-shorter-than-period", Error, "the server keeps less data than the SLO period");
}

pub(crate) fn run(plan: &Plan, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    let Some(retention) = snapshot.retention else { return };
    let Some(period) = plan.objectives.iter().map(|o| o.period).max() else { return };
    if retention < period {
        let span = plan.period_span.clone().unwrap_or_else(|| plan.service_span.clone());
        out.push(
            Diagnostic::new(
                &CODE,
                span,
                format!(
                    "the server keeps {} of data, less than the {} period",
                    format_duration(retention),
                    window_name(period)
                ),
            )
            .with_label("period longer than the retention")
            .with_help(format!("start Prometheus with --storage.tsdb.retention.time={} or more", window_name(period))),
        );
    }
}
