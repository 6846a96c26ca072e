use promql_parser::parser::Expr;
use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_promql::format_duration;

use sloc_promql::analysis::{ScaledRatio, burn_condition, name_window};

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
    /// ## What it assumes
    /// Both sides of the `and` are burn-rate conditions (see O001) on the same SLI: recorded
    /// series of one stem (`slo:sli_error:ratio_rate1h` and `…5m`) or divisions of one metric.
    /// Each window is read from the recorded name's tail (`burnrate1h30m`) or from the range
    /// of the division's `rate`s; the longer one is the long window, whichever side it is on
    /// (Pyrra writes the short window first). A window that cannot be read is not judged.
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
        let (Some(left), Some(right)) = (burn_condition(&b.lhs), burn_condition(&b.rhs)) else { return };
        let (Some(left_w), Some(right_w)) = (left.ratio.window, right.ratio.window) else { return };
        if stem(&left.ratio) != stem(&right.ratio) {
            return;
        }
        // Which window is which is told by their durations, whatever the operands' order:
        // Pyrra writes the short window first.
        let (long_w, short_w, short_side) =
            if left_w >= right_w { (left_w, right_w, &b.rhs) } else { (right_w, left_w, &b.lhs) };
        let ratio = long_w.millis() as f64 / short_w.millis().max(1) as f64;
        if !(6.0..=24.0).contains(&ratio) {
            let metric = if left_w >= right_w { right.ratio.metric } else { left.ratio.metric };
            found.push((metric.to_string(), first_selector_index(&expr.ast, short_side, metric), long_w, short_w));
        }
    });
    for (short_metric, index, long_w, short_w) in found {
        let span = locator.nth(&locator.selectors(&short_metric), index);
        let message = if short_w >= long_w {
            format!("both windows are {}: the alert has no short window", format_duration(short_w))
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

/// What both windows of one SLI share: the recorded name without its window, or the metric.
fn stem<'a>(ratio: &ScaledRatio<'a>) -> &'a str {
    name_window(ratio.metric).map_or(ratio.metric, |(stem, _)| stem)
}

/// The index, among the selectors of `metric` in the whole expression, of the first one inside
/// `part` (a subtree of `whole`): the short window's own selector, to point at.
fn first_selector_index(whole: &Expr, part: &Expr, metric: &str) -> usize {
    let target = sloc_promql::vector_selectors(part)
        .into_iter()
        .find(|v| sloc_promql::selector_metric(v) == Some(metric))
        .map(|v| v as *const _);
    sloc_promql::vector_selectors(whole)
        .into_iter()
        .filter(|v| sloc_promql::selector_metric(v) == Some(metric))
        .position(|v| Some(v as *const _) == target)
        .unwrap_or(0)
}
