//! Whether two rules of the same name can write the same series.

use promql_parser::parser::{Expr, LabelModifier};

use crate::ParsedRule;

/// The labels an expression's outermost aggregation keeps with `by (...)`, each with the one
/// value (or regex pattern, as the lean AST holds regexes) every selector gives it. A kept label
/// the selectors do not agree on is left out. Computed when the expression is parsed, so that
/// [`disjoint`] needs no syntax tree.
pub(crate) fn kept_label_values(expr: &Expr) -> Vec<(String, String)> {
    let Some(kept) = kept_labels(expr) else { return Vec::new() };
    kept.iter().filter_map(|label| Some((label.clone(), selected_value(expr, label)?))).collect()
}

/// Do the two rules provably write different series? True when both aggregate `by` a label
/// that each selects with one value (or one regex) and the values cannot both match.
pub(crate) fn disjoint(a: &ParsedRule, b: &ParsedRule) -> bool {
    a.kept_label_values
        .iter()
        .any(|(label, x)| b.kept_label_values.iter().any(|(other, y)| other == label && !may_overlap(x, y)))
}

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

/// The one value every selector of the expression gives `label`, if they all agree.
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
