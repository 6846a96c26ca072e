use promql_parser::parser::{Expr, LabelModifier};
use sloc_diagnostics::{Diagnostic, declare_code};

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports a division of two aggregations grouped by different labels, without `on` or
    /// `ignoring`: `sum by (job) (errors) / sum by (job, instance) (requests)`, or
    /// `sum by (job) (x) / sum(y)`.
    ///
    /// ## Why it matters
    /// Binary operators match series with identical label sets. Differently grouped sides
    /// share no label set, so the result is empty and the rule or alert silently never has
    /// data.
    ///
    /// ## Fix
    /// Group both sides by the same labels, or say how to match with `on(...)` and
    /// `group_left`.
    ///
    /// ## Default
    /// On: a division of differently grouped aggregations yields nothing or the wrong series; it
    /// did not fire on the public files measured.
    pub CODE = ("L004", "mismatched-grouping", Warning, "a division of aggregations grouped by different labels");
}

fn grouping(expr: &Expr) -> Option<Vec<String>> {
    match super::unparen(expr) {
        Expr::Aggregate(a) => match &a.modifier {
            Some(LabelModifier::Include(labels)) => {
                let mut l = labels.labels.clone();
                l.sort();
                Some(l)
            }
            Some(LabelModifier::Exclude(_)) => None,
            None => Some(Vec::new()),
        },
        _ => None,
    }
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    let Some((expr, locator)) = cx.expr() else { return };
    let mut divisions = 0;
    let mut found = Vec::new();
    sloc_promql::visit(&expr.ast, &mut |e| {
        if let Expr::Binary(b) = e {
            if b.op.to_string() != "/" {
                return;
            }
            let k = divisions;
            divisions += 1;
            if b.modifier.as_ref().is_some_and(|m| m.matching.is_some()) {
                return;
            }
            if let (Some(left), Some(right)) = (grouping(&b.lhs), grouping(&b.rhs))
                && left != right
            {
                found.push((k, left, right));
            }
        }
    });
    for (k, left, right) in found {
        let span = locator.nth(&locator.operators("/"), k);
        let show = |l: &[String]| if l.is_empty() { "no labels".to_string() } else { format!("({})", l.join(", ")) };
        out.push(
            Diagnostic::new(
                &CODE,
                cx.in_file(span),
                format!(
                    "the left side is grouped by {} and the right side by {}: no series match",
                    show(&left),
                    show(&right)
                ),
            )
            .with_label("division without matching labels")
            .with_help("group both sides by the same labels, or add `on(...)` with `group_left`"),
        );
    }
}
