//! Queries of the peers' specs, recognised by their AST: what is a plain counter selector
//! (which sloc wraps in `rate(…[window])` itself, so that it can derive long windows cheaply)
//! and what must stay an expression.

use promql_parser::parser::{Expr, LabelModifier, token};

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

/// Parses a query that may hold `$window`.
pub fn parse(text: &str) -> Result<Expr, String> {
    sloc_promql::parse(&text.replace(sloc_spec::WINDOW_PLACEHOLDER, SENTINEL)).map_err(|e| e.message)
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
