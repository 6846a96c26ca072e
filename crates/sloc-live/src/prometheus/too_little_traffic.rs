use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_plan::Plan;

use super::Snapshot;

declare_code! {
    /// ## What it does
    /// Reports an objective whose error budget over the period is less than one event at the
    /// traffic the server has seen: `budget × events over the period < 1`.
    ///
    /// ## Why it matters
    /// With 500 requests a month, a 99.9 % objective allows half a failed request: the first
    /// failure exhausts the budget, and the objective means nothing (SRE workbook,
    /// "Low-traffic services").
    ///
    /// ## Fix
    /// Lower the objective, lengthen the period, group services, or add synthetic traffic.
    pub CODE = ("C010", "too-little-traffic", Warning, "an error budget of less than one event");
}

pub(crate) fn run(plan: &Plan, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    for objective in &plan.objectives {
        let Some(query) = objective.traffic_query() else { continue };
        let Some(&events) = snapshot.traffic.get(&query) else { continue };
        let budget = objective.budget.to_f64();
        if events.is_finite() && events * budget < 1.0 {
            out.push(
                Diagnostic::new(
                    &CODE,
                    objective.objective_span.clone(),
                    format!(
                        "{events:.0} events over the period: a {}% error budget is {:.2} events",
                        objective.budget.mul_ratio(100, 1),
                        events * budget
                    ),
                )
                .with_label("budget below one event")
                .with_help("lower the objective, lengthen the period, or add synthetic traffic"),
            );
        }
    }
}
