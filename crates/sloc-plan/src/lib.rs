//! What sloc knows about each objective, computed once from a validated spec.
//!
//! [`plan`] turns a [`Spec`] into one [`Objective`] per SLO: its rule group, the series it
//! records and the selector that reads them, its windows, its tiers (windows, factor,
//! threshold, `for`, severity, alert name and labels, receiver and notification timing) and the
//! raw series its SLI reads. Every output reads this and nothing else: the rule compiler, the
//! generated promtool tests, the live checks, the Alertmanager fragment and its checks. A
//! formula about an objective written anywhere else is a second copy waiting to drift.

use std::ops::Range;

use sloc_promql::{Duration, MatchOp, Selector, format_duration};
/// The spec's vocabulary the plan speaks in: outputs read these through the plan.
pub use sloc_spec::{Decimal, Notify, Query, Sli, ThresholdSli, Tier};
use sloc_spec::{Slo, Spec};

/// The recorded series names. Stable: dashboards and `sloc check` rely on them.
pub mod names {
    pub const ERRORS_RATE: &str = "slo:sli_errors:rate";
    pub const TOTAL_RATE: &str = "slo:sli_total:rate";
    pub const BAD_SLICES: &str = "slo:sli_bad_slices:bool";
    pub const SLICES: &str = "slo:sli_slices:bool";
    pub const ERROR_RATIO: &str = "slo:sli_error:ratio_rate";
    pub const OBJECTIVE: &str = "slo:objective:ratio";
    pub const ERROR_BUDGET: &str = "slo:error_budget:ratio";
    pub const BUDGET_REMAINING: &str = "slo:error_budget_remaining:ratio";
    pub const BURN_RATE: &str = "slo:burn_rate:ratio_rate";
    /// Running sums of the base recordings ([`super::RunningSums`]).
    pub const ERRORS_RUNNING_SUM: &str = "slo:sli_errors:running_sum";
    pub const TOTAL_RUNNING_SUM: &str = "slo:sli_total:running_sum";
    pub const BAD_SLICES_RUNNING_SUM: &str = "slo:sli_bad_slices:running_sum";
    pub const SLICES_RUNNING_SUM: &str = "slo:sli_slices:running_sum";
    pub const RUNNING_SUM_START: &str = "slo:running_sum:start_timestamp_seconds";
}

/// The resolution of the base recordings and the shortest alert window.
pub const BASE_WINDOW: Duration = Duration::from_secs(300);

/// Windows at least this long read the running sums instead of summing the base recordings
/// over the window: at 12h a window reads 720 samples of each base recording a minute, its
/// running sum about 120 ([`RUNNING_SUM_GAP`]) whatever the window's length.
pub const RUNNING_SUM_MIN_WINDOW: Duration = Duration::from_secs(12 * 3600);

/// How far back a running sum looks for its previous value: a Prometheus down for less than
/// this (a restart, an upgrade) continues its running sums as if nothing happened, since the
/// base recordings it missed are missing from every window too. A longer gap starts a new run.
pub const RUNNING_SUM_GAP: Duration = Duration::from_secs(2 * 3600);

/// The plan of a spec: its service and one entry per objective, in the spec's order. It owns
/// what it knows, so that it is made once per spec and carried beside it.
#[derive(Debug, Clone)]
pub struct Plan {
    pub service: String,
    /// Where the spec names its service: findings about the whole spec point here.
    pub service_span: Range<usize>,
    /// Where the spec sets its period, when it does.
    pub period_span: Option<Range<usize>>,
    pub objectives: Vec<Objective>,
}

/// `slo:sli_error:ratio_rate<window>`: every objective's error ratio over `window`.
pub fn ratio_series(window: Duration) -> String {
    format!("{}{}", names::ERROR_RATIO, window_name(window))
}

/// `slo:burn_rate:ratio_rate<window>`: every objective's error ratio over `window` in units of
/// its budget.
pub fn burn_rate_series(window: Duration) -> String {
    format!("{}{}", names::BURN_RATE, window_name(window))
}

/// The labels that tell one objective's series and alerts from another's.
pub const IDENTITY_LABELS: [&str; 2] = ["service", "slo"];

