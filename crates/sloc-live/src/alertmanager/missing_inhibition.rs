use sloc_alertmanager::Config;
use sloc_diagnostics::{Diagnostic, declare_code};

use super::{Alert, Grouped};

declare_code! {
    /// ## What it does
    /// Reports a lower SLO tier that no inhibit rule mutes while a higher tier of the same
    /// objective (and `group_by` value) fires: the warning and info alerts of a burn that
    /// already pages.
    ///
    /// ## Why it matters
    /// A fast burn trips every tier (SRE workbook, chapter 5: "you need to implement alert
    /// suppression"). Without inhibition the person paged also gets a ticket and a review
    /// item for the same incident.
    ///
    /// ## Example
    /// ```yaml
    /// inhibit_rules:
    ///   - source_matchers: ['severity="critical"']
    ///     target_matchers: ['severity="warning"']
    ///     equal: [alertname, severity]     # severity differs: never inhibits
    /// ```
    ///
    /// ## Fix
    /// Append the `inhibit_rules` of `sloc build --format alertmanager`: critical mutes
    /// warning and info, warning mutes info, with `equal: [service, slo, <group_by labels>]`.
    pub CODE = ("A004", "missing-inhibition", Warning, "a lower SLO tier not muted by a higher one of the same objective");
}

pub(crate) fn run(config: &Config, alerts: &[Alert<'_>], out: &mut Vec<Diagnostic>) {
    let mut grouped = Grouped::new();
    for higher in alerts {
        let same_objective =
            |l: &&Alert<'_>| std::ptr::eq(l.objective, higher.objective) && l.tier.severity > higher.tier.severity;
        for lower in alerts.iter().filter(same_objective) {
            if config.inhibitions(&higher.labels, &lower.labels).is_empty() {
                grouped.add((higher.tier.severity(), lower.tier.severity()), lower);
            }
        }
    }
    for ((higher, lower), objectives) in grouped.into_iter() {
        out.push(
            Diagnostic::new(
                &CODE,
                config.inhibit_span.clone(),
                format!("no inhibit rule mutes the {lower} alerts while a {higher} alert of the same objective fires: {objectives}"),
            )
            .with_label(format!("{higher} does not inhibit {lower}"))
            .with_help("append the `inhibit_rules` of `sloc build --format alertmanager`"),
        );
    }
}
