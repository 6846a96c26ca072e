//! The SLO spec: its model and its reader.
//!
//! A spec file holds one service and its objectives. [`parse_spec`] reads one from text and
//! reports every problem it finds, each located at the YAML value it concerns. The model types
//! also generate the spec's JSON Schema (`cargo xtask codegen`), so their doc comments are what
//! editors show.

use std::ops::Range;

use schemars::JsonSchema;
use sloc_promql::Duration;
use sloc_yaml::Node;
pub use sloc_yaml::Spanned;

pub mod checks;
pub mod codes;
mod decimal;
pub mod peer;
mod read;
mod schema;
mod tiers;

pub use decimal::Decimal;
pub use read::{RESERVED_LABELS, TIER_LABEL, is_spec, parse_spec, slug};
pub use tiers::{Notify, ResolvedTier, Tier, TierPolicy, TierSpec, resolve_tiers};

/// The window placeholder in SLI expressions, replaced by each window the rules need.
pub const WINDOW_PLACEHOLDER: &str = "$window";

/// The default SLO period.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(30 * 86_400);

/// An SLO spec: one service and its service level objectives.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(title = "sloc SLO spec", deny_unknown_fields)]
pub struct Spec {
    /// The service the objectives belong to. Every generated series carries it as the `service`
    /// label.
    pub service: Spanned<String>,
    /// The rolling window the objectives are measured over (default `30d`): any Prometheus
    /// duration such as `7d`, `28d`, `4w` or `90d`.
    #[schemars(with = "Option<schema::DurationText>")]
    pub period: Option<Spanned<Duration>>,
    /// Evaluation interval of the generated rule groups. Unset, Prometheus uses its global
    /// `evaluation_interval`.
    #[schemars(with = "Option<schema::DurationText>")]
    pub interval: Option<Spanned<Duration>>,
    /// Read the raw series over every window instead of deriving long windows from the short
    /// window's recordings. Costlier; the default (`false`) is exact up to traffic weighting.
    #[serde(default)]
    pub exact: bool,
    /// Labels added to every generated series and alert.
    #[serde(default)]
    pub labels: Labels,
    /// Metadata of the `PrometheusRule` manifest that `sloc build --format prometheus-operator`
    /// writes. Command-line flags take precedence.
    pub kubernetes: Option<Kubernetes>,
    /// Alert settings for every objective of the service.
    #[serde(default)]
    pub alerting: ServiceAlerting,
    /// Alert tiers for every objective, replacing the workbook's three (critical 14.4x over
    /// 1h/5m, warning 6x over 6h/30m, info 1x over 3d/6h at 30d).
    pub tiers: Option<Vec<TierSpec>>,
    /// The objectives.
    pub slos: Vec<Slo>,
}

/// Alert settings for the whole service.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ServiceAlerting {
    /// The Alertmanager receiver of each tier, for `sloc build --format alertmanager` and
    /// `sloc check --alertmanager`. Default: `<service>-critical`, `<service>-warning`,
    /// `<service>-info`.
    #[serde(default)]
    pub receivers: Receivers,
}

/// Alertmanager receiver names by tier: `{critical: oneflow-pager, warning: oneflow-tickets}`.
/// Only the names: the receivers' settings (keys, URLs) stay in `alertmanager.yml`.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(with = "std::collections::BTreeMap<Tier, String>")]
pub struct Receivers(pub Vec<(Spanned<Tier>, Spanned<String>)>);

impl Receivers {
    pub fn get(&self, tier: Tier) -> Option<&Spanned<String>> {
        self.0.iter().find(|(t, _)| t.value == tier).map(|(_, r)| r)
    }
}

/// `metadata` of the generated `PrometheusRule`.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Kubernetes {
    /// Default: `<service>-slos`.
    pub name: Option<Spanned<String>>,
    pub namespace: Option<Spanned<String>>,
    /// Labels of the manifest, such as the ones a Prometheus' `ruleSelector` matches.
    #[serde(default)]
    pub labels: Labels,
}

