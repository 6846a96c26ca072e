use promql_parser::parser::Expr;
use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_spec::{Query, Sli};

use crate::SpecContext;

declare_code! {
    /// ## What it does
    /// Reports an `errors` (or `good`) selector that is not a subset of its `total`: it lacks
    /// one of total's matchers, or adds none.
    ///
    /// ## Why it matters
    /// Bad events must be a part of all events. With `errors: requests_total{code=~"5.."}` and
    /// `total: requests_total{job="api"}`, errors count every job while total counts one, and
    /// the error ratio can exceed 100 %. With no extra matcher, errors equal total and the
    /// ratio is always 1.
    ///
    /// ## Fix
    /// Repeat total's matchers in errors and add the one that selects bad events:
    /// `errors: requests_total{job="api",code=~"5.."}`.
    ///
    /// ## What it assumes
    /// `errors`/`good` and `total` are plain selectors of one metric, compared matcher by
    /// matcher as written (a regex that happens to select the same series is not resolved).
    ///
    /// ## Default
    /// On (specs only): sloc's own format, where the spec states the intent.
    pub CODE = ("O004", "events-not-subset", Warning, "errors or good events are not a subset of total");
}

fn matchers(q: &Query) -> Option<Vec<(String, String, String)>> {
    let Ok(Expr::VectorSelector(vs)) = sloc_promql::parse(q.text.trim()) else { return None };
    Some(vs.matchers.matchers.iter().map(|m| (m.name.clone(), m.op.to_string(), m.value.clone())).collect())
}

pub(crate) fn run(cx: &SpecContext, out: &mut Vec<Diagnostic>) {
    for slo in &cx.spec.slos {
        let (bad, total, kind) = match &slo.sli {
            Sli::Errors { errors, total } => (errors, total, "errors"),
            Sli::Good { good, total } => (good, total, "good"),
            _ => continue,
        };
        if !bad.is_selector || !total.is_selector {
            continue;
        }
        let (Some(b), Some(t)) = (matchers(bad), matchers(total)) else { continue };
        let missing: Vec<String> =
            t.iter().filter(|m| !b.contains(m)).map(|(n, op, v)| format!("{n}{op}\"{v}\"")).collect();
        let message = if !missing.is_empty() {
            format!("`{kind}` lacks total's matcher {}: it counts events that total does not", missing.join(", "))
        } else if b.len() == t.len() {
            format!("`{kind}` selects the same series as `total`: the ratio is always 1")
        } else {
            continue;
        };
        out.push(
            Diagnostic::new(&CODE, bad.span(), message)
                .with_label(format!("{kind} selector"))
                .with_related(total.span(), "total selector")
                .with_help(format!("repeat total's matchers in `{kind}` and add the one that selects {kind} events")),
        );
    }
}
