//! `sloc status`: one row per objective and `group_by` value, as the server sees it now.

use std::collections::BTreeMap;

use serde::Serialize;
use sloc_plan::{Counted, Objective, Plan, window_name};

use crate::{Labels, Source, Vector, by_group, evaluation_interval, group_key};

/// What the server says beyond queries.
#[derive(Debug, Clone, Default)]
pub struct ServerState {
    /// Active alerts: labels, `pending` or `firing`, and since when (RFC 3339).
    pub alerts: Vec<(Labels, String, Option<String>)>,
    /// The loaded rule groups and their evaluation intervals in seconds; `None` when the server
    /// does not say (then rules are not reported missing).
    pub groups: Option<Vec<(String, f64)>>,
}

/// One objective (and group) now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub service: String,
    pub slo: String,
    /// The `group_by` values of this row.
    pub labels: Labels,
    /// The objective as a ratio (0.999).
    pub objective: f64,
    pub period: String,
    /// Good events over the period, as a ratio; null without data.
    pub sli: Option<f64>,
    /// The share of the period's budget left: 1 untouched, negative overspent; null without data.
    pub budget_remaining: Option<f64>,
    /// The burn rate (error ratio / budget) over each window the tiers read.
    pub burn_rates: BTreeMap<String, Option<f64>>,
    /// Each tier's alert (by tier name: the severity for the workbook's tiers): `firing`,
    /// `pending` or `inactive`.
    pub alerts: BTreeMap<String, String>,
    /// The tiers, most severe first.
    #[serde(skip)]
    pub tiers: Vec<String>,
    /// Each tier's long window, most severe first: the burn rates that decide the alerts.
    #[serde(skip)]
    pub long_windows: Vec<String>,
    /// Since when each active tier has been pending or firing (RFC 3339).
    pub alerts_since: BTreeMap<String, String>,
    /// Seconds until the budget is spent at the burn rate over the most severe tier's long
    /// window; 0 when it is spent, null when it is not being spent.
    pub time_to_exhaustion: Option<f64>,
    /// Events over the period (slices for time-slice SLIs); null when the objective does not
    /// count events.
    pub events: Option<f64>,
    pub no_data: bool,
    /// Set when the server answered values no SLI can have (an error ratio outside [0, 1], a
    /// negative or infinite count): what it answered. The numbers derived from them are null.
    pub invalid_data: Option<String>,
    /// Fewer events over the period than one error's worth of budget: a single failure spends it.
    pub too_few_events: bool,
    /// Set when the server has not loaded the objective's rules: what is missing.
    pub missing_rules: Option<String>,
}

impl Status {
    pub fn is_firing(&self, severity: &str) -> bool {
        self.alerts.get(severity).is_some_and(|s| s == "firing")
    }
}

/// The window whose burn rate says how soon the budget runs out: the most severe tier's long
/// window (1h by default).
fn exhaustion_window(o: &Objective) -> sloc_promql::Duration {
    o.tiers.first().map_or(sloc_plan::BASE_WINDOW, |t| t.long)
}

/// Every tier window of the objective, shortest first.
pub fn burn_windows(o: &Objective) -> Vec<sloc_promql::Duration> {
    o.windows.iter().copied().filter(|w| o.tiers.iter().any(|t| t.long == *w || t.short == *w)).collect()
}

/// The rows of every objective of `plans`.
pub fn status<S: Source>(plans: &[Plan], source: &S, server: &ServerState) -> Result<Vec<Status>, S::Error> {
    let objectives: Vec<&Objective> = plans.iter().flat_map(|p| &p.objectives).collect();
    // Every instant query of every objective in one batch: the source runs them concurrently.
    let mut queries = Vec::new();
    let mut index = Vec::new();
    for o in &objectives {
        let start = queries.len();
        queries.push((o.ratio(o.period).to_string(), None));
        for w in burn_windows(o) {
            queries.push((o.ratio(w).to_string(), None));
        }
        if o.counted.recorded().is_some() {
            queries.push((o.sums_over(&window_name(o.period), "").1, None));
        }
        index.push(start..queries.len());
    }
    let mut answers = Vec::new();
    for answer in source.instant(queries) {
        answers.push(answer?);
    }
    let mut rows = Vec::new();
    for (o, range) in objectives.iter().zip(index) {
        rows.extend(objective_rows(o, &answers[range], server));
    }
    Ok(rows)
}

