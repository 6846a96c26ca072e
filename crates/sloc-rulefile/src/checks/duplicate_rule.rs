use sloc_diagnostics::{Diagnostic, declare_code};

use crate::{ParsedGroup, ParsedRule};

declare_code! {
    /// ## What it does
    /// Reports two rules in one file with the same name and the same labels
    /// (`promtool check rules --lint=duplicate-rules`).
    ///
    /// ## Why it matters
    /// Two recording rules writing the same series overwrite each other's samples; two
    /// identical alerts fire twice.
    ///
    /// ## Fix
    /// Remove one, or give them different labels.
    ///
    /// ## Default
    /// A warning, as promtool prints it (exit 0); an error with `--lint-fatal` or `lint_fatal =
    /// true` in `sloc.toml`, as `promtool check rules --lint-fatal`. Without it, sloc does not
    /// report a pair that aggregates `by` a label it selects with values that cannot overlap
    /// (`sum by (code) (increase(x{code=~"2.."}[1h]))` and the same for `"5.."`): the two write
    /// different series, as kube-prometheus' `code_verb:apiserver_request_total:increase1h`
    /// does on purpose. With `--lint-fatal` every pair is reported, as promtool does.
    pub CODE = ("R009", "duplicate-rule", Warning, "the same rule twice in one file");
}

/// Two rules of one file with the same kind, name and labels (promtool's `duplicate-rules`
/// lint). Unless `all`, a pair whose expressions keep a label they select with different
/// values (`sum by (code) (x{code=~"2.."})` and `... {code=~"5.."}`) is not reported: the
/// two write different series, as kube-prometheus' rules do on purpose.
pub fn run(groups: &[ParsedGroup], all: bool) -> Vec<Diagnostic> {
    type Key<'a> = (bool, &'a str, Vec<(&'a str, &'a str)>);
    let mut seen: std::collections::HashMap<Key<'_>, Vec<&ParsedRule>> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for rule in groups.iter().flat_map(|g| &g.rules) {
        if rule.name.value.is_empty() {
            continue;
        }
        let mut labels: Vec<(&str, &str)> =
            rule.labels.iter().map(|(k, v)| (k.value.as_str(), v.value.as_str())).collect();
        labels.sort_unstable();
        let earlier = seen.entry((rule.is_alert, &rule.name.value, labels)).or_default();
        // Bounded, so that thousands of same-named rules stay linear.
        let clash = earlier.iter().rev().take(64).find(|first| all || !crate::outputs::disjoint(first, rule));
        if let Some(first) = clash {
            let kind = if rule.is_alert { "alert" } else { "recording rule" };
            out.push(
                Diagnostic::new(
                    &CODE,
                    rule.name.span.clone(),
                    format!("{kind} `{}` is defined twice with the same labels", rule.name.value),
                )
                .with_label("second definition")
                .with_related(first.name.span.clone(), "first definition"),
            );
        }
        earlier.push(rule);
    }
    out
}
