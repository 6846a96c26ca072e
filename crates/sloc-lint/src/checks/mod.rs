//! The lint checks, one file each. A check's doc comment is its documentation
//! (`sloc explain CODE`); its fixture is `fixtures/lint/<CODE>.yaml`.
//!
//! To add a check: write `<name>.rs` with a `declare_code!` and a `run` function, list it below,
//! add `fixtures/lint/<CODE>.yaml` with one finding and one clean rule, and accept its snapshot.

use sloc_diagnostics::{Code, Diagnostic};

use crate::{RuleContext, SpecContext};

pub mod alert_without_severity;
pub mod alert_without_summary;
pub mod burn_threshold_above_one;
pub mod burn_window_pairing;
pub mod duplicate_series;
pub mod events_not_subset;
pub mod group_by_dropped;
pub mod histogram_quantile_without_le;
pub mod mismatched_grouping;
pub mod nan_comparison;
pub mod one_failure_pages;
pub mod paging_factor_below_one;
pub mod range_too_short;
pub mod rate_non_counter;
pub mod recording_rule_name;
pub mod redundant_for_zero;
pub mod regex_matcher;
pub mod value_in_alert_labels;

/// Whether a check's findings are shown by default. Each check earns its default by its
/// precision on real rule files (see `docs/codes.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckSet {
    /// Right on real files: reported by default.
    Default,
    /// Conventions a team may not share: run, but only counted in one line unless enabled
    /// (`enable = ["style"]` or `--enable style`).
    Style,
    /// Needs the targets' scrape interval, which a rule file does not say: runs, and is
    /// shown, only when `scrape_interval` is set in `sloc.toml`.
    NeedsScrapeInterval,
}

impl CheckSet {
    pub fn name(self) -> &'static str {
        match self {
            CheckSet::Default => "default",
            CheckSet::Style => "style",
            CheckSet::NeedsScrapeInterval => "with `scrape_interval`",
        }
    }
}

/// A check run on every rule of every rule file.
pub struct RuleCheck {
    pub code: &'static Code,
    pub set: CheckSet,
    pub run: fn(&RuleContext, &mut Vec<Diagnostic>),
}

/// A check run on every SLO spec.
pub struct SpecCheck {
    pub code: &'static Code,
    pub set: CheckSet,
    pub run: fn(&SpecContext, &mut Vec<Diagnostic>),
}

/// The set of a check's code; `None` for codes that are not checks (the readers' own, always
/// shown).
pub fn set_of(code: &str) -> Option<CheckSet> {
    RULE_CHECKS
        .iter()
        .map(|c| (c.code, c.set))
        .chain(SPEC_CHECKS.iter().map(|c| (c.code, c.set)))
        .find(|(c, _)| c.code == code)
        .map(|(_, set)| set)
}

pub static RULE_CHECKS: &[RuleCheck] = &[
    RuleCheck { code: &rate_non_counter::CODE, set: CheckSet::Default, run: rate_non_counter::run },
    RuleCheck { code: &range_too_short::CODE, set: CheckSet::NeedsScrapeInterval, run: range_too_short::run },
    RuleCheck {
        code: &histogram_quantile_without_le::CODE,
        set: CheckSet::Default,
        run: histogram_quantile_without_le::run,
    },
    RuleCheck { code: &mismatched_grouping::CODE, set: CheckSet::Default, run: mismatched_grouping::run },
    RuleCheck { code: &alert_without_severity::CODE, set: CheckSet::Default, run: alert_without_severity::run },
    RuleCheck { code: &alert_without_summary::CODE, set: CheckSet::Style, run: alert_without_summary::run },
    RuleCheck { code: &value_in_alert_labels::CODE, set: CheckSet::Default, run: value_in_alert_labels::run },
    RuleCheck { code: &regex_matcher::CODE, set: CheckSet::Style, run: regex_matcher::run },
    RuleCheck { code: &nan_comparison::CODE, set: CheckSet::Default, run: nan_comparison::run },
    RuleCheck { code: &redundant_for_zero::CODE, set: CheckSet::Style, run: redundant_for_zero::run },
    RuleCheck { code: &duplicate_series::CODE, set: CheckSet::Default, run: duplicate_series::run },
    RuleCheck { code: &recording_rule_name::CODE, set: CheckSet::Style, run: recording_rule_name::run },
    RuleCheck { code: &burn_threshold_above_one::CODE, set: CheckSet::Default, run: burn_threshold_above_one::run },
    RuleCheck { code: &burn_window_pairing::CODE, set: CheckSet::Default, run: burn_window_pairing::run },
];

