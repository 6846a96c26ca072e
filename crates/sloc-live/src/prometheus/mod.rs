//! Checks against what a live Prometheus (or ruler) runs. Like every check they do no IO:
//! [`requests`] lists what to ask the server, the caller fetches it into a [`Snapshot`], and
//! [`check`] compares.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use sloc_diagnostics::{Code, FileReport, SourceFile};
use sloc_plan::Plan;
use sloc_promql::Duration;
use sloc_rulefile::{LoadedGroup, ParsedGroup};

pub mod clash;
pub mod counter_type;
pub mod drift;
pub mod low_traffic;
pub mod missing;
pub mod no_bucket;
pub mod no_series;
pub mod range_beyond_retention;
pub mod retention;
pub mod scrape_interval;
pub mod slow_group;
pub mod unhealthy;
pub mod unreachable;

/// Every code of the checks against a Prometheus.
pub static PROMETHEUS_CODES: &[&Code] = &[
    &missing::CODE,
    &drift::CODE,
    &unhealthy::CODE,
    &slow_group::CODE,
    &clash::CODE,
    &retention::CODE,
    &scrape_interval::CODE,
    &no_series::CODE,
    &no_bucket::CODE,
    &low_traffic::CODE,
    &unreachable::CODE,
    &range_beyond_retention::CODE,
    &counter_type::CODE,
];

/// One file to compare with the server: its rule groups, and its spec when it is one.
pub struct LiveFile {
    pub file: SourceFile,
    pub groups: Vec<ExpectedGroup>,
    /// The plan of the file's spec (none for a rule file).
    pub plan: Option<Plan>,
}

/// A group the files say the server should run.
#[derive(Debug, Clone)]
pub struct ExpectedGroup {
    pub name: String,
    /// Where to point: the group's name, or the objective that generates it.
    pub span: Range<usize>,
    pub rules: Vec<ExpectedRule>,
}

#[derive(Debug, Clone)]
pub struct ExpectedRule {
    pub is_alert: bool,
    pub name: String,
    pub expr: String,
    pub for_: Duration,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub span: Range<usize>,
    /// The expression in the file (the rule's span for generated rules).
    pub expr_span: Range<usize>,
}

impl ExpectedGroup {
    /// From a rule file's group.
    pub fn from_parsed(group: &ParsedGroup) -> Self {
        let rules = group
            .rules
            .iter()
            .map(|r| ExpectedRule {
                is_alert: r.is_alert,
                name: r.name.value.clone(),
                expr: r.expr.as_ref().map(|e| e.text().to_string()).unwrap_or_default(),
                for_: r.for_.as_ref().map_or(Duration(0), |f| f.value),
                labels: r.labels.iter().map(|(k, v)| (k.value.clone(), v.value.clone())).collect(),
                annotations: r.annotations.iter().map(|(k, v)| (k.value.clone(), v.value.clone())).collect(),
                span: r.span.clone(),
                expr_span: r.expr.as_ref().map_or(r.span.clone(), |e| e.node.span.clone()),
            })
            .collect();
        ExpectedGroup { name: group.name.value.clone(), span: group.name.span.clone(), rules }
    }

    /// From a group the compiler generated for an objective at `span`.
    pub fn from_generated(group: &sloc_rulefile::Group, span: Range<usize>) -> Self {
        let rules = group
            .rules
            .iter()
            .map(|r| ExpectedRule {
                is_alert: matches!(r.kind, sloc_rulefile::RuleKind::Alert(_)),
                name: r.name().to_string(),
                expr: r.expr.clone(),
                for_: r.for_.unwrap_or(Duration(0)),
                labels: r.labels.iter().cloned().collect(),
                annotations: r.annotations.iter().cloned().collect(),
                span: span.clone(),
                expr_span: span.clone(),
            })
            .collect();
        ExpectedGroup { name: group.name.clone(), span, rules }
    }
}

/// What to ask the server about the specs' indicators.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Requests {
    /// Whether the metrics' types (`/api/v1/metadata`) are needed: rule files to judge.
    pub metadata: bool,
    /// Selectors of SLI series, each to be counted over the lookback.
    pub selectors: Vec<String>,
    /// Bucket selectors of latency SLIs, whose `le` values are needed.
    pub bucket_selectors: Vec<String>,
    /// Queries for the events over each objective's period.
    pub traffic_queries: Vec<String>,
}

