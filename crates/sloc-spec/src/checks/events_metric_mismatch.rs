use sloc_diagnostics::{Diagnostic, declare_code};

use crate::{Query, Sli};

declare_code! {
    /// ## What it does
    /// Reports an `errors` (or `good`) query that reads a different metric from its `total`.
    ///
    /// ## Why it matters
    /// Bad and total events must be counted by the same instrumentation, or the ratio is
    /// meaningless: two metrics are scraped, reset and relabelled independently, and the ratio
    /// can exceed 1.
    ///
    /// ## Fix
    /// Select the bad events from the total's metric with more matchers
    /// (`requests_total{status="error"}` over `requests_total`), or write a `raw` SLI.
    pub CODE = ("S009", "events-metric-mismatch", Error, "errors and total read different metrics");
}

pub(crate) fn run(sli: &Sli, out: &mut Vec<Diagnostic>) {
    let (kind, bad, total) = match sli {
        Sli::Errors { errors, total } => ("errors", errors, total),
        Sli::Good { good, total } => ("good", good, total),
        _ => return,
    };
    let names = |q: &Query| -> Vec<String> {
        let sample = q.with_window("5m");
        sloc_promql::parse(&sample)
            .map(|e| {
                sloc_promql::vector_selectors(&e)
                    .into_iter()
                    .filter_map(sloc_promql::selector_metric)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (bad_names, total_names) = (names(bad), names(total));
    if bad_names.is_empty() || total_names.is_empty() {
        return;
    }
    if !bad_names.iter().any(|n| total_names.contains(n)) {
        out.push(
            Diagnostic::new(
                &CODE,
                bad.span(),
                format!("`{kind}` reads {} but `total` reads {}", bad_names.join(", "), total_names.join(", ")),
            )
            .with_label(format!("{kind} metric"))
            .with_related(total.span(), "total metric")
            .with_help("count bad events on the total's metric with more matchers, or write a `raw` SLI"),
        );
    }
}