/// Everything the outputs need to know about one objective.
#[derive(Debug, Clone)]
pub struct Objective {
    pub service: String,
    pub name: String,
    /// Where the spec names the objective, and where it sets the objective's percentage.
    pub name_span: Range<usize>,
    pub objective_span: Range<usize>,
    /// The SLI as the spec writes it.
    pub sli: Sli,
    /// The objective's `description`, trimmed.
    pub description: Option<String>,
    /// The objective in percent, as written (99.9).
    pub objective_percent: Decimal,
    /// `alerting.annotations`: added to every tier's alert, replacing generated ones.
    pub annotations: Vec<(String, String)>,
    /// The rule group that holds the objective's rules: `sloc-<service>-<slo>`.
    pub group_name: String,
    /// `{service="…",slo="…"}`: selects the objective's recorded series (its
    /// [`IDENTITY_LABELS`]).
    pub selector: Selector,
    /// Labels the recordings and alerts keep: one objective per value (`group_by`).
    pub group_by: Vec<String>,
    /// Labels on every recording rule: `service`, `slo`, then the spec's labels.
    pub record_labels: Vec<(String, String)>,
    /// The evaluation interval of the objective's group (unset: Prometheus' global one).
    pub interval: Option<Duration>,
    /// Read the raw series over every window instead of deriving from the base recordings.
    pub exact: bool,
    pub period: Duration,
    /// Every window the alerts and the budget read, shortest first.
    pub windows: Vec<Duration>,
    /// The objective as a ratio (0.999).
    pub objective: Decimal,
    /// The error budget as a ratio (0.001).
    pub budget: Decimal,
    /// The alerts' name (every tier shares it; `severity` tells them apart).
    pub alert_name: String,
    /// The enabled tiers, most severe first.
    pub tiers: Vec<TierPlan>,
    pub indicator: Indicator,
    /// How the recorded series count the objective's events.
    pub counted: Counted,
}

/// How an objective's recorded series count its events: what budgets over an arbitrary range
/// (`sloc report`, dashboards, `sloc status`) are computed from.
#[derive(Debug, Clone, PartialEq)]
pub enum Counted {
    /// Per-second rates of bad and of all events over the base window, recorded at every
    /// evaluation (`slo:sli_errors:rate5m`, `slo:sli_total:rate5m`): over any range, the sums
    /// of their samples are in the ratio of the events, and times the evaluation interval they
    /// are the events.
    Events { bad: String, total: String },
    /// One 0/1 sample per evaluation (`slo:sli_bad_slices:bool`, `slo:sli_slices:bool`): the
    /// sums over a range count the bad slices and all slices.
    Slices { bad: String, total: String },
    /// Only error ratios are recorded (`exact: true`, `raw` SLIs): a range's ratio is the mean
    /// of the base window's ratio, weighted by time rather than by events.
    Ratio { ratio: String },
}

impl Counted {
    /// The names of the base recordings, bad then all (none for [`Counted::Ratio`]).
    pub fn recorded(&self) -> Option<(&str, &str)> {
        match self {
            Counted::Events { bad, total } | Counted::Slices { bad, total } => Some((bad, total)),
            Counted::Ratio { .. } => None,
        }
    }

    /// The running sums of the base recordings (none for [`Counted::Ratio`]).
    pub fn running_sums(&self) -> Option<RunningSums> {
        let (bad, total) = match self {
            Counted::Events { .. } => (names::ERRORS_RUNNING_SUM, names::TOTAL_RUNNING_SUM),
            Counted::Slices { .. } => (names::BAD_SLICES_RUNNING_SUM, names::SLICES_RUNNING_SUM),
            Counted::Ratio { .. } => return None,
        };
        Some(RunningSums { bad: bad.into(), total: total.into(), start: names::RUNNING_SUM_START.into() })
    }
}

/// The running sums behind the long windows: the sum of every sample of a base recording
/// since the run began, one sample per evaluation. A window W is the running sum now minus
/// the running sum W ago: two lookups, whatever W's length, where summing the base recordings
/// over W reads every evaluation's sample (43,200 a minute for 30d). Exact: it is the same sum
/// of the same samples, so there is no lag and no coarse level to fill.
///
/// A run continues across gaps shorter than [`RUNNING_SUM_GAP`] (the samples missed are missing
/// from every window too), carries its value while the base recordings are absent (a target
/// down), and stops once it has not grown over the longest window it serves. `start` records
/// when the run began: a window longer than the run so far sums the run, which holds every
/// base sample the rules have seen since (a new objective, a Prometheus down for hours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningSums {
    pub bad: String,
    pub total: String,
    pub start: String,
}

