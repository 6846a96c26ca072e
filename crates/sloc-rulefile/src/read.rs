//! Reads Prometheus rule files (plain, multi-document, or `PrometheusRule` manifests) into a
//! spanned model, reporting everything `promtool check rules` rejects, all at once.

use std::ops::Range;

use sloc_diagnostics::{Diagnostic, Edit, Fix, NO_SYNTAX_TREE, NOT_ON_TARGET, PROMQL_SYNTAX};
use sloc_parallel::parallel_map_in_chunks;
use sloc_promql::{Duration, Expr, RegexMatcher, parse_duration};
use sloc_target::{Refusal, Target, feature};
use sloc_template::template_finding;
use sloc_yaml::{Node, Spanned, Value, unknown_keys, value_range_to_source};

use crate::codes::*;

const FILE_KEYS: &[&str] = &["groups"];
/// Every group field some server reads; [`Reader::gate`] refuses those the target does not.
const GROUP_KEYS: &[&str] =
    &["name", "interval", "query_offset", "limit", "rules", "labels", "partial_response_strategy", "source_tenants"];
/// The fewest rules (groups) worth a thread of their own when parsing (reading).
const RULES_PER_THREAD: usize = 32;
const GROUPS_PER_THREAD: usize = 4;

const RULE_KEYS: &[&str] = &["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"];

/// A rule group as read, with the places of its parts.
#[derive(Debug, Clone)]
pub struct ParsedGroup {
    pub name: Spanned<String>,
    pub interval: Option<Spanned<Duration>>,
    pub rules: Vec<ParsedRule>,
}

/// A rule as read. `expr` is `None` when the expression is missing or does not parse (already
/// reported), or when it is valid but has no syntax tree (`expr_without_tree`).
#[derive(Debug, Clone)]
pub struct ParsedRule {
    pub is_alert: bool,
    pub name: Spanned<String>,
    pub expr: Option<ParsedExpr>,
    /// A valid expression in syntax promql-parser cannot build a tree for (see
    /// `sloc_promql::parse_lean_for`): kept, never checked by what reads trees.
    pub expr_without_tree: Option<Node>,
    pub for_: Option<Spanned<Duration>>,
    pub labels: Vec<(Spanned<String>, Spanned<String>)>,
    pub annotations: Vec<(Spanned<String>, Spanned<String>)>,
    /// The whole rule item, from its first key to its last value.
    pub span: Range<usize>,
    /// The labels the expression's outer `by (...)` keeps, with the value its selectors give
    /// each (see [`crate::outputs::kept_label_values`]): what tells same-named rules apart.
    pub kept_label_values: Vec<(String, String)>,
}

impl ParsedGroup {
    /// The group in the rule-file model, without the places. A rule whose expression is missing
    /// or does not parse (already reported) is left out.
    pub fn to_group(&self) -> crate::Group {
        let pairs = |v: &[(Spanned<String>, Spanned<String>)]| -> Vec<(String, String)> {
            v.iter().map(|(k, v)| (k.value.clone(), v.value.clone())).collect()
        };
        let rules = self
            .rules
            .iter()
            .filter_map(|r| {
                let expr = match (&r.expr, &r.expr_without_tree) {
                    (Some(e), _) => e.text(),
                    (None, Some(node)) => node.as_scalar_text().unwrap_or_default(),
                    (None, None) => return None,
                }
                .to_string();
                let name = r.name.value.clone();
                Some(crate::Rule {
                    kind: if r.is_alert { crate::RuleKind::Alert(name) } else { crate::RuleKind::Record(name) },
                    expr,
                    for_: r.for_.as_ref().map(|f| f.value),
                    labels: pairs(&r.labels),
                    annotations: pairs(&r.annotations),
                })
            })
            .collect();
        crate::Group { name: self.name.value.clone(), interval: self.interval.as_ref().map(|i| i.value), rules }
    }
}