impl Spec {
    /// The file's period: the default of its objectives.
    pub fn period(&self) -> Duration {
        self.period.as_ref().map_or(DEFAULT_PERIOD, |p| p.value)
    }

    /// The period of `slo`: its own, else the file's.
    pub fn period_of(&self, slo: &Slo) -> Duration {
        slo.period.as_ref().map_or_else(|| self.period(), |p| p.value)
    }

    /// The alert tiers of `slo`, settled: its own, else the file's, else the workbook's.
    pub fn tiers_of(&self, slo: &Slo) -> Vec<ResolvedTier> {
        resolve_tiers(slo.tiers.as_deref().or(self.tiers.as_deref()), &slo.alerting, self.period_of(slo))
    }
}

/// One service level objective.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Slo {
    /// Unique in the file: lower-case letters, digits, `-` and `_`. Generated series carry it as
    /// the `slo` label.
    pub name: Spanned<String>,
    /// The target, in percent of good events (or good time slices): `99.9`, `"99.9%"`, `95`.
    /// Strictly between 0 and 100.
    #[schemars(with = "schema::ObjectiveText")]
    pub objective: Spanned<Decimal>,
    /// What the objective promises, in words. Shown in alert descriptions.
    pub description: Option<Spanned<String>>,
    /// Labels to keep: one objective per value of these labels (for example `[provider]`).
    #[serde(default)]
    pub group_by: Vec<Spanned<String>>,
    /// Overrides the spec's `exact` for this objective.
    pub exact: Option<bool>,
    /// Overrides the spec's `period` for this objective (`1w`, `28d`).
    #[schemars(with = "Option<schema::DurationText>")]
    pub period: Option<Spanned<Duration>>,
    /// Labels added to this objective's series and alerts, over the spec's.
    #[serde(default)]
    pub labels: Labels,
    /// Alert tiers of this objective, replacing the spec's (or the workbook's).
    pub tiers: Option<Vec<TierSpec>>,
    /// Expected events at the quietest time of day, such as `20/h` or `5/m`. With it,
    /// `sloc lint` warns when one failed event would be enough to page.
    #[schemars(with = "Option<schema::TrafficText>")]
    pub traffic: Option<Spanned<Decimal>>,
    /// The service level indicator.
    pub sli: Sli,
    /// Overrides for the generated alerts.
    #[serde(default)]
    pub alerting: Alerting,
}

impl Slo {
    /// Expected events per hour, from `traffic`.
    pub fn traffic_per_hour(&self) -> Option<Decimal> {
        self.traffic.as_ref().map(|t| t.value)
    }

    pub fn objective_ratio(&self) -> Decimal {
        self.objective.value.mul_ratio(1, 100)
    }

    /// The error budget as a ratio: `1 - objective`.
    pub fn error_budget(&self) -> Decimal {
        Decimal::ONE - self.objective_ratio()
    }
}

/// The service level indicator: exactly one kind.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub enum Sli {
    /// Bad events over all events.
    Errors {
        /// Counter of bad events: a selector (`http_requests_total{code=~"5.."}`) or an
        /// expression with `$window` in its ranges.
        errors: Query,
        /// Counter of all events, in the same form.
        total: Query,
    },
    /// Good events over all events.
    Good {
        /// Counter of good events: a selector or an expression with `$window`.
        good: Query,
        /// Counter of all events, in the same form.
        total: Query,
    },
    /// Requests faster than a threshold, from a classic histogram.
    Latency { latency: LatencySli },
    /// Time slices during which a value stays within a bound.
    Threshold { threshold: ThresholdSli },
    /// An error-ratio expression with `$window` in its ranges, for anything else.
    Raw {
        /// Evaluates to the ratio of bad events (0 to 1) over `$window`.
        raw: Query,
    },
}

impl Sli {
    /// Every query of the SLI as the spec writes it (none for a latency SLI, whose series are
    /// built from the histogram's name).
    pub fn queries(&self) -> Vec<&Query> {
        match self {
            Sli::Errors { errors, total } => vec![errors, total],
            Sli::Good { good, total } => vec![good, total],
            Sli::Threshold { threshold } => vec![&threshold.value],
            Sli::Raw { raw } => vec![raw],
            Sli::Latency { .. } => Vec::new(),
        }
    }
}