/// Where a rule runs when the rules are split across servers (`sloc build --layer`): the
/// base recordings read the raw series and run on every cluster's Prometheus (the leaves);
/// everything else reads the base recordings and runs where every cluster's arrive (a global
/// Prometheus, a Mimir, Cortex or Thanos ruler).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    Leaf,
    Global,
}

impl Layer {
    pub fn name(self) -> &'static str {
        match self {
            Layer::Leaf => "leaf",
            Layer::Global => "global",
        }
    }
}

impl Objective {
    /// Whether the objective's rules split into layers: its windows are derived from base
    /// recordings. Objectives that read raw series over every window (`exact: true`, `raw`)
    /// run whole on the leaves.
    pub fn splits(&self) -> bool {
        self.counted.recorded().is_some()
    }

    /// The layer of a rule of this objective: a recording rule by its name, an alert by `None`.
    pub fn layer_of(&self, record: Option<&str>) -> Layer {
        match (record, self.counted.recorded()) {
            (_, None) => Layer::Leaf,
            (Some(name), Some((bad, total))) if name == bad || name == total => Layer::Leaf,
            _ => Layer::Global,
        }
    }
}

/// One alert tier of an objective.
#[derive(Debug, Clone, PartialEq)]
pub struct TierPlan {
    /// Unique among the objective's tiers: the severity's name for the workbook's tiers.
    pub name: String,
    /// The alert's `severity`, which picks its receiver and route.
    pub severity: Tier,
    /// Share of the period's budget spent within `long` that triggers the tier, in percent.
    pub budget_percent: Decimal,
    pub long: Duration,
    pub short: Duration,
    /// The burn factor: `share × period / long` (14.4 for critical over 30d).
    pub factor: Decimal,
    /// The error ratio both windows must exceed: `factor × budget`.
    pub threshold: Decimal,
    pub for_: Duration,
    /// The alert's labels as the rule writes them: `severity`, `slo`, the spec's labels, then
    /// the objective's alert labels, a later one replacing an earlier one. (`service` and the
    /// `group_by` labels come from the expression's series.)
    pub labels: Vec<(String, String)>,
    /// The Alertmanager receiver this tier's alerts must reach.
    pub receiver: String,
    pub notify: Notify,
    /// What firing means, for the alert's description.
    pub meaning: &'static str,
}

impl TierPlan {
    /// `critical`, `warning` or `info`.
    pub fn severity(&self) -> &'static str {
        self.severity.name()
    }

    /// `ALERTS{alertname="…",service="…",slo="…",severity="…"}` (and `slo_tier="…"` for a tier
    /// named apart from its severity): this tier's alerts.
    pub fn alerts_selector(&self, objective: &Objective) -> Selector {
        let keep = ["alertname", IDENTITY_LABELS[0], IDENTITY_LABELS[1], "severity", TIER_LABEL];
        let labels = self.alert_label_set(objective);
        let kept = labels.iter().filter(|(k, _)| keep.contains(&k.as_str()));
        kept.fold(Selector::default().on("ALERTS"), |s, (k, v)| s.with(k, MatchOp::Equal, v))
    }

    /// Every label a firing alert of this tier carries, `alertname` and `service` included,
    /// sorted by name (`group_by` labels excepted: their values come from the data).
    pub fn alert_label_set(&self, objective: &Objective) -> Vec<(String, String)> {
        let mut labels = vec![
            ("alertname".to_string(), objective.alert_name.clone()),
            (IDENTITY_LABELS[0].to_string(), objective.service.clone()),
        ];
        override_pairs(&mut labels, self.labels.iter().cloned());
        labels.sort();
        labels
    }
}

/// The raw series an objective's SLI reads.
#[derive(Debug, Clone, Default)]
pub struct Indicator {
    /// Every vector selector of the SLI's queries (offset and `@` removed), with the spec range
    /// of the query it is in.
    pub selectors: Vec<(String, Range<usize>)>,
    /// The counter of all events, when the SLI has one as a selector: traffic reads it.
    pub total: Option<String>,
    /// A latency SLI's series.
    pub latency: Option<LatencySeries>,
}

