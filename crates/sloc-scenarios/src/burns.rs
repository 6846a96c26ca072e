//! Generated `promtool test rules` unit tests: for every objective and tier, synthetic series
//! that burn the budget just above the tier's threshold (the alert fires at the minute the
//! burn-rate math says, not before, and resolves once the burn stops) and just below it (the
//! alert stays silent). With `group_by`, one group burns while another stays quiet.
//!
//! The timing: after a clean history as long as the long window, a burn at ratio `r` starts at
//! `t0`. A derived window W reads `r × (t - t0 - 2.5m) / W` (the 5m base rate ramps up over its
//! window), so the tier's condition holds from `t0 + W × threshold / r + 2.5m` for both windows,
//! and the alert fires `for` later. The checks allow a margin of `max(4 steps, long / 20)`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sloc_plan::{BASE_WINDOW, Objective, Plan, TierPlan};
use sloc_plan::{Query, Sli};
use sloc_promql::{Expr, MatchOp, Matcher, Selector, format_duration};
use sloc_rulefile::{Group, Rule, RuleFile, RuleKind};

/// One generated test file.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTest {
    pub slo: String,
    /// The tier's name (its severity for the workbook's tiers).
    pub tier: String,
    /// `<slo>.<tier>.test.yml`
    pub file_name: String,
    pub yaml: String,
}

/// The tests of a spec, the rule files they load, and the objectives that get none, with why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitTests {
    /// One rule file per test (file name, YAML), to be written next to the tests.
    pub rule_files: Vec<(String, String)>,
    pub tests: Vec<UnitTest>,
    pub skipped: Vec<(String, String)>,
}

/// The rule file a test of `slo`'s `tier` loads: that tier's alert and the recording rules it
/// reads, transitively, so that promtool evaluates nothing the test does not look at (no other
/// objective, no other tier, not the period's window).
pub fn rules_file_name(objective: &Objective, tier: &TierPlan) -> String {
    format!("{}.{}.rules.yml", objective.name, tier.name)
}

/// Generates the tests of `spec` and the rule files they load ([`rules_file_name`]).
pub fn generate(plan: &Plan, source: &str) -> Result<UnitTests, sloc_compiler::InternalError> {
    let mut out = UnitTests::default();
    let header = sloc_compiler::header(source);
    for objective in &plan.objectives {
        let group = sloc_compiler::compile_objective(objective)?;
        let series = match plan_series(objective) {
            Ok(s) => s,
            Err(why) => {
                out.skipped.push((objective.name.clone(), why));
                continue;
            }
        };
        for tier in &objective.tiers {
            let rules_file = rules_file_name(objective, tier);
            let rules = RuleFile { groups: vec![read_by_alert(&group, &tier.alert_label_set(objective))] };
            out.rule_files.push((rules_file.clone(), rules.to_yaml(&header)));
            let yaml = tier_test(objective, tier, &series, source, &rules_file);
            out.tests.push(UnitTest {
                slo: objective.name.clone(),
                tier: tier.name.clone(),
                file_name: format!("{}.{}.test.yml", objective.name, tier.name),
                yaml,
            });
        }
    }
    Ok(out)
}

/// The group reduced to the alert whose labels are `labels` (the tier's) and the recording
/// rules it reads.
fn read_by_alert(group: &Group, labels: &[(String, String)]) -> Group {
    let is_alert = |r: &Rule| matches!(r.kind, RuleKind::Alert(_)) && r.labels.iter().all(|l| labels.contains(l));
    alerts_and_their_inputs(std::slice::from_ref(group), is_alert).remove(0)
}

/// The metric names a rule's expression reads (recorded series among them).
pub(crate) fn names_read(rule: &Rule) -> Vec<String> {
    sloc_promql::parse(&rule.expr)
        .map(|e| sloc_promql::vector_selectors(&e).iter().filter_map(|vs| vs.name.clone()).collect())
        .unwrap_or_default()
}