/// What the server answered. `None` or a missing key: the server could not tell (an endpoint
/// some rulers do not serve); the check that needs it is skipped.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub groups: Vec<LoadedGroup>,
    pub retention: Option<Duration>,
    pub scrape_interval: Option<Duration>,
    pub series: HashMap<String, usize>,
    pub buckets: HashMap<String, Vec<String>>,
    pub traffic: HashMap<String, f64>,
    /// Metric name → type (`counter`, `gauge`, `histogram`, ...), from the server's metadata.
    pub metadata: HashMap<String, String>,
}

/// The retention from the server's flags. Prometheus keeps 15d when neither a time nor a size
/// is set; with only a size, the age of the oldest sample cannot be told.
pub fn retention(flags: &std::collections::BTreeMap<String, String>) -> Option<Duration> {
    let time = flags.get("storage.tsdb.retention.time").and_then(|t| sloc_promql::parse_duration(t).ok())?;
    if !time.is_zero() {
        return Some(time);
    }
    let size_set = flags.get("storage.tsdb.retention.size").is_some_and(|s| !s.is_empty() && s != "0B" && s != "0");
    (!size_set).then_some(Duration::from_secs(15 * 86_400))
}

/// `global.scrape_interval` of the configuration the server runs; Prometheus' default is 1m.
pub fn scrape_interval(yaml: &str) -> Duration {
    sloc_yaml::parse_documents(yaml)
        .ok()
        .and_then(|docs| docs.into_iter().next())
        .and_then(|d| {
            d.get("global").and_then(|g| g.get("scrape_interval")).and_then(|s| s.as_scalar_text().map(str::to_string))
        })
        .and_then(|s| sloc_promql::parse_duration(&s).ok())
        .unwrap_or(Duration::from_secs(60))
}

/// What to fetch for these files.
pub fn requests(files: &[LiveFile]) -> Requests {
    let mut requests = Requests { metadata: files.iter().any(|f| f.plan.is_none()), ..Requests::default() };
    for plan in files.iter().filter_map(|f| f.plan.as_ref()) {
        for objective in &plan.objectives {
            for (selector, _) in &objective.indicator.selectors {
                if !requests.selectors.contains(selector) {
                    requests.selectors.push(selector.clone());
                }
            }
            if let Some(latency) = &objective.indicator.latency {
                requests.bucket_selectors.push(latency.buckets.clone());
            }
            requests.traffic_queries.extend(objective.traffic_query());
        }
    }
    requests
}

/// Compares the files with the server.
pub fn check(files: &[LiveFile], snapshot: &Snapshot) -> Vec<FileReport> {
    files
        .iter()
        .map(|f| {
            let mut out = Vec::new();
            missing::run(f, snapshot, &mut out);
            drift::run(f, snapshot, &mut out);
            unhealthy::run(f, snapshot, &mut out);
            slow_group::run(f, snapshot, &mut out);
            clash::run(f, snapshot, &mut out);
            if f.plan.is_none() {
                range_beyond_retention::run(f, snapshot, &mut out);
                counter_type::run(f, snapshot, &mut out);
            }
            if let Some(plan) = &f.plan {
                retention::run(plan, snapshot, &mut out);
                scrape_interval::run(plan, snapshot, &mut out);
                no_series::run(plan, snapshot, &mut out);
                no_bucket::run(plan, snapshot, &mut out);
                low_traffic::run(plan, snapshot, &mut out);
            }
            FileReport::new(f.file.clone(), out)
        })
        .collect()
}

/// The loaded group of this name, if any.
pub(crate) fn loaded<'a>(snapshot: &'a Snapshot, name: &str) -> Option<&'a LoadedGroup> {
    snapshot.groups.iter().find(|g| g.name == name)
}

/// Pairs each expected rule with the loaded rule in the same place: the k-th rule of its kind
/// and name in the group.
pub(crate) fn pairs<'a>(
    expected: &'a ExpectedGroup,
    loaded: &'a LoadedGroup,
) -> Vec<(&'a ExpectedRule, Option<&'a sloc_rulefile::LoadedRule>)> {
    expected
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let k = expected.rules[..i].iter().filter(|r| r.name == rule.name && r.is_alert == rule.is_alert).count();
            let kind = if rule.is_alert { "alerting" } else { "recording" };
            let found = loaded.rules.iter().filter(|l| l.name == rule.name && l.kind == kind).nth(k);
            (rule, found)
        })
        .collect()
}
