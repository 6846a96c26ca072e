use sloc_diagnostics::{Diagnostic, declare_code};

use crate::{Decimal, ResolvedTier, Slo};

declare_code! {
    /// ## What it does
    /// Reports an alert tier that can never fire: its burn factor times the error budget is 1 or
    /// more, so the error ratio would have to exceed 100 %.
    ///
    /// ## Example
    /// A 90 % objective has a 10 % budget; the critical tier's 14.4x needs an error ratio of
    /// 144 %.
    ///
    /// ## Fix
    /// Disable the tier (`alerting: {disable: [critical]}`), or raise the objective
    /// (SRE workbook, "Extreme availability goals").
    pub CODE = ("S008", "tier-never-fires", Error, "an alert tier whose threshold is above 100 % errors");
}

pub(crate) fn run(slo: &Slo, tiers: &[ResolvedTier], out: &mut Vec<Diagnostic>) {
    let budget = slo.error_budget();
    for tier in tiers {
        let threshold = tier.factor * budget;
        if threshold >= Decimal::ONE {
            let span = tier.span.clone().unwrap_or_else(|| slo.objective.span.clone());
            out.push(
                Diagnostic::new(
                    &CODE,
                    span,
                    format!(
                        "the {} tier of `{}` can never fire: {}x the {}% error budget is an error ratio of {}%",
                        tier.name,
                        slo.name.value,
                        tier.factor,
                        budget.mul_ratio(100, 1),
                        threshold.mul_ratio(100, 1)
                    ),
                )
                .with_label("budget too large for this tier")
                .with_help(format!(
                    "disable the tier with `alerting: {{disable: [{}]}}`, or raise the objective",
                    tier.severity.name()
                )),
            );
        }
    }
}
