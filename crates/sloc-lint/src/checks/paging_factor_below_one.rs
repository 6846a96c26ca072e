use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_spec::{Decimal, Tier};

use crate::SpecContext;

declare_code! {
    /// ## What it does
    /// Reports a paging (critical) tier whose burn factor is below 1. The workbook's factor is
    /// `2 % × period / 1h`, so it falls below 1 for periods under about 2 days; a tier of the
    /// spec's own can say so directly.
    ///
    /// ## Why it matters
    /// A burn factor below 1 pages while the service spends its budget slower than it earns
    /// it, that is, while it meets its objective.
    ///
    /// ## Fix
    /// Use a longer period (7d or more), or disable the critical tier.
    ///
    /// ## What it assumes
    /// The factor is the settled tier's (`share × period / long`, or the spec's own `factor`),
    /// so it is exact; only `severity: critical` tiers page.
    ///
    /// ## Default
    /// On (specs only).
    pub CODE = ("O003", "paging-factor-below-one", Warning, "a paging tier with a burn factor below 1");
}

pub(crate) fn run(cx: &SpecContext, out: &mut Vec<Diagnostic>) {
    // Every paging tier below 1, by objective: one finding per period that causes it.
    let mut low: Vec<(Decimal, Option<std::ops::Range<usize>>, &str)> = Vec::new();
    for slo in &cx.spec.slos {
        for tier in
            cx.spec.tiers_of(slo).into_iter().filter(|t| t.severity == Tier::Critical && t.factor < Decimal::ONE)
        {
            let span = slo.period.as_ref().or(cx.spec.period.as_ref()).map(|p| p.span.clone());
            low.push((tier.factor, span.or(tier.span), &slo.name.value));
        }
    }
    let mut seen: Vec<(Decimal, Option<std::ops::Range<usize>>)> = Vec::new();
    for (factor, span, _) in &low {
        if seen.contains(&(*factor, span.clone())) {
            continue;
        }
        seen.push((*factor, span.clone()));
        let paging: Vec<&str> = low.iter().filter(|(f, s, _)| f == factor && s == span).map(|(_, _, n)| *n).collect();
        let span = span.clone().unwrap_or_else(|| cx.spec.service.span.clone());
        out.push(
            Diagnostic::new(
                &CODE,
                span,
                format!(
                    "the critical tier's burn factor is {factor}, below 1: it pages while the budget lasts ({})",
                    paging.join(", ")
                ),
            )
            .with_label("period too short for paging")
            .with_help("use a period of 7d or more, a factor of 1 or more, or `alerting: {disable: [critical]}`"),
        );
    }
}
