use sloc_diagnostics::{Diagnostic, declare_code};

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports `$value`, `.Value` or `humanize` in an alert's labels.
    ///
    /// ## Why it matters
    /// Labels are an alert's identity. A label that changes with the value makes a new alert
    /// at every evaluation: the old one resolves, a new one starts pending, `for` never
    /// completes, and notifications churn.
    ///
    /// ## Example
    /// ```yaml
    /// labels:
    ///   current: "{{ $value }}"
    /// ```
    ///
    /// ## Fix
    /// Move the value into an annotation.
    ///
    /// ## Default
    /// On: each new value makes a new alert, which resets `for` and floods notifications.
    pub CODE = ("L007", "value-in-alert-labels", Warning, "the alert value in an alert label");
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    if !cx.rule.is_alert {
        return;
    }
    for (name, value) in &cx.rule.labels {
        if ["$value", ".Value", "humanize"].iter().any(|needle| value.value.contains(needle)) {
            out.push(
                Diagnostic::new(
                    &CODE,
                    value.span.clone(),
                    format!("label `{}` changes with the alert's value", name.value),
                )
                .with_label("the value in a label")
                .with_help("labels identify the alert: move the value into an annotation"),
            );
        }
    }
}
