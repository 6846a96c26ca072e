use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_plan::Plan;

use super::Snapshot;

declare_code! {
    /// ## What it does
    /// Reports an SLI selector that matches no series on the server over the last hour
    /// (`/api/v1/series`).
    ///
    /// ## Why it matters
    /// The recording rules evaluate to nothing, the budget shows no data and no alert can
    /// fire: a misspelt metric or label, or a service that is not scraped.
    ///
    /// ## Fix
    /// Check the metric and label names against the server (its query page), and that the
    /// service is scraped.
    pub CODE = ("C008", "no-series", Warning, "an SLI selector that matches no series");
}

pub(crate) fn run(plan: &Plan, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    for objective in &plan.objectives {
        for (selector, span) in &objective.indicator.selectors {
            if snapshot.series.get(selector) != Some(&0) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &CODE,
                    span.clone(),
                    format!("`{selector}` matches no series on the server (last hour)"),
                )
                .with_label(format!("no data for `{}`", objective.name))
                .with_help(
                    "check the metric and label names in the server's query page, and that the service is scraped",
                ),
            );
        }
    }
}
