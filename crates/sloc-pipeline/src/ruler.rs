//! `sloc ruler`: the groups of specs and rule files against what a Mimir, Cortex or Loki ruler
//! holds in a namespace. Pure: the binary fetches and sends through `sloc-client`.
//!
//! Groups are compared by meaning (the rule-file model: expressions as written, `for`,
//! labels, annotations, `interval`), and sent as the model writes them. A rule file whose
//! groups use a field the model does not carry (`limit`, `query_offset`, group `labels`,
//! `keep_firing_for`...) is refused rather than sent without it.

use sloc_diagnostics::{CANNOT_RUN, Diagnostic, Severity};
use sloc_rulefile::Group;
use sloc_target::Target;
use sloc_yaml::{Node, Value};

/// Fields the model carries; anything else in a group or rule cannot be sent faithfully.
const GROUP_FIELDS: &[&str] = &["name", "interval", "rules"];
const RULE_FIELDS: &[&str] = &["record", "alert", "expr", "for", "labels", "annotations"];

/// What `load` or `sync` does to one group.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Not on the ruler: created.
    Create,
    /// On the ruler, different: replaced. Holds the ruler's version, as the model writes it.
    Update {
        current: String,
    },
    Unchanged,
    /// On the ruler, in none of the inputs: deleted by `sync` only.
    Delete {
        current: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub group: String,
    pub change: Change,
    /// The group as it is sent (empty for a deletion).
    pub document: String,
}

/// The steps that bring the ruler's `remote` groups of a namespace to `local`: in the inputs'
/// order, then the deletions in the ruler's order.
pub fn compare(local: &[Group], remote: &[Group]) -> Vec<Step> {
    let mut steps: Vec<Step> = local
        .iter()
        .map(|group| {
            let change = match remote.iter().find(|r| r.name == group.name) {
                None => Change::Create,
                Some(current) if current == group => Change::Unchanged,
                Some(current) => Change::Update { current: current.to_yaml_document() },
            };
            Step { group: group.name.clone(), change, document: group.to_yaml_document() }
        })
        .collect();
    for current in remote.iter().filter(|r| !local.iter().any(|l| l.name == r.name)) {
        steps.push(Step {
            group: current.name.clone(),
            change: Change::Delete { current: current.to_yaml_document() },
            document: String::new(),
        });
    }
    steps
}

/// The ruler's answer (YAML: namespace → its groups) as groups per namespace, in its order.
/// An empty answer is no namespace.
pub fn read_namespaces(text: &str) -> Result<Vec<(String, Vec<Group>)>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let docs = sloc_yaml::parse_documents(text).map_err(|e| format!("the ruler's answer is not YAML: {e}"))?;
    let mut namespaces = Vec::new();
    for doc in docs.iter().filter(|d| !matches!(d.value, Value::Null)) {
        let entries = doc.as_map().ok_or("the ruler's answer is not a mapping of namespaces to groups")?;
        for (key, groups) in entries {
            let name = key.as_scalar_text().unwrap_or_default().to_string();
            namespaces
                .push((name.clone(), read_groups(text, key, groups).map_err(|e| format!("namespace `{name}`: {e}"))?));
        }
    }
    Ok(namespaces)
}

/// A list of group mappings, read as a rule file's `groups:` is.
fn read_groups(text: &str, key: &Node, groups: &Node) -> Result<Vec<Group>, String> {
    let key_node = Node { value: Value::String("groups".into()), span: key.span.clone() };
    let file = Node { value: Value::Map(vec![(key_node, groups.clone())]), span: groups.span.clone() };
    // What a ruler holds is read as it is, whatever its kind and version.
    let (parsed, diagnostics) = sloc_rulefile::read_rule_documents(text, vec![file], &Target::everything());
    if let Some(first) = diagnostics.iter().find(|d| d.severity == Severity::Error) {
        return Err(first.message.clone());
    }
    Ok(parsed.iter().map(sloc_rulefile::ParsedGroup::to_group).collect())
}

