use promql_parser::parser::Expr;
use sloc_diagnostics::{Diagnostic, declare_code};

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports a burn-rate alert condition that can never be true: an error ratio compared
    /// with a threshold of 1 (100 %) or more, such as `slo:sli_error:ratio_rate1h > 1.44`.
    /// On specs, `sloc build` refuses such tiers (S008); this check finds them in rule files
    /// written by hand or by other generators.
    ///
    /// ## Why it matters
    /// The alert looks like protection and never fires. It happens when a burn factor is
    /// multiplied by a large error budget (14.4 × 10 % for a 90 % objective).
    ///
    /// ## Fix
    /// Drop the tier or lower its factor so that factor × budget is below 1.
    ///
    /// ## Default
    /// On: it reports only what is recognisably a burn-rate condition (a recorded error ratio or an
    /// errors/total division), never a plain threshold such as `probe_duration_seconds > 1`.
    pub CODE = ("O001", "burn-threshold-above-one", Warning, "a burn-rate alert whose threshold is 100 % errors or more");
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    if !cx.rule.is_alert {
        return;
    }
    let Some((expr, locator)) = cx.expr() else { return };
    let mut found = Vec::new();
    sloc_promql::visit(&expr.ast, &mut |e| {
        if let Some(c) = super::burn_condition(e)
            && c.threshold >= 1.0
            && matches!(e, Expr::Binary(_))
        {
            found.push((c.metric.to_string(), c.threshold));
        }
    });
    for (metric, threshold) in found {
        let span = locator.nth(&locator.selectors(&metric), 0);
        out.push(
            Diagnostic::new(
                &CODE,
                cx.in_file(span),
                format!(
                    "an error ratio of `{metric}` is at most 1, but the alert needs more than {}",
                    super::show_number(threshold)
                ),
            )
            .with_label("can never exceed the threshold")
            .with_help("the burn factor times the error budget must be below 1: drop this tier or lower its factor"),
        );
    }
}
