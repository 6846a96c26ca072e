//! Checks against what a live Prometheus (or ruler) runs. Like every check they do no IO:
//! [`requests`] lists what to ask the server, the caller fetches it into a [`Snapshot`], and
//! [`check`] compares.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use sloc_diagnostics::{Code, Diagnostic, FileReport, SourceFile};
use sloc_plan::Plan;
use sloc_promql::Duration;
use sloc_rulefile::{LoadedGroup, ParsedGroup};

pub mod counter_function_over_gauge;
pub mod drift;
pub mod histogram_kind;
pub mod no_bucket_at_threshold;
pub mod no_series;
pub mod not_loaded;
pub mod range_beyond_retention;
pub mod recorded_elsewhere;
pub mod retention_shorter_than_period;
pub mod scrape_interval_too_long;
pub mod slow_group;
pub mod too_little_traffic;
pub mod unhealthy;
pub mod unreachable;

/// What a check of a live server compares with the server's answers.
#[derive(Clone, Copy)]
pub enum Run {
    /// Every file: its groups against the loaded ones.
    File(fn(&LiveFile, &Snapshot, &mut Vec<Diagnostic>)),
    /// Rule files only (a spec's rules are sloc's, checked by the plan).
    RuleFile(fn(&LiveFile, &Snapshot, &mut Vec<Diagnostic>)),
    /// Specs: their plan against the server's settings and data.
    Plan(fn(&Plan, &Snapshot, &mut Vec<Diagnostic>)),
}

/// A check of what a Prometheus (or ruler) runs: its code and what it reads. One file per
/// check, named after it (`not_loaded.rs` is `C001 not-loaded`), its doc comment its
/// documentation.
pub struct LiveCheck {
    pub code: &'static Code,
    pub run: Run,
}

/// Every check against a Prometheus, in the order findings are reported.
pub static PROMETHEUS_CHECKS: &[LiveCheck] = &[
    LiveCheck { code: &not_loaded::CODE, run: Run::File(not_loaded::run) },
    LiveCheck { code: &drift::CODE, run: Run::File(drift::run) },
    LiveCheck { code: &unhealthy::CODE, run: Run::File(unhealthy::run) },
    LiveCheck { code: &slow_group::CODE, run: Run::File(slow_group::run) },
    LiveCheck { code: &recorded_elsewhere::CODE, run: Run::File(recorded_elsewhere::run) },
    LiveCheck { code: &range_beyond_retention::CODE, run: Run::RuleFile(range_beyond_retention::run) },
    LiveCheck { code: &counter_function_over_gauge::CODE, run: Run::RuleFile(counter_function_over_gauge::run) },
    LiveCheck { code: &retention_shorter_than_period::CODE, run: Run::Plan(retention_shorter_than_period::run) },
    LiveCheck { code: &scrape_interval_too_long::CODE, run: Run::Plan(scrape_interval_too_long::run) },
    LiveCheck { code: &no_series::CODE, run: Run::Plan(no_series::run) },
    LiveCheck { code: &no_bucket_at_threshold::CODE, run: Run::Plan(no_bucket_at_threshold::run) },
    LiveCheck { code: &histogram_kind::CODE, run: Run::Plan(histogram_kind::run) },
    LiveCheck { code: &too_little_traffic::CODE, run: Run::Plan(too_little_traffic::run) },
];

/// Every code of the checks against a Prometheus, and the server being unreachable, by code.
pub fn prometheus_codes() -> Vec<&'static Code> {
    let mut codes: Vec<&Code> = PROMETHEUS_CHECKS.iter().map(|c| c.code).chain([&unreachable::CODE]).collect();
    codes.sort_by_key(|c| c.code);
    codes
}

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
                if !latency.native {
                    requests.bucket_selectors.push(latency.buckets.clone());
                }
                // Both kinds are counted: histogram-kind tells which one the server has.
                for selector in [&latency.buckets, &latency.other_kind] {
                    if !requests.selectors.contains(selector) {
                        requests.selectors.push(selector.clone());
                    }
                }
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
            for check in PROMETHEUS_CHECKS {
                match (check.run, &f.plan) {
                    (Run::File(run), _) | (Run::RuleFile(run), None) => run(f, snapshot, &mut out),
                    (Run::Plan(run), Some(plan)) => run(plan, snapshot, &mut out),
                    _ => {}
                }
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