impl ParsedRule {
    pub fn label(&self, name: &str) -> Option<&Spanned<String>> {
        self.labels.iter().find(|(k, _)| k.value == name).map(|(_, v)| v)
    }

    pub fn annotation(&self, name: &str) -> Option<&Spanned<String>> {
        self.annotations.iter().find(|(k, _)| k.value == name).map(|(_, v)| v)
    }
}

/// A parsed PromQL expression and the YAML scalar it came from. Regex matchers appear in
/// `ast` as equality matchers; `regex_matchers` lists them (see [`sloc_promql::LeanExpr`]).
#[derive(Debug, Clone)]
pub struct ParsedExpr {
    pub ast: Expr,
    pub regex_matchers: Vec<RegexMatcher>,
    pub node: Node,
}

impl ParsedExpr {
    /// The expression as written (after YAML unquoting).
    pub fn text(&self) -> &str {
        self.node.as_scalar_text().unwrap_or_default()
    }

    /// A byte range of the expression text, in the file.
    pub fn source_range(&self, file_text: &str, range: Range<usize>) -> Range<usize> {
        value_range_to_source(file_text, &self.node, range)
    }
}

/// What a YAML document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    RuleFile,
    /// A prometheus-operator `PrometheusRule`: groups under `spec:`.
    PrometheusRule,
    Other,
}

pub fn document_kind(doc: &Node) -> DocumentKind {
    if doc.get("kind").and_then(Node::as_str) == Some("PrometheusRule") {
        DocumentKind::PrometheusRule
    } else if doc.get("groups").is_some() {
        DocumentKind::RuleFile
    } else {
        DocumentKind::Other
    }
}

/// Reads the groups of every rule document of a file for a target, expressions parsed.
pub fn read_rule_documents(text: &str, docs: Vec<Node>, target: &Target) -> (Vec<ParsedGroup>, Vec<Diagnostic>) {
    let (groups, diagnostics, _) = read_rule_structure(text, docs, target).parse(true, |_, _, _| ());
    (groups, diagnostics)
}

/// A rule file read up to its expressions: its groups, what is wrong with them, and each rule's
/// expression still to parse.
pub struct RuleStructure<'t> {
    text: &'t str,
    target: &'t Target,
    pub groups: Vec<ParsedGroup>,
    pub diagnostics: Vec<Diagnostic>,
    /// One per rule of the file, in order: the expression's scalar, if there is one to parse.
    expressions: Vec<Option<Node>>,
}

/// Reads the structure of every rule document of a file. The documents are dropped here, so
/// that the YAML tree and the syntax trees are never held at once.
pub fn read_rule_structure<'t>(text: &'t str, docs: Vec<Node>, target: &'t Target) -> RuleStructure<'t> {
    let mut reader = Reader { text, target, diagnostics: Vec::new(), expressions: Vec::new() };
    let mut groups = Vec::new();
    for doc in &docs {
        match document_kind(doc) {
            DocumentKind::RuleFile => reader.file(doc, &mut groups),
            DocumentKind::PrometheusRule => match doc.get("spec") {
                Some(spec) => {
                    // `spec.groups` is optional in prometheus-operator's CRD: `spec: {}` holds no
                    // rules (OpenShift ships such manifests to empty a rule set).
                    if spec.get("groups").is_some() {
                        reader.file(spec, &mut groups)
                    }
                }
                None => reader.push(
                    Diagnostic::new(&STRUCTURE, doc.span.clone(), "this PrometheusRule has no `spec`")
                        .with_label("no spec"),
                ),
            },
            // Other YAML (CI configs, other manifests) is not sloc's to judge, unless it looks
            // like a rule file gone wrong.
            DocumentKind::Other => {
                if let Some((key, suggestion)) = rule_file_lookalike(doc) {
                    reader.push(
                        Diagnostic::new(
                            &STRUCTURE,
                            key.span.clone(),
                            "this looks like a rule file, but it has no `groups:`",
                        )
                        .with_label("not a rule file key")
                        .with_help(format!("did you mean `{suggestion}`?")),
                    );
                }
            }
        }
    }
    drop(docs);
    RuleStructure { text, target, groups, diagnostics: reader.diagnostics, expressions: reader.expressions }
}

