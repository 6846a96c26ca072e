//! `sloc import`: the peers' SLO specs (Sloth, Pyrra, OpenSLO) as sloc specs.
//!
//! Each input document is recognised by its content ([`detect`]), read by the reader of its
//! format into a [`draft::DraftSpec`] per service, and every step that is approximate or lossy
//! is a located finding in the *input* (codes `I001`…). Queries are recognised by their AST
//! ([`query`]): a plain counter becomes a selector sloc wraps in `rate` itself; anything else
//! stays an expression, never a wrong selector. The specs written are validated by sloc's own
//! reader before they are returned.
//!
//! No IO: files come in as text, specs go out as text.

use std::ops::Range;

use sloc_diagnostics::{Code, Diagnostic, FileReport, SourceFile};
use sloc_spec::{Decimal, Tier};
use sloc_yaml::Node;

pub mod codes;
pub mod draft;
mod openslo;
mod pyrra;
pub mod query;
mod sloth;

use codes::*;
use draft::{DraftSlo, DraftSpec, DraftTier};

pub use sloc_spec::peer::{Format, detect, detect_file};

/// The import's settings.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The period of Sloth SLOs (Sloth's `--default-slo-period`; default 30d).
    pub period: Option<String>,
    /// The service of Pyrra SLOs (default: their namespace).
    pub service: Option<String>,
}

/// One spec written: its service, the inputs it came from and its text.
#[derive(Debug, Clone)]
pub struct ImportedSpec {
    pub service: String,
    pub sources: Vec<String>,
    pub yaml: String,
}

/// What an import gives: the specs, and every input file's findings.
#[derive(Debug)]
pub struct Imported {
    pub specs: Vec<ImportedSpec>,
    pub reports: Vec<FileReport>,
}

/// The reading context of one input file: its text and findings.
pub(crate) struct Cx<'a> {
    pub file: &'a SourceFile,
    pub out: Vec<Diagnostic>,
}

impl Cx<'_> {
    pub fn push(&mut self, code: &'static Code, span: Range<usize>, message: impl Into<String>, help: &str) {
        let d = Diagnostic::new(code, span, message);
        self.out.push(if help.is_empty() { d } else { d.with_help(help.to_string()) });
    }

    /// `file:line:col`, for the comment above an imported objective.
    pub fn at(&self, span: &Range<usize>) -> String {
        let (line, col) = self.file.line_col(span.start);
        format!("{}:{line}:{col}", self.file.name)
    }

    /// Keys of `node` that the reader does not read: each a note (the peer ignores them too).
    pub fn unknown_keys(&mut self, node: &Node, known: &[&'static str], peer: &str) {
        for (key, suggestion) in sloc_yaml::unknown_keys(node.as_map().unwrap_or_default(), known) {
            let name = key.as_scalar_text().unwrap_or_default();
            let hint = suggestion.map_or(String::new(), |s| format!("did you mean `{s}`?"));
            self.push(&DROPPED, key.span.clone(), format!("`{name}` is not a key {peer} reads: ignored"), &hint);
        }
    }
}

/// `node[key]`, or an I003 at `node` naming what is missing: an input is never dropped silently.
pub(crate) fn required<'n>(cx: &mut Cx<'_>, node: &'n Node, key: &str, holder: &str) -> Option<&'n Node> {
    let found = node.get(key);
    if found.is_none() {
        cx.push(&CANNOT_IMPORT, node.span.start..node.span.start, format!("{holder} has no `{key}`"), "");
    }
    found
}

/// `node[key].metric`, required.
pub(crate) fn required_text(cx: &mut Cx<'_>, node: &Node, key: &str, holder: &str) -> Option<String> {
    let found = required(cx, node, key, holder)?;
    match found.as_scalar_text() {
        Some(t) => Some(t.to_string()),
        None => {
            cx.push(&CANNOT_IMPORT, found.span.clone(), format!("`{key}` of {holder} must be a string"), "");
            None
        }
    }
}

pub(crate) fn text<'n>(node: &'n Node, key: &str) -> Option<&'n str> {
    node.get(key).and_then(Node::as_scalar_text)
}

/// `key: value` pairs of a mapping (values as text).
pub(crate) fn pairs(node: Option<&Node>) -> Vec<(String, String, Range<usize>)> {
    node.and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.as_scalar_text()?.to_string(), v.as_scalar_text()?.to_string(), k.span.clone())))
        .collect()
}

/// The documents of a file: each YAML document, and each item of a top-level list.
fn documents(file: &SourceFile, out: &mut Vec<Diagnostic>) -> Vec<Node> {
    match sloc_yaml::parse_documents(&file.text) {
        Ok(docs) => docs
            .into_iter()
            .flat_map(|d| match d.value {
                sloc_yaml::Value::Seq(items) => items,
                sloc_yaml::Value::Null => Vec::new(),
                _ => vec![d],
            })
            .collect(),
        Err(e) => {
            out.push(Diagnostic::new(
                &sloc_diagnostics::YAML_SYNTAX,
                e.offset.map_or(0..0, |o| o..o),
                format!("invalid YAML: {}", e.message),
            ));
            Vec::new()
        }
    }
}

