//! Checks against what a live server runs (`sloc check`). Like every check they do no IO:
//! [`plan`] lists what to ask the server, the caller fetches it into a [`Snapshot`], and
//! [`check`] compares.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use sloc_diagnostics::{Code, FileReport, SourceFile};
use sloc_promql::Duration;
use sloc_rulefile::{LoadedGroup, ParsedGroup};
use sloc_spec::{Sli, Spec};

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

/// Every code of the live checks.
pub static LIVE_CODES: &[&Code] = &[
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
    pub spec: Option<Spec>,
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
pub struct Plan {
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

/// The selectors an SLI reads, each with the file range of the query it is in.
pub(crate) fn sli_selectors(spec: &Spec) -> Vec<(usize, String, Range<usize>)> {
    let mut out = Vec::new();
    for (i, slo) in spec.slos.iter().enumerate() {
        let queries = match &slo.sli {
            Sli::Errors { errors, total } => vec![errors, total],
            Sli::Good { good, total } => vec![good, total],
            Sli::Threshold { threshold } => vec![&threshold.value],
            Sli::Raw { raw } => vec![raw],
            Sli::Latency { latency } => {
                let matchers = latency.matchers.as_ref().map_or(String::new(), |m| m.text.trim().to_string());
                let selector = format!("{}_count{{{matchers}}}", latency.histogram.value).replace("{}", "");
                out.push((i, selector, latency.histogram.span.clone()));
                continue;
            }
        };
        for q in queries {
            let Ok(expr) = sloc_promql::parse(&q.with_window("5m")) else { continue };
            for vs in sloc_promql::vector_selectors(&expr) {
                let mut vs = vs.clone();
                vs.offset = None;
                vs.at = None;
                out.push((i, promql_parser::parser::Expr::VectorSelector(vs).to_string(), q.span()));
            }
        }
    }
    out
}

/// The bucket selector of a latency SLI.
pub(crate) fn bucket_selector(latency: &sloc_spec::LatencySli) -> String {
    let matchers = latency.matchers.as_ref().map_or(String::new(), |m| m.text.trim().to_string());
    format!("{}_bucket{{{matchers}}}", latency.histogram.value).replace("{}", "")
}

/// `sum(increase(total[period]))` for an objective, or `None` when it has no event counter.
pub(crate) fn traffic_query(spec: &Spec, slo: &sloc_spec::Slo) -> Option<String> {
    let period = sloc_compiler::window_name(spec.period());
    let total = match &slo.sli {
        Sli::Errors { total, .. } | Sli::Good { total, .. } if total.is_selector => total.text.trim().to_string(),
        Sli::Latency { latency } => {
            let matchers = latency.matchers.as_ref().map_or(String::new(), |m| m.text.trim().to_string());
            format!("{}_count{{{matchers}}}", latency.histogram.value).replace("{}", "")
        }
        _ => return None,
    };
    Some(format!("sum(increase({total}[{period}]))"))
}

/// What to fetch for these files.
pub fn plan(files: &[LiveFile]) -> Plan {
    let mut plan = Plan { metadata: files.iter().any(|f| f.spec.is_none()), ..Plan::default() };
    for spec in files.iter().filter_map(|f| f.spec.as_ref()) {
        for (_, selector, _) in sli_selectors(spec) {
            if !plan.selectors.contains(&selector) {
                plan.selectors.push(selector);
            }
        }
        for slo in &spec.slos {
            if let Sli::Latency { latency } = &slo.sli {
                plan.bucket_selectors.push(bucket_selector(latency));
            }
            plan.traffic_queries.extend(traffic_query(spec, slo));
        }
    }
    plan
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
            if f.spec.is_none() {
                range_beyond_retention::run(f, snapshot, &mut out);
                counter_type::run(f, snapshot, &mut out);
            }
            if let Some(spec) = &f.spec {
                retention::run(spec, snapshot, &mut out);
                scrape_interval::run(spec, snapshot, &mut out);
                no_series::run(spec, snapshot, &mut out);
                no_bucket::run(spec, snapshot, &mut out);
                low_traffic::run(spec, snapshot, &mut out);
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