/// "P95 < 2s" is `objective: 95` with `threshold: 2s`.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct LatencySli {
    /// The histogram's metric name, without `_bucket`.
    pub histogram: Spanned<String>,
    /// Requests at or below this duration are good (`2s`, `250ms`). The histogram needs a
    /// bucket at exactly this boundary.
    #[schemars(with = "schema::DurationText")]
    pub threshold: Spanned<Duration>,
    /// Extra label matchers for the histogram, PromQL style: `endpoint="/api", code!~"5.."`.
    pub matchers: Option<Query>,
    /// The histogram is a native one (a single series `NAME`, read with `histogram_count` and
    /// `histogram_fraction`), not a classic one (`NAME_bucket` and `NAME_count`).
    #[schemars(default)]
    pub native: bool,
}

/// A slice (one rule evaluation) is good when `value` is within the bound.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields, extend("oneOf" = [{"required": ["below"]}, {"required": ["above"]}]))]
pub struct ThresholdSli {
    /// A PromQL expression evaluated at every slice. `$window`, if present, becomes the short
    /// window.
    pub value: Query,
    /// Good when the value is strictly below this.
    #[schemars(with = "Option<f64>")]
    pub below: Option<Spanned<Decimal>>,
    /// Good when the value is strictly above this.
    #[schemars(with = "Option<f64>")]
    pub above: Option<Spanned<Decimal>>,
}

/// Per-objective alert settings.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Alerting {
    /// The alert name, CamelCase. Default: service and objective names in CamelCase, followed by
    /// `ErrorBudgetBurn`.
    pub name: Option<Spanned<String>>,
    /// Labels added to the alerts.
    #[serde(default)]
    pub labels: Labels,
    /// Annotations added to the alerts (`runbook_url`, `dashboard`…).
    #[serde(default)]
    pub annotations: Labels,
    /// Tiers not to generate.
    #[serde(default)]
    pub disable: Vec<Spanned<Tier>>,
    /// `for` per tier, replacing the default (critical 2m, warning 15m, info 30m).
    #[serde(rename = "for", default)]
    #[schemars(with = "std::collections::BTreeMap<Tier, schema::DurationText>")]
    pub for_: Vec<(Spanned<Tier>, Spanned<Duration>)>,
    /// Alertmanager receivers of this objective's tiers, replacing the service's.
    #[serde(default)]
    pub receivers: Receivers,
}

impl Alerting {
    pub fn is_enabled(&self, tier: Tier) -> bool {
        !self.disable.iter().any(|t| t.value == tier)
    }

    pub fn for_duration(&self, tier: Tier) -> Duration {
        self.for_.iter().find(|(t, _)| t.value == tier).map_or(tier.policy().for_, |(_, d)| d.value)
    }
}

/// A label or annotation map, in source order.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(with = "std::collections::BTreeMap<String, String>")]
pub struct Labels(pub Vec<Label>);

#[derive(Debug, Clone)]
pub struct Label {
    pub name: Spanned<String>,
    pub value: Spanned<String>,
}

impl Labels {
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|l| (l.name.value.as_str(), l.value.value.as_str()))
    }
}

/// A PromQL expression read from the spec, with where it came from.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(with = "String")]
pub struct Query {
    /// The expression as written (after YAML unquoting).
    pub text: String,
    /// The YAML scalar it was read from, to locate findings inside the expression.
    pub node: Node,
    /// A plain selector, to be wrapped in `rate(...[window])` by the compiler.
    pub is_selector: bool,
}

impl Query {
    /// The expression with `$window` replaced.
    pub fn with_window(&self, window: &str) -> String {
        self.text.replace(WINDOW_PLACEHOLDER, window)
    }

    pub fn span(&self) -> Range<usize> {
        self.node.span.clone()
    }
}