/// Imports every document of `files`. OpenSLO references are resolved across all of them.
pub fn import(files: &[SourceFile], options: &Options) -> Imported {
    let mut specs: Vec<(DraftSpec, Vec<String>)> = Vec::new();
    let mut reports = Vec::new();
    let parsed: Vec<Vec<Node>> = files
        .iter()
        .map(|f| {
            let mut out = Vec::new();
            let docs = documents(f, &mut out);
            reports.push(out);
            docs
        })
        .collect();
    let catalog = openslo::Catalog::new(files.iter().zip(&parsed));
    for ((file, docs), out) in files.iter().zip(&parsed).zip(&mut reports) {
        let mut cx = Cx { file, out: std::mem::take(out) };
        for doc in docs {
            let drafts = match detect(doc) {
                Some(Format::Sloth) => sloth::read(&mut cx, doc, false, options),
                Some(Format::SlothCrd) => sloth::read(&mut cx, doc, true, options),
                Some(Format::OpenSloV1Alpha) => openslo::read_v1alpha(&mut cx, doc),
                Some(Format::Pyrra) => pyrra::read(&mut cx, doc, options),
                Some(Format::OpenSlo) => openslo::read(&mut cx, doc, &catalog),
                None => {
                    cx.push(
                        &UNKNOWN_FORMAT,
                        doc.span.start..doc.span.start,
                        "this document is no Sloth, Pyrra or OpenSLO spec",
                        "Sloth has `version: prometheus/v1` or `apiVersion: sloth.slok.dev/v1`; Pyrra `apiVersion: pyrra.dev/v1alpha1`; OpenSLO `apiVersion: openslo/v1`",
                    );
                    Vec::new()
                }
            };
            for draft in drafts {
                for (again, first) in merge(&mut specs, draft, &file.name) {
                    // Sloth refuses two SLOs with one id; a renamed copy would hide the mistake.
                    cx.push(
                        &CANNOT_IMPORT,
                        doc.span.start..doc.span.start,
                        format!("{again} is defined twice: first as {first}"),
                        "give the objectives different names, or import one of the files",
                    );
                }
            }
        }
        *out = cx.out;
    }
    let mut imported = Vec::new();
    for (spec, sources) in specs {
        let header =
            format!("Imported by `sloc import` from {}. Review its notes, then run `sloc build`.", sources.join(", "));
        let yaml = spec.to_yaml(&header);
        // The reader of specs has the last word: an import it refuses is a bug of the importer.
        let (_, problems) = sloc_spec::parse_spec(&yaml);
        let errors: Vec<String> = problems
            .iter()
            .filter(|d| d.severity == sloc_diagnostics::Severity::Error)
            .map(|d| d.message.clone())
            .collect();
        if !errors.is_empty() {
            if let Some(out) = reports.first_mut() {
                out.push(Diagnostic::new(
                    &CANNOT_IMPORT,
                    0..0,
                    format!(
                        "the spec of service `{}` does not validate (a bug in sloc import, please report it): {}",
                        spec.service,
                        errors.join("; ")
                    ),
                ));
            }
            continue;
        }
        imported.push(ImportedSpec { service: spec.service.clone(), sources, yaml });
    }
    let reports = files.iter().cloned().zip(reports).map(|(f, d)| FileReport::new(f, d)).collect();
    Imported { specs: imported, reports }
}

/// Objectives of one service go into one spec, whichever file they came from. An objective
/// whose service already has one of its name is left out: `(its origin, the first's origin)`.
fn merge(specs: &mut Vec<(DraftSpec, Vec<String>)>, draft: DraftSpec, source: &str) -> Vec<(String, String)> {
    let mut duplicates = Vec::new();
    match specs.iter_mut().find(|(s, _)| s.service == draft.service) {
        Some((spec, sources)) => {
            for slo in draft.slos {
                match spec.slos.iter().find(|s| s.name == slo.name) {
                    Some(first) => duplicates.push((slo.origin.clone(), first.origin.clone())),
                    None => spec.slos.push(slo),
                }
            }
            if !sources.iter().any(|s| s == source) {
                sources.push(source.to_string());
            }
        }
        None => specs.push((draft, vec![source.to_string()])),
    }
    duplicates
}

/// `99.9` from a percent written as text: `"99.9"`, `99.90`, `"99.9%"`.
pub(crate) fn percent(text: &str) -> Option<Decimal> {
    Decimal::parse(text.trim().trim_end_matches('%').trim())
}

