//! `sloc build`: specs → plans → artifacts, and several specs merged into one output.

pub use sloc_plan::Layer;
use sloc_plan::Plan;
use sloc_rulefile::{ManifestMetadata, RuleFile};
use sloc_spec::Spec;

/// What `sloc build` can write for a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artifact {
    /// A Prometheus rule file (`groups:`).
    Rules,
    /// The rule groups in a `monitoring.coreos.com/v1` `PrometheusRule` manifest.
    PrometheusRule,
    /// An Alertmanager fragment: a route per tier to its receiver, and inhibit rules.
    Alertmanager,
    /// A Grafana dashboard (JSON) to provision from a file.
    Grafana,
}

impl Artifact {
    /// What `-o DIR` writes for each spec when no format is named.
    pub const EVERY: &[Artifact] = &[Artifact::Rules, Artifact::Alertmanager, Artifact::Grafana];

    /// The file this artifact is written to for a spec `<stem>.slo.yaml`.
    pub fn file_name(self, stem: &str) -> String {
        match self {
            Artifact::Rules | Artifact::PrometheusRule => format!("{stem}.rules.yml"),
            Artifact::Alertmanager => format!("{stem}.alertmanager.yml"),
            Artifact::Grafana => format!("{stem}.dashboard.json"),
        }
    }
}

/// The manifest label that names a layer's rules.
pub const LAYER_LABEL: &str = "sloc.dev/layer";

/// A spec, its plan (made once, read by every artifact) and its compiled rules.
#[derive(Clone)]
pub struct Compiled {
    /// The spec's file name, for generated headers.
    pub source: String,
    pub spec: Spec,
    pub plan: Plan,
    pub rules: RuleFile,
    /// The manifest's metadata, for [`Artifact::PrometheusRule`].
    pub manifest: Option<ManifestMetadata>,
}

impl Compiled {
    pub fn new(source: String, spec: Spec, manifest: Option<ManifestMetadata>) -> Result<Self, String> {
        let plan = sloc_plan::plan(&spec);
        let rules = sloc_compiler::compile(&plan).map_err(|e| e.to_string())?;
        Ok(Compiled { source, spec, plan, rules, manifest })
    }

    /// Only the rules of `layer` (a group left empty is dropped), and the layer named in the
    /// manifest: its name ends in `-<layer>` and it carries `sloc.dev/layer: <layer>`, for each
    /// Prometheus' `ruleSelector`. The plan keeps every objective: the layer's outputs that
    /// read the plan (alerts, dashboards) are the global evaluator's.
    pub fn into_layer(mut self, layer: Layer) -> Self {
        for (group, objective) in self.rules.groups.iter_mut().zip(&self.plan.objectives) {
            keep_layer(group, objective, layer);
        }
        self.rules.groups.retain(|g| !g.rules.is_empty());
        if let Some(manifest) = &mut self.manifest {
            manifest.name = format!("{}-{}", manifest.name, layer.name());
            manifest.labels.retain(|(k, _)| k != LAYER_LABEL);
            manifest.labels.push((LAYER_LABEL.to_string(), layer.name().to_string()));
        }
        self
    }

    /// This spec's `artifact`.
    pub fn render(&self, artifact: Artifact) -> String {
        render(std::slice::from_ref(self), artifact)
    }
}

/// Keeps the rules of an objective's group that run in `layer` (the plan decides).
pub fn keep_layer(group: &mut sloc_rulefile::Group, objective: &sloc_plan::Objective, layer: Layer) {
    group.rules.retain(|rule| objective.layer_of(rule.record_name()) == layer);
}

/// Several specs as one output: one rule file with every group, one manifest per spec in a
/// multi-document stream, or one Alertmanager fragment for every spec.
pub fn render(compiled: &[Compiled], artifact: Artifact) -> String {
    let sources: Vec<&str> = compiled.iter().map(|c| c.source.as_str()).collect();
    let sources = sources.join(", ");
    match artifact {
        Artifact::PrometheusRule => compiled
            .iter()
            .map(|c| match &c.manifest {
                Some(metadata) => c.rules.to_prometheus_rule(&sloc_compiler::header(&c.source), metadata),
                None => c.rules.to_yaml(&sloc_compiler::header(&c.source)),
            })
            .collect::<Vec<_>>()
            .join("---\n"),
        Artifact::Alertmanager => {
            let plans: Vec<&Plan> = compiled.iter().map(|c| &c.plan).collect();
            sloc_alertmanager::fragment(&plans, &sloc_compiler::generated_notice(&sources))
        }
        Artifact::Grafana => {
            let plans: Vec<&Plan> = compiled.iter().map(|c| &c.plan).collect();
            sloc_grafana::dashboard(&plans)
        }
        Artifact::Rules => {
            let groups = compiled.iter().flat_map(|c| c.rules.groups.iter().cloned()).collect();
            RuleFile { groups }.to_yaml(&sloc_compiler::header(&sources))
        }
    }
}

/// Two specs generating the same group would overwrite each other's rules in Prometheus: the
/// message naming both, for the first such pair.
pub fn clashing_groups(compiled: &[&Compiled]) -> Option<String> {
    for (i, a) in compiled.iter().enumerate() {
        for b in &compiled[..i] {
            if let Some(g) = a.rules.groups.iter().find(|g| b.rules.groups.iter().any(|h| h.name == g.name)) {
                return Some(format!(
                    "{} and {} both generate the rule group `{}`: give them different services or objective names",
                    b.source, a.source, g.name
                ));
            }
        }
    }
    None
}

/// A manifest's metadata: the flags' name, namespace and labels, then the spec's `kubernetes:`
/// section, then the defaults (`<service>-slos`, `app.kubernetes.io/managed-by: sloc`).
pub fn manifest_metadata(
    spec: &Spec,
    name: Option<&str>,
    namespace: Option<&str>,
    labels: &[(String, String)],
) -> ManifestMetadata {
    let k8s = spec.kubernetes.clone().unwrap_or_default();
    let name = name
        .map(str::to_string)
        .or_else(|| k8s.name.map(|n| n.value))
        .unwrap_or_else(|| format!("{}-slos", spec.service.value.to_lowercase().replace('_', "-")));
    let namespace = namespace.map(str::to_string).or_else(|| k8s.namespace.map(|n| n.value));
    let mut all: Vec<(String, String)> = k8s.labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    for (k, v) in labels {
        all.retain(|(existing, _)| existing != k);
        all.push((k.clone(), v.clone()));
    }
    if !all.iter().any(|(k, _)| k == "app.kubernetes.io/managed-by") {
        all.push(("app.kubernetes.io/managed-by".to_string(), "sloc".to_string()));
    }
    ManifestMetadata { name, namespace, labels: all }
}
