use sloc_diagnostics::{Diagnostic, Edit, Fix, declare_code};

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
    ///
    /// ## Default
    /// Style, counted but not shown unless enabled: an anchored or literal regex works; it is only
    /// longer than it needs to be.
    pub CODE = ("L008", "regex-matcher", Warning, "a regex matcher that is a plain string or carries ^...$");
}

const METACHARACTERS: &[char] = &['.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '\\', '^', '$'];

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    let Some((expr, locator)) = cx.expr() else { return };
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for m in &expr.regex_matchers {
        let op = if m.negated { "!~" } else { "=~" };
        let k = seen.iter().filter(|(n, o)| *n == m.label && *o == op).count();
        seen.push((&m.label, op));
        let anchored = m.pattern.starts_with('^') || (m.pattern.ends_with('$') && !m.pattern.ends_with("\\$"));
        let plain = !m.pattern.contains(METACHARACTERS);
        if !anchored && !plain {
            continue;
        }
        let matchers = locator.matcher_values(&m.label, op);
        let in_expr = locator.nth(&matchers, k);
        let span = cx.in_file(in_expr.clone());
        let parts = (matchers.len() > k).then(|| crate::checks::matcher_parts(expr.text(), &in_expr)).flatten();
        let (label, pattern) = (&m.label, &m.pattern);
        let d = if anchored {
            let fix = parts.map(|(_, content)| {
                let raw = &expr.text()[content.clone()];
                let start = content.start + usize::from(raw.starts_with('^'));
                let end = content.end - usize::from(raw.ends_with('$') && !raw.ends_with("\\$") && raw.len() > 1);
                let mut edits = Vec::new();
                if start > content.start {
                    edits.push(Edit::replace(cx.in_file(content.start..start), ""));
                }
                if end < content.end {
                    edits.push(Edit::replace(cx.in_file(end..content.end), ""));
                }
                Fix::safe("drop the anchors", edits)
            });
            let d = Diagnostic::new(
                &CODE,
                span,
                format!("`{label}{op}\"{pattern}\"`: regex matchers are anchored already"),
            )
            .with_label("redundant anchors")
            .with_help("drop the `^` and `$`");
            match fix {
                Some(fix) => d.with_fix(fix),
                None => d,
            }
        } else {
            let equality = if m.negated { "!=" } else { "=" };
            let d = Diagnostic::new(&CODE, span, format!("`{label}{op}\"{pattern}\"` has no regex metacharacters"))
                .with_label("a plain string")
                .with_help(format!("use `{label}{equality}\"{pattern}\"`"));
            match parts {
                Some((op_span, _)) => d.with_fix(Fix::safe(
                    format!("use `{equality}`"),
                    vec![Edit::replace(cx.in_file(op_span), equality)],
                )),
                None => d,
            }
        };
        out.push(d);
    }
}
