use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_rulefile::ParsedGroup;

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports a recording rule defined in two files with the same name and the same static
    /// labels. (Within one file, R009 reports it.)
    ///
    /// ## Why it matters
    /// Both rules write the same series; Prometheus keeps whichever evaluated last, and the
    /// series flips between two definitions.
    ///
    /// ## Fix
    /// Keep one definition, or tell them apart with a label.
    ///
    /// ## Default
    /// On: two files recording the same series overwrite each other's samples; no public file
    /// measured does it.
    pub CODE = ("L011", "duplicate-series", Warning, "the same recorded series defined in two files");
}

/// A per-rule pass has nothing to do: this check needs every file.
pub(crate) fn run(_: &RuleContext, _: &mut Vec<Diagnostic>) {}

/// Compares recording rules across files; `diagnostics[i]` receives file `i`'s findings.
pub(crate) fn across_files(names: &[&str], files: &[&[ParsedGroup]], diagnostics: &mut [Vec<Diagnostic>]) {
    type Key<'a> = (&'a str, Vec<(&'a str, &'a str)>);
    let mut first: std::collections::HashMap<Key<'_>, usize> = std::collections::HashMap::new();
    for (i, groups) in files.iter().enumerate() {
        for rule in groups.iter().flat_map(|g| &g.rules).filter(|r| !r.is_alert && !r.name.value.is_empty()) {
            let mut labels: Vec<(&str, &str)> =
                rule.labels.iter().map(|(k, v)| (k.value.as_str(), v.value.as_str())).collect();
            labels.sort_unstable();
            let file = *first.entry((rule.name.value.as_str(), labels)).or_insert(i);
            if file != i {
                diagnostics[i].push(
                    Diagnostic::new(
                        &CODE,
                        rule.name.span.clone(),
                        format!("`{}` with these labels is already recorded in {}", rule.name.value, names[file]),
                    )
                    .with_label("recorded again")
                    .with_help("keep one definition, or add a label that tells them apart"),
                );
            }
        }
    }
}
