use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_plan::{BASE_WINDOW, Plan};
use sloc_promql::format_duration;

use super::Snapshot;

declare_code! {
    /// ## What it does
    /// Reports a global scrape interval too long for the shortest SLO window: sloc reads rates
    /// over 5 minutes, which need at least 4 scrapes (an interval of 75 s or less).
    ///
    /// ## Why it matters
    /// With fewer than 4 samples per window, one missed scrape leaves the 5m rate empty, and
    /// the critical tier's short window flickers.
    ///
    /// ## Fix
    /// Scrape the SLI's targets every 1m or faster.
    pub CODE = ("C007", "scrape-interval-too-long", Warning, "a scrape interval too long for the shortest window");
}

pub(crate) fn run(plan: &Plan, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    let Some(interval) = snapshot.scrape_interval else { return };
    let window = BASE_WINDOW;
    if interval.millis() * 4 > window.millis() {
        out.push(
            Diagnostic::new(
                &CODE,
                plan.service_span.clone(),
                format!(
                    "the server scrapes every {}: fewer than 4 samples in the {} window",
                    format_duration(interval),
                    format_duration(window)
                ),
            )
            .with_label("scraped too rarely for these objectives")
            .with_help(format!(
                "scrape every {} or faster",
                format_duration(sloc_promql::Duration(window.millis() / 4))
            )),
        );
    }
}