/// Drops the tiers of `slo` that could never fire (factor × budget ≥ 1): Prometheus would
/// evaluate an alert that needs more than 100 % errors, and sloc refuses it. `span` is where the
/// objective was written; `file_period` the spec's period, when the objective has none.
pub(crate) fn keep_tiers_that_fire(cx: &mut Cx<'_>, slo: &mut DraftSlo, file_period: Option<&str>, span: Range<usize>) {
    let Some(objective) = Decimal::parse(&slo.objective) else { return };
    let budget = Decimal::ONE - objective.mul_ratio(1, 100);
    let period = slo
        .period
        .as_deref()
        .or(file_period)
        .and_then(|p| sloc_promql::parse_duration(p).ok())
        .unwrap_or(sloc_spec::DEFAULT_PERIOD);
    let factor = |t: &DraftTier| -> Option<Decimal> {
        let value = Decimal::parse(&t.threshold.1)?;
        let long = sloc_promql::parse_duration(&t.long).ok()?;
        Some(if t.threshold.0 == "factor" {
            value
        } else {
            value.mul_ratio(period.millis(), 100 * long.millis().max(1))
        })
    };
    match &mut slo.tiers {
        Some(tiers) => {
            let before = tiers.len();
            let mut dropped = Vec::new();
            tiers.retain(|t| {
                let fires = factor(t).is_none_or(|f| f * budget < Decimal::ONE);
                if !fires {
                    dropped.push(t.name.clone());
                }
                fires
            });
            if !dropped.is_empty() {
                cx.push(
                    &DROPPED,
                    span,
                    format!(
                        "the tier{} {} of `{}` could never fire at a {}% objective (the error ratio would exceed 100%): left out",
                        if dropped.len() > 1 { "s" } else { "" },
                        dropped.join(", "),
                        slo.name,
                        slo.objective
                    ),
                    "",
                );
            }
            if tiers.is_empty() && before > 0 {
                slo.tiers = None;
                slo.disable = vec!["critical", "warning", "info"];
            }
        }
        None => {
            let mut dropped = Vec::new();
            for tier in Tier::ALL {
                if tier.policy().factor(period) * budget >= Decimal::ONE && !slo.disable.contains(&tier.name()) {
                    slo.disable.push(tier.name());
                    dropped.push(tier.name());
                }
            }
            if !dropped.is_empty() {
                cx.push(
                    &DROPPED,
                    span,
                    format!(
                        "sloc's {} tier{} could never fire at a {}% objective: disabled",
                        dropped.join(" and "),
                        if dropped.len() > 1 { "s" } else { "" },
                        slo.objective
                    ),
                    "",
                );
            }
        }
    }
}

/// User labels with sloc's reserved names moved aside (`severity` → `routing_severity`), each
/// move a note.
pub(crate) fn labels(cx: &mut Cx<'_>, pairs: Vec<(String, String, Range<usize>)>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v, span) in pairs {
        if sloc_spec::RESERVED_LABELS.contains(&k.as_str()) {
            let moved = format!("routing_{k}");
            cx.push(
                &APPROXIMATED,
                span,
                format!("sloc sets `{k}` itself: `{k}: {v}` becomes `{moved}: {v}`"),
                "route on sloc's `severity` (critical, warning, info) or on the moved label",
            );
            out.push((moved, v));
        } else if let Err(e) = sloc_template::check_template(&v) {
            cx.push(
                &DROPPED,
                span,
                format!(
                    "`{k}: {v}` is not a valid Go template ({}): Prometheus would refuse the alert; left out",
                    e.message
                ),
                "write `{{` as `{{\"{{\"}}` for literal braces",
            );
        } else if sloc_promql::is_label_name(&k) {
            out.push((k, v));
        } else {
            cx.push(&DROPPED, span, format!("`{k}` is not a Prometheus label name: left out"), "");
        }
    }
    out
}

/// The `description` of `node`, unless it is not a valid Go template: it is written into every
/// alert's `description` annotation, which Prometheus parses as one.
pub(crate) fn description(cx: &mut Cx<'_>, node: &Node) -> Option<String> {
    let value = node.get("description")?;
    let text = value.as_scalar_text()?;
    if let Err(e) = sloc_template::check_template(text) {
        cx.push(
            &DROPPED,
            value.span.clone(),
            format!(
                "the description is not a valid Go template ({}): Prometheus would refuse the alerts; left out",
                e.message
            ),
            "write `{{` as `{{\"{{\"}}` for literal braces",
        );
        return None;
    }
    Some(text.to_string())
}

/// A duration rounded to the minute, as Prometheus writes it.
pub(crate) fn minutes(millis: u64) -> String {
    let rounded = (millis + 30_000) / 60_000 * 60_000;
    sloc_promql::format_duration(sloc_promql::Duration(rounded.max(60_000)))
}
