//! The Prometheus rule-file model: groups of recording and alerting rules, and their canonical
//! YAML form.

use sloc_promql::Duration;
use sloc_yaml::Emitter;

/// A Prometheus rule file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleFile {
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub interval: Option<Duration>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    Record(String),
    Alert(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub kind: RuleKind,
    pub expr: String,
    pub for_: Option<Duration>,
    /// In output order.
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
}

impl Rule {
    /// The recorded series' name; `None` for an alert.
    pub fn record_name(&self) -> Option<&str> {
        match &self.kind {
            RuleKind::Record(n) => Some(n),
            RuleKind::Alert(_) => None,
        }
    }

    pub fn name(&self) -> &str {
        match &self.kind {
            RuleKind::Record(n) | RuleKind::Alert(n) => n,
        }
    }
}

impl RuleFile {
    /// The file as YAML: `header` as leading comment lines, then the groups. Deterministic:
    /// the same model always gives the same bytes.
    pub fn to_yaml(&self, header: &str) -> String {
        let mut e = Emitter::new();
        e.comment(0, header);
        self.write_groups(&mut e, 0);
        e.finish()
    }

    /// The groups wrapped in a prometheus-operator `PrometheusRule` manifest.
    pub fn to_prometheus_rule(&self, header: &str, metadata: &ManifestMetadata) -> String {
        let mut e = Emitter::new();
        e.comment(0, header);
        e.scalar(0, false, "apiVersion", "monitoring.coreos.com/v1");
        e.scalar(0, false, "kind", "PrometheusRule");
        e.key(0, false, "metadata");
        e.scalar(2, false, "name", &metadata.name);
        if let Some(namespace) = &metadata.namespace {
            e.scalar(2, false, "namespace", namespace);
        }
        if !metadata.labels.is_empty() {
            e.key(2, false, "labels");
            for (k, v) in &metadata.labels {
                e.scalar(4, false, k, v);
            }
        }
        e.key(0, false, "spec");
        self.write_groups(&mut e, 2);
        e.finish()
    }

    fn write_groups(&self, e: &mut Emitter, indent: usize) {
        if self.groups.is_empty() {
            e.raw(indent, false, "groups", "[]");
            return;
        }
        e.key(indent, false, "groups");
        // Each group on its own: a thousand objectives' groups are written on every core.
        let written = sloc_parallel::parallel_map_in_chunks(&self.groups, 64, |group| {
            let mut part = Emitter::new();
            group.write(&mut part, indent + 4, true);
            part.finish()
        });
        for part in written {
            e.append(&part);
        }
    }
}

impl Group {
    /// The group alone as a YAML document (`name:`, `interval:`, `rules:`), as a ruler's API
    /// takes and gives one group.
    pub fn to_yaml_document(&self) -> String {
        let mut e = Emitter::new();
        self.write(&mut e, 0, false);
        e.finish()
    }

    /// Writes the group with its keys at `keys`; as a list item, its dash two columns before.
    fn write(&self, e: &mut Emitter, keys: usize, item: bool) {
        e.scalar(if item { keys - 2 } else { keys }, item, "name", &self.name);
        if let Some(interval) = self.interval {
            e.scalar(keys, false, "interval", &interval.to_string());
        }
        e.key(keys, false, "rules");
        for rule in &self.rules {
            match &rule.kind {
                RuleKind::Record(name) => e.scalar(keys + 2, true, "record", name),
                RuleKind::Alert(name) => e.scalar(keys + 2, true, "alert", name),
            }
            e.scalar(keys + 4, false, "expr", &rule.expr);
            if let Some(for_) = rule.for_ {
                e.scalar(keys + 4, false, "for", &for_.to_string());
            }
            for (key, map) in [("labels", &rule.labels), ("annotations", &rule.annotations)] {
                if !map.is_empty() {
                    e.key(keys + 4, false, key);
                    for (k, v) in map {
                        e.scalar(keys + 6, false, k, v);
                    }
                }
            }
        }
    }
}

/// `metadata` of a `PrometheusRule` manifest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManifestMetadata {
    pub name: String,
    pub namespace: Option<String>,
    /// In output order.
    pub labels: Vec<(String, String)>,
}

pub mod checks;
pub mod codes;
mod loaded;
mod outputs;
mod read;

pub use checks::duplicate_rule::run as duplicate_rules;
pub use loaded::{LoadedGroup, LoadedRule};
pub use read::{
    DocumentKind, ParsedExpr, ParsedGroup, ParsedRule, RuleStructure, document_kind, read_rule_documents,
    read_rule_structure, refused,
};
pub use sloc_template::{TemplateError, check_template, template_finding};