impl RuleStructure<'_> {
    /// Parses every expression on all cores, and on the same core calls `visit` with each rule
    /// and its expression (`None` when it is missing or does not parse, already reported).
    /// With `keep`, the syntax trees stay on their rules; without, each is dropped once
    /// visited, so that a file's trees are never all held at once. `visit`'s answers come back
    /// in rule order.
    pub fn parse<R: Send>(
        self,
        keep: bool,
        visit: impl Fn(&ParsedGroup, &ParsedRule, Option<&ParsedExpr>) -> R + Sync,
    ) -> (Vec<ParsedGroup>, Vec<Diagnostic>, Vec<R>) {
        let RuleStructure { text, target, mut groups, mut diagnostics, expressions } = self;
        let places = groups.iter().enumerate().flat_map(|(g, group)| (0..group.rules.len()).map(move |r| (g, r)));
        let work: Vec<((usize, usize), Option<Node>)> = places.zip(expressions).collect();
        let outcomes = parallel_map_in_chunks(&work, RULES_PER_THREAD, |&((g, r), ref node)| {
            let group = &groups[g];
            let parsed = node.as_ref().map(|node| {
                sloc_promql::parse_lean_for(node.as_scalar_text().unwrap_or_default(), target).map(|lean| {
                    lean.map(|lean| ParsedExpr {
                        ast: lean.ast,
                        regex_matchers: lean.regex_matchers,
                        node: node.clone(),
                    })
                })
            });
            let expr = parsed.as_ref().and_then(|p| p.as_ref().ok()).and_then(Option::as_ref);
            let answer = visit(group, &group.rules[r], expr);
            let kept_label_values = expr.map(|e| crate::outputs::kept_label_values(&e.ast)).unwrap_or_default();
            let parsed = match (parsed, node) {
                (Some(Ok(Some(expr))), _) => keep.then_some(Parsed::Tree(expr)),
                (Some(Ok(None)), Some(node)) => Some(Parsed::NoTree(node.clone())),
                (Some(Err(e)), Some(node)) => {
                    let span = value_range_to_source(text, node, e.span.clone());
                    Some(Parsed::Refused(match e.refusal {
                        Some(refusal) => refused(span, &refusal),
                        None => Diagnostic::new(&PROMQL_SYNTAX, span, format!("invalid PromQL: {}", e.message))
                            .with_label("here"),
                    }))
                }
                _ => None,
            };
            (answer, parsed, kept_label_values)
        });
        drop(work);
        let mut answers = Vec::with_capacity(outcomes.len());
        let rules = groups.iter_mut().flat_map(|g| g.rules.iter_mut());
        for (rule, (answer, parsed, kept_label_values)) in rules.zip(outcomes) {
            match parsed {
                Some(Parsed::Tree(expr)) => rule.expr = Some(expr),
                Some(Parsed::NoTree(node)) => {
                    diagnostics.push(
                        Diagnostic::new(
                            &NO_SYNTAX_TREE,
                            node.span.clone(),
                            "valid for the target, but sloc's PromQL parser has no tree for this syntax yet: the checks that read expressions skipped it",
                        )
                        .with_label("syntax checked, not analysed"),
                    );
                    rule.expr_without_tree = Some(node);
                }
                Some(Parsed::Refused(error)) => diagnostics.push(error),
                None => {}
            }
            rule.kept_label_values = kept_label_values;
            answers.push(answer);
        }
        (groups, diagnostics, answers)
    }
}

fn utf8_help() -> &'static str {
    "any UTF-8 name needs Prometheus 3.0 or later (docs/targets.md#utf8-rule-names)"
}

