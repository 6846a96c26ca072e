use sloc_diagnostics::{Diagnostic, declare_code};

use super::{LiveFile, Snapshot};

declare_code! {
    /// ## What it does
    /// Reports `rate`, `irate` or `increase` over a metric that the server's metadata
    /// (`/api/v1/metadata`, what the exporters declare) says is not a counter: a gauge, an
    /// info or a state set. Unlike L001, which judges names, it knows the type.
    ///
    /// ## Why it matters
    /// These functions treat every decrease as a counter reset: over a gauge they return
    /// nonsense that looks plausible.
    ///
    /// ## Example
    /// `rate(process_resident_memory_bytes[5m])`, where the exporter declares
    /// `# TYPE process_resident_memory_bytes gauge`.
    ///
    /// ## Fix
    /// Use `deriv()` or `delta()` for gauges.
    pub CODE = ("C013", "counter-function-over-gauge", Warning, "rate() over a metric the server says is not a counter");
}

pub(crate) fn run(file: &LiveFile, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    if snapshot.metadata.is_empty() {
        return;
    }
    for rule in file.groups.iter().flat_map(|g| &g.rules) {
        let Ok(expr) = sloc_promql::parse(&rule.expr) else { continue };
        for (call, m, _) in sloc_promql::analysis::range_calls(&expr, &sloc_promql::analysis::COUNTER_FUNCTIONS) {
            let Some(metric) = sloc_promql::selector_metric(&m.vs) else { continue };
            let Some(kind) =
                declared_type(&snapshot.metadata, metric).filter(|k| matches!(*k, "gauge" | "info" | "stateset"))
            else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    &CODE,
                    rule.expr_span.clone(),
                    format!("`{}` over `{metric}`, which the server's metadata declares a {kind}", call.func.name),
                )
                .with_label("counter function over a non-counter")
                .with_help("use deriv() or delta() for gauges"),
            );
        }
    }
}

/// The declared type of a series' metric; `_bucket`, `_count` and `_sum` series belong to
/// their histogram or summary.
fn declared_type<'a>(metadata: &'a std::collections::HashMap<String, String>, metric: &str) -> Option<&'a str> {
    if let Some(kind) = metadata.get(metric) {
        return Some(kind);
    }
    ["_bucket", "_count", "_sum", "_total"]
        .iter()
        .find_map(|suffix| metric.strip_suffix(suffix).and_then(|base| metadata.get(base)))
        .map(String::as_str)
}
