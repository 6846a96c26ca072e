use sloc_diagnostics::{Diagnostic, declare_code};

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports an alerting rule without a `summary` annotation.
    ///
    /// ## Why it matters
    /// The summary is the line people read in a page or a chat notification. Without it they
    /// see only the alert name.
    ///
    /// ## Fix
    /// ```yaml
    /// annotations:
    ///   summary: "{{ $labels.instance }} is down"
    /// ```
    ///
    /// ## Default
    /// Style, counted but not shown unless enabled: many mixins use `message` or `description`
    /// instead (all 16 Mimir alerts measured do), a convention rather than a defect.
    pub CODE = ("L006", "alert-without-summary", Warning, "an alert without a summary annotation");
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    if cx.rule.is_alert && cx.rule.annotation("summary").is_none() {
        out.push(
            Diagnostic::new(
                &CODE,
                cx.rule.name.span.clone(),
                format!("alert `{}` has no `summary` annotation", cx.rule.name.value),
            )
            .with_label("no summary")
            .with_help("add `annotations: {summary: ...}`: the line people read when it fires"),
        );
    }
}