/// What parsing one rule's expression gave.
enum Parsed {
    Tree(ParsedExpr),
    NoTree(Node),
    Refused(Diagnostic),
}

/// A finding for what the target refuses, with the row of `docs/targets.md` that says who
/// accepts it, and a rename as an unsafe fix where one is known.
pub fn refused(span: Range<usize>, refusal: &Refusal) -> Diagnostic {
    let rename = feature(refusal.feature).or(sloc_target::function(refusal.feature).map(|f| &f.feature));
    let fix = rename.and_then(|f| f.renamed_to).map(|name| {
        // Unsafe: the new name may need a flag, and may not mean exactly the same.
        Fix::unsafe_(format!("rename to `{name}`"), vec![Edit::replace(span.clone(), name)])
    });
    let d = Diagnostic::new(&NOT_ON_TARGET, span, refusal.message.clone())
        .with_label("not on this target")
        .with_help(format!("{}; see {}", refusal.help, refusal.link()));
    match fix {
        Some(fix) => d.with_fix(fix),
        None => d,
    }
}

/// A top-level key of a document that is almost `groups` (or `rules:` written at the top).
fn rule_file_lookalike(doc: &Node) -> Option<(&Node, &'static str)> {
    doc.as_map()?.iter().map(|(k, _)| k).find_map(|k| {
        let name = k.as_scalar_text()?;
        let suggestion = sloc_yaml::did_you_mean(name, &["groups"]).or((name == "rules").then_some("groups"))?;
        Some((k, suggestion))
    })
}

struct Reader<'t> {
    text: &'t str,
    target: &'t Target,
    diagnostics: Vec<Diagnostic>,
    /// Expressions to parse once the structure is read, one per rule read.
    expressions: Vec<Option<Node>>,
}

