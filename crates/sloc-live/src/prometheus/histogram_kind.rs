use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_plan::Plan;
use sloc_plan::Sli;

use super::Snapshot;

declare_code! {
    /// ## What it does
    /// Reports a latency SLI written for one kind of histogram when the server has the other:
    /// `native: true` where the server has only `NAME_bucket` series (a classic histogram), or
    /// a classic SLI where it has only a `NAME` series (a native histogram).
    ///
    /// ## Why it matters
    /// The SLI's rules read series that do not exist: no budget, no alert. Moving an exporter
    /// to native histograms (Prometheus' `native-histograms` feature, or scraping protobuf)
    /// changes the series names under an unchanged spec.
    ///
    /// ## Example
    /// ```yaml
    /// sli:
    ///   latency: {histogram: http_request_duration_seconds, threshold: 2s}
    /// # the server has http_request_duration_seconds as a native histogram
    /// ```
    ///
    /// ## Fix
    /// Set `native: true` for a native histogram, remove it for a classic one.
    pub CODE = ("C014", "histogram-kind", Error, "a latency SLI written for the other kind of histogram than the server has");
}

pub(crate) fn run(plan: &Plan, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    for objective in &plan.objectives {
        let (Sli::Latency { latency }, Some(series)) = (&objective.sli, &objective.indicator.latency) else {
            continue;
        };
        let count = |selector: &str| snapshot.series.get(selector).copied();
        let (Some(0), Some(other)) = (count(&series.buckets), count(&series.other_kind)) else { continue };
        if other == 0 {
            continue; // Neither kind: no-series reports it.
        }
        let name = &latency.histogram.value;
        let (has, fix) = if series.native {
            ("a classic histogram (`_bucket` series)", "remove `native: true`")
        } else {
            ("a native histogram", "add `native: true` to the latency SLI")
        };
        out.push(
            Diagnostic::new(&CODE, latency.histogram.span.clone(), format!("the server has `{name}` as {has}"))
                .with_label(format!("`{}` matches no series", series.buckets))
                .with_help(fix),
        );
    }
}
