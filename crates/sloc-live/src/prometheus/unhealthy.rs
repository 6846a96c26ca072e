use sloc_diagnostics::{Diagnostic, declare_code};

use super::{LiveFile, Snapshot, loaded, pairs};

declare_code! {
    /// ## What it does
    /// Reports a loaded rule whose last evaluation failed (`health: err` or a `lastError`):
    /// a query that times out, hits a sample limit, or produces duplicate series.
    ///
    /// ## Why it matters
    /// A failing recording rule writes nothing, and every alert built on it goes silent.
    ///
    /// ## Fix
    /// Read the error in the message; run the expression in the server's query page.
    pub CODE = ("C003", "unhealthy", Error, "a loaded rule whose evaluation fails");
}

pub(crate) fn run(file: &LiveFile, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    for group in &file.groups {
        let Some(found) = loaded(snapshot, &group.name) else { continue };
        for (rule, loaded_rule) in pairs(group, found) {
            let Some(live) = loaded_rule else { continue };
            if live.health == "err" || !live.last_error.is_empty() {
                let error =
                    if live.last_error.is_empty() { "no error message".to_string() } else { live.last_error.clone() };
                out.push(
                    Diagnostic::new(
                        &CODE,
                        rule.span.clone(),
                        format!("`{}` fails to evaluate on the server: {error}", rule.name),
                    )
                    .with_label("unhealthy")
                    .with_help("run the expression in the server's query page to see why"),
                );
            }
        }
    }
}