/// The groups of a rule file (or `PrometheusRule` manifest) to send, or why they cannot be,
/// each at its place: the file's errors, and every field the model does not carry.
pub fn rule_file_groups(text: &str, target: &Target) -> Result<Vec<Group>, Vec<Diagnostic>> {
    let docs = match sloc_yaml::parse_documents(text) {
        Ok(docs) => docs,
        Err(e) => {
            let at = e.offset.unwrap_or(0);
            return Err(vec![Diagnostic::new(&sloc_diagnostics::YAML_SYNTAX, at..at, e.message)]);
        }
    };
    let mut problems = Vec::new();
    let mut unsupported = |key: &Node, what: String| {
        let field = key.as_scalar_text().unwrap_or_default();
        problems.push(
            Diagnostic::new(
                &CANNOT_RUN,
                key.span.clone(),
                format!("{what} has `{field}`, which sloc ruler cannot send yet"),
            )
            .with_label("not in sloc's rule model")
            .with_help("load this file with mimirtool, or leave the field out"),
        );
    };
    for doc in &docs {
        let holder =
            if doc.get("kind").and_then(Node::as_str) == Some("PrometheusRule") { doc.get("spec") } else { Some(doc) };
        let groups = holder.and_then(|h| h.get("groups")).and_then(Node::as_seq).unwrap_or_default();
        for group in groups {
            let name = group.get("name").and_then(Node::as_scalar_text).unwrap_or("?");
            for (key, _) in group.as_map().unwrap_or_default() {
                if !GROUP_FIELDS.contains(&key.as_scalar_text().unwrap_or_default()) {
                    unsupported(key, format!("group `{name}`"));
                }
            }
            for rule in group.get("rules").and_then(Node::as_seq).unwrap_or_default() {
                for (key, _) in rule.as_map().unwrap_or_default() {
                    if !RULE_FIELDS.contains(&key.as_scalar_text().unwrap_or_default()) {
                        unsupported(key, format!("a rule of group `{name}`"));
                    }
                }
            }
        }
    }
    let (parsed, diagnostics) = sloc_rulefile::read_rule_documents(text, docs, target);
    problems.extend(diagnostics.into_iter().filter(|d| d.severity == Severity::Error));
    if problems.is_empty() {
        Ok(parsed.iter().map(sloc_rulefile::ParsedGroup::to_group).collect())
    } else {
        problems.sort_by_key(|d| d.span.start);
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULER: &str = "oneflow:\n  - name: a\n    rules:\n      - record: x:y:rate5m\n        expr: sum(rate(x[5m]))\n  - name: old\n    rules:\n      - alert: Gone\n        expr: up == 0\nother:\n  - name: b\n    interval: 1m\n    rules:\n      - record: b:c:sum\n        expr: sum(b)\n";

    #[test]
    fn the_ruler_s_answer_is_read_per_namespace() {
        let namespaces = read_namespaces(RULER).unwrap();
        let names: Vec<(&str, Vec<&str>)> = namespaces
            .iter()
            .map(|(ns, groups)| (ns.as_str(), groups.iter().map(|g| g.name.as_str()).collect()))
            .collect();
        assert_eq!(names, [("oneflow", vec!["a", "old"]), ("other", vec!["b"])]);
        assert_eq!(read_namespaces("").unwrap(), []);
        assert!(read_namespaces("- not a mapping").is_err());
    }

    #[test]
    fn steps_create_update_keep_and_delete() {
        let remote = read_namespaces(RULER).unwrap().remove(0).1;
        let mut local = rule_file_groups(
            "groups:\n  - name: a\n    rules:\n      - record: x:y:rate5m\n        expr: sum(rate(x[5m]))\n  - name: new\n    rules:\n      - record: n:m:sum\n        expr: sum(n)\n",
            &Target::default(),
        )
        .unwrap();
        let changes: Vec<(String, bool)> =
            compare(&local, &remote).iter().map(|s| (s.group.clone(), s.change == Change::Unchanged)).collect();
        assert_eq!(changes, [("a".into(), true), ("new".into(), false), ("old".into(), false)]);
        local[0].rules[0].expr = "sum(rate(x[10m]))".into();
        let steps = compare(&local, &remote);
        assert!(matches!(&steps[0].change, Change::Update { current } if current.contains("[5m]")));
        assert!(steps[0].document.starts_with("name: a\nrules:\n  - record: x:y:rate5m\n"), "{}", steps[0].document);
        assert!(matches!(steps[2].change, Change::Delete { .. }));
    }

    #[test]
    fn fields_the_model_cannot_carry_are_refused() {
        let problems = rule_file_groups(
            "groups:\n  - name: a\n    limit: 10\n    rules:\n      - alert: A\n        expr: up == 0\n        keep_firing_for: 5m\n",
            &Target::default(),
        )
        .unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].message.contains("`limit`"), "{problems:?}");
        assert!(problems[1].message.contains("`keep_firing_for`"), "{problems:?}");
        assert!(problems[0].span.start < problems[1].span.start, "each at its key: {problems:?}");
    }
}
