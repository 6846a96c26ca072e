use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_spec::{Decimal, Tier};

use crate::SpecContext;

declare_code! {
    /// ## What it does
    /// Reports an objective so high for its expected `traffic` that a single failed event
    /// pages: one failure in the critical tier's 1h window is already an error ratio above
    /// its threshold.
    ///
    /// ## Why it matters
    /// At 10 requests per hour, one failure is a 10 % hourly error ratio: for a 99.9 %
    /// objective, a 100x burn that pages at once (SRE workbook, "Low-traffic services").
    ///
    /// ## Example
    /// ```yaml
    /// objective: 99.9
    /// traffic: 20/h
    /// ```
    ///
    /// ## Fix
    /// Lower the objective, lengthen the period, add synthetic traffic, or group low-traffic
    /// services into one objective.
    ///
    /// ## What it assumes
    /// Traffic is steady at the spec's `traffic` rate, so the critical tier's long window holds
    /// `traffic × long` events; one of them failing is an error ratio of `1 / events`.
    ///
    /// ## Default
    /// On (specs only): computed from the spec's expected `traffic`.
    pub CODE = ("O006", "one-failure-pages", Warning, "one failed event is enough to page");
}

pub(crate) fn run(cx: &SpecContext, out: &mut Vec<Diagnostic>) {
    for slo in &cx.spec.slos {
        // The paging tier that fires on the smallest error ratio.
        let critical = cx.spec.tiers_of(slo).into_iter().filter(|t| t.severity == Tier::Critical).map(|t| t.factor);
        let Some(factor) = critical.min() else { continue };
        let (Some(per_hour), Some(traffic)) = (slo.traffic_per_hour(), slo.traffic.as_ref()) else { continue };
        let threshold = factor * slo.error_budget();
        // One failure among `per_hour` events is a ratio of 1 / per_hour.
        if per_hour * threshold >= Decimal::ONE {
            continue;
        }
        let needed = 1.0 / threshold.to_f64();
        out.push(
            Diagnostic::new(
                &CODE,
                traffic.span.clone(),
                format!(
                    "at {per_hour} events per hour one failure is {:.3}% of the hour, above the critical threshold of {}%: a single failure pages",
                    100.0 / per_hour.to_f64(),
                    threshold.mul_ratio(100, 1)
                ),
            )
            .with_label("too little traffic for this objective")
            .with_related(slo.objective.span.clone(), "objective")
            .with_help(format!("paging needs at least {needed:.0} events per hour; lower the objective or add synthetic traffic")),
        );
    }
}
