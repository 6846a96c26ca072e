//! The lint checks, one file each. A check's doc comment is its documentation
//! (`sloc explain CODE`); its fixture is `fixtures/lint/<CODE>.yaml`.
//!
//! To add a check: write `<name>.rs` with a `declare_code!` and a `run` function, list it below,
//! add `fixtures/lint/<CODE>.yaml` with one finding and one clean rule, and accept its snapshot.

use sloc_diagnostics::{Code, Diagnostic};

use crate::{RuleContext, SpecContext};

pub mod alert_severity;
pub mod alert_summary;
pub mod duplicate_series;
pub mod errors_subset;
pub mod for_zero;
pub mod group_by_dropped;
pub mod histogram_quantile_le;
pub mod mismatched_grouping;
pub mod nan_comparison;
pub mod one_failure_pages;
pub mod paging_factor;
pub mod range_too_short;
pub mod rate_non_counter;
pub mod recording_name;
pub mod regex_matcher;
pub mod tier_never_fires;
pub mod value_in_labels;
pub mod window_pairing;

/// A check run on every rule of every rule file.
pub struct RuleCheck {
    pub code: &'static Code,
    pub run: fn(&RuleContext, &mut Vec<Diagnostic>),
}

/// A check run on every SLO spec.
pub struct SpecCheck {
    pub code: &'static Code,
    pub run: fn(&SpecContext, &mut Vec<Diagnostic>),
}

pub static RULE_CHECKS: &[RuleCheck] = &[
    RuleCheck { code: &rate_non_counter::CODE, run: rate_non_counter::run },
    RuleCheck { code: &range_too_short::CODE, run: range_too_short::run },
    RuleCheck { code: &histogram_quantile_le::CODE, run: histogram_quantile_le::run },
    RuleCheck { code: &mismatched_grouping::CODE, run: mismatched_grouping::run },
    RuleCheck { code: &alert_severity::CODE, run: alert_severity::run },
    RuleCheck { code: &alert_summary::CODE, run: alert_summary::run },
    RuleCheck { code: &value_in_labels::CODE, run: value_in_labels::run },
    RuleCheck { code: &regex_matcher::CODE, run: regex_matcher::run },
    RuleCheck { code: &nan_comparison::CODE, run: nan_comparison::run },
    RuleCheck { code: &for_zero::CODE, run: for_zero::run },
    RuleCheck { code: &duplicate_series::CODE, run: duplicate_series::run },
    RuleCheck { code: &recording_name::CODE, run: recording_name::run },
    RuleCheck { code: &tier_never_fires::CODE, run: tier_never_fires::run },
    RuleCheck { code: &window_pairing::CODE, run: window_pairing::run },
];

pub static SPEC_CHECKS: &[SpecCheck] = &[
    SpecCheck { code: &paging_factor::CODE, run: paging_factor::run },
    SpecCheck { code: &errors_subset::CODE, run: errors_subset::run },
    SpecCheck { code: &group_by_dropped::CODE, run: group_by_dropped::run },
    SpecCheck { code: &one_failure_pages::CODE, run: one_failure_pages::run },
];

use promql_parser::parser::{Call, Expr, MatrixSelector};

/// Every function call of an expression, with its index among calls of the same name (to find
/// its span with [`sloc_promql::Locator::calls`]).
pub(crate) fn calls(expr: &Expr) -> Vec<(&Call, usize)> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    sloc_promql::visit(expr, &mut |e| {
        if let Expr::Call(c) = e {
            let k = seen.iter().filter(|n| **n == c.func.name).count();
            seen.push(c.func.name);
            out.push((c, k));
        }
    });
    out
}

/// Calls of the functions in `names` over a range selector (`rate(x[5m])`), each with its
/// index among calls of the same name.
pub(crate) fn range_calls<'a>(expr: &'a Expr, names: &[&str]) -> Vec<(&'a Call, &'a MatrixSelector, usize)> {
    calls(expr)
        .into_iter()
        .filter(|(call, _)| names.contains(&call.func.name))
        .filter_map(|(call, k)| match call.args.args.first().map(|a| unparen(a)) {
            Some(Expr::MatrixSelector(m)) => Some((call, m, k)),
            _ => None,
        })
        .collect()
}

/// Removes parentheses around an expression.
pub(crate) fn unparen(mut expr: &Expr) -> &Expr {
    while let Expr::Paren(p) = expr {
        expr = &p.expr;
    }
    expr
}

/// The value of a constant arithmetic expression (`14.4 * 0.001`).
pub(crate) fn constant(expr: &Expr) -> Option<f64> {
    match unparen(expr) {
        Expr::NumberLiteral(n) => Some(n.val),
        Expr::Binary(b) => {
            let (l, r) = (constant(&b.lhs)?, constant(&b.rhs)?);
            match b.op.to_string().as_str() {
                "+" => Some(l + r),
                "-" => Some(l - r),
                "*" => Some(l * r),
                "/" => Some(l / r),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `slo:sli_error:ratio_rate1h` → (`slo:sli_error:ratio_rate`, 1h): the window at the end of a
/// burn-rate series name (sloc, Sloth and Pyrra all name them so).
pub(crate) fn name_window(name: &str) -> Option<(&str, sloc_promql::Duration)> {
    let digits_start = name.trim_end_matches(|c: char| c.is_ascii_alphabetic()).len();
    let stem_end = name[..digits_start].trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if stem_end == digits_start || digits_start == name.len() {
        return None;
    }
    let window = sloc_promql::parse_duration(&name[stem_end..]).ok()?;
    Some((&name[..stem_end], window))
}

/// A comparison `selector > constant` on a series that looks like an error ratio or burn rate.
pub(crate) struct BurnCondition<'a> {
    pub metric: &'a str,
    pub threshold: f64,
}

pub(crate) fn burn_condition(expr: &Expr) -> Option<BurnCondition<'_>> {
    let Expr::Binary(b) = unparen(expr) else { return None };
    if !matches!(b.op.to_string().as_str(), ">" | ">=") {
        return None;
    }
    let Expr::VectorSelector(vs) = unparen(&b.lhs) else { return None };
    let metric = sloc_promql::selector_metric(vs)?;
    let looks_like_ratio = ["ratio", "burnrate", "error_rate"].iter().any(|n| metric.contains(n));
    looks_like_ratio.then_some(BurnCondition { metric, threshold: constant(&b.rhs)? })
}

/// A computed number for messages: six significant decimals, no float noise.
pub(crate) fn show_number(x: f64) -> String {
    let text = format!("{x:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}