fn objective_rows(o: &Objective, answers: &[Vector], server: &ServerState) -> Vec<Status> {
    let windows = burn_windows(o);
    let period_ratio = by_group(o, &answers[0]);
    let collided = crate::collisions(o, &answers[0]);
    let window_ratios: Vec<BTreeMap<Labels, f64>> = answers[1..=windows.len()].iter().map(|a| by_group(o, a)).collect();
    let loaded = server.groups.as_ref().map(|g| g.iter().find(|(name, _)| *name == o.group_name).map(|(_, i)| *i));
    let interval = evaluation_interval(o, loaded.flatten());
    let events: Option<BTreeMap<Labels, f64>> = answers.get(windows.len() + 1).map(|a| {
        let scale = if matches!(o.counted, Counted::Events { .. }) { interval } else { 1.0 };
        by_group(o, a).into_iter().map(|(k, v)| (k, v * scale)).collect()
    });
    let alerts: Vec<(&str, Labels, &str, Option<&String>)> = server
        .alerts
        .iter()
        .filter_map(|(labels, state, since)| {
            let tier = o.tiers.iter().find(|t| t.alert_label_set(o).iter().all(|(k, v)| labels.get(k) == Some(v)))?;
            Some((tier.name.as_str(), group_key(o, labels), state.as_str(), since.as_ref()))
        })
        .collect();

    let mut groups: Vec<Labels> = period_ratio.keys().cloned().collect();
    for key in window_ratios.iter().flat_map(|m| m.keys()).chain(alerts.iter().map(|(_, k, _, _)| k)) {
        if !groups.contains(key) {
            groups.push(key.clone());
        }
    }
    if groups.is_empty() {
        groups.push(Labels::new());
    }
    groups.sort();
    let missing_rules = match loaded {
        Some(None) => Some(format!(
            "the server has not loaded the rule group `{}`, which records {} and {}: run `sloc build` and load its output",
            o.group_name,
            o.ratio_series(o.period),
            sloc_plan::names::BUDGET_REMAINING
        )),
        _ => None,
    };
    let budget = o.budget.to_f64();
    groups
        .into_iter()
        .map(|key| {
            let mut invalid = Vec::new();
            // Two series for one objective (or group): neither is the objective's, so neither is read.
            let ratio = if collided.contains(&key) {
                invalid.push(format!("several series of the error ratio over {}", window_name(o.period)));
                None
            } else {
                valid_ratio(period_ratio.get(&key).copied(), o.period, &mut invalid)
            };
            let budget_remaining = ratio.map(|r| 1.0 - r / budget);
            let burn_rates: BTreeMap<String, Option<f64>> = windows
                .iter()
                .zip(&window_ratios)
                .map(|(w, m)| {
                    (window_name(*w), valid_ratio(m.get(&key).copied(), *w, &mut invalid).map(|r| r / budget))
                })
                .collect();
            let burn = burn_rates.get(&window_name(exhaustion_window(o))).copied().flatten();
            let time_to_exhaustion = match (budget_remaining, burn) {
                (Some(r), _) if r <= 0.0 => Some(0.0),
                (Some(r), Some(b)) if b > 0.0 => Some(r * o.period.millis() as f64 / 1000.0 / b),
                _ => None,
            };
            let mut states = BTreeMap::new();
            let mut since = BTreeMap::new();
            for tier in &o.tiers {
                let active = alerts.iter().filter(|(s, k, _, _)| *s == tier.name && *k == key);
                // Firing outranks pending when a tier has both (two series of one group).
                let best = active.max_by_key(|(_, _, state, _)| *state == "firing");
                let state = best.map_or("inactive", |(_, _, state, _)| state);
                states.insert(tier.name.clone(), state.to_string());
                if let Some(t) = best.and_then(|(_, _, _, t)| *t) {
                    since.insert(tier.name.clone(), t.clone());
                }
            }
            let events = events.as_ref().map(|e| e.get(&key).copied().unwrap_or(0.0)).filter(|e| {
                let ok = e.is_finite() && *e >= 0.0;
                if !ok {
                    invalid.push(format!("{e} events over {}", window_name(o.period)));
                }
                ok
            });
            let invalid_data = (!invalid.is_empty()).then(|| invalid.join(", "));
            Status {
                service: o.service.clone(),
                slo: o.name.clone(),
                labels: key,
                objective: o.objective.to_f64(),
                period: window_name(o.period),
                sli: ratio.map(|r| 1.0 - r),
                budget_remaining,
                burn_rates,
                alerts: states,
                tiers: o.tiers.iter().map(|t| t.name.clone()).collect(),
                long_windows: o.tiers.iter().map(|t| window_name(t.long)).collect(),
                alerts_since: since,
                time_to_exhaustion,
                events,
                no_data: ratio.is_none() && invalid_data.is_none(),
                invalid_data,
                too_few_events: events.is_some_and(|e| e > 0.0 && e * budget < 1.0),
                missing_rules: missing_rules.clone(),
            }
        })
        .collect()
}

