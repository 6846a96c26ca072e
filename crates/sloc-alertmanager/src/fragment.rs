//! The Alertmanager fragment of `sloc build --format alertmanager`: one route for the specs'
//! alerts, a child per tier to the tier's receiver, and inhibit rules by which a tier mutes the
//! lower tiers of the same objective (and `group_by` value), never another objective's.

use std::collections::BTreeSet;

use sloc_plan::{IDENTITY_LABELS, Objective, Plan, Tier, TierPlan};
use sloc_promql::Duration;
use sloc_yaml::Emitter;

/// Where the fragment goes, written at its top.
const PLACEMENT: &str = "Place `route` first under the root route's `routes:` (before any route that would catch these
alerts), and append the entries of `inhibit_rules` to the configuration's `inhibit_rules:`.";

/// The fragment for the plans' alerts, as one YAML document with `route` and `inhibit_rules`,
/// headed with `notice`.
pub fn fragment(plans: &[&Plan], notice: &str) -> String {
    let mut e = Emitter::new();
    e.comment(0, notice);
    e.comment(0, "Alertmanager routes and inhibit rules for the SLO alerts: each tier reaches its receiver, and a tier mutes\nthe lower tiers of the same objective.");
    e.comment(0, PLACEMENT);
    let receivers: BTreeSet<&str> =
        plans.iter().flat_map(|p| &p.objectives).flat_map(|o| &o.tiers).map(|t| t.receiver.as_str()).collect();
    e.comment(
        0,
        &format!("Define these receivers in `receivers:`: {}.", receivers.into_iter().collect::<Vec<_>>().join(", ")),
    );
    e.key(0, false, "route");
    match plans {
        [plan] => service_route(&mut e, 2, false, plan),
        _ => {
            let services: Vec<String> = plans.iter().map(|p| regex_literal(&p.service)).collect();
            matchers(&mut e, 2, false, "matchers", &[format!("service=~{}", quote(&services.join("|")))]);
            e.key(2, false, "routes");
            for plan in plans {
                service_route(&mut e, 4, true, plan);
            }
        }
    }
    e.key(0, false, "inhibit_rules");
    let rules: Vec<String> = plans.iter().flat_map(|p| inhibit_rules(p)).collect();
    if rules.is_empty() {
        e.comment(2, "No objective has two tiers: nothing to inhibit.");
        let mut text = e.finish();
        text = text.replace("inhibit_rules:\n", "inhibit_rules: []\n");
        return text;
    }
    let mut text = e.finish();
    for rule in rules {
        text.push_str(&rule);
    }
    text
}

