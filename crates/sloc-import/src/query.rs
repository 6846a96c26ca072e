//! Queries of the peers' specs, recognised by their AST: what is a plain counter selector
//! (which sloc wraps in `rate(…[window])` itself, so that it can derive long windows cheaply)
//! and what must stay an expression.

use promql_parser::parser::{Expr, LabelModifier, token};

use crate::draft::DraftSli;

/// A duration that stands for the window while a query with `$window` is parsed.
const SENTINEL: &str = "4242s";
const SENTINEL_SECONDS: u64 = 4242;

/// A query of events.
#[derive(Debug, Clone, PartialEq)]
pub enum Counter {
    /// `sum [by (…)] (rate|increase(SELECTOR[window]))`, `sum [by (…)] (SELECTOR)` or a bare
    /// selector.
    Selector { selector: String, metric: String, group_by: Vec<String> },
    /// Anything else: an expression with `$window` where the window goes.
    Expression(String),
}

/// Sloth's `{{.window}}` (with any spacing) as sloc's `$window`; any other template action is
/// refused with its byte range in `text`.
pub fn translate_window(text: &str) -> Result<String, (String, std::ops::Range<usize>)> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            let at = offset + start;
            return Err(("an unclosed template action `{{`".into(), at..at + 2));
        };
        let action = rest[start + 2..start + len].trim();
        let range = offset + start..offset + start + len + 2;
        if action != ".window" {
            return Err((
                format!("the template action `{{{{{action}}}}}`: only `{{{{.window}}}}` can be translated"),
                range,
            ));
        }
        out.push_str(&rest[..start]);
        out.push_str(sloc_spec::WINDOW_PLACEHOLDER);
        rest = &rest[start + len + 2..];
        offset = range.end;
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses a query that may hold `$window`, which must stand where a duration goes: inside a
/// string (a matcher's value) it would be written back as the stand-in duration.
pub fn parse(text: &str) -> Result<Expr, String> {
    let sampled = text.replace(sloc_spec::WINDOW_PLACEHOLDER, SENTINEL);
    let in_string = sloc_promql::tokenize(&sampled).iter().any(|t| {
        matches!(t.kind, sloc_promql::TokenKind::String | sloc_promql::TokenKind::Unterminated)
            && sampled[t.span.clone()].contains(SENTINEL)
    });
    if in_string {
        return Err(
            "the window placeholder stands inside a string (a label matcher's value), where sloc has no window to put"
                .into(),
        );
    }
    sloc_promql::parse(&sampled).map_err(|e| e.message)
}

/// What kind of events query `text` (with `$window` already translated) is.
pub fn counter(text: &str) -> Result<Counter, String> {
    let expr = parse(text)?;
    Ok(recognise(&expr).unwrap_or_else(|| Counter::Expression(text.trim().to_string())))
}