/// The series of a latency SLI. A native histogram is one series, `<histogram>{…}`: `good`,
/// `total` and `buckets` are all that selector, read with `histogram_fraction` and
/// `histogram_count`.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencySeries {
    /// The histogram's name, without `_bucket` or `_count`.
    pub histogram: String,
    /// `<histogram>_bucket{le=~"2(\.0)?", …}`: the requests at or below the threshold.
    pub good: String,
    /// `<histogram>_count{…}`: every request.
    pub total: String,
    /// `<histogram>_bucket{…}` without `le`: every bucket, whose `le` values say where the
    /// boundaries are.
    pub buckets: String,
    /// The threshold in seconds, as an `le` value reads.
    pub threshold_seconds: Decimal,
    pub native: bool,
    /// The selector the histogram would have as the other kind (`<histogram>{…}` for a
    /// classic one, `<histogram>_bucket{…}` for a native one): `sloc check` asks for both to
    /// tell which kind the server has.
    pub other_kind: String,
}

/// Plans every objective of a validated spec.
pub fn plan(spec: &Spec) -> Plan {
    // Objectives are planned apart (each parses its SLI's queries), on every core.
    let objectives = sloc_parallel::parallel_map_in_chunks(&spec.slos, 64, |slo| objective(spec, slo));
    Plan {
        service: spec.service.value.clone(),
        service_span: spec.service.span.clone(),
        period_span: spec.period.as_ref().map(|p| p.span.clone()),
        objectives,
    }
}

pub use sloc_spec::TIER_LABEL;

fn objective(spec: &Spec, slo: &Slo) -> Objective {
    let service = spec.service.value.clone();
    let name = slo.name.value.clone();
    let identity = [(IDENTITY_LABELS[0], service.as_str()), (IDENTITY_LABELS[1], name.as_str())];
    let selector = Selector::of_labels(identity);
    let mut record_labels: Vec<(String, String)> =
        identity.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    override_pairs(&mut record_labels, spec_labels(spec, slo));
    let period = spec.period_of(slo);
    let budget = slo.error_budget();
    let tiers: Vec<TierPlan> = spec
        .tiers_of(slo)
        .into_iter()
        .map(|tier| {
            let policy = tier.severity.policy();
            TierPlan {
                labels: alert_labels(spec, slo, &tier.name, tier.severity),
                receiver: receiver(spec, slo, tier.severity),
                threshold: tier.factor * budget,
                name: tier.name,
                severity: tier.severity,
                budget_percent: tier.budget_percent,
                long: tier.long,
                short: tier.short,
                factor: tier.factor,
                for_: tier.for_,
                notify: policy.notify,
                meaning: policy.meaning,
            }
        })
        .collect();
    let mut windows = vec![BASE_WINDOW, period];
    windows.extend(tiers.iter().flat_map(|t| [t.long, t.short]));
    windows.sort();
    windows.dedup();
    Objective {
        name_span: slo.name.span.clone(),
        objective_span: slo.objective.span.clone(),
        sli: slo.sli.clone(),
        description: slo.description.as_ref().map(|d| d.value.trim().to_string()),
        objective_percent: slo.objective.value,
        annotations: slo.alerting.annotations.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        group_name: format!("sloc-{service}-{name}"),
        selector,
        group_by: slo.group_by.iter().map(|g| g.value.clone()).collect(),
        record_labels,
        interval: spec.interval.as_ref().map(|i| i.value),
        exact: exact_windows(spec, slo),
        period,
        windows,
        objective: slo.objective_ratio(),
        budget,
        alert_name: alert_name(spec, slo),
        tiers,
        indicator: indicator(slo),
        counted: counted(slo, exact_windows(spec, slo)),
        service,
        name,
    }
}

fn exact_windows(spec: &Spec, slo: &Slo) -> bool {
    slo.exact.unwrap_or(spec.exact)
}

fn counted(slo: &Slo, exact: bool) -> Counted {
    let base = window_name(BASE_WINDOW);
    match &slo.sli {
        // Time slices are always derived from their 0/1 recordings, `exact` or not.
        Sli::Threshold { .. } => Counted::Slices { bad: names::BAD_SLICES.into(), total: names::SLICES.into() },
        Sli::Raw { .. } => Counted::Ratio { ratio: format!("{}{base}", names::ERROR_RATIO) },
        _ if exact => Counted::Ratio { ratio: format!("{}{base}", names::ERROR_RATIO) },
        Sli::Errors { .. } | Sli::Good { .. } | Sli::Latency { .. } => Counted::Events {
            bad: format!("{}{base}", names::ERRORS_RATE),
            total: format!("{}{base}", names::TOTAL_RATE),
        },
    }
}

