use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_promql::selector_metric;

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports `rate`, `irate` or `increase` over a metric that is not a counter by its name.
    /// Counters end in `_total`, `_count`, `_sum` or `_bucket` (Prometheus naming conventions);
    /// recording-rule outputs (names with `:`) are left alone.
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
    /// Use `deriv()` or `delta()` for gauges, or rename the counter to end in `_total`.
    pub CODE = ("L001", "rate-non-counter", Warning, "rate() over a metric that is not a counter by name");
}

const COUNTER_FUNCTIONS: [&str; 3] = ["rate", "irate", "increase"];
const COUNTER_SUFFIXES: [&str; 4] = ["_total", "_count", "_sum", "_bucket"];

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    let Some((expr, locator)) = cx.expr() else { return };
    for (call, m, k) in super::range_calls(&expr.ast, &COUNTER_FUNCTIONS) {
        let Some(metric) = selector_metric(&m.vs) else { continue };
        if metric.contains(':') || COUNTER_SUFFIXES.iter().any(|s| metric.ends_with(s)) {
            continue;
        }
        let span = locator.nth(&locator.calls(call.func.name), k);
        out.push(
            Diagnostic::new(
                &CODE,
                cx.in_file(span),
                format!("`{}` over `{metric}`, which is not a counter by its name", call.func.name),
            )
            .with_label("counter function over a non-counter")
            .with_help("use deriv() or delta() for gauges; counters end in _total, _count, _sum or _bucket"),
        );
    }
}
