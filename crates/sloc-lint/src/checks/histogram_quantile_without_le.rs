use promql_parser::parser::{Expr, LabelModifier};
use sloc_diagnostics::{Diagnostic, declare_code};

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports `histogram_quantile` over a classic histogram (`_bucket` series) whose
    /// aggregation drops the `le` label: `sum by (job)` without `le`, or `sum without (le)`.
    ///
    /// ## Why it matters
    /// `histogram_quantile` needs one series per bucket boundary. Without `le` every bucket is
    /// summed into one series and the result is empty.
    ///
    /// ## Example
    /// ```yaml
    /// expr: histogram_quantile(0.95, sum by (job) (rate(http_request_duration_seconds_bucket[5m])))
    /// ```
    ///
    /// ## Fix
    /// Keep `le`: `sum by (job, le) (...)`.
    ///
    /// ## Default
    /// On: the result is always empty; no false finding is possible on a valid aggregation.
    pub CODE = ("L003", "histogram-quantile-without-le", Warning, "histogram_quantile over an aggregation that drops le");
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    let Some((expr, locator)) = cx.expr() else { return };
    for (call, k) in super::calls(&expr.ast) {
        if call.func.name != "histogram_quantile" {
            continue;
        }
        let Some(Expr::Aggregate(agg)) = call.args.args.get(1).map(|a| super::unparen(a)) else { continue };
        let classic = sloc_promql::vector_selectors(&agg.expr)
            .into_iter()
            .filter_map(sloc_promql::selector_metric)
            .any(|m| m.ends_with("_bucket"));
        let drops_le = match &agg.modifier {
            Some(LabelModifier::Include(labels)) => !labels.labels.iter().any(|l| l == "le"),
            Some(LabelModifier::Exclude(labels)) => labels.labels.iter().any(|l| l == "le"),
            None => true,
        };
        if classic && drops_le {
            let span = locator.nth(&locator.calls("histogram_quantile"), k);
            out.push(
                Diagnostic::new(
                    &CODE,
                    cx.in_file(span),
                    "`histogram_quantile` over an aggregation that drops `le`: the result is always empty",
                )
                .with_label("the buckets are summed into one series")
                .with_help("keep the bucket label: `sum by (le, ...)`"),
            );
        }
    }
}
