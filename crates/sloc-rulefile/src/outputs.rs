//! Whether two rules of the same name can write the same series.

use promql_parser::parser::{Expr, LabelModifier};

use crate::ParsedRule;

/// Do the two rules provably write different series? True when both aggregate `by` a label
/// that each selects with one value (or one regex) and the values cannot both match.
pub(crate) fn disjoint(a: &ParsedRule, b: &ParsedRule) -> bool {
    let (Some(a), Some(b)) = (&a.expr, &b.expr) else { return false };
    let (Some(kept_a), Some(kept_b)) = (kept_labels(&a.ast), kept_labels(&b.ast)) else { return false };
    kept_a.iter().filter(|l| kept_b.contains(l)).any(|label| {
        match (selected_value(&a.ast, label), selected_value(&b.ast, label)) {
            (Some(x), Some(y)) => !may_overlap(&x, &y),
            _ => false,
        }
    })
}

/// The labels an expression's outermost aggregation keeps with `by (...)`.
fn kept_labels(expr: &Expr) -> Option<&[String]> {
    match expr {
        Expr::Paren(p) => kept_labels(&p.expr),
        Expr::Aggregate(a) => match &a.modifier {
            Some(LabelModifier::Include(labels)) => Some(&labels.labels),
            _ => None,
        },
        _ => None,
    }
}

/// The one value (or regex pattern, as the lean AST holds regexes) every selector of the
/// expression gives `label`, if they all agree.
fn selected_value(expr: &Expr, label: &str) -> Option<String> {
    let mut value: Option<String> = None;
    for vs in sloc_promql::vector_selectors(expr) {
        let found = vs.matchers.matchers.iter().find(|m| m.name == label)?;
        match &value {
            Some(v) if *v != found.value => return None,
            _ => value = Some(found.value.clone()),
        }
    }
    value
}

/// Can two values (literal, or simple regex alternations such as `2..|3..`) match the same
/// string? Conservative: true unless each alternative starts with a literal character and no
/// first character is shared.
fn may_overlap(x: &str, y: &str) -> bool {
    let firsts = |p: &str| -> Option<Vec<char>> {
        p.split('|').map(|alt| alt.chars().next().filter(|c| c.is_ascii_alphanumeric())).collect()
    };
    match (firsts(x), firsts(y)) {
        (Some(fx), Some(fy)) => fx.iter().any(|c| fy.contains(c)),
        _ => true,
    }
}
