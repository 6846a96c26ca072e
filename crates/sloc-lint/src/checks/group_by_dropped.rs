use promql_parser::parser::{Expr, LabelModifier};
use sloc_diagnostics::{Diagnostic, declare_code};

use crate::SpecContext;

declare_code! {
    /// ## What it does
    /// Reports an objective with `group_by` whose SLI expression aggregates a grouping label
    /// away: `sum(rate(...))` or `sum by (job) (...)` when `group_by: [provider]`.
    ///
    /// ## Why it matters
    /// sloc sums the SLI by the `group_by` labels. If the expression has already removed them,
    /// there is one series for all groups and the per-group objective silently becomes a
    /// global one.
    ///
    /// ## Fix
    /// Keep the labels in the expression: `sum by (provider) (rate(...[$window]))`, or give a
    /// plain selector and let sloc aggregate.
    ///
    /// ## What it assumes
    /// Every aggregation not nested in another (on either side of an operator, inside a
    /// function) decides which labels survive: `by` keeps only its labels, `without` drops its
    /// own. An expression with no aggregation keeps every label.
    ///
    /// ## Default
    /// On (specs only): sloc's own format; the objective would silently cover every group at once.
    pub CODE = ("O005", "group-by-dropped", Error, "the SLI aggregates a group_by label away");
}

/// Aggregations not nested in another aggregation: those that decide the output labels.
fn outer_aggregations(expr: &Expr, out: &mut Vec<(String, Option<LabelModifier>)>) {
    match expr {
        Expr::Aggregate(a) => out.push((a.op.to_string(), a.modifier.clone())),
        Expr::Paren(p) => outer_aggregations(&p.expr, out),
        Expr::Binary(b) => {
            outer_aggregations(&b.lhs, out);
            outer_aggregations(&b.rhs, out);
        }
        Expr::Unary(u) => outer_aggregations(&u.expr, out),
        Expr::Call(c) => c.args.args.iter().for_each(|a| outer_aggregations(a, out)),
        _ => {}
    }
}

pub(crate) fn run(cx: &SpecContext, out: &mut Vec<Diagnostic>) {
    for slo in cx.spec.slos.iter().filter(|s| !s.group_by.is_empty()) {
        for query in slo.sli.queries().into_iter().filter(|q| !q.is_selector) {
            let Ok(expr) = sloc_promql::parse(&query.with_window("5m")) else { continue };
            let mut aggregations = Vec::new();
            outer_aggregations(&expr, &mut aggregations);
            for label in &slo.group_by {
                let dropped_by = aggregations.iter().find(|(_, m)| match m {
                    Some(LabelModifier::Include(l)) => !l.labels.contains(&label.value),
                    Some(LabelModifier::Exclude(l)) => l.labels.contains(&label.value),
                    None => true,
                });
                if let Some((op, _)) = dropped_by {
                    let span = match query.text.find(op.as_str()) {
                        Some(at) => sloc_yaml::value_range_to_source(cx.text, &query.node, at..at + op.len()),
                        None => query.span(),
                    };
                    out.push(
                        Diagnostic::new(
                            &CODE,
                            span,
                            format!("`{op}` removes the `{}` label that `group_by` needs", label.value),
                        )
                        .with_label(format!("drops `{}`", label.value))
                        .with_related(label.span.clone(), "grouped by here")
                        .with_help(format!("keep it: `{op} by ({}, ...)`", label.value)),
                    );
                }
            }
        }
    }
}