impl Objective {
    /// Whether the ratio over `window` is summed from the base window's recordings (which lags
    /// a raw `rate` over `window` by half the base window) rather than read from the raw series
    /// (`exact: true`, and the base window itself).
    pub fn reads_base_recordings(&self, window: Duration) -> bool {
        !self.exact && window > BASE_WINDOW
    }

    /// Whether the ratio over `window` is the difference of running sums ([`RunningSums`]):
    /// the derived windows of [`RUNNING_SUM_MIN_WINDOW`] or more.
    pub fn reads_running_sums(&self, window: Duration) -> bool {
        self.reads_base_recordings(window) && window >= RUNNING_SUM_MIN_WINDOW && self.counted.recorded().is_some()
    }

    /// The running sums the objective records: when a window reads them.
    pub fn running_sums(&self) -> Option<RunningSums> {
        let longest = self.windows.last()?;
        if self.reads_running_sums(*longest) { self.counted.running_sums() } else { None }
    }

    /// The longest window that reads the running sums: a run that has not grown over it stops.
    pub fn longest_running_sum_window(&self) -> Option<Duration> {
        self.windows.iter().copied().filter(|w| self.reads_running_sums(*w)).max()
    }

    /// `slo:sli_error:ratio_rate<window>`.
    pub fn ratio_series(&self, window: Duration) -> String {
        ratio_series(window)
    }

    /// The error ratio over `window`, selected: `slo:sli_error:ratio_rate1h{service="…",slo="…"}`.
    pub fn ratio(&self, window: Duration) -> Selector {
        self.selector.on(self.ratio_series(window))
    }

