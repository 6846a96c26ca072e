use sloc_alertmanager::Config;
use sloc_diagnostics::{Diagnostic, declare_code};

use super::{Alert, Grouped};

declare_code! {
    /// ## What it does
    /// Reports an SLO alert tier that no route of the Alertmanager configuration matches, so
    /// that it lands on the root route's default receiver.
    ///
    /// ## Why it matters
    /// The default receiver is where alerts nobody planned for go: often a catch-all channel
    /// nobody watches. A page that arrives there wakes nobody.
    ///
    /// ## Example
    /// ```yaml
    /// route:
    ///   receiver: default
    ///   routes:
    ///     - matchers: ['team="db"']     # the SLO alerts carry no team label
    ///       receiver: db-pager
    /// ```
    ///
    /// ## Fix
    /// Place the route of `sloc build --format alertmanager` under the root route's `routes:`.
    pub CODE = ("A001", "tier-unrouted", Error, "an SLO alert tier that reaches the default receiver");
}

pub(crate) fn run(config: &Config, alerts: &[Alert<'_>], out: &mut Vec<Diagnostic>) {
    let mut grouped = Grouped::new();
    for alert in alerts {
        for delivery in config.deliveries(&alert.labels).iter().filter(|d| d.by_root) {
            grouped.add((alert.tier.severity(), delivery.receiver, delivery.route_span.clone()), alert);
        }
    }
    for ((severity, receiver, span), objectives) in grouped.into_iter() {
        out.push(
            Diagnostic::new(
                &CODE,
                span,
                format!(
                    "the {severity} alerts of {objectives} match no route: they reach the default receiver `{receiver}`"
                ),
            )
            .with_label("the root route catches them")
            .with_help("place the route of `sloc build --format alertmanager` under this route's `routes:`"),
        );
    }
}
