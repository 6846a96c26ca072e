use promql_parser::parser::Expr;
use sloc_diagnostics::{Diagnostic, declare_code};

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports a comparison with `NaN` (`x == NaN`, `x > NaN`).
    ///
    /// ## Why it matters
    /// Every comparison with NaN is false (and `!= NaN` always true), so the rule never or
    /// always matches. To find NaN samples, compare a value with itself: `x != x`.
    ///
    /// ## Fix
    /// `x != x` selects NaN samples; `x == x` drops them.
    ///
    /// ## Default
    /// On: a comparison with NaN is always false; it cannot be intended.
    pub CODE = ("L009", "nan-comparison", Warning, "a comparison with NaN");
}

fn is_nan(e: &Expr) -> bool {
    matches!(super::unparen(e), Expr::NumberLiteral(n) if n.val.is_nan())
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    let Some((expr, locator)) = cx.expr() else { return };
    let mut counts: Vec<String> = Vec::new();
    let mut found = Vec::new();
    sloc_promql::visit(&expr.ast, &mut |e| {
        if let Expr::Binary(b) = e {
            let op = b.op.to_string();
            let k = counts.iter().filter(|o| **o == op).count();
            counts.push(op.clone());
            if b.op.is_comparison_operator() && (is_nan(&b.lhs) || is_nan(&b.rhs)) {
                found.push((op, k));
            }
        }
    });
    for (op, k) in found {
        let span = locator.nth(&locator.operators(&op), k);
        let outcome = if op == "!=" { "always true" } else { "always false" };
        out.push(
            Diagnostic::new(&CODE, cx.in_file(span), format!("a comparison with NaN is {outcome}"))
                .with_label("compared with NaN")
                .with_help("`x != x` selects NaN samples, `x == x` drops them"),
        );
    }
}
