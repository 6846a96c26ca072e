//! What an expression means for SLO arithmetic, read from its syntax tree: function calls over
//! ranges, constant arithmetic, error ratios (and the constant they are scaled by), burn-rate
//! conditions and their windows. The lint checks and the live checks read these; no other
//! place recognises them.

use promql_parser::parser::{Call, Expr, MatrixSelector, VectorSelector};

use crate::Duration;

/// The functions that read a counter's increase over a range.
pub const COUNTER_FUNCTIONS: [&str; 3] = ["rate", "irate", "increase"];

/// Every function call of an expression, with its index among calls of the same name (to find
/// its span with [`crate::Locator::calls`]).
pub fn calls(expr: &Expr) -> Vec<(&Call, usize)> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    crate::visit(expr, &mut |e| {
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
pub fn unparen(mut expr: &Expr) -> &Expr {
    while let Expr::Paren(p) = expr {
        expr = &p.expr;
    }
    expr
}

/// The value of a constant arithmetic expression (`14.4 * (1 - 0.999)`, `-(5)`, `2 ^ 3`).
pub fn constant(expr: &Expr) -> Option<f64> {
    match unparen(expr) {
        Expr::NumberLiteral(n) => Some(n.val),
        Expr::Unary(u) => constant(&u.expr).map(|v| -v),
        Expr::Binary(b) => {
            let (l, r) = (constant(&b.lhs)?, constant(&b.rhs)?);
            match b.op.to_string().as_str() {
                "+" => Some(l + r),
                "-" => Some(l - r),
                "*" => Some(l * r),
                "/" => Some(l / r),
                "^" => Some(l.powf(r)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `slo:sli_error:ratio_rate1h` → (`slo:sli_error:ratio_rate`, 1h): the window at the end of a
/// burn-rate series name (sloc, Sloth and Pyrra all name them so), compound ones included
/// (Pyrra's `burnrate1h30m`).
pub fn name_window(name: &str) -> Option<(&str, Duration)> {
    let mut start = None;
    let mut end = name.len();
    loop {
        let before_unit = name[..end].trim_end_matches(|c: char| c.is_ascii_alphabetic()).len();
        let before_digits = name[..before_unit].trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if before_unit == end
            || before_digits == before_unit
            || crate::parse_duration(&name[before_digits..end]).is_err()
        {
            break;
        }
        start = Some(before_digits);
        end = before_digits;
    }
    let start = start?;
    Some((&name[..start], crate::parse_duration(&name[start..]).ok()?))
}

/// An error ratio (a value in 0..=1) times a known constant: `100 * errors / total` is the ratio
/// of `errors` scaled by 100 (a percentage).
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledRatio<'a> {
    /// The series the ratio reads (the numerator's, for an explicit division).
    pub metric: &'a str,
    /// What the ratio is multiplied by: 1 for a plain ratio, 100 for a percentage.
    pub scale: f64,
    /// The ratio's window: the range of its `rate`s, or the one its recorded name ends in.
    pub window: Option<Duration>,
}

/// A comparison that keeps series whose error ratio is above a constant: the condition of a
/// burn-rate alert, with the threshold brought to the ratio's own scale (`100 * ratio > 1` is
/// `ratio > 0.01`).
#[derive(Debug, Clone, PartialEq)]
pub struct BurnCondition<'a> {
    pub ratio: ScaledRatio<'a>,
    /// The threshold on the unscaled ratio.
    pub threshold: f64,
}

/// Recognises a burn-rate condition, and only that: `ratio > c`, `ratio >= c`, `c < ratio` or
/// `c <= ratio`, where `ratio` is recognisably an error ratio (see [`error_ratio`]) and `c` a
/// constant; never any series compared above 1 (`probe_duration_seconds > 1` is a plain
/// threshold), and never a `bool` comparison (which filters nothing).
pub fn burn_condition(expr: &Expr) -> Option<BurnCondition<'_>> {
    let Expr::Binary(b) = unparen(expr) else { return None };
    if b.modifier.as_ref().is_some_and(|m| m.return_bool) {
        return None;
    }
    let (ratio, bound) = match b.op.to_string().as_str() {
        ">" | ">=" => (&b.lhs, &b.rhs),
        "<" | "<=" => (&b.rhs, &b.lhs),
        _ => return None,
    };
    let ratio = error_ratio(ratio)?;
    let threshold = constant(bound)? / ratio.scale;
    threshold.is_finite().then_some(BurnCondition { ratio, threshold })
}

/// The error ratio an expression is, with the constant it is scaled by:
/// - a recorded error-ratio series, possibly aggregated: sloc's and Sloth's
///   `slo:sli_error:ratio_rate1h`, Pyrra's and kube-prometheus' `http_requests:burnrate1h`
///   (which record the error ratio despite the name), `job:request_errors:ratio_rate5m`;
///   never a burn rate in units of the budget (`slo:burn_rate:ratio_rate5m`,
///   `slo:current_burn_rate:ratio`), which may exceed 1;
/// - a division of a selection of a metric by the same metric (`errors{code=~"5.."} / all`);
/// - either of those multiplied or divided by constants, on either side (`100 * a / b`,
///   `a / b * 100`, `(a / b) / 0.01`).
///
/// `None` when the expression is no error ratio or its scale cannot be known.
pub fn error_ratio(expr: &Expr) -> Option<ScaledRatio<'_>> {
    fn scaled(r: ScaledRatio<'_>, by: f64) -> Option<ScaledRatio<'_>> {
        let scale = r.scale * by;
        (scale.is_finite() && scale > 0.0).then_some(ScaledRatio { scale, ..r })
    }
    match unparen(expr) {
        Expr::VectorSelector(vs) => {
            let metric = crate::selector_metric(vs)?;
            is_recorded_error_ratio(metric).then(|| ScaledRatio {
                metric,
                scale: 1.0,
                window: name_window(metric).map(|(_, w)| w),
            })
        }
        Expr::Aggregate(a) if matches!(a.op.to_string().as_str(), "sum" | "max" | "min" | "avg") => {
            error_ratio(&a.expr)
        }
        Expr::Binary(b) => match b.op.to_string().as_str() {
            "*" => match (constant(&b.lhs), constant(&b.rhs)) {
                (Some(c), None) => scaled(error_ratio(&b.rhs)?, c),
                (None, Some(c)) => scaled(error_ratio(&b.lhs)?, c),
                _ => None,
            },
            "/" => {
                if let Some(c) = constant(&b.rhs) {
                    return scaled(error_ratio(&b.lhs)?, 1.0 / c);
                }
                let (numerator, top) = without_factors(&b.lhs);
                let (denominator, bottom) = without_factors(&b.rhs);
                let metric = events_subset(numerator, denominator)?;
                let window = single_range(expr);
                scaled(ScaledRatio { metric, scale: 1.0, window }, top / bottom)
            }
            _ => None,
        },
        _ => None,
    }
}

/// An expression and the constant factors multiplied into it (`100 * sum(x)` is `sum(x)`
/// and 100).
fn without_factors(expr: &Expr) -> (&Expr, f64) {
    let e = unparen(expr);
    if let Expr::Binary(b) = e {
        let op = b.op.to_string();
        match (op.as_str(), constant(&b.lhs), constant(&b.rhs)) {
            ("*", Some(c), None) => return scale_by(without_factors(&b.rhs), c),
            ("*", None, Some(c)) => return scale_by(without_factors(&b.lhs), c),
            ("/", None, Some(c)) => return scale_by(without_factors(&b.lhs), 1.0 / c),
            _ => {}
        }
    }
    (e, 1.0)
}

fn scale_by((expr, factor): (&Expr, f64), by: f64) -> (&Expr, f64) {
    (expr, factor * by)
}

/// The numerator's metric when `numerator / denominator` counts a subset of the same events:
/// the same metrics on both sides, more matchers on top.
fn events_subset<'a>(numerator: &'a Expr, denominator: &'a Expr) -> Option<&'a str> {
    let top = crate::vector_selectors(numerator);
    let bottom = crate::vector_selectors(denominator);
    fn names<'e>(s: &[&'e VectorSelector]) -> Vec<&'e str> {
        let mut names: Vec<&str> = s.iter().filter_map(|v| crate::selector_metric(v)).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
    let matchers = |s: &[&VectorSelector]| s.iter().map(|v| v.matchers.matchers.len()).sum::<usize>();
    let subset = !names(&top).is_empty() && names(&top) == names(&bottom) && matchers(&top) > matchers(&bottom);
    if subset { top.first().and_then(|v| crate::selector_metric(v)) } else { None }
}

/// The range every range selector of `expr` reads, when there are some and all are equal.
fn single_range(expr: &Expr) -> Option<Duration> {
    let mut ranges = Vec::new();
    crate::visit(expr, &mut |e| {
        if let Expr::MatrixSelector(m) = e {
            ranges.push(Duration(m.range.as_millis() as u64));
        }
    });
    let first = *ranges.first()?;
    ranges.iter().all(|r| *r == first).then_some(first)
}

fn is_recorded_error_ratio(metric: &str) -> bool {
    let parts: Vec<&str> = metric.split(':').collect();
    let [.., middle, operations] = parts.as_slice() else { return false };
    if parts.iter().any(|p| p.contains("burn_rate")) {
        return false;
    }
    operations.starts_with("burnrate") || (operations.starts_with("ratio") && middle.contains("error"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(text: &str) -> Option<(String, f64, Option<u64>)> {
        let expr = crate::parse(text).unwrap();
        burn_condition(&expr).map(|c| {
            (c.ratio.metric.to_string(), (c.threshold * 1e9).round() / 1e9, c.ratio.window.map(|w| w.millis() / 60_000))
        })
    }

    #[test]
    fn thresholds_are_folded_and_brought_to_the_ratio_scale() {
        let hour = Some(60);
        assert_eq!(
            condition("slo:sli_error:ratio_rate1h > 14 * (1 - 0.99)"),
            Some(("slo:sli_error:ratio_rate1h".into(), 0.14, hour))
        );
        assert_eq!(
            condition("slo:sli_error:ratio_rate1h > (1 - 0.999) * 14.4"),
            Some(("slo:sli_error:ratio_rate1h".into(), 0.0144, hour))
        );
        assert_eq!(condition("0.001 * 14.4 < slo:sli_error:ratio_rate1h").map(|c| c.1), Some(0.0144));
        // Percentages: the scale is on the ratio's side, before or after the division.
        let pct = r#"100 * sum(rate(e{code=~"5.."}[1m])) / sum(rate(e[1m])) > 1"#;
        assert_eq!(condition(pct), Some(("e".into(), 0.01, Some(1))));
        let pct_after = r#"sum(rate(e{code=~"5.."}[4m])) / sum(rate(e[4m])) * 100 > 5"#;
        assert_eq!(condition(pct_after).map(|c| c.1), Some(0.05));
        let scaled_denominator = r#"sum(rate(e{code=~"5.."}[4m])) / (sum(rate(e[4m])) / 100) > 5"#;
        assert_eq!(condition(scaled_denominator).map(|c| c.1), Some(0.05));
        assert_eq!(condition("(slo:sli_error:ratio_rate5m / 0.001) > 14.4").map(|c| c.1), Some(0.0144));
    }

    #[test]
    fn what_is_no_burn_condition() {
        // A `bool` comparison filters nothing; a ratio of two metrics is no error ratio; a
        // threshold that is not constant cannot be judged.
        assert_eq!(condition("slo:sli_error:ratio_rate1h > bool 1.44"), None);
        assert_eq!(condition("rate(a_seconds_total[1m]) / rate(a_total[1m]) > 1.5"), None);
        assert_eq!(condition("slo:sli_error:ratio_rate1h > on() slo:error_budget:ratio * 14.4"), None);
        assert_eq!(condition("slo:burn_rate:ratio_rate5m > 14.4"), None);
        assert_eq!(condition("probe_duration_seconds > 1"), None);
        // A scale of zero or below says nothing about the ratio.
        assert_eq!(condition(r#"0 * sum(rate(e{code="5"}[1m])) / sum(rate(e[1m])) > 1"#), None);
    }

    #[test]
    fn windows_come_from_names_and_ranges() {
        assert_eq!(
            name_window("http_requests:burnrate1h30m").map(|(s, w)| (s, w.millis() / 60_000)),
            Some(("http_requests:burnrate", 90))
        );
        assert_eq!(name_window("slo:sli_error:ratio_rate5m").map(|(s, _)| s), Some("slo:sli_error:ratio_rate"));
        assert_eq!(name_window("http_requests_total"), None);
        let mixed = r#"sum(rate(e{code="5"}[5m])) / sum(rate(e[1h])) > 0.1"#;
        assert_eq!(condition(mixed).map(|c| c.2), Some(None));
    }
}
