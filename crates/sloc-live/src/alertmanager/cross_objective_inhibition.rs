use sloc_alertmanager::{Config, Labels};
use sloc_diagnostics::{Diagnostic, declare_code};

use super::Alert;

declare_code! {
    /// ## What it does
    /// Reports an inhibit rule through which one objective's alert mutes another objective's
    /// (or another `group_by` value's, when both carry the label): `equal` lacks `slo`, or
    /// names only labels the two alerts share.
    ///
    /// ## Why it matters
    /// A critical burn of `availability` then hides a warning of `latency`: a second problem
    /// goes unnoticed until the first is over. kube-prometheus' stock rule (`equal:
    /// [alertname]`) does this to every objective that shares an alert name, as Pyrra's do.
    ///
    /// ## Example
    /// ```yaml
    /// inhibit_rules:
    ///   - source_matchers: ['severity="critical"']
    ///     target_matchers: ['severity="warning"']
    ///     equal: [service]
    /// ```
    ///
    /// ## Fix
    /// Add `slo` and the objectives' `group_by` labels to `equal`, as the rules of `sloc build
    /// --format alertmanager` do.
    pub CODE = ("A005", "cross-objective-inhibition", Error, "an inhibit rule by which one objective mutes another");
}

pub(crate) fn run(config: &Config, alerts: &[Alert<'_>], out: &mut Vec<Diagnostic>) {
    for rule in &config.inhibit_rules {
        let mut crossing = alerts.iter().flat_map(|source| {
            others(alerts, source)
                .into_iter()
                .filter(|(labels, _)| rule.inhibits(&source.labels, labels))
                .map(move |(_, name)| (source.name(), name))
        });
        let Some((source, target)) = crossing.next() else { continue };
        let more = crossing.count();
        let others = if more > 0 { format!(" (and {more} more pairs)") } else { String::new() };
        out.push(
            Diagnostic::new(&CODE, rule.span.clone(), format!("{source} mutes {target}{others}"))
                .with_label("inhibits across objectives")
                .with_help("add `slo` and the `group_by` labels to `equal`"),
        );
    }
}

/// The alerts `source` must never mute, with their labels and names: another objective's, and,
/// for objectives with `group_by`, the same objective's lower tiers of another group (another
/// provider's page muting this provider's ticket).
fn others(alerts: &[Alert<'_>], source: &Alert<'_>) -> Vec<(Labels, String)> {
    alerts
        .iter()
        .filter_map(|target| {
            if !std::ptr::eq(source.objective, target.objective) {
                return Some((target.labels.clone(), target.name()));
            }
            let groups = &target.objective.group_by;
            (!groups.is_empty() && target.tier.severity != source.tier.severity).then(|| {
                let mut labels = target.labels.clone();
                for g in groups {
                    labels.insert(g.clone(), super::OTHER_GROUP_VALUE.to_string());
                }
                (labels, format!("{} for another {}", target.name(), groups.join(", ")))
            })
        })
        .collect()
}
