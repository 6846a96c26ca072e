use sloc_alertmanager::Config;
use sloc_diagnostics::{Diagnostic, declare_code};

use super::{Alert, Grouped};

declare_code! {
    /// ## What it does
    /// Reports an SLO alert tier whose receiver has no integration (no `*_configs`): a null
    /// receiver, which drops every notification, or a receiver the configuration lacks.
    ///
    /// ## Why it matters
    /// A null receiver is a way to silence alerts during a burn-in. Left on a paging tier, the
    /// objective can be breached with nobody told.
    ///
    /// ## Example
    /// ```yaml
    /// receivers:
    ///   - name: oneflow-pager      # no pagerduty_configs, webhook_configs, ...
    /// ```
    ///
    /// ## Fix
    /// Give the receiver an integration, or disable the tier in the spec
    /// (`alerting: {disable: [info]}`) if nobody should hear of it.
    pub CODE = ("A003", "null-receiver", Warning, "an SLO alert tier whose receiver notifies nobody");
}

pub(crate) fn run(config: &Config, alerts: &[Alert<'_>], out: &mut Vec<Diagnostic>) {
    let mut grouped = Grouped::new();
    for alert in alerts {
        for delivery in config.deliveries(&alert.labels) {
            if config.receiver(delivery.receiver).is_none_or(|r| r.integrations == 0) {
                grouped.add((delivery.receiver, alert.tier.severity(), delivery.route_span.clone()), alert);
            }
        }
    }
    for ((receiver, severity, route_span), objectives) in grouped.into_iter() {
        let (span, what) = match config.receiver(receiver) {
            Some(r) => (r.name.span.clone(), "has no integration: it notifies nobody"),
            None => (route_span, "is not defined in `receivers:`"),
        };
        out.push(
            Diagnostic::new(
                &CODE,
                span,
                format!("`{receiver}`, the receiver of the {severity} alerts of {objectives}, {what}"),
            )
            .with_label("a null receiver")
            .with_help(
                "add an integration (`pagerduty_configs`, `webhook_configs`, ...), or disable the tier in the spec",
            ),
        );
    }
}
