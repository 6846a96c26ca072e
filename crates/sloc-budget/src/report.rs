//! `sloc report`: compliance over a calendar period, from the recorded 5m series.
//!
//! Over the exact period `[from, to)`, the sums of the base recordings' samples
//! (`sum_over_time(…[Δ] @ to)`) are in the ratio of the events, so the SLI is request-weighted
//! and exact (time-slice SLIs count slices; objectives that record only ratios are weighted by
//! time, and say so). Firing time comes from the `ALERTS` samples the rule evaluations wrote;
//! the worst day, the burn-down and the data gaps from hourly and finer range queries.

use std::collections::BTreeMap;

use serde::Serialize;
use sloc_plan::{Counted, Objective, Plan};
use sloc_promql::MatchOp;

use crate::{Labels, Matrix, Source, Vector, by_group, evaluation_interval, group_key};

/// The hourly buckets the worst day and the burn-down are summed from.
const BUCKET: i64 = 3600;
/// Prometheus answers at most 11,000 points per series.
const MAX_POINTS: i64 = 10_000;

/// The report of every objective over `[from, to)`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub objectives: Vec<ObjectiveReport>,
}

/// How an objective's SLI is weighted over the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weighting {
    /// By events (requests): the objective's own definition.
    Events,
    /// By time slices: one per evaluation.
    Slices,
    /// By time: the objective records only ratios (`exact: true`, `raw` SLIs).
    Time,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectiveReport {
    pub service: String,
    pub slo: String,
    pub objective: f64,
    pub weighting: Weighting,
    /// The tiers, most severe first.
    #[serde(skip)]
    pub tiers: Vec<String>,
    /// The whole objective: every group together.
    #[serde(flatten)]
    pub total: Compliance,
    /// One entry per `group_by` value (empty without `group_by`).
    pub groups: Vec<Compliance>,
    /// Stretches of the period with no recorded samples at all.
    pub gaps: Vec<Gap>,
    pub gap_minutes: f64,
    /// The budget left at the end of each hour: 1 at `from`, `1 - budget_consumed` at `to`.
    pub burn_down: Vec<(i64, f64)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Compliance {
    /// The `group_by` values (empty for the whole objective).
    pub labels: Labels,
    /// Good events over the period as a ratio; null without events.
    pub sli: Option<f64>,
    /// The share of the period's error budget spent: 1 is all of it, above 1 overspent.
    pub budget_consumed: Option<f64>,
    /// Events (or slices) over the period; null when weighted by time.
    pub events: Option<f64>,
    /// Minutes each tier was firing.
    pub firing_minutes: BTreeMap<String, f64>,
    /// The UTC day with the lowest SLI.
    pub worst_day: Option<Day>,
    /// Set when the server's sums are no SLI's (more bad than all events, a negative or
    /// infinite count): what they were. The SLI and the budget are then null.
    pub invalid_data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    pub date: String,
    pub sli: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub from: String,
    pub to: String,
    pub minutes: f64,
}

/// Refuses a period the server no longer (or never) holds: a wrong number is worse than none.
pub fn check_period(from: i64, to: i64, now: i64, retention_seconds: Option<i64>) -> Result<(), String> {
    if to <= from {
        return Err(format!(
            "the period ends ({}) before it starts ({})",
            crate::time::format_time(to),
            crate::time::format_time(from)
        ));
    }
    if to > now {
        return Err(format!(
            "the period ends in the future ({}): end it at `now` or earlier",
            crate::time::format_time(to)
        ));
    }
    if let Some(retention) = retention_seconds
        && from < now - retention
    {
        return Err(format!(
            "the period starts at {}, but the server keeps {} of data (since {}): its numbers would be wrong; \
             report a later period or ask a server with a longer retention (Thanos, Mimir)",
            crate::time::format_time(from),
            sloc_promql::format_duration(sloc_promql::Duration::from_secs(retention as u64)),
            crate::time::format_time(now - retention)
        ));
    }
    Ok(())
}

/// The report over `[from, to)` (Unix seconds). `intervals` holds the loaded groups'
/// evaluation intervals in seconds, by group name.
pub fn report<S: Source>(
    plans: &[Plan],
    source: &S,
    from: i64,
    to: i64,
    intervals: &BTreeMap<String, f64>,
) -> Result<Report, S::Error> {
    let mut objectives = Vec::new();
    for o in plans.iter().flat_map(|p| &p.objectives) {
        objectives.push(objective_report(o, source, from, to, intervals.get(&o.group_name).copied())?);
    }
    Ok(Report { from: crate::time::format_time(from), to: crate::time::format_time(to), objectives })
}

fn objective_report<S: Source>(
    o: &Objective,
    source: &S,
    from: i64,
    to: i64,
    interval: Option<f64>,
) -> Result<ObjectiveReport, S::Error> {
    let span = format!("{}s", to - from);
    let at = format!("@ {to}");
    let (bad, total) = o.sums_over(&span, &at);
    let interval = evaluation_interval(o, interval);
    let mut queries = vec![(bad, None), (total, None)];
    for tier in &o.tiers {
        let alerts = tier.alerts_selector(o);
        let firing = format!(
            "{} (count_over_time({}[{span}] {at}))",
            o.sum(),
            alerts.with("alertstate", MatchOp::Equal, "firing")
        );
        queries.push((firing, None));
    }
    let answers: Vec<Vector> = source.instant(queries).into_iter().collect::<Result<_, _>>()?;
    let (bad, total) = (by_group(o, &answers[0]), by_group(o, &answers[1]));
    let firing: Vec<BTreeMap<Labels, f64>> = answers[2..].iter().map(|a| by_group(o, a)).collect();

    // Hourly sums, per group, for the worst day and the burn-down.
    let (hourly_bad, hourly_total) = o.sums_over(&format!("{BUCKET}s"), "");
    let first = from + BUCKET;
    let step = BUCKET.max((to - first) / MAX_POINTS + 1);
    let (mut hourly_bad, mut hourly_total) = if first <= to {
        (
            buckets(o, source.range(&hourly_bad, first as f64, to as f64, step as f64)?),
            buckets(o, source.range(&hourly_total, first as f64, to as f64, step as f64)?),
        )
    } else {
        (BTreeMap::new(), BTreeMap::new())
    };
    // The hour in progress (or a period shorter than an hour): one more bucket ending at `to`,
    // so that a period that has only begun still has a worst day.
    let last_end = if first <= to { first + (to - first) / step * step } else { from };
    if last_end < to && step == BUCKET {
        let (bad, total) = o.sums_over(&format!("{}s", to - last_end), "");
        let mut tail = source.instant(vec![(bad, Some(to as f64)), (total, Some(to as f64))]).into_iter();
        let add = |into: &mut BTreeMap<Labels, BTreeMap<i64, f64>>, answer: Option<Result<Vector, S::Error>>| {
            let matrix: Matrix =
                answer.transpose()?.unwrap_or_default().into_iter().map(|(l, v)| (l, vec![(to as f64, v)])).collect();
            for (group, points) in buckets(o, matrix) {
                into.entry(group).or_default().extend(points);
            }
            Ok::<(), S::Error>(())
        };
        add(&mut hourly_bad, tail.next())?;
        add(&mut hourly_total, tail.next())?;
    }

    let weighting = match o.counted {
        Counted::Events { .. } => Weighting::Events,
        Counted::Slices { .. } => Weighting::Slices,
        Counted::Ratio { .. } => Weighting::Time,
    };
    let events_per_sum = match weighting {
        Weighting::Events => Some(interval),
        Weighting::Slices => Some(1.0),
        Weighting::Time => None,
    };
    let budget = o.budget.to_f64();
    let compliance = |labels: Labels, bad: f64, total: f64, firing: BTreeMap<String, f64>, days: Option<Day>| {
        // A ratio of sums may exceed 1 by rounding, never by more.
        let valid = bad.is_finite() && total.is_finite() && bad >= 0.0 && total >= 0.0 && bad <= total * (1.0 + 1e-9);
        let invalid_data = (!valid).then(|| format!("bad {bad} of all {total} over the period"));
        // Less than half an event is none: its ratio would be a confident SLI over nothing.
        let counted = events_per_sum.is_none_or(|e| total * e >= 0.5);
        let ratio = (valid && total > 0.0 && counted).then(|| bad / total);
        Compliance {
            labels,
            sli: ratio.map(|r| 1.0 - r),
            budget_consumed: ratio.map(|r| r / budget),
            // `+ 0.0`: a sum of -0 is 0 events.
            events: events_per_sum.filter(|_| valid).map(|e| total * e + 0.0),
            firing_minutes: firing,
            worst_day: days,
            invalid_data,
        }
    };
    let minutes = |counts: &dyn Fn(&BTreeMap<Labels, f64>) -> f64| -> BTreeMap<String, f64> {
        o.tiers.iter().zip(&firing).map(|(t, f)| (t.name.clone(), counts(f) * interval / 60.0)).collect()
    };
    let mut keys: Vec<Labels> = total.keys().chain(bad.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    let groups: Vec<Compliance> = if o.group_by.is_empty() {
        Vec::new()
    } else {
        keys.iter()
            .map(|k| {
                let days = worst_day(hourly_bad.get(k), hourly_total.get(k));
                let firing = minutes(&|f| f.get(k).copied().unwrap_or(0.0));
                compliance(
                    k.clone(),
                    bad.get(k).copied().unwrap_or(0.0),
                    total.get(k).copied().unwrap_or(0.0),
                    firing,
                    days,
                )
            })
            .collect()
    };
    let summed = |m: &BTreeMap<Labels, BTreeMap<i64, f64>>| -> BTreeMap<i64, f64> {
        let mut out = BTreeMap::new();
        for points in m.values() {
            for (t, v) in points {
                *out.entry(*t).or_insert(0.0) += v;
            }
        }
        out
    };
    let (all_bad, all_total) = (summed(&hourly_bad), summed(&hourly_total));
    let (bad_sum, total_sum): (f64, f64) = (bad.values().sum(), total.values().sum());
    // Minutes while any group's tier fired: the highest count of one group (groups fire apart).
    let firing_total = minutes(&|f| f.values().copied().fold(0.0, f64::max));
    let whole =
        compliance(Labels::new(), bad_sum, total_sum, firing_total, worst_day(Some(&all_bad), Some(&all_total)));

    let mut burn_down = vec![(from, 1.0)];
    if total_sum > 0.0 {
        let mut spent = 0.0;
        for (t, b) in &all_bad {
            spent += b;
            burn_down.push((*t, 1.0 - spent / (budget * total_sum)));
        }
        if burn_down.last().is_some_and(|(t, _)| *t < to) {
            burn_down.push((to, 1.0 - bad_sum / (budget * total_sum)));
        }
    }
    let gaps = gaps(o, source, from, to, interval)?;
    let gap_minutes = gaps.iter().map(|g| g.minutes).sum();
    Ok(ObjectiveReport {
        service: o.service.clone(),
        slo: o.name.clone(),
        objective: o.objective.to_f64(),
        weighting,
        tiers: o.tiers.iter().map(|t| t.name.clone()).collect(),
        total: whole,
        groups,
        gaps,
        gap_minutes,
        burn_down,
    })
}

/// Range-query series as group → (bucket end → value).
fn buckets(o: &Objective, series: Matrix) -> BTreeMap<Labels, BTreeMap<i64, f64>> {
    let mut out: BTreeMap<Labels, BTreeMap<i64, f64>> = BTreeMap::new();
    for (labels, points) in series {
        let entry = out.entry(group_key(o, &labels)).or_default();
        for (t, v) in points.into_iter().filter(|(_, v)| v.is_finite()) {
            *entry.entry(t.round() as i64).or_insert(0.0) += v;
        }
    }
    out
}

/// The UTC day with the highest error ratio among days with events.
fn worst_day(bad: Option<&BTreeMap<i64, f64>>, total: Option<&BTreeMap<i64, f64>>) -> Option<Day> {
    let (bad, total) = (bad?, total?);
    let mut days: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
    for (t, v) in total {
        // A bucket ending at t covers (t - 1h, t]: it belongs to the day of its last second.
        let day = (t - 1).div_euclid(86_400);
        let entry = days.entry(day).or_default();
        entry.1 += v;
        entry.0 += bad.get(t).copied().unwrap_or(0.0);
    }
    days.into_iter()
        .filter(|(_, (_, t))| *t > 0.0)
        .map(|(day, (b, t))| (day, b / t))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(day, ratio)| Day { date: crate::time::format_date(day * 86_400), sli: 1.0 - ratio })
}

/// Stretches without any recorded sample of the objective, found at a step of the evaluation
/// interval (at least 1m, at most what keeps the answer under Prometheus' point limit).
fn gaps<S: Source>(o: &Objective, source: &S, from: i64, to: i64, interval: f64) -> Result<Vec<Gap>, S::Error> {
    let series = match &o.counted {
        Counted::Events { total, .. } | Counted::Slices { total, .. } => total.clone(),
        Counted::Ratio { ratio } => ratio.clone(),
    };
    // Present at t: a sample within the step and a half before it (evaluations jitter).
    let step = (interval.max(60.0) as i64).max((to - from) / MAX_POINTS + 1);
    let query = format!("count(count_over_time({series}{}[{}s]))", o.selector, step + step / 2);
    let answer = source.range(&query, (from + step) as f64, to as f64, step as f64)?;
    let present: std::collections::BTreeSet<i64> =
        answer.iter().flat_map(|(_, points)| points.iter().map(|(t, _)| t.round() as i64)).collect();
    let mut gaps = Vec::new();
    let mut start: Option<i64> = None;
    let mut t = from + step;
    while t <= to {
        match (present.contains(&t), start) {
            (false, None) => start = Some(t - step),
            (true, Some(s)) => {
                gaps.push(gap(s, t - step));
                start = None;
            }
            _ => {}
        }
        t += step;
    }
    if let Some(s) = start {
        gaps.push(gap(s, to));
    }
    Ok(gaps)
}

fn gap(from: i64, to: i64) -> Gap {
    Gap { from: crate::time::format_time(from), to: crate::time::format_time(to), minutes: (to - from) as f64 / 60.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_the_server_cannot_answer_are_refused() {
        let day = 86_400;
        assert!(check_period(0, day, 2 * day, Some(15 * day)).is_ok());
        assert!(check_period(day, day, 2 * day, None).unwrap_err().contains("before it starts"));
        assert!(check_period(0, 3 * day, 2 * day, None).unwrap_err().contains("future"));
        let old = check_period(0, day, 20 * day, Some(15 * day)).unwrap_err();
        assert!(old.contains("keeps 15d") && old.contains("1970-01-06"), "{old}");
    }

    #[test]
    fn the_worst_day_is_the_highest_error_ratio() {
        let total: BTreeMap<i64, f64> = (1..=48).map(|h| (h * 3600, 100.0)).collect();
        let bad: BTreeMap<i64, f64> = (1..=48).map(|h| (h * 3600, if h == 30 { 50.0 } else { 1.0 })).collect();
        let worst = worst_day(Some(&bad), Some(&total)).unwrap();
        assert_eq!(worst.date, "1970-01-02");
        assert!((worst.sli - (1.0 - 73.0 / 2400.0)).abs() < 1e-12);
    }
}
