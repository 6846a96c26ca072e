use std::collections::BTreeMap;

use sloc_diagnostics::{Diagnostic, declare_code};

use super::{LiveFile, Snapshot, loaded, pairs};

declare_code! {
    /// ## What it does
    /// Reports a loaded rule that differs from the files: another expression (compared by
    /// meaning: both are parsed and printed canonically, so spacing, matcher order and the
    /// place of `by` do not count), another `for`, other labels or annotations.
    ///
    /// ## Why it matters
    /// The server evaluates something other than what was reviewed: a hand edit, a failed
    /// deploy, or a file not regenerated after the spec changed.
    ///
    /// ## Fix
    /// Deploy the files again, or bring the change back into the files.
    pub CODE = ("C002", "drift", Error, "a loaded rule differs from the files");
}

fn canonical(expr: &str) -> String {
    sloc_promql::parse(expr)
        .map(|e| sloc_promql::canonical(&e))
        .unwrap_or_else(|_| expr.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn map_difference(what: &str, want: &BTreeMap<String, String>, have: &BTreeMap<String, String>) -> Option<String> {
    let mut parts = Vec::new();
    for (k, v) in want {
        match have.get(k) {
            None => parts.push(format!("{what} `{k}` missing")),
            Some(h) if h != v => parts.push(format!("{what} `{k}` is {h:?} instead of {v:?}")),
            _ => {}
        }
    }
    for k in have.keys().filter(|k| !want.contains_key(*k)) {
        parts.push(format!("extra {what} `{k}`"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// One finding per group: a changed objective changes several of its rules at once, and one
/// finding at the first (the others as related places) says so without repeating itself.
pub(crate) fn run(file: &LiveFile, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    for group in &file.groups {
        let Some(found) = loaded(snapshot, &group.name) else { continue };
        let mut drifted = Vec::new();
        for (rule, loaded_rule) in pairs(group, found) {
            let Some(live) = loaded_rule else { continue };
            let mut differences = Vec::new();
            let (want, have) = (canonical(&rule.expr), canonical(&live.query));
            if want != have {
                differences.push(format!("the expression is `{have}` instead of `{want}`"));
            }
            let live_for = (live.duration * 1000.0).round() as u64;
            if rule.is_alert && live_for != rule.for_.millis() {
                differences.push(format!(
                    "`for` is {} instead of {}",
                    sloc_promql::format_duration(sloc_promql::Duration(live_for)),
                    sloc_promql::format_duration(rule.for_)
                ));
            }
            differences.extend(map_difference("label", &rule.labels, &live.labels));
            if rule.is_alert {
                differences.extend(map_difference("annotation", &rule.annotations, &live.annotations));
            }
            if !differences.is_empty() {
                drifted.push((rule, differences.join("; ")));
            }
        }
        let Some((first, _)) = drifted.first() else { continue };
        let message = match drifted.as_slice() {
            [(rule, differences)] => format!("`{}` on the server differs: {differences}", rule.name),
            _ => format!(
                "{} rules of `{}` differ on the server: {}",
                drifted.len(),
                group.name,
                drifted.iter().map(|(rule, d)| format!("`{}`: {d}", rule.name)).collect::<Vec<_>>().join("; ")
            ),
        };
        let mut finding = Diagnostic::new(&CODE, first.span.clone(), message)
            .with_label("differs from the server")
            .with_help("deploy the files again, or bring the server's change into the files");
        for (rule, _) in &drifted[1..] {
            finding = finding.with_related(rule.span.clone(), "differs too");
        }
        out.push(finding);
    }
}