/// `value` as a regular expression matching itself. (`-` is special only in classes, which
/// Alertmanager's anchored patterns here never open, so names stay readable.)
fn regex_literal(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn quote(value: &str) -> String {
    sloc_promql::quote_string(value)
}

/// `service="x"` and the objectives' names: only sloc's alerts of this service.
fn scope(plan: &Plan) -> Vec<String> {
    let names: Vec<String> = plan.objectives.iter().map(|o| regex_literal(&o.name)).collect();
    let [service, slo] = IDENTITY_LABELS;
    vec![format!("{service}={}", quote(&plan.service)), format!("{slo}=~{}", quote(&names.join("|")))]
}

fn matchers(e: &mut Emitter, indent: usize, item: bool, key: &str, list: &[String]) {
    e.key(indent, item, key);
    let inner = indent + if item { 2 } else { 0 };
    for m in list {
        e.item(inner + 2, m);
    }
}

fn service_route(e: &mut Emitter, indent: usize, item: bool, plan: &Plan) {
    let inner = indent + if item { 2 } else { 0 };
    matchers(e, indent, item, "matchers", &scope(plan));
    let mut group_by: Vec<String> = std::iter::once("alertname").chain(IDENTITY_LABELS).map(str::to_string).collect();
    group_by.extend(group_by_labels(plan));
    e.raw(inner, false, "group_by", &format!("[{}]", group_by.join(", ")));
    e.key(inner, false, "routes");
    // Objectives whose receivers differ from the service's most common set get a route of
    // their own, first.
    let sets: Vec<Vec<(&str, &str)>> = plan.objectives.iter().map(receiver_set).collect();
    let common = sets
        .iter()
        .max_by_key(|s| (sets.iter().filter(|t| t == s).count(), std::cmp::Reverse(sets.iter().position(|t| t == *s))))
        .cloned()
        .unwrap_or_default();
    for (objective, set) in plan.objectives.iter().zip(&sets) {
        if *set != common {
            matchers(e, inner + 2, true, "matchers", &[format!("slo={}", quote(&objective.name))]);
            e.key(inner + 4, false, "routes");
            for tier in &objective.tiers {
                tier_route(e, inner + 6, tier);
            }
        }
    }
    let mut written: Vec<&str> = Vec::new();
    for objective in plan.objectives.iter().zip(&sets).filter(|(_, s)| **s == common).map(|(o, _)| o) {
        for tier in &objective.tiers {
            if !written.contains(&tier.severity()) {
                written.push(tier.severity());
                tier_route(e, inner + 2, tier);
            }
        }
    }
}

fn receiver_set(objective: &Objective) -> Vec<(&'static str, &str)> {
    objective.tiers.iter().map(|t| (t.severity(), t.receiver.as_str())).collect()
}

fn tier_route(e: &mut Emitter, indent: usize, tier: &TierPlan) {
    e.comment(indent, &format!("{}: {}", tier.severity(), tier.meaning));
    matchers(e, indent, true, "matchers", &[format!("severity={}", quote(tier.severity()))]);
    let inner = indent + 2;
    e.scalar(inner, false, "receiver", &tier.receiver);
    e.scalar(inner, false, "group_wait", &hours(tier.notify.group_wait));
    e.scalar(inner, false, "group_interval", &hours(tier.notify.group_interval));
    e.scalar(inner, false, "repeat_interval", &hours(tier.notify.repeat_interval));
}

/// A duration in hours, minutes or seconds (`24h`, not `1d`, as Alertmanager's examples write).
fn hours(d: Duration) -> String {
    let secs = d.millis() / 1000;
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Every `group_by` label of the service's objectives, sorted.
fn group_by_labels(plan: &Plan) -> Vec<String> {
    let labels: BTreeSet<&String> = plan.objectives.iter().flat_map(|o| &o.group_by).collect();
    labels.into_iter().cloned().collect()
}

/// For each tier, an inhibit rule muting every lower tier of the same objective and group.
/// `equal` holds `service`, `slo` and every `group_by` label: an objective without the label
/// has it missing on both alerts, which Alertmanager counts as equal.
fn inhibit_rules(plan: &Plan) -> Vec<String> {
    let mut equal: Vec<String> = IDENTITY_LABELS.iter().map(|l| l.to_string()).collect();
    equal.extend(group_by_labels(plan));
    let severities: Vec<Tier> =
        Tier::ALL.into_iter().filter(|t| plan.objectives.iter().any(|o| o.tier(*t).is_some())).collect();
    let mut out = Vec::new();
    for (i, source) in severities.iter().enumerate() {
        let targets: Vec<&str> = severities[i + 1..].iter().map(|t| t.name()).collect();
        if targets.is_empty() {
            continue;
        }
        let target = match targets.as_slice() {
            [one] => format!("severity={}", quote(one)),
            many => format!("severity=~{}", quote(&many.join("|"))),
        };
        let mut e = Emitter::new();
        let mut source_matchers = scope(plan);
        source_matchers.push(format!("severity={}", quote(source.name())));
        let mut target_matchers = scope(plan);
        target_matchers.push(target);
        matchers(&mut e, 2, true, "source_matchers", &source_matchers);
        matchers(&mut e, 4, false, "target_matchers", &target_matchers);
        e.raw(4, false, "equal", &format!("[{}]", equal.join(", ")));
        out.push(e.finish());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_each_tier_and_inhibits_within_an_objective() {
        let (spec, d) = sloc_spec::parse_spec(
            "service: api\nalerting: {receivers: {critical: pager}}\nslos:\n  - name: a\n    objective: 99.9\n    \
             group_by: [region]\n    sli: {errors: 'e{x=\"1\"}', total: e}\n  - name: b\n    objective: 99\n    \
             alerting: {receivers: {info: review}}\n    sli: {errors: 'e{x=\"1\"}', total: e}\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let spec = spec.unwrap();
        let text = fragment(&[&sloc_plan::plan(&spec)], "header");
        let config = crate::read_config(&place(&text)).unwrap();
        let go = |slo: &str, severity: &str| -> Vec<String> {
            let labels = [("service", "api"), ("slo", slo), ("severity", severity)];
            let labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            config.deliveries(&labels).iter().map(|d| d.receiver.to_string()).collect()
        };
        assert_eq!(go("c", "critical"), ["default"], "another objective's alerts are not caught");
        assert_eq!(go("a", "critical"), ["pager"]);
        assert_eq!(go("a", "warning"), ["api-warning"]);
        assert_eq!(go("a", "info"), ["api-info"]);
        assert_eq!(go("b", "info"), ["review"]);
        assert_eq!(go("b", "critical"), ["pager"]);
        assert_eq!(config.inhibit_rules.len(), 2);
        assert_eq!(config.inhibit_rules[0].equal, ["service", "slo", "region"]);
    }

    /// The fragment placed in a configuration as its header says.
    pub(crate) fn place(fragment: &str) -> String {
        let mut out = String::from("route:\n  receiver: default\n  routes:\n");
        let (mut in_route, mut first) = (false, false);
        for line in fragment.lines() {
            if line == "route:" {
                (in_route, first) = (true, true);
                continue;
            }
            if in_route && line.starts_with("  ") {
                out.push_str(if std::mem::take(&mut first) { "    - " } else { "      " });
                out.push_str(&line[2..]);
                out.push('\n');
                continue;
            }
            in_route = false;
            if !line.starts_with('#') {
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push_str("receivers:\n");
        for name in ["default", "pager", "review", "api-warning", "api-info"] {
            out.push_str(&format!("  - name: {name}\n"));
        }
        out
    }
}
