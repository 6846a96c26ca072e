//! The sloc spec an import writes: a small model of only what the readers fill in, and its
//! YAML form (commented with where each objective came from).

use sloc_yaml::Emitter;

/// One sloc spec: a service and its objectives.
#[derive(Debug, Clone, Default)]
pub struct DraftSpec {
    pub service: String,
    pub period: Option<String>,
    pub labels: Vec<(String, String)>,
    pub kubernetes: Option<DraftKubernetes>,
    pub slos: Vec<DraftSlo>,
}

/// The metadata of the `PrometheusRule` the peer generated (for `--format prometheus-operator`).
#[derive(Debug, Clone, Default)]
pub struct DraftKubernetes {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub labels: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct DraftSlo {
    pub name: String,
    /// Percent, as sloc writes it (`99.9`).
    pub objective: String,
    pub description: Option<String>,
    pub period: Option<String>,
    pub labels: Vec<(String, String)>,
    pub group_by: Vec<String>,
    pub sli: DraftSli,
    pub tiers: Option<Vec<DraftTier>>,
    pub alert_name: Option<String>,
    pub alert_labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    /// Severities not to alert on.
    pub disable: Vec<&'static str>,
    /// `file:line:col` and the peer's name for the objective, for the comment above it.
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DraftSli {
    Errors { errors: String, total: String },
    Good { good: String, total: String },
    Latency { histogram: String, threshold: String, matchers: Option<String>, native: bool },
    Threshold { value: String, bound: &'static str, limit: String },
    Raw(String),
}

impl Default for DraftSli {
    fn default() -> Self {
        DraftSli::Raw(String::new())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DraftTier {
    pub name: String,
    pub severity: &'static str,
    pub long: String,
    pub short: String,
    /// `factor` or `budget`, and its value.
    pub threshold: (&'static str, String),
    pub for_: Option<String>,
}

impl DraftSpec {
    /// The spec as YAML, headed by `header` (comment lines).
    pub fn to_yaml(&self, header: &str) -> String {
        let mut e = Emitter::new();
        e.comment(0, header);
        e.scalar(0, false, "service", &self.service);
        if let Some(p) = &self.period {
            e.scalar(0, false, "period", p);
        }
        map(&mut e, 0, "labels", &self.labels);
        if let Some(k) =
            self.kubernetes.as_ref().filter(|k| k.name.is_some() || k.namespace.is_some() || !k.labels.is_empty())
        {
            e.key(0, false, "kubernetes");
            if let Some(n) = &k.name {
                e.scalar(2, false, "name", n);
            }
            if let Some(n) = &k.namespace {
                e.scalar(2, false, "namespace", n);
            }
            map(&mut e, 2, "labels", &k.labels);
        }
        e.key(0, false, "slos");
        for slo in &self.slos {
            e.blank();
            e.comment(2, &slo.origin);
            e.scalar(2, true, "name", &slo.name);
            e.raw(4, false, "objective", &slo.objective);
            if let Some(d) = &slo.description {
                e.scalar(4, false, "description", d);
            }
            if let Some(p) = &slo.period {
                e.scalar(4, false, "period", p);
            }
            map(&mut e, 4, "labels", &slo.labels);
            if !slo.group_by.is_empty() {
                e.key(4, false, "group_by");
                for g in &slo.group_by {
                    e.item(6, g);
                }
            }
            e.key(4, false, "sli");
            match &slo.sli {
                DraftSli::Errors { errors, total } => {
                    e.scalar(6, false, "errors", errors);
                    e.scalar(6, false, "total", total);
                }
                DraftSli::Good { good, total } => {
                    e.scalar(6, false, "good", good);
                    e.scalar(6, false, "total", total);
                }
                DraftSli::Latency { histogram, threshold, matchers, native } => {
                    e.key(6, false, "latency");
                    e.scalar(8, false, "histogram", histogram);
                    e.scalar(8, false, "threshold", threshold);
                    if let Some(m) = matchers {
                        e.scalar(8, false, "matchers", m);
                    }
                    if *native {
                        e.raw(8, false, "native", "true");
                    }
                }
                DraftSli::Threshold { value, bound, limit } => {
                    e.key(6, false, "threshold");
                    e.scalar(8, false, "value", value);
                    e.raw(8, false, bound, limit);
                }
                DraftSli::Raw(raw) => e.scalar(6, false, "raw", raw),
            }
            if let Some(tiers) = &slo.tiers {
                e.key(4, false, "tiers");
                for t in tiers {
                    e.scalar(6, true, "name", &t.name);
                    e.scalar(8, false, "severity", t.severity);
                    e.scalar(8, false, "long", &t.long);
                    e.scalar(8, false, "short", &t.short);
                    e.raw(8, false, t.threshold.0, &t.threshold.1);
                    if let Some(f) = &t.for_ {
                        e.scalar(8, false, "for", f);
                    }
                }
            }
            let alerting = slo.alert_name.is_some()
                || !slo.alert_labels.is_empty()
                || !slo.annotations.is_empty()
                || !slo.disable.is_empty();
            if alerting {
                e.key(4, false, "alerting");
                if let Some(n) = &slo.alert_name {
                    e.scalar(6, false, "name", n);
                }
                map(&mut e, 6, "labels", &slo.alert_labels);
                map(&mut e, 6, "annotations", &slo.annotations);
                if !slo.disable.is_empty() {
                    e.raw(6, false, "disable", &format!("[{}]", slo.disable.join(", ")));
                }
            }
        }
        e.finish()
    }
}

fn map(e: &mut Emitter, indent: usize, key: &str, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    e.key(indent, false, key);
    for (k, v) in pairs {
        e.scalar(indent + 2, false, k, v);
    }
}
