use sloc_diagnostics::{Diagnostic, declare_code};

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports an alerting rule without a `severity` label.
    ///
    /// ## Why it matters
    /// Alertmanager routes and inhibits on `severity`: an alert without it is routed by the
    /// default route, which often pages nobody, or everybody.
    ///
    /// ## Fix
    /// ```yaml
    /// labels:
    ///   severity: warning
    /// ```
    ///
    /// ## Default
    /// On: routing by severity is how the OneFlow stack (and most Alertmanager setups) pages,
    /// tickets or reviews; every alert in the public rule files measured carries one, so a missing
    /// one is a mistake.
    pub CODE = ("L005", "alert-without-severity", Warning, "an alert without a severity label");
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    if cx.rule.is_alert && cx.rule.label("severity").is_none() {
        out.push(
            Diagnostic::new(
                &CODE,
                cx.rule.name.span.clone(),
                format!("alert `{}` has no `severity` label", cx.rule.name.value),
            )
            .with_label("no severity")
            .with_help("add `labels: {severity: critical|warning|info}` so Alertmanager can route it"),
        );
    }
}
