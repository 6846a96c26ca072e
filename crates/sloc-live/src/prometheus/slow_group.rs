use sloc_diagnostics::{Diagnostic, declare_code};

use super::{LiveFile, Snapshot, loaded};

declare_code! {
    /// ## What it does
    /// Reports a loaded group whose last evaluation took 80 % or more of its interval.
    ///
    /// ## Why it matters
    /// A group that takes longer than its interval skips evaluations ("missed iterations"):
    /// recordings get gaps and alerts fire late. Long windows over raw series are the usual
    /// cause (Pyrra issue #1440: 95 s evaluations).
    ///
    /// ## Fix
    /// Derive long windows from short recordings (sloc's default), split the group, or give it
    /// a longer interval.
    pub CODE = ("C004", "slow-group", Warning, "a group whose evaluation nearly takes its whole interval");
}

pub(crate) fn run(file: &LiveFile, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    for group in &file.groups {
        let Some(found) = loaded(snapshot, &group.name) else { continue };
        if found.interval > 0.0 && found.evaluation_time >= 0.8 * found.interval {
            out.push(
                Diagnostic::new(
                    &CODE,
                    group.span.clone(),
                    format!(
                        "group `{}` took {:.1} s to evaluate, with an interval of {:.0} s",
                        group.name, found.evaluation_time, found.interval
                    ),
                )
                .with_label("slow to evaluate")
                .with_help("derive long windows from short recordings, split the group, or lengthen its interval"),
            );
        }
    }
}
