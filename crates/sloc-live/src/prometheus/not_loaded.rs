use sloc_diagnostics::{Diagnostic, declare_code};

use super::{LiveFile, Snapshot, loaded, pairs};

declare_code! {
    /// ## What it does
    /// Reports a rule group of the files (or generated from a spec) that the server has not
    /// loaded, or a rule of a loaded group that the server does not run.
    ///
    /// ## Why it matters
    /// The rules were written, reviewed and merged, but nothing evaluates them: no recording,
    /// no alert. This is the first answer to "the rules are generated, why is there no data?".
    ///
    /// ## Fix
    /// Deploy the file: add it to `rule_files` (Prometheus), upload it with `mimirtool rules
    /// load` or the ruler API (Mimir, Cortex), or mount it in the Thanos ruler; then reload.
    pub CODE = ("C001", "not-loaded", Error, "a group or rule the server does not run");
}

pub(crate) fn run(file: &LiveFile, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    for group in &file.groups {
        let Some(found) = loaded(snapshot, &group.name) else {
            out.push(
                Diagnostic::new(
                    &CODE,
                    group.span.clone(),
                    format!("the server has not loaded the group `{}`", group.name),
                )
                .with_label("not loaded")
                .with_help("deploy this file to the server's rule files (or the ruler) and reload it"),
            );
            continue;
        };
        for (rule, loaded_rule) in pairs(group, found) {
            if loaded_rule.is_none() {
                out.push(
                    Diagnostic::new(
                        &CODE,
                        rule.span.clone(),
                        format!("group `{}` on the server has no rule `{}`", group.name, rule.name),
                    )
                    .with_label("not on the server")
                    .with_help("the server runs an older version of this group: deploy the file and reload"),
                );
            }
        }
    }
}
