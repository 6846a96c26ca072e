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
        let span = cx.in_file(locator.nth(&locator.matcher_values(&m.label, op), k));
        let (label, pattern) = (&m.label, &m.pattern);
        let d = if anchored {
            Diagnostic::new(&CODE, span, format!("`{label}{op}\"{pattern}\"`: regex matchers are anchored already"))
                .with_label("redundant anchors")
                .with_help("drop the `^` and `$`")
        } else {
            let equality = if m.negated { "!=" } else { "=" };
            Diagnostic::new(&CODE, span, format!("`{label}{op}\"{pattern}\"` has no regex metacharacters"))
                .with_label("a plain string")
                .with_help(format!("use `{label}{equality}\"{pattern}\"`"))
        };
        out.push(d);
    }
}