/// The groups reduced to the alerts `wanted` picks and the recording rules they read, directly
/// or through other recordings, in the groups' order (a group keeps its place, even emptied).
pub(crate) fn alerts_and_their_inputs(groups: &[Group], wanted: impl Fn(&Rule) -> bool) -> Vec<Group> {
    let mut keep: Vec<Vec<bool>> = groups.iter().map(|g| g.rules.iter().map(&wanted).collect()).collect();
    let mut names: Vec<String> =
        groups.iter().flat_map(|g| g.rules.iter().filter(|r| wanted(r)).flat_map(names_read)).collect();
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = names.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        for (g, group) in groups.iter().enumerate() {
            for (i, rule) in group.rules.iter().enumerate() {
                if !keep[g][i] && matches!(&rule.kind, RuleKind::Record(n) if *n == name) {
                    keep[g][i] = true;
                    names.extend(names_read(rule));
                }
            }
        }
    }
    groups
        .iter()
        .zip(keep)
        .map(|(group, keep)| {
            let rules = group.rules.iter().zip(keep).filter(|(_, k)| *k).map(|(r, _)| r.clone()).collect();
            Group { rules, ..group.clone() }
        })
        .collect()
}

/// How to feed an SLI: counters of good and bad events, or a histogram's threshold bucket and
/// count.
#[derive(Debug, Clone)]
pub(crate) enum SeriesPlan {
    Counters { bad: Series, good: Series },
    Histogram { bucket: Series, count: Series },
}

/// A series: metric name and labels (group labels are added per group).
#[derive(Debug, Clone)]
pub(crate) struct Series {
    metric: String,
    labels: BTreeMap<String, String>,
}

fn selector(q: &Query) -> Result<promql_parser::parser::VectorSelector, String> {
    if !q.is_selector {
        return Err("its SLI is an expression, which sloc cannot feed with synthetic series".into());
    }
    match sloc_promql::parse(q.text.trim()) {
        Ok(Expr::VectorSelector(vs)) => Ok(vs),
        _ => Err("its SLI selector does not parse".into()),
    }
}

/// A label value that satisfies (or, with `negate`, fails) a matcher.
fn realize(m: &promql_parser::label::Matcher, negate: bool) -> Option<String> {
    use promql_parser::label::MatchOp;
    let regex = |p: &str| regex::Regex::new(&format!("^(?:{p})$")).ok();
    let candidates: &[&str] = if negate {
        &["200", "ok", "success", "0", "x", "sloc-other", "500", "error"]
    } else {
        &["500", "503", "5xx", "error", "failed", "200", "ok", "success", "1", "0", "x", "sloc-other"]
    };
    let accepts = |v: &str| -> bool {
        match &m.op {
            MatchOp::Equal => v == m.value,
            MatchOp::NotEqual => v != m.value,
            MatchOp::Re(_) => regex(&m.value).is_some_and(|r| r.is_match(v)),
            MatchOp::NotRe(_) => regex(&m.value).is_some_and(|r| !r.is_match(v)),
        }
    };
    let wanted = |v: &str| accepts(v) != negate;
    if matches!(m.op, MatchOp::Equal) && !negate {
        return Some(m.value.clone());
    }
    let plain: String = m.value.chars().filter(|c| c.is_alphanumeric() || *c == '_' || *c == '-').collect();
    // A string the pattern itself suggests: its first alternative, wildcards filled in.
    let first = m.value.split('|').next().unwrap_or_default();
    let suggested =
        first.replace(".*", "").replace(".+", "x").replace('.', "x").replace(['^', '$', '(', ')', '?', '\\'], "");
    [plain.as_str(), suggested.as_str()]
        .into_iter()
        .chain(candidates.iter().copied())
        .find(|v| !v.is_empty() && wanted(v))
        .map(str::to_string)
}

/// Labels satisfying every matcher of a selector.
fn satisfy(vs: &promql_parser::parser::VectorSelector) -> Result<Series, String> {
    let metric = sloc_promql::selector_metric(vs).ok_or("its selector has no metric name")?.to_string();
    let mut labels = BTreeMap::new();
    for m in vs.matchers.matchers.iter().filter(|m| m.name != "__name__") {
        let value = realize(m, false).ok_or_else(|| format!("no label value found for the matcher {m}"))?;
        labels.insert(m.name.clone(), value);
    }
    Ok(Series { metric, labels })
}

