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

/// A check of an Alertmanager configuration against every alert the plans generate. One file
/// per check, named after it.
pub struct AlertmanagerCheck {
    pub code: &'static Code,
    pub(crate) run: fn(&Config, &[Alert<'_>], &mut Vec<Diagnostic>),
}

/// Every check against an Alertmanager, in the order findings are reported.
pub static ALERTMANAGER_CHECKS: &[AlertmanagerCheck] = &[
    AlertmanagerCheck { code: &tier_unrouted::CODE, run: tier_unrouted::run },
    AlertmanagerCheck { code: &tier_misrouted::CODE, run: tier_misrouted::run },
    AlertmanagerCheck { code: &null_receiver::CODE, run: null_receiver::run },
    AlertmanagerCheck { code: &missing_inhibition::CODE, run: missing_inhibition::run },
    AlertmanagerCheck { code: &cross_objective_inhibition::CODE, run: cross_objective_inhibition::run },
];

/// Every code of the checks against an Alertmanager, and its configuration being unreadable.
pub fn alertmanager_codes() -> Vec<&'static Code> {
    ALERTMANAGER_CHECKS.iter().map(|c| c.code).chain([&sloc_alertmanager::UNREADABLE_CONFIG]).collect()
}

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
    for check in ALERTMANAGER_CHECKS {
        (check.run)(config, &alerts, &mut out);
    }
    out
}
