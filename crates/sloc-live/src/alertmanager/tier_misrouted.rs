use sloc_alertmanager::Config;
use sloc_diagnostics::{Diagnostic, declare_code};

use super::{Alert, Grouped};

declare_code! {
    /// ## What it does
    /// Reports an SLO alert tier that a route sends to another receiver than the one its spec
    /// names (`alerting.receivers`, by default `<service>-<tier>`), and says when that
    /// receiver is another tier's: a warning that pages, a page that becomes a ticket.
    ///
    /// ## Why it matters
    /// The tiers exist so that a fast burn wakes someone and a slow one does not. Routed to the
    /// wrong receiver, they do the opposite.
    ///
    /// ## Example
    /// ```yaml
    /// routes:
    ///   - matchers: ['service="oneflow"']   # every tier of oneflow, the warning and info too
    ///     receiver: oneflow-pager
    /// ```
    ///
    /// ## Fix
    /// Route on `severity` as the fragment of `sloc build --format alertmanager` does, or
    /// change the spec's `alerting.receivers` to the receiver you mean.
    pub CODE = ("A002", "tier-misrouted", Error, "an SLO alert tier routed to another receiver than its own");
}

pub(crate) fn run(config: &Config, alerts: &[Alert<'_>], out: &mut Vec<Diagnostic>) {
    let mut grouped = Grouped::new();
    for alert in alerts {
        let deliveries = config.deliveries(&alert.labels);
        if deliveries.iter().any(|d| d.by_root) || deliveries.iter().any(|d| d.receiver == alert.tier.receiver) {
            continue; // Unrouted (A001), or it also reaches its own receiver.
        }
        for delivery in &deliveries {
            let other = alert
                .objective
                .tiers
                .iter()
                .find(|t| t.severity != alert.tier.severity && t.receiver == delivery.receiver)
                .map(|t| t.severity());
            let key = (alert.tier.severity(), delivery.receiver, alert.tier.receiver.as_str(), other);
            grouped.add((key, delivery.route_span.clone()), alert);
        }
    }
    for (((severity, receiver, expected, other), span), objectives) in grouped.into_iter() {
        let other = other.map(|o| format!(", the receiver of {o} alerts")).unwrap_or_default();
        out.push(
            Diagnostic::new(
                &CODE,
                span,
                format!("the {severity} alerts of {objectives} reach `{receiver}`{other}; the spec routes them to `{expected}`"),
            )
            .with_label(format!("{severity} alerts end here"))
            .with_help("match `severity` in a child route, as `sloc build --format alertmanager` does"),
        );
    }
}