/// The same series made to fail one matcher that `narrow` has and `wide` lacks.
fn outside(
    series: &Series,
    narrow: &promql_parser::parser::VectorSelector,
    wide: &promql_parser::parser::VectorSelector,
) -> Result<Series, String> {
    let extra = narrow
        .matchers
        .matchers
        .iter()
        .find(|m| m.name != "__name__" && !wide.matchers.matchers.iter().any(|w| w.name == m.name))
        .ok_or("the narrower selector adds no matcher to tell its events apart")?;
    let value = realize(extra, true).ok_or_else(|| format!("no label value found outside {extra}"))?;
    let mut other = series.clone();
    other.labels.insert(extra.name.clone(), value);
    Ok(other)
}

pub(crate) fn plan_series(objective: &Objective) -> Result<SeriesPlan, String> {
    match &objective.sli {
        Sli::Errors { errors, total } => {
            let (e, t) = (selector(errors)?, selector(total)?);
            let bad = satisfy(&e)?;
            let good = outside(&satisfy(&t)?, &e, &t)?;
            Ok(SeriesPlan::Counters { bad, good })
        }
        Sli::Good { good, total } => {
            let (g, t) = (selector(good)?, selector(total)?);
            let good_series = satisfy(&g)?;
            let bad = outside(&satisfy(&t)?, &g, &t)?;
            Ok(SeriesPlan::Counters { bad, good: good_series })
        }
        Sli::Latency { .. } => {
            let latency = objective.indicator.latency.as_ref().ok_or("its latency series are unknown")?;
            if latency.native {
                // promtool 2.42's test files cannot hold native histogram samples (the `{{...}}`
                // notation came in 2.44).
                return Err("a native histogram cannot be written as series for promtool 2.42's tests".into());
            }
            let count = satisfy(&selector_of(&latency.total)?)?;
            let bucket_metric = format!("{}_bucket", latency.histogram);
            let mut bucket = Series { metric: bucket_metric, labels: count.labels.clone() };
            bucket.labels.insert("le".into(), latency.threshold_seconds.to_string());
            Ok(SeriesPlan::Histogram { bucket, count })
        }
        Sli::Threshold { .. } => {
            Err("time-slice SLIs read an arbitrary expression, which sloc cannot feed with synthetic series".into())
        }
        Sli::Raw { .. } => {
            Err("raw SLIs read an arbitrary expression, which sloc cannot feed with synthetic series".into())
        }
    }
}

fn selector_of(text: &str) -> Result<promql_parser::parser::VectorSelector, String> {
    match sloc_promql::parse(text) {
        Ok(Expr::VectorSelector(vs)) => Ok(vs),
        _ => Err("the histogram selector does not parse".into()),
    }
}

/// Minutes, as promtool durations.
pub(crate) fn at(minutes: f64) -> String {
    format_duration(sloc_promql::Duration((minutes.max(0.0) * 60_000.0).round() as u64))
}

/// A counter's values in promtool's expanding notation: `segments` of (increase per step,
/// steps), starting from 0.
fn counter(segments: &[(f64, u64)]) -> String {
    let mut parts = Vec::new();
    let mut value = 0.0;
    for (i, &(rate, steps)) in segments.iter().enumerate() {
        if steps == 0 {
            continue;
        }
        let (start, n) = if i == 0 { (0.0, steps - 1) } else { (value + rate, steps - 1) };
        parts.push(format!("{}+{}x{n}", number(start), number(rate)));
        value = start + rate * n as f64;
    }
    parts.join(" ")
}

