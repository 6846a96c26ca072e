use sloc_alertmanager::Config;
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
            alerts
                .iter()
                .filter(move |target| !std::ptr::eq(source.objective, target.objective))
                .filter(|target| rule.inhibits(&source.labels, &target.labels))
                .map(move |target| (source, target))
        });
        let Some((source, target)) = crossing.next() else { continue };
        let more = crossing.count();
        let others = if more > 0 { format!(" (and {more} more pairs)") } else { String::new() };
        out.push(
            Diagnostic::new(&CODE, rule.span.clone(), format!("{} mutes {}{others}", source.name(), target.name()))
                .with_label("inhibits across objectives")
                .with_help("add `slo` and the `group_by` labels to `equal`"),
        );
    }
}
