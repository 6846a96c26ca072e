use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_promql::selector_metric;

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports `rate`, `irate` or `increase` over a series that is recognisably not a counter:
    /// - a recording rule's output whose operation says it is already a rate, a ratio, an
    ///   average or a quantile (`job:http_requests:rate5m`, `job:latency:histogram_quantile`);
    /// - a metric whose name says it is a gauge: it ends in `_ratio`, `_percent`, `_celsius`,
    ///   `_info`, or is a memory or filesystem level (`_resident_memory_bytes`,
    ///   `_working_set_bytes`, `_avail_bytes`, `_free_bytes`, `_size_bytes`, `_usage_bytes`).
    ///
    /// ## Why it matters
    /// These functions assume a monotonic counter and treat every decrease as a reset: over a
    /// gauge they return nonsense that looks plausible.
    ///
    /// ## Example
    /// ```yaml
    /// expr: rate(process_resident_memory_bytes[5m])
    /// ```
    ///
    /// ## Fix
    /// Use `deriv()` or `delta()` for gauges; over a recorded rate, take the rate of the raw
    /// counter instead.
    ///
    /// ## Default
    /// On. It used to call every name without `_total` a non-counter, which was wrong on most
    /// public rule files (exporters that predate the `_total` convention, such as node
    /// exporter's `node_vmstat_pgmajfault`); it now reports only names that say they are
    /// something else. `sloc check` knows each metric's type from the server's metadata.
    pub CODE = ("L001", "rate-non-counter", Warning, "rate() over a series that is not a counter");
}

use sloc_promql::analysis::COUNTER_FUNCTIONS;

/// Suffixes of metric names that are levels, never counters.
const GAUGE_SUFFIXES: [&str; 12] = [
    "_ratio",
    "_percent",
    "_percentage",
    "_celsius",
    "_info",
    "_resident_memory_bytes",
    "_virtual_memory_bytes",
    "_working_set_bytes",
    "_avail_bytes",
    "_free_bytes",
    "_size_bytes",
    "_usage_bytes",
];
/// The operation part of a recorded series that makes it a level, not a counter.
const GAUGE_OPERATIONS: [&str; 9] =
    ["rate", "irate", "ratio", "avg", "quantile", "histogram_quantile", "deriv", "burnrate", "percent"];

/// Why a metric is not a counter, when its name says so.
pub(crate) fn not_a_counter(metric: &str) -> Option<&'static str> {
    if let Some((_, operations)) = metric.rsplit_once(':') {
        return GAUGE_OPERATIONS
            .iter()
            .any(|op| operations.starts_with(op))
            .then_some("a recorded rate, ratio, average or quantile");
    }
    GAUGE_SUFFIXES.iter().any(|s| metric.ends_with(s)).then_some("a gauge by its name")
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    let Some((expr, locator)) = cx.expr() else { return };
    for (call, m, k) in super::range_calls(&expr.ast, &COUNTER_FUNCTIONS) {
        let Some(metric) = selector_metric(&m.vs) else { continue };
        let Some(why) = not_a_counter(metric) else { continue };
        let span = locator.nth(&locator.calls(call.func.name), k);
        out.push(
            Diagnostic::new(&CODE, cx.in_file(span), format!("`{}` over `{metric}`, {why}", call.func.name))
                .with_label("counter function over a non-counter")
                .with_help("use deriv() or delta() for gauges; over a recorded rate, take the rate of the raw counter"),
        );
    }
}