pub(crate) fn number(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub(crate) fn series_name(s: &Series, group: &[(String, String)]) -> String {
    let mut labels = s.labels.clone();
    labels.extend(group.iter().cloned());
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={}", sloc_promql::quote_string(v))).collect();
    format!("{}{{{}}}", s.metric, inner.join(","))
}

/// The `ALERTS` series of a firing tier, for a group.
fn alert_labels(objective: &Objective, tier: &TierPlan, group: &[(String, String)]) -> String {
    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    labels.insert("alertstate".into(), "firing".into());
    labels.extend(tier.alert_label_set(objective));
    labels.extend(group.iter().cloned());
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={}", sloc_promql::quote_string(v))).collect();
    format!("ALERTS{{{}}}", inner.join(","))
}

/// Events per step in every generated series group. Counts are whole numbers, which f64
/// holds exactly: fractional increments accumulate rounding error in promtool's expansion,
/// and a next segment starting a hair below the last value reads as a counter reset.
const EVENTS_PER_STEP: f64 = 1_000_000.0;

/// The input series of one burn: a clean history, a burn at error `ratio` in the first group
/// (the others stay clean), then a clean rest; lengths in steps.
pub(crate) fn write_input_series(
    y: &mut String,
    series: &SeriesPlan,
    groups: &[Vec<(String, String)>],
    ratio: f64,
    (history, burn, rest): (u64, u64, u64),
) {
    let per_step = EVENTS_PER_STEP;
    for (gi, group) in groups.iter().enumerate() {
        let r = if gi == 0 { ratio } else { 0.0 };
        let bad_per_step = (per_step * r).round();
        let bad = counter(&[(0.0, history + 1), (bad_per_step, burn), (0.0, rest)]);
        let good = counter(&[(per_step, history + 1), (per_step - bad_per_step, burn), (per_step, rest)]);
        let total = counter(&[(per_step, history + 1 + burn + rest)]);
        let pairs = match series {
            SeriesPlan::Counters { bad: b, good: g } => [(series_name(b, group), bad), (series_name(g, group), good)],
            SeriesPlan::Histogram { bucket, count } => {
                [(series_name(bucket, group), good), (series_name(count, group), total)]
            }
        };
        for (name, values) in pairs {
            let _ = writeln!(
                y,
                "      - series: {}\n        values: {}",
                sloc_yaml::quote_if_needed(&name),
                sloc_yaml::quote_if_needed(&values)
            );
        }
    }
}

/// Minutes, as the burn timings count them.
pub(crate) fn minutes(d: sloc_promql::Duration) -> f64 {
    d.millis() as f64 / 60_000.0
}

/// How a burn above a tier's threshold is run and when sloc's alert fires, in minutes: one
/// formula for `sloc test` and `sloc import --compare`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BurnTiming {
    pub long: f64,
    pub short: f64,
    pub for_: f64,
    pub threshold: f64,
    /// The burn's error ratio: 1.1 times the threshold.
    pub above: f64,
    /// Minutes between input samples.
    pub step: f64,
    /// Minutes between rule evaluations.
    pub eval: f64,
    /// A ratio averaged from 5m rates lags a raw `rate` over the same window by half of 5m.
    pub lag: f64,
}

impl BurnTiming {
    pub fn of(tier: &TierPlan) -> Self {
        let (long, short, for_) = (minutes(tier.long), minutes(tier.short), minutes(tier.for_));
        // Info's 3-day window at a 2-minute step keeps promtool's run to seconds.
        let step: f64 = if long > 24.0 * 60.0 { 2.0 } else { 1.0 };
        // Rules are evaluated less often than the series are sampled where the windows allow:
        // the derived ratios' cost grows with the square of the evaluations in a window, and the
        // margins (at least 4 evaluations) stay well inside the tier's timing.
        let eval = (long / 60.0).clamp(step, 10.0).round();
        let threshold = tier.threshold.to_f64();
        let above = (threshold * 1.1).min(1.0);
        BurnTiming { long, short, for_, threshold, above, step, eval, lag: minutes(BASE_WINDOW) / 2.0 }
    }

    /// Minutes from the start of a burn at `ratio` until both windows cross the threshold.
    pub fn onset(&self, ratio: f64) -> f64 {
        self.long.max(self.short) * self.threshold / ratio + self.lag
    }
}