/// `ratio` when an error ratio can be it; otherwise none, and what the server answered is
/// added to `invalid`.
fn valid_ratio(ratio: Option<f64>, window: sloc_promql::Duration, invalid: &mut Vec<String>) -> Option<f64> {
    // A ratio of sums may exceed 1 by rounding, never by more.
    let r = ratio?;
    if r.is_finite() && (-1e-9..=1.0 + 1e-9).contains(&r) {
        return Some(r);
    }
    invalid.push(format!("an error ratio of {r} over {}", window_name(window)));
    None
}

/// Whether `--fail-on` holds: `budget` (a budget overspent), `critical` (a critical alert
/// firing), `warning` (a warning or critical alert firing).
pub fn fails(rows: &[Status], on: FailOn) -> bool {
    rows.iter().any(|r| match on {
        FailOn::Budget => r.budget_remaining.is_some_and(|b| b < 0.0),
        FailOn::Critical => r.is_firing("critical"),
        FailOn::Warning => r.is_firing("critical") || r.is_firing("warning"),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Budget,
    Critical,
    Warning,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Matrix;

    /// Answers by query text.
    struct Table(Vec<(String, Vector)>);

    impl Source for Table {
        type Error = String;
        fn instant(&self, queries: Vec<(String, Option<f64>)>) -> Vec<Result<Vector, String>> {
            queries
                .iter()
                .map(|(q, _)| Ok(self.0.iter().find(|(k, _)| k == q).map(|(_, v)| v.clone()).unwrap_or_default()))
                .collect()
        }
        fn range(&self, _: &str, _: f64, _: f64, _: f64) -> Result<Matrix, String> {
            Ok(Vec::new())
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn rows_per_group_with_budget_burn_and_alerts() {
        let (spec, d) = sloc_spec::parse_spec(
            "service: api\nslos:\n  - name: a\n    objective: 99\n    group_by: [region]\n    sli: {errors: 'e{x=\"1\"}', total: e}\n",
        );
        assert!(d.is_empty());
        let spec = spec.unwrap();
        let plan = sloc_plan::plan(&spec);
        let o = &plan.objectives[0];
        let eu = labels(&[("region", "eu"), ("service", "api"), ("slo", "a")]);
        let us = labels(&[("region", "us"), ("service", "api"), ("slo", "a")]);
        let table = Table(vec![
            (o.ratio(o.period).to_string(), vec![(eu.clone(), 0.015), (us.clone(), 0.002)]),
            (o.ratio(sloc_promql::Duration::from_secs(3600)).to_string(), vec![(eu.clone(), 0.2), (us.clone(), 0.0)]),
            (
                o.sums_over("30d", "").1,
                vec![(labels(&[("region", "eu")]), 1000.0), (labels(&[("region", "us")]), 10.0)],
            ),
        ]);
        let mut alert = labels(&[("alertname", "ApiAErrorBudgetBurn"), ("service", "api"), ("slo", "a")]);
        alert.insert("severity".into(), "critical".into());
        alert.insert("region".into(), "eu".into());
        let server = ServerState {
            alerts: vec![(alert, "firing".into(), Some("2026-10-01T00:00:00Z".into()))],
            groups: Some(vec![("sloc-api-a".into(), 30.0)]),
        };
        let rows = status(std::slice::from_ref(&plan), &table, &server).unwrap();
        assert_eq!(rows.len(), 2);
        let (eu, us) = (&rows[0], &rows[1]);
        assert_eq!(eu.labels, labels(&[("region", "eu")]));
        assert!((eu.budget_remaining.unwrap() + 0.5).abs() < 1e-9, "{eu:?}");
        assert_eq!(eu.time_to_exhaustion, Some(0.0));
        assert_eq!(eu.alerts["critical"], "firing");
        assert_eq!(eu.alerts["warning"], "inactive");
        assert_eq!(eu.events, Some(30_000.0), "sums times the 30s interval");
        assert!((us.budget_remaining.unwrap() - 0.8).abs() < 1e-9);
        assert_eq!(us.burn_rates["1h"], Some(0.0));
        assert_eq!(us.time_to_exhaustion, None, "not being spent");
        assert!(!us.too_few_events && us.events == Some(300.0));
        assert!(fails(&rows, FailOn::Budget) && fails(&rows, FailOn::Critical) && fails(&rows, FailOn::Warning));
        // Rules not loaded and no data: said, never 100 %.
        let rows = status(&[plan], &Table(Vec::new()), &ServerState { alerts: vec![], groups: Some(vec![]) }).unwrap();
        assert_eq!(rows.len(), 1);
        assert!(
            rows[0].no_data && rows[0].sli.is_none() && rows[0].missing_rules.as_ref().unwrap().contains("sloc-api-a")
        );
    }
}