fn recognise(expr: &Expr) -> Option<Counter> {
    let selector = |vs: &promql_parser::parser::VectorSelector, group_by: Vec<String>| {
        let mut vs = vs.clone();
        vs.offset = None;
        vs.at = None;
        let metric = vs.name.clone()?;
        Some(Counter::Selector { selector: Expr::VectorSelector(vs).to_string(), metric, group_by })
    };
    match expr {
        Expr::Paren(p) => recognise(&p.expr),
        Expr::VectorSelector(vs) if vs.offset.is_none() && vs.at.is_none() => selector(vs, Vec::new()),
        Expr::Aggregate(a) if a.op.id() == token::T_SUM && a.param.is_none() => {
            let group_by = match &a.modifier {
                None => Vec::new(),
                Some(LabelModifier::Include(labels)) => labels.labels.clone(),
                Some(LabelModifier::Exclude(_)) => return None,
            };
            let inner = match a.expr.as_ref() {
                Expr::Paren(p) => p.expr.as_ref(),
                e => e,
            };
            match inner {
                Expr::VectorSelector(vs) if vs.offset.is_none() && vs.at.is_none() => selector(vs, group_by),
                Expr::Call(c) if matches!(c.func.name, "rate" | "increase") && c.args.args.len() == 1 => {
                    match c.args.args[0].as_ref() {
                        Expr::MatrixSelector(ms)
                            if ms.range.as_secs() == SENTINEL_SECONDS
                                && ms.vs.offset.is_none()
                                && ms.vs.at.is_none() =>
                        {
                            selector(&ms.vs, group_by)
                        }
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `h_bucket{M, le="X"}` over `h_count{M}`: a latency SLI of sloc's.
pub fn histogram(success: &str, total: &str) -> Option<DraftSli> {
    let (s, t) = (selector(success)?, selector(total)?);
    let base = s.name.as_deref()?.strip_suffix("_bucket")?;
    if t.name.as_deref()?.strip_suffix("_count")? != base {
        return None;
    }
    let printed = |m: &promql_parser::label::Matcher| {
        Expr::VectorSelector(promql_parser::parser::VectorSelector {
            name: None,
            matchers: promql_parser::label::Matchers::new(vec![m.clone()]),
            offset: None,
            at: None,
        })
        .to_string()
    };
    let mut le = None;
    let mut rest = Vec::new();
    for m in &s.matchers.matchers {
        if m.name == "le" && matches!(m.op, promql_parser::label::MatchOp::Equal) {
            le = Some(m.value.clone());
        } else if m.name != "__name__" {
            rest.push(printed(m));
        }
    }
    let total_rest: Vec<String> = t.matchers.matchers.iter().filter(|m| m.name != "__name__").map(printed).collect();
    let (mut a, mut b) = (rest.clone(), total_rest);
    a.sort();
    b.sort();
    if a != b {
        return None;
    }
    let seconds: f64 = le?.parse().ok()?;
    let millis = (seconds * 1000.0).round();
    if !(millis > 0.0 && (millis - seconds * 1000.0).abs() < 1e-6) {
        return None;
    }
    let threshold = sloc_promql::format_duration(sloc_promql::Duration(millis as u64));
    let matchers: Vec<String> =
        rest.iter().map(|m| m.trim_start_matches('{').trim_end_matches('}').to_string()).collect();
    Some(DraftSli::Latency {
        histogram: base.to_string(),
        threshold,
        matchers: (!matchers.is_empty()).then(|| matchers.join(", ")),
        native: false,
    })
}

/// A plain vector selector (no offset, no `@`).
pub fn selector(text: &str) -> Option<promql_parser::parser::VectorSelector> {
    match sloc_promql::parse(text.trim()).ok()? {
        Expr::VectorSelector(vs) if vs.offset.is_none() && vs.at.is_none() => Some(vs),
        _ => None,
    }
}

/// Which events a query of a ratio counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Errors,
    Good,
}

/// A ratio of two event queries as one of sloc's selector SLIs: `errors`/`good` over `total`
/// of one metric, or a histogram's latency (a bucket over its count, or Sloth's count minus
/// bucket for errors). `None` when it is none of those, and the ratio must stay an expression.
pub fn events_sli(part: Part, part_query: &str, total: &str) -> Option<(DraftSli, Vec<String>)> {
    let (Ok(p), Ok(t)) = (counter(part_query), counter(total)) else { return None };
    if let (
        Counter::Selector { selector: ps, metric: pm, group_by: pg },
        Counter::Selector { selector: ts, metric: tm, group_by: tg },
    ) = (&p, &t)
        && pg == tg
    {
        if pm == tm {
            let sli = match part {
                Part::Errors => DraftSli::Errors { errors: ps.clone(), total: ts.clone() },
                Part::Good => DraftSli::Good { good: ps.clone(), total: ts.clone() },
            };
            return Some((sli, pg.clone()));
        }
        if part == Part::Good {
            return histogram(ps, ts).map(|sli| (sli, pg.clone()));
        }
    }
    if part == Part::Errors { latency_errors(part_query, total) } else { None }
}

/// Sloth's latency idiom, `sum(rate(h_count{M}[w])) - sum(rate(h_bucket{M, le="X"}[w]))` of
/// errors over `sum(rate(h_count{M}[w]))`: sloc's latency SLI. `None` for anything else.
fn latency_errors(errors: &str, total: &str) -> Option<(DraftSli, Vec<String>)> {
    let expr = parse(errors).ok()?;
    let mut expr = &expr;
    while let Expr::Paren(p) = expr {
        expr = &p.expr;
    }
    let Expr::Binary(b) = expr else { return None };
    if b.op.id() != token::T_SUB || b.modifier.is_some() {
        return None;
    }
    let (
        Some(Counter::Selector { selector: all, group_by: g1, .. }),
        Some(Counter::Selector { selector: fast, group_by: g2, .. }),
    ) = (recognise(&b.lhs), recognise(&b.rhs))
    else {
        return None;
    };
    let Ok(Counter::Selector { selector: count, group_by: g3, .. }) = counter(total) else { return None };
    if all != count || g1 != g2 || g1 != g3 {
        return None;
    }
    Some((histogram(&fast, &count)?, g1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(selector: &str, metric: &str, group_by: &[&str]) -> Counter {
        Counter::Selector {
            selector: selector.into(),
            metric: metric.into(),
            group_by: group_by.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_window_inside_a_string_is_refused() {
        let q = translate_window(r#"sum(rate(x_total{window="{{.window}}"}[{{.window}}]))"#).unwrap();
        assert!(parse(&q).unwrap_err().contains("inside a string"));
        assert!(counter(&q).is_err());
        assert!(parse(&translate_window("sum(rate(x_total[{{.window}}]))").unwrap()).is_ok());
    }

    #[test]
    fn sloth_windows_translate_and_other_actions_are_refused() {
        assert_eq!(translate_window("rate(x[{{.window}}])").unwrap(), "rate(x[$window])");
        assert_eq!(translate_window("rate(x[{{ .window }}])").unwrap(), "rate(x[$window])");
        let (message, range) = translate_window("rate(x[{{.window}}]) {{ if .x }}").unwrap_err();
        assert!(message.contains("if .x"), "{message}");
        assert_eq!(range, 21..32);
        assert!(translate_window("x{{").is_err());
    }

    #[test]
    fn counters_are_recognised_by_their_ast() {
        let c = |q: &str| counter(&translate_window(q).unwrap()).unwrap();
        assert_eq!(
            c(r#"sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))"#),
            sel(r#"http_requests_total{code=~"5.."}"#, "http_requests_total", &[])
        );
        assert_eq!(c("sum by (provider) (increase(x_total[{{.window}}]))"), sel("x_total", "x_total", &["provider"]));
        assert_eq!(c("http_requests_total"), sel("http_requests_total", "http_requests_total", &[]));
        assert_eq!(
            c(r#"sum(http_requests{component="web"})"#),
            sel(r#"http_requests{component="web"}"#, "http_requests", &[])
        );
        // Not plain counters: kept as expressions, never turned into a wrong selector.
        for q in [
            "sum(rate(x[5m]))",
            "sum without (pod) (rate(x[{{.window}}]))",
            "rate(x[{{.window}}])",
            "sum(rate(x[{{.window}}] offset 1h))",
            "sum(rate(a[{{.window}}])) - sum(rate(b[{{.window}}]))",
            "sum_over_time((count(x < 0.75))[{{.window}}:]) OR on() vector(0)",
        ] {
            assert!(matches!(c(q), Counter::Expression(_)), "{q}");
        }
    }
}