fn tier_test(o: &Objective, tier: &TierPlan, series: &SeriesPlan, source: &str, rules_file: &str) -> String {
    let timing = BurnTiming::of(tier);
    let BurnTiming { long, short, for_, threshold, above, step, eval: eval_step, lag } = timing;
    let history = long;
    let margin = (4.0 * eval_step).max(long / 20.0);
    let groups: Vec<Vec<(String, String)>> = if o.group_by.is_empty() {
        vec![Vec::new()]
    } else {
        ["burning", "quiet"]
            .iter()
            .map(|v| o.group_by.iter().map(|g| (g.clone(), (*v).to_string())).collect())
            .collect()
    };

    let fires = history + timing.onset(above) + for_;
    let stop = fires + margin + eval_step;
    let resolved = stop + short * (1.0 - threshold / above) + lag + (4.0 * eval_step).max(short / 10.0);
    let below = threshold * 0.9;
    let quiet_until = history + long + for_ + margin;

    let mut y = String::new();
    // The source is a path: any line break in it must not end the comment.
    let generated = format!("Generated by `sloc test` from {source}: the {} tier of `{}`.", tier.name, o.name);
    sloc_yaml::comment_lines(&generated).iter().for_each(|line| {
        let _ = writeln!(y, "{line}");
    });
    let _ = writeln!(
        y,
        "# It fires above an error ratio of {} ({}x the {}% budget) over {} and {}, after `for: {}`.",
        number(threshold),
        tier.factor,
        o.budget.mul_ratio(100, 1),
        format_duration(tier.long),
        format_duration(tier.short),
        format_duration(tier.for_)
    );
    let _ = writeln!(y, "rule_files:\n  - {rules_file}\nevaluation_interval: {}\ntests:", at(eval_step));
    let steps = |m: f64| (m / step).round() as u64;
    for (case, ratio, until) in [("above", above, resolved + eval_step), ("below", below, quiet_until + eval_step)] {
        let burn_steps = if case == "above" { steps(stop) - steps(history) } else { steps(until) - steps(history) };
        let rest = steps(until) - steps(history) - burn_steps;
        let _ = writeln!(
            y,
            "  # {case}: a burn at {}x the threshold from {} on{}.",
            if case == "above" { "1.1" } else { "0.9" },
            at(history),
            if groups.len() > 1 { ", in the first group only" } else { "" }
        );
        let _ = writeln!(y, "  - interval: {}\n    input_series:", at(step));
        write_input_series(&mut y, series, &groups, ratio, (steps(history), burn_steps, rest));
        let alerts = tier.alerts_selector(o);
        let firing_first =
            std::iter::once(Matcher { name: "alertstate".into(), op: MatchOp::Equal, value: "firing".into() });
        let query = Selector { matchers: firing_first.chain(alerts.matchers).collect(), ..alerts }.to_string();
        let firing = alert_labels(o, tier, &groups[0]);
        let _ = writeln!(y, "    promql_expr_test:");
        // Checks fall on evaluations: `ALERTS` is written at each one, and a query between two
        // evaluations further apart than the lookback (5m) would find nothing.
        let down = |t: f64| (t / eval_step).floor() * eval_step;
        let up = |t: f64| (t / eval_step).ceil() * eval_step;
        let checks: Vec<(f64, bool)> = if case == "above" {
            vec![(down(fires - margin), false), (up(fires + margin), true), (up(resolved), false)]
        } else {
            vec![(down(history + long / 2.0), false), (down(quiet_until), false)]
        };
        for (time, expect_firing) in checks {
            let _ =
                writeln!(y, "      - expr: {}\n        eval_time: {}", sloc_yaml::quote_if_needed(&query), at(time));
            if expect_firing {
                let _ = writeln!(
                    y,
                    "        exp_samples:\n          - labels: {}\n            value: 1",
                    sloc_yaml::quote_if_needed(&firing)
                );
            } else {
                let _ = writeln!(y, "        exp_samples: []");
            }
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_in_promtool_notation() {
        assert_eq!(counter(&[(0.0, 3), (2.5, 2), (0.0, 2)]), "0+0x2 2.5+2.5x1 5+0x1");
        assert_eq!(number(0.1 + 0.2), "0.3");
    }
}