impl Reader<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Does the target take any UTF-8 string as a metric or label name (Prometheus 3)?
    fn utf8_names(&self) -> bool {
        feature("utf8-rule-names").is_some_and(|f| self.target.allows(f).is_ok())
    }

    /// Reports the feature at `span` if the target refuses it; true when accepted.
    fn gate(&mut self, id: &str, span: Range<usize>) -> bool {
        let feature = feature(id).unwrap_or_else(|| panic!("`{id}` is in sloc-target's FEATURES"));
        match self.target.allows(feature) {
            Ok(()) => true,
            Err(refusal) => {
                self.push(refused(span, &refusal));
                false
            }
        }
    }

    fn map<'n>(&mut self, node: &'n Node, what: &str, allowed: &[&'static str]) -> Option<&'n [(Node, Node)]> {
        let Some(entries) = node.as_map() else {
            self.push(
                Diagnostic::new(
                    &STRUCTURE,
                    node.span.clone(),
                    format!("{what} must be a mapping, not {}", node.kind()),
                )
                .with_label("expected a mapping"),
            );
            return None;
        };
        for (key, suggestion) in unknown_keys(entries, allowed) {
            let name = key.as_scalar_text().unwrap_or("?");
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("expected one of: {}", allowed.join(", ")),
            };
            self.push(
                Diagnostic::new(&UNKNOWN_FIELD, key.span.clone(), format!("unknown field `{name}` in {what}"))
                    .with_label("not a known field")
                    .with_help(help),
            );
        }
        Some(entries)
    }

    fn scalar(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match &node.value {
            Value::Null => Some(Spanned::new(String::new(), node.span.clone())),
            _ => match node.as_scalar_text() {
                Some(t) => Some(Spanned::new(t.to_string(), node.span.clone())),
                None => {
                    self.push(
                        Diagnostic::new(
                            &STRUCTURE,
                            node.span.clone(),
                            format!("{what} must be a string, not {}", node.kind()),
                        )
                        .with_label("expected a string"),
                    );
                    None
                }
            },
        }
    }

    fn duration(&mut self, node: &Node, what: &str) -> Option<Spanned<Duration>> {
        let text = self.scalar(node, what)?;
        match parse_duration(&text.value) {
            Ok(d) => Some(Spanned::new(d, node.span.clone())),
            Err(message) => {
                self.push(
                    Diagnostic::new(&RULE_DURATION, node.span.clone(), format!("invalid {what}: {message}"))
                        .with_label("not a Prometheus duration"),
                );
                None
            }
        }
    }

    fn file(&mut self, doc: &Node, groups: &mut Vec<ParsedGroup>) {
        let Some(_) = self.map(doc, "the rule file", FILE_KEYS) else { return };
        let Some(list) = doc.get("groups") else { return };
        let items = match &list.value {
            Value::Seq(items) => items.as_slice(),
            Value::Null => &[],
            _ => {
                self.push(
                    Diagnostic::new(
                        &STRUCTURE,
                        list.span.clone(),
                        format!("`groups` must be a list, not {}", list.kind()),
                    )
                    .with_label("expected a list of groups"),
                );
                return;
            }
        };
        // Groups are independent: each is read on some core by a reader of its own, and the
        // findings and expressions are put back in file order.
        let (text, target) = (self.text, self.target);
        let read = parallel_map_in_chunks(items, GROUPS_PER_THREAD, |item| {
            let mut reader = Reader { text, target, diagnostics: Vec::new(), expressions: Vec::new() };
            let group = reader.group(item);
            (group, reader.diagnostics, reader.expressions)
        });
        let mut first_of_name: std::collections::HashMap<String, Range<usize>> = std::collections::HashMap::new();
        for (group, diagnostics, expressions) in read {
            self.diagnostics.extend(diagnostics);
            self.expressions.extend(expressions);
            let Some(group) = group else { continue };
            match first_of_name.get(&group.name.value) {
                Some(first) => self.push(
                    Diagnostic::new(
                        &GROUP_NAME,
                        group.name.span.clone(),
                        format!("group name `{}` is repeated in the same file", group.name.value),
                    )
                    .with_label("second group")
                    .with_related(first.clone(), "first group"),
                ),
                None => {
                    first_of_name.insert(group.name.value.clone(), group.name.span.clone());
                }
            }
            groups.push(group);
        }
    }

    fn group(&mut self, node: &Node) -> Option<ParsedGroup> {
        let entries = self.map(node, "a group", GROUP_KEYS)?;
        let get = |k: &str| entries.iter().find(|(key, _)| key.as_scalar_text() == Some(k)).map(|(_, v)| v);
        let anchor = entries.first().map_or(node.span.clone(), |(k, _)| k.span.clone());
        let name = match get("name").and_then(|n| self.scalar(n, "the group name")) {
            Some(name) if !name.value.is_empty() => name,
            Some(name) => {
                self.push(
                    Diagnostic::new(&GROUP_NAME, name.span.clone(), "the group name must not be empty")
                        .with_label("empty name"),
                );
                name
            }
            None => {
                self.push(
                    Diagnostic::new(&GROUP_NAME, anchor.clone(), "this group has no `name`")
                        .with_label("`name` missing"),
                );
                Spanned::new(String::new(), anchor)
            }
        };
        let interval = get("interval").and_then(|n| self.duration(n, "interval"));
        let key_span =
            |k: &str| entries.iter().find(|(key, _)| key.as_scalar_text() == Some(k)).map(|(key, _)| key.span.clone());
        if let Some(offset) = get("query_offset")
            && self.gate("query_offset", key_span("query_offset").unwrap_or_default())
        {
            self.duration(offset, "query_offset");
        }
        if let Some(limit) = get("limit")
            && self.gate("limit", key_span("limit").unwrap_or_default())
            && !matches!(&limit.value, Value::Number(n) if n.parse::<u64>().is_ok())
        {
            self.push(
                Diagnostic::new(&STRUCTURE, limit.span.clone(), "`limit` must be a whole number")
                    .with_label("not a whole number"),
            );
        }
        if let Some(labels) = get("labels")
            && self.gate("group-labels", key_span("labels").unwrap_or_default())
        {
            self.labels(labels, "group label", true);
        }
        if let Some(strategy) = get("partial_response_strategy")
            && self.gate("partial_response_strategy", key_span("partial_response_strategy").unwrap_or_default())
            && !matches!(strategy.as_scalar_text(), Some("warn" | "abort"))
        {
            self.push(
                Diagnostic::new(
                    &STRUCTURE,
                    strategy.span.clone(),
                    "`partial_response_strategy` must be `warn` or `abort`",
                )
                .with_label("not a strategy"),
            );
        }
        if let Some(tenants) = get("source_tenants")
            && self.gate("source-tenants", key_span("source_tenants").unwrap_or_default())
            && !matches!(&tenants.value, Value::Seq(items) if items.iter().all(|t| t.as_scalar_text().is_some()))
        {
            self.push(
                Diagnostic::new(&STRUCTURE, tenants.span.clone(), "`source_tenants` must be a list of tenant names")
                    .with_label("not a list of names"),
            );
        }
        let mut rules = Vec::new();
        if let Some(list) = get("rules") {
            match &list.value {
                Value::Seq(items) => {
                    rules = Vec::with_capacity(items.len());
                    rules.extend(items.iter().filter_map(|i| self.rule(i)));
                }
                Value::Null => {}
                _ => self.push(
                    Diagnostic::new(
                        &STRUCTURE,
                        list.span.clone(),
                        format!("`rules` must be a list, not {}", list.kind()),
                    )
                    .with_label("expected a list of rules"),
                ),
            }
        }
        Some(ParsedGroup { name, interval, rules })
    }

    fn labels(&mut self, node: &Node, what: &str, forbid_name: bool) -> Vec<(Spanned<String>, Spanned<String>)> {
        let entries = match &node.value {
            Value::Map(entries) => entries,
            Value::Null => return Vec::new(),
            _ => {
                self.push(
                    Diagnostic::new(
                        &STRUCTURE,
                        node.span.clone(),
                        format!("{what}s must be a mapping, not {}", node.kind()),
                    )
                    .with_label("expected a mapping"),
                );
                return Vec::new();
            }
        };
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let (Some(name), Some(value)) =
                (self.scalar(k, &format!("a {what} name")), self.scalar(v, &format!("a {what} value")))
            else {
                continue;
            };
            let reserved = name.value.is_empty() || (forbid_name && name.value == "__name__");
            if reserved || (!sloc_promql::is_label_name(&name.value) && !self.utf8_names()) {
                let help = if reserved {
                    "`__name__` is reserved, and a name must not be empty".to_string()
                } else {
                    format!("names are letters, digits and `_`, not starting with a digit; {}", utf8_help())
                };
                self.push(
                    Diagnostic::new(
                        &INVALID_LABEL,
                        name.span.clone(),
                        format!("invalid {what} name: `{}`", name.value),
                    )
                    .with_label("invalid name")
                    .with_help(help),
                );
            }
            out.push((name, value));
        }
        out
    }

    fn rule(&mut self, node: &Node) -> Option<ParsedRule> {
        let entries = self.map(node, "a rule", RULE_KEYS)?;
        let get = |k: &str| entries.iter().find(|(key, _)| key.as_scalar_text() == Some(k)).map(|(_, v)| v);
        let span = node.span.start..entries.last().map_or(node.span.end, |(_, v)| v.span.end);
        let anchor = entries.first().map_or(node.span.clone(), |(k, _)| k.span.clone());
        let record = get("record").and_then(|n| self.scalar(n, "`record`")).filter(|r| !r.value.is_empty());
        let alert = get("alert").and_then(|n| self.scalar(n, "`alert`")).filter(|a| !a.value.is_empty());
        let (is_alert, name) = match (record, alert) {
            (Some(r), Some(a)) => {
                self.push(
                    Diagnostic::new(&RULE_KIND, a.span.clone(), "a rule sets both `record` and `alert`")
                        .with_label("alert name")
                        .with_related(r.span.clone(), "record name")
                        .with_help("split it into a recording rule and an alerting rule"),
                );
                (true, a)
            }
            (Some(r), None) => (false, r),
            (None, Some(a)) => (true, a),
            (None, None) => {
                self.push(
                    Diagnostic::new(&RULE_KIND, anchor.clone(), "a rule must set one of `record` and `alert`")
                        .with_label("neither `record` nor `alert`"),
                );
                (false, Spanned::new(String::new(), anchor.clone()))
            }
        };
        if !is_alert
            && (name.value.contains(['{', '}'])
                || (!sloc_promql::is_metric_name(&name.value) && !name.value.is_empty() && !self.utf8_names()))
        {
            self.push(
                Diagnostic::new(
                    &INVALID_RECORD_NAME,
                    name.span.clone(),
                    format!("invalid recording rule name: `{}`", name.value),
                )
                .with_label("not a metric name")
                .with_help(format!(
                    "metric names are letters, digits, `_` and `:`; {}; put labels under `labels:`, never in braces",
                    utf8_help()
                )),
            );
        }
        let expr = self.expr(get("expr"), &anchor);
        let for_ = get("for").and_then(|n| self.duration(n, "`for`"));
        let keep_firing_for = get("keep_firing_for")
            .filter(|n| self.gate("keep_firing_for", n.span.clone()))
            .and_then(|n| self.duration(n, "`keep_firing_for`"));
        let labels = get("labels").map(|n| self.labels(n, "label", true)).unwrap_or_default();
        let annotations = get("annotations").map(|n| self.labels(n, "annotation", false)).unwrap_or_default();
        if !is_alert {
            for (field, present) in [
                ("for", for_.as_ref().filter(|d| !d.value.is_zero()).map(|d| d.span.clone())),
                ("keep_firing_for", keep_firing_for.as_ref().filter(|d| !d.value.is_zero()).map(|d| d.span.clone())),
                ("annotations", get("annotations").filter(|_| !annotations.is_empty()).map(|n| n.span.clone())),
            ] {
                if let Some(at) = present {
                    self.push(
                        Diagnostic::new(
                            &ALERT_ONLY_FIELD,
                            at,
                            format!("invalid field `{field}` in recording rule `{}`", name.value),
                        )
                        .with_label("only for alerting rules")
                        .with_help(format!("remove `{field}`, or make this an alerting rule")),
                    );
                }
            }
        } else {
            for (k, v) in labels.iter().chain(&annotations) {
                let node = Node { value: Value::String(v.value.clone()), span: v.span.clone() };
                if let Some(finding) = template_finding(self.text, &node, &k.value) {
                    self.push(finding);
                }
            }
        }
        self.expressions.push(expr);
        Some(ParsedRule {
            is_alert,
            name,
            expr: None,
            expr_without_tree: None,
            for_,
            labels,
            annotations,
            span,
            kept_label_values: Vec::new(),
        })
    }

    /// The expression's scalar, to parse once the structure is read.
    fn expr(&mut self, node: Option<&Node>, anchor: &Range<usize>) -> Option<Node> {
        let Some(node) = node else {
            self.push(
                Diagnostic::new(&MISSING_EXPR, anchor.clone(), "this rule has no `expr`").with_label("`expr` missing"),
            );
            return None;
        };
        let text = self.scalar(node, "`expr`")?;
        if text.value.trim().is_empty() {
            self.push(
                Diagnostic::new(&MISSING_EXPR, node.span.clone(), "the rule's `expr` is empty")
                    .with_label("empty expression"),
            );
            return None;
        }
        Some(node.clone())
    }
}
