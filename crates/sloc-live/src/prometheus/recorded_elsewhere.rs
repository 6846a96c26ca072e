use sloc_diagnostics::{Diagnostic, declare_code};

use super::{LiveFile, Snapshot};

declare_code! {
    /// ## What it does
    /// Reports a recording rule of the files whose series (name and static labels) another
    /// loaded group also records.
    ///
    /// ## Why it matters
    /// Two groups write the same series at different times; the series flips between two
    /// definitions and the alerts built on it become meaningless. It happens when a group is
    /// renamed and the old one is still loaded, or when two teams record the same name.
    ///
    /// ## Fix
    /// Unload the old group, or give one of the rules a distinguishing label.
    pub CODE = ("C005", "recorded-elsewhere", Error, "the same series recorded by another loaded group");
}

pub(crate) fn run(file: &LiveFile, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    for group in &file.groups {
        for rule in group.rules.iter().filter(|r| !r.is_alert) {
            let other = snapshot.groups.iter().filter(|g| g.name != group.name).find_map(|g| {
                g.rules
                    .iter()
                    .find(|l| l.kind == "recording" && l.name == rule.name && l.labels == rule.labels)
                    .map(|_| g)
            });
            if let Some(g) = other {
                let file = if g.file.is_empty() { String::new() } else { format!(" (file {})", g.file) };
                out.push(
                    Diagnostic::new(
                        &CODE,
                        rule.span.clone(),
                        format!("`{}` is also recorded by the loaded group `{}`{file}", rule.name, g.name),
                    )
                    .with_label("recorded twice")
                    .with_help("unload the other group, or add a label that tells the two apart"),
                );
            }
        }
    }
}
