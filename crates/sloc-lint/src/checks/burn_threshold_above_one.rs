use promql_parser::parser::Expr;
use sloc_diagnostics::{Diagnostic, declare_code};

use sloc_promql::analysis::burn_condition;

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
    /// ## What it assumes
    /// The compared side is recognisably an error ratio: a recorded error-ratio series
    /// (`slo:sli_error:ratio_rate1h`, Pyrra's `…:burnrate5m`) or an errors/total division of one
    /// metric, possibly aggregated. Constant factors on either side are folded first: `100 *
    /// errors / total > 1` is a percentage above 1 %, reachable; `14 * (1 - 0.99)` is 0.14. A
    /// threshold that is not constant, a `bool` comparison, or a scale that cannot be known
    /// (a ratio times another series) is not judged.
    ///
    /// ## Default
    /// On: it reports only what is recognisably a burn-rate condition, never a plain threshold
    /// such as `probe_duration_seconds > 1`.
    pub CODE = ("O001", "burn-threshold-above-one", Warning, "a burn-rate alert whose threshold is 100 % errors or more");
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    if !cx.rule.is_alert {
        return;
    }
    let Some((expr, locator)) = cx.expr() else { return };
    let mut found = Vec::new();
    sloc_promql::visit(&expr.ast, &mut |e| {
        if let Some(c) = burn_condition(e)
            && c.threshold >= 1.0
            && matches!(e, Expr::Binary(_))
        {
            found.push((c.ratio.metric.to_string(), c.ratio.scale, c.threshold));
        }
    });
    for (metric, scale, threshold) in found {
        let span = locator.nth(&locator.selectors(&metric), 0);
        let message = if scale == 1.0 {
            format!(
                "an error ratio of `{metric}` is at most 1, but the alert needs more than {}",
                super::show_number(threshold)
            )
        } else {
            format!(
                "an error ratio of `{metric}` times {} is at most {}, but the alert needs more than {}",
                super::show_number(scale),
                super::show_number(scale),
                super::show_number(threshold * scale)
            )
        };
        out.push(
            Diagnostic::new(&CODE, cx.in_file(span), message).with_label("can never exceed the threshold").with_help(
                "the burn factor times the error budget must be below 1: drop this tier or lower its factor",
            ),
        );
    }
}