    /// The objective's own labels (`service`, `slo`) and values: what tells its series and
    /// alerts apart, and what an inhibition must keep equal.
    pub fn identity(&self) -> [(&'static str, &str); 2] {
        [(IDENTITY_LABELS[0], &self.service), (IDENTITY_LABELS[1], &self.name)]
    }

    /// Every query of the SLI as the spec writes it (none for a latency SLI, whose series the
    /// plan builds: [`Indicator::latency`]).
    pub fn queries(&self) -> Vec<&Query> {
        self.sli.queries()
    }

    /// `sum by (<group_by>)` or `sum`.
    pub fn sum(&self) -> String {
        self.aggregate("sum")
    }

    /// `<op> by (<group_by>)` or `<op>`: one value per objective and group.
    pub fn aggregate(&self, op: &str) -> String {
        if self.group_by.is_empty() { op.to_string() } else { format!("{op} by ({})", self.group_by.join(", ")) }
    }

    /// The first (most severe) tier of this severity.
    pub fn tier(&self, severity: Tier) -> Option<&TierPlan> {
        self.tiers.iter().find(|t| t.severity == severity)
    }

    /// The sums over `range` of the bad and of all samples of the base recordings, grouped:
    /// their quotient is the error ratio over the range, request-weighted where the objective
    /// counts events ([`Counted`]). `at` is an `@` modifier (`@ 1700000000`) or empty.
    pub fn sums_over(&self, range: &str, at: &str) -> (String, String) {
        let on = |metric: &str| self.selector.on(metric);
        let at = if at.is_empty() { String::new() } else { format!(" {at}") };
        let sum = self.sum();
        match &self.counted {
            Counted::Events { bad, total } | Counted::Slices { bad, total } => (
                format!("{sum} (sum_over_time({}[{range}]{at}))", on(bad)),
                format!("{sum} (sum_over_time({}[{range}]{at}))", on(total)),
            ),
            Counted::Ratio { ratio } => (
                format!("{sum} (sum_over_time({}[{range}]{at}))", on(ratio)),
                format!("{sum} (count_over_time({}[{range}]{at}))", on(ratio)),
            ),
        }
    }

    /// The base recording of all events, selected (none for [`Counted::Ratio`]).
    pub fn total_rate(&self) -> Option<Selector> {
        self.counted.recorded().map(|(_, total)| self.selector.on(total))
    }

    /// `ALERTS{alertname="…",service="…",slo="…"}`: every tier's alerts of this objective.
    pub fn alerts_selector(&self) -> Selector {
        Selector::default()
            .on("ALERTS")
            .with("alertname", MatchOp::Equal, &self.alert_name)
            .with(IDENTITY_LABELS[0], MatchOp::Equal, &self.service)
            .with(IDENTITY_LABELS[1], MatchOp::Equal, &self.name)
    }

    /// The events over the period, `sum(increase(total[period]))`, when the SLI counts events
    /// with a selector.
    pub fn traffic_query(&self) -> Option<String> {
        let total = self.indicator.total.as_ref()?;
        Some(format!("sum(increase({total}[{}]))", window_name(self.period)))
    }
}

/// The name of an objective's alerts: `alerting.name`, else `<Service><Slo>ErrorBudgetBurn`.
fn alert_name(spec: &Spec, slo: &Slo) -> String {
    slo.alerting.name.as_ref().map_or_else(
        || format!("{}{}ErrorBudgetBurn", camel_case(&spec.service.value), camel_case(&slo.name.value)),
        |n| n.value.clone(),
    )
}

/// The spec's labels, then the objective's over them.
fn spec_labels<'a>(spec: &'a Spec, slo: &'a Slo) -> impl Iterator<Item = (String, String)> + 'a {
    spec.labels.iter().chain(slo.labels.iter()).map(|(k, v)| (k.to_string(), v.to_string()))
}

fn alert_labels(spec: &Spec, slo: &Slo, tier_name: &str, severity: Tier) -> Vec<(String, String)> {
    let mut labels = vec![
        ("severity".to_string(), severity.name().to_string()),
        (IDENTITY_LABELS[1].to_string(), slo.name.value.clone()),
    ];
    if tier_name != severity.name() {
        labels.push((TIER_LABEL.to_string(), tier_name.to_string()));
    }
    override_pairs(&mut labels, spec_labels(spec, slo));
    override_pairs(&mut labels, slo.alerting.labels.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    labels
}

/// The objective's receiver for `tier`, else the service's, else `<service>-<tier>`.
fn receiver(spec: &Spec, slo: &Slo, tier: Tier) -> String {
    slo.alerting
        .receivers
        .get(tier)
        .or_else(|| spec.alerting.receivers.get(tier))
        .map_or_else(|| format!("{}-{}", spec.service.value, tier.name()), |r| r.value.trim().to_string())
}

fn indicator(slo: &Slo) -> Indicator {
    let mut indicator = Indicator::default();
    let queries: Vec<&Query> = match &slo.sli {
        Sli::Latency { latency } => {
            let extra = latency.matchers.as_ref().map(|m| m.text.trim().to_string()).filter(|m| !m.is_empty());
            let histogram = &latency.histogram.value;
            let seconds = Decimal::from_int(i64::try_from(latency.threshold.value.millis()).unwrap_or(i64::MAX))
                .mul_ratio(1, 1000);
            let le = format!("le=~{}", sloc_promql::quote_string(&le_regex(seconds)));
            let selector = |metric: &str, first: Option<&str>| {
                let parts: Vec<&str> = first.into_iter().chain(extra.as_deref()).collect();
                if parts.is_empty() { metric.to_string() } else { format!("{metric}{{{}}}", parts.join(", ")) }
            };
            let series = if latency.native {
                let native = selector(histogram, None);
                LatencySeries {
                    histogram: histogram.clone(),
                    good: native.clone(),
                    total: native.clone(),
                    buckets: native,
                    threshold_seconds: seconds,
                    native: true,
                    other_kind: selector(&format!("{histogram}_bucket"), None),
                }
            } else {
                LatencySeries {
                    histogram: histogram.clone(),
                    good: selector(&format!("{histogram}_bucket"), Some(&le)),
                    total: selector(&format!("{histogram}_count"), None),
                    buckets: selector(&format!("{histogram}_bucket"), None),
                    threshold_seconds: seconds,
                    native: false,
                    other_kind: selector(histogram, None),
                }
            };
            indicator.selectors.push((series.total.clone(), latency.histogram.span.clone()));
            indicator.total = Some(series.total.clone());
            indicator.latency = Some(series);
            return indicator;
        }
        sli => sli.queries(),
    };
    if let Sli::Errors { total, .. } | Sli::Good { total, .. } = &slo.sli
        && total.is_selector
    {
        indicator.total = Some(total.text.trim().to_string());
    }
    for q in queries {
        let Ok(expr) = sloc_promql::parse(&q.with_window("5m")) else { continue };
        for vs in sloc_promql::vector_selectors(&expr) {
            let mut vs = vs.clone();
            vs.offset = None;
            vs.at = None;
            indicator.selectors.push((promql_parser::parser::Expr::VectorSelector(vs).to_string(), q.span()));
        }
    }
    indicator
}

/// Go clients write `le="2"`, Python clients `le="2.0"`: match both.
fn le_regex(seconds: Decimal) -> String {
    let text = seconds.to_string();
    let escaped = text.replace('.', "\\.");
    if text.contains('.') { escaped } else { format!("{escaped}(\\.0)?") }
}

/// A window as it appears in series names: whole days stay days (`30d`, not `4w2d`).
pub fn window_name(d: Duration) -> String {
    const DAY: u64 = 86_400_000;
    if d.millis() >= DAY && d.millis().is_multiple_of(DAY) {
        format!("{}d", d.millis() / DAY)
    } else {
        format_duration(d)
    }
}

/// `provider-reliability` → `ProviderReliability`.
pub fn camel_case(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

/// Adds key-value pairs, a later value replacing an earlier one of the same key in place.
pub fn override_pairs(pairs: &mut Vec<(String, String)>, more: impl IntoIterator<Item = (String, String)>) {
    for (key, value) in more {
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = value,
            None => pairs.push((key, value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Spec {
        let (spec, diagnostics) = sloc_spec::parse_spec(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        spec.unwrap()
    }

    #[test]
    fn names_windows_and_le() {
        assert_eq!(camel_case("provider-reliability"), "ProviderReliability");
        assert_eq!(window_name(Duration::from_secs(30 * 86_400)), "30d");
        assert_eq!(window_name(Duration::from_secs(300)), "5m");
        assert_eq!(le_regex(Decimal::parse("2").unwrap()), "2(\\.0)?");
        assert_eq!(le_regex(Decimal::parse("0.25").unwrap()), "0\\.25");
    }

    #[test]
    fn an_objective_s_tiers_receivers_and_series() {
        let spec = spec(
            "service: api\nalerting: {receivers: {critical: pager}}\nslos:\n  - name: latency\n    objective: 99\n    \
             alerting: {disable: [info], receivers: {warning: queue}, labels: {team: web}}\n    \
             sli: {latency: {histogram: http_seconds, threshold: 250ms, matchers: 'job=\"api\"'}}\n",
        );
        let plan = plan(&spec);
        let o = &plan.objectives[0];
        assert_eq!(o.group_name, "sloc-api-latency");
        assert_eq!(
            o.ratio(Duration::from_secs(3600)).to_string(),
            "slo:sli_error:ratio_rate1h{service=\"api\",slo=\"latency\"}"
        );
        let windows: Vec<String> = o.windows.iter().map(|w| window_name(*w)).collect();
        assert_eq!(windows, ["5m", "30m", "1h", "6h", "30d"]);
        let tiers: Vec<(&str, String, String)> =
            o.tiers.iter().map(|t| (t.name.as_str(), t.factor.to_string(), t.receiver.clone())).collect();
        assert_eq!(tiers, [("critical", "14.4".into(), "pager".into()), ("warning", "6".into(), "queue".into())]);
        assert_eq!(o.tiers[0].threshold.to_string(), "0.144");
        assert_eq!(
            o.tiers[1].alert_label_set(o),
            [
                ("alertname".to_string(), "ApiLatencyErrorBudgetBurn".to_string()),
                ("service".into(), "api".into()),
                ("severity".into(), "warning".into()),
                ("slo".into(), "latency".into()),
                ("team".into(), "web".into()),
            ]
        );
        let latency = o.indicator.latency.as_ref().unwrap();
        assert_eq!(latency.good, "http_seconds_bucket{le=~\"0\\\\.25\", job=\"api\"}");
        assert_eq!(latency.total, "http_seconds_count{job=\"api\"}");
        assert_eq!(latency.buckets, "http_seconds_bucket{job=\"api\"}");
        assert_eq!(o.traffic_query().unwrap(), "sum(increase(http_seconds_count{job=\"api\"}[30d]))");
    }

    #[test]
    fn default_receivers_are_named_after_the_service() {
        let spec =
            spec("service: api\nslos:\n  - name: a\n    objective: 99.9\n    sli: {errors: 'e{x=\"1\"}', total: e}\n");
        let plan = plan(&spec);
        let receivers: Vec<&str> = plan.objectives[0].tiers.iter().map(|t| t.receiver.as_str()).collect();
        assert_eq!(receivers, ["api-critical", "api-warning", "api-info"]);
        let selectors: Vec<&str> = plan.objectives[0].indicator.selectors.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(selectors, ["e{x=\"1\"}", "e"]);
    }
}
