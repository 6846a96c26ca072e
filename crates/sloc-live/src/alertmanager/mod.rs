//! Checks of an Alertmanager configuration against the specs' alerts (`sloc check
//! --alertmanager URL` or `--alertmanager-config FILE`): for the label set of every alert a spec
//! generates, the routing tree and the inhibit rules are evaluated as Alertmanager does, and
//! every finding points into the configuration.

use sloc_alertmanager::{Config, Labels};
use sloc_diagnostics::{Code, Diagnostic};
use sloc_plan::{Objective, Plan, TierPlan};

pub mod cross_objective_inhibition;
pub mod missing_inhibition;
pub mod null_receiver;
pub mod tier_misrouted;
pub mod tier_unrouted;

/// Every code of the checks against an Alertmanager.
pub static ALERTMANAGER_CODES: &[&Code] = &[
    &tier_unrouted::CODE,
    &tier_misrouted::CODE,
    &null_receiver::CODE,
    &missing_inhibition::CODE,
    &cross_objective_inhibition::CODE,
    &sloc_alertmanager::UNREADABLE_CONFIG,
];

/// The value a `group_by` label stands for: some value, the same on every tier of one
/// objective and group, absent on an objective without the label.
pub const GROUP_VALUE: &str = "<group_by value>";

/// Another value of a `group_by` label, for alerts of another group of the same objective.
pub const OTHER_GROUP_VALUE: &str = "<another group_by value>";

/// One alert a spec generates.
pub(crate) struct Alert<'a> {
    pub objective: &'a Objective,
    pub tier: &'a TierPlan,
    pub labels: Labels,
}

impl Alert<'_> {
    /// `the critical alert of service/slo`, for messages.
    pub fn name(&self) -> String {
        format!("the {} alert of {}/{}", self.tier.name, self.objective.service, self.objective.name)
    }
}

/// Findings that differ only in the objective, as one finding naming them all: the same
/// route catching the warning alerts of five objectives is one problem.
pub(crate) struct Grouped<K> {
    entries: Vec<(K, Vec<String>)>,
}

impl<K: PartialEq> Grouped<K> {
    pub fn new() -> Self {
        Grouped { entries: Vec::new() }
    }

    pub fn add(&mut self, key: K, alert: &Alert<'_>) {
        let name = format!("{}/{}", alert.objective.service, alert.objective.name);
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, names)) if !names.contains(&name) => names.push(name),
            Some(_) => {}
            None => self.entries.push((key, vec![name])),
        }
    }

    /// Each key with the objectives, written `a/x, a/y`.
    pub fn into_iter(self) -> impl Iterator<Item = (K, String)> {
        self.entries.into_iter().map(|(k, names)| (k, names.join(", ")))
    }
}

pub(crate) fn alerts<'a>(plans: &[&'a Plan]) -> Vec<Alert<'a>> {
    let mut out = Vec::new();
    for objective in plans.iter().flat_map(|p| &p.objectives) {
        for tier in &objective.tiers {
            let mut labels: Labels = tier.alert_label_set(objective).into_iter().collect();
            for g in &objective.group_by {
                labels.insert(g.clone(), GROUP_VALUE.to_string());
            }
            out.push(Alert { objective, tier, labels });
        }
    }
    out
}

/// Compares the configuration with the plans' alerts.
pub fn check(config: &Config, plans: &[&Plan]) -> Vec<Diagnostic> {
    let alerts = alerts(plans);
    let mut out = Vec::new();
    tier_unrouted::run(config, &alerts, &mut out);
    tier_misrouted::run(config, &alerts, &mut out);
    null_receiver::run(config, &alerts, &mut out);
    missing_inhibition::run(config, &alerts, &mut out);
    cross_objective_inhibition::run(config, &alerts, &mut out);
    out
}
