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

/// A place in the spec, and the objective there.
type Place<'a> = (std::ops::Range<usize>, &'a str);

/// One finding per selector, however many objectives read it: at its first place, with the
/// others as related places.
pub(crate) fn run(plan: &Plan, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    // (selector, its places with the objective there), in the order of the spec.
    let mut unmatched: Vec<(&str, Vec<Place<'_>>)> = Vec::new();
    for objective in &plan.objectives {
        // A histogram of the other kind is histogram-kind's to report.
        let other_kind = objective.indicator.latency.as_ref().map(|l| &l.other_kind);
        if other_kind.is_some_and(|s| snapshot.series.get(s).is_some_and(|&n| n > 0)) {
            continue;
        }
        for (selector, span) in &objective.indicator.selectors {
            if snapshot.series.get(selector) != Some(&0) {
                continue;
            }
            let place = (span.clone(), objective.name.as_str());
            match unmatched.iter_mut().find(|(s, _)| s == selector) {
                Some((_, places)) => places.push(place),
                None => unmatched.push((selector, vec![place])),
            }
        }
    }
    for (selector, places) in unmatched {
        let names: Vec<String> = places.iter().map(|(_, name)| format!("`{name}`")).collect();
        let mut finding = Diagnostic::new(
            &CODE,
            places[0].0.clone(),
            format!("`{selector}` matches no series on the server (last hour)"),
        )
        .with_label(format!("no data for {}", names.join(", ")))
        .with_help("check the metric and label names in the server's query page, and that the service is scraped");
        for (span, name) in &places[1..] {
            finding = finding.with_related(span.clone(), format!("read by `{name}` too"));
        }
        out.push(finding);
    }
}