pub static SPEC_CHECKS: &[SpecCheck] = &[
    SpecCheck { code: &paging_factor_below_one::CODE, set: CheckSet::Default, run: paging_factor_below_one::run },
    SpecCheck { code: &events_not_subset::CODE, set: CheckSet::Default, run: events_not_subset::run },
    SpecCheck { code: &group_by_dropped::CODE, set: CheckSet::Default, run: group_by_dropped::run },
    SpecCheck { code: &one_failure_pages::CODE, set: CheckSet::Default, run: one_failure_pages::run },
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
pub fn range_calls<'a>(expr: &'a Expr, names: &[&str]) -> Vec<(&'a Call, &'a MatrixSelector, usize)> {
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

/// A comparison `error_ratio > constant`: the condition of a burn-rate alert.
pub(crate) struct BurnCondition<'a> {
    /// The series the ratio reads (the numerator's, for an explicit division).
    pub metric: &'a str,
    pub threshold: f64,
}

/// Recognises a burn-rate condition, and only that: the left side must be an error ratio
/// (see [`error_ratio_metric`]), never any series compared above 1 (`probe_duration_seconds >
/// 1` is a plain threshold).
pub(crate) fn burn_condition(expr: &Expr) -> Option<BurnCondition<'_>> {
    let Expr::Binary(b) = unparen(expr) else { return None };
    if !matches!(b.op.to_string().as_str(), ">" | ">=") {
        return None;
    }
    let metric = error_ratio_metric(&b.lhs)?;
    Some(BurnCondition { metric, threshold: constant(&b.rhs)? })
}

/// The series of an expression that is recognisably an error ratio (a value in 0..=1):
/// - a recorded error-ratio series, possibly aggregated: sloc's and Sloth's
///   `slo:sli_error:ratio_rate1h`, Pyrra's and kube-prometheus' `http_requests:burnrate1h`
///   (which record the error ratio despite the name), `job:request_errors:ratio_rate5m`;
///   never a burn rate in units of the budget (`slo:burn_rate:ratio_rate5m`,
///   `slo:current_burn_rate:ratio`), which may exceed 1;
/// - a division of a selection of a metric by the same metric (`errors{code=~"5.."} / all`).
pub(crate) fn error_ratio_metric(expr: &Expr) -> Option<&str> {
    match unparen(expr) {
        Expr::VectorSelector(vs) => {
            let metric = sloc_promql::selector_metric(vs)?;
            is_recorded_error_ratio(metric).then_some(metric)
        }
        Expr::Aggregate(a) if matches!(a.op.to_string().as_str(), "sum" | "max" | "min" | "avg") => {
            error_ratio_metric(&a.expr)
        }
        Expr::Binary(b) if b.op.to_string() == "/" => {
            let numerator = sloc_promql::vector_selectors(&b.lhs);
            let denominator = sloc_promql::vector_selectors(&b.rhs);
            fn names<'e>(s: &[&'e promql_parser::parser::VectorSelector]) -> Vec<&'e str> {
                let mut names: Vec<&str> = s.iter().filter_map(|v| sloc_promql::selector_metric(v)).collect();
                names.sort_unstable();
                names.dedup();
                names
            }
            let matchers = |s: &[&promql_parser::parser::VectorSelector]| {
                s.iter().map(|v| v.matchers.matchers.len()).sum::<usize>()
            };
            let (top, bottom) = (names(&numerator), names(&denominator));
            let subset = !top.is_empty() && top == bottom && matchers(&numerator) > matchers(&denominator);
            if subset { numerator.first().and_then(|v| sloc_promql::selector_metric(v)) } else { None }
        }
        _ => None,
    }
}

fn is_recorded_error_ratio(metric: &str) -> bool {
    let parts: Vec<&str> = metric.split(':').collect();
    let [.., middle, operations] = parts.as_slice() else { return false };
    if parts.iter().any(|p| p.contains("burn_rate")) {
        return false;
    }
    operations.starts_with("burnrate") || (operations.starts_with("ratio") && middle.contains("error"))
}

/// A computed number for messages: six significant decimals, no float noise.
pub(crate) fn show_number(x: f64) -> String {
    let text = format!("{x:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}
