use promql_parser::parser::Expr;
use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_promql::format_duration;

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports a multiwindow burn-rate alert (`long > t and short > t`) whose short window is not
    /// shorter than its long window, or is far from the SRE workbook's long / 12 (outside
    /// long / 24 to long / 6).
    ///
    /// ## Why it matters
    /// The short window makes the alert reset soon after the burn stops. As long as the long
    /// window, it resets no sooner; much shorter, it flaps on noise (SRE workbook, chapter 5,
    /// "Multiwindow, multi-burn-rate alerts").
    ///
    /// ## Fix
    /// Pair 1h with 5m, 6h with 30m, 3d with 6h.
    ///
    /// ## Default
    /// On: recognised only on `error_ratio_long > t and error_ratio_short > t` conditions of the
    /// same series.
    pub CODE = ("O002", "burn-window-pairing", Warning, "a burn-rate alert whose short window is not about long/12");
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    if !cx.rule.is_alert {
        return;
    }
    let Some((expr, locator)) = cx.expr() else { return };
    let mut found = Vec::new();
    sloc_promql::visit(&expr.ast, &mut |e| {
        let Expr::Binary(b) = e else { return };
        if b.op.to_string() != "and" {
            return;
        }
        let (Some(long), Some(short)) = (super::burn_condition(&b.lhs), super::burn_condition(&b.rhs)) else { return };
        let (Some((long_stem, long_w)), Some((short_stem, short_w))) =
            (super::name_window(long.metric), super::name_window(short.metric))
        else {
            return;
        };
        if long_stem != short_stem {
            return;
        }
        let ratio = long_w.millis() as f64 / short_w.millis().max(1) as f64;
        if !(6.0..=24.0).contains(&ratio) {
            found.push((short.metric.to_string(), long_w, short_w));
        }
    });
    for (short_metric, long_w, short_w) in found {
        let span = locator.nth(&locator.selectors(&short_metric), 0);
        let message = if short_w >= long_w {
            format!(
                "the short window ({}) is not shorter than the long window ({})",
                format_duration(short_w),
                format_duration(long_w)
            )
        } else {
            format!(
                "the short window ({}) is far from a twelfth of the long window ({})",
                format_duration(short_w),
                format_duration(long_w)
            )
        };
        out.push(Diagnostic::new(&CODE, cx.in_file(span), message).with_label("short window").with_help(format!(
            "use about {} (long / 12)",
            format_duration(sloc_promql::Duration(long_w.millis() / 12))
        )));
    }
}
