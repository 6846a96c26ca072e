use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_spec::{Decimal, Tier};

use crate::SpecContext;

declare_code! {
    /// ## What it does
    /// Reports a paging (critical) tier whose burn factor is below 1. The factor is
    /// `2 % × period / 1h`, so it falls below 1 for periods under about 2 days.
    ///
    /// ## Why it matters
    /// A burn factor below 1 pages while the service spends its budget slower than it earns
    /// it, that is, while it meets its objective.
    ///
    /// ## Fix
    /// Use a longer period (7d or more), or disable the critical tier.
    ///
    /// ## Default
    /// On (specs only).
    pub CODE = ("O003", "paging-factor-below-one", Warning, "a paging tier with a burn factor below 1");
}

pub(crate) fn run(cx: &SpecContext, out: &mut Vec<Diagnostic>) {
    let period = cx.spec.period();
    let factor = Tier::Critical.policy().factor(period);
    if factor >= Decimal::ONE {
        return;
    }
    let span = cx.spec.period.as_ref().map_or(cx.spec.service.span.clone(), |p| p.span.clone());
    let paging: Vec<&str> =
        cx.spec.slos.iter().filter(|s| s.alerting.is_enabled(Tier::Critical)).map(|s| s.name.value.as_str()).collect();
    if paging.is_empty() {
        return;
    }
    out.push(
        Diagnostic::new(&CODE, span, format!("over this period the critical tier's burn factor is {factor}, below 1: it pages while the budget lasts ({})", paging.join(", ")))
            .with_label("period too short for paging")
            .with_help("use a period of 7d or more, or `alerting: {disable: [critical]}`"),
    );
}
