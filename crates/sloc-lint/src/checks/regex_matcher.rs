use promql_parser::label::MatchOp;
use sloc_diagnostics::{Diagnostic, declare_code};

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports regular-expression matchers that need no regular expression (`job=~"api"`), and
    /// ones anchored with `^...$`.
    ///
    /// ## Why it matters
    /// Prometheus anchors every regex matcher already, so `^` and `$` are noise that suggests
    /// the author expected substring matching. A regex without metacharacters is an equality
    /// matcher that is slower to evaluate and harder to read.
    ///
    /// ## Example
    /// ```yaml
    /// expr: up{job=~"^api$"} == 0
    /// ```
    ///
    /// ## Fix
    /// `up{job="api"} == 0`.
    pub CODE = ("L008", "regex-matcher", Warning, "a regex matcher that is a plain string or carries ^...$");
}

const METACHARACTERS: &[char] = &['.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '\\', '^', '$'];

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    let Some((expr, locator)) = cx.expr() else { return };
    let mut seen: Vec<(String, &str)> = Vec::new();
    for selector in sloc_promql::vector_selectors(&expr.ast) {
        for m in &selector.matchers.matchers {
            let op = match m.op {
                MatchOp::Re(_) => "=~",
                MatchOp::NotRe(_) => "!~",
                _ => continue,
            };
            let k = seen.iter().filter(|(n, o)| *n == m.name && *o == op).count();
            seen.push((m.name.clone(), op));
            let anchored = m.value.starts_with('^') || (m.value.ends_with('$') && !m.value.ends_with("\\$"));
            let plain = !m.value.contains(METACHARACTERS);
            if !anchored && !plain {
                continue;
            }
            let span = locator.nth(&locator.matcher_values(&m.name, op), k);
            let equality = if op == "=~" { "=" } else { "!=" };
            let d = if anchored {
                Diagnostic::new(
                    &CODE,
                    cx.in_file(span),
                    format!("`{}{op}\"{}\"`: regex matchers are anchored already", m.name, m.value),
                )
                .with_label("redundant anchors")
                .with_help("drop the `^` and `$`")
            } else {
                Diagnostic::new(
                    &CODE,
                    cx.in_file(span),
                    format!("`{}{op}\"{}\"` has no regex metacharacters", m.name, m.value),
                )
                .with_label("a plain string")
                .with_help(format!("use `{}{equality}\"{}\"`", m.name, m.value))
            };
            out.push(d);
        }
    }
}
