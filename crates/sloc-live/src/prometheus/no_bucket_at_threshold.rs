use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_plan::Plan;
use sloc_plan::{Decimal, Sli};

use super::Snapshot;

declare_code! {
    /// ## What it does
    /// Reports a latency SLI whose threshold is not a bucket boundary of the histogram on the
    /// server (the `le` values of its `_bucket` series).
    ///
    /// ## Why it matters
    /// Good events are the bucket at the threshold. Without such a bucket the good-events
    /// series is empty, every request counts as slow, and the budget is gone.
    ///
    /// ## Fix
    /// Set the threshold to one of the boundaries listed, or add a bucket at the threshold in
    /// the instrumentation.
    pub CODE = ("C009", "no-bucket-at-threshold", Error, "a latency threshold with no matching histogram bucket");
}

pub(crate) fn run(plan: &Plan, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    for objective in &plan.objectives {
        let (Sli::Latency { latency }, Some(series)) = (&objective.sli, &objective.indicator.latency) else {
            continue;
        };
        let Some(values) = snapshot.buckets.get(&series.buckets) else { continue };
        if values.is_empty() {
            continue; // No series at all: no-series reports it.
        }
        let seconds = series.threshold_seconds;
        let matches = values.iter().any(|v| Decimal::parse(v) == Some(seconds));
        if !matches {
            let mut shown: Vec<&str> = values.iter().map(String::as_str).collect();
            shown.sort_by(|a, b| a.parse::<f64>().unwrap_or(f64::MAX).total_cmp(&b.parse::<f64>().unwrap_or(f64::MAX)));
            out.push(
                Diagnostic::new(
                    &CODE,
                    latency.threshold.span.clone(),
                    format!(
                        "`{}` has no bucket at {seconds}s; its boundaries are {}",
                        latency.histogram.value,
                        shown.join(", ")
                    ),
                )
                .with_label("not a bucket boundary")
                .with_help("use one of the boundaries as the threshold, or add a bucket at it"),
            );
        }
    }
}
