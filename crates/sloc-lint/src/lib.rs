//! The linter: Prometheus rule files, `PrometheusRule` manifests and SLO specs in, findings out.
//!
//! Files come in as text (this crate does no IO). Each is read once into a spanned model; the
//! reader reports what `promtool check rules` rejects, then every check in [`checks`] runs on
//! every rule (or spec). Findings are filtered by `# sloc disable` comments and the config.

use std::ops::Range;

use sloc_diagnostics::{Code, Diagnostic, FileReport, SourceFile, YAML_SYNTAX};
use sloc_parallel::parallel_map;
use sloc_promql::Locator;
use sloc_rulefile::{ParsedExpr, ParsedGroup, ParsedRule};
use sloc_spec::Spec;

pub mod checks;
mod config;
mod suppress;
pub use suppress::UNKNOWN_CODE;

pub use config::{Config, Resolve};

/// Every code `sloc lint` can report: input, spec, rule-file and check codes. (The registry of
/// every code sloc has is `sloc-codes`.)
pub fn lint_codes() -> Vec<&'static Code> {
    let mut codes: Vec<&'static Code> = Vec::new();
    codes.extend(sloc_diagnostics::INPUT_CODES);
    codes.extend(sloc_spec::codes::SPEC_CODES);
    codes.extend(sloc_rulefile::codes::RULEFILE_CODES);
    codes.extend(checks::RULE_CHECKS.iter().map(|c| c.code));
    codes.extend(checks::SPEC_CHECKS.iter().map(|c| c.code));
    codes.push(&suppress::UNKNOWN_CODE);
    codes.push(&sloc_spec::peer::PEER_SPEC);
    codes
}

/// A code `sloc lint` reports, by its code (`L001`, any case) or its name (`rate-non-counter`).
pub fn find_lint_code(code: &str) -> Option<&'static Code> {
    lint_codes().into_iter().find(|c| c.code.eq_ignore_ascii_case(code) || c.name == code)
}

/// What a check of one rule sees.
pub struct RuleContext<'a> {
    pub text: &'a str,
    pub group: &'a ParsedGroup,
    pub rule: &'a ParsedRule,
    pub config: &'a Config,
    expr: Option<(&'a ParsedExpr, Locator<'a>)>,
}

impl<'a> RuleContext<'a> {
    /// The rule's parsed expression, with a locator over its text.
    pub fn expr(&self) -> Option<(&'a ParsedExpr, &Locator<'a>)> {
        self.expr.as_ref().map(|(e, l)| (*e, l))
    }

    /// A range of the expression text, as a range of the file.
    pub fn in_file(&self, range: Range<usize>) -> Range<usize> {
        match &self.expr {
            Some((e, _)) => e.source_range(self.text, range),
            None => self.rule.span.clone(),
        }
    }
}

/// What a check of one spec sees.
pub struct SpecContext<'a> {
    pub text: &'a str,
    pub spec: &'a Spec,
    pub config: &'a Config,
}

/// What [`lint`] found.
#[derive(Debug)]
pub struct LintResult {
    /// One report per file, in input order, findings sorted by position.
    pub reports: Vec<FileReport>,
    /// Style findings not shown (see [`checks::CheckSet::Style`]), by code.
    pub hidden: std::collections::BTreeMap<&'static str, usize>,
}

/// Lints files.
pub fn lint(files: &[SourceFile], config: &Config) -> LintResult {
    let analysed: Vec<Analysed> = parallel_map(files, |file| analyse(file, config));
    let mut diagnostics: Vec<Vec<Diagnostic>> = analysed.iter().map(|a| a.diagnostics.clone()).collect();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    let groups: Vec<&[ParsedGroup]> = analysed.iter().map(|a| a.groups.as_slice()).collect();
    checks::duplicate_series::across_files(&names, &groups, &mut diagnostics);
    let mut hidden = std::collections::BTreeMap::new();
    let reports = files
        .iter()
        .zip(analysed)
        .zip(diagnostics)
        .map(|((file, analysed), diagnostics)| {
            let rule_spans: Vec<Range<usize>> =
                analysed.groups.iter().flat_map(|g| &g.rules).map(|r| r.span.clone()).collect();
            let (shown, style): (Vec<Diagnostic>, Vec<Diagnostic>) =
                suppress::apply(&file.text, &rule_spans, diagnostics, config)
                    .into_iter()
                    .partition(|d| config.shows(d.code.code));
            for d in style {
                *hidden.entry(d.code.code).or_insert(0) += 1;
            }
            FileReport::new(file.clone(), shown)
        })
        .collect();
    LintResult { reports, hidden }
}

/// What the target refuses in a spec's PromQL: every query of every SLI, as the compiler will
/// place it in the rules (`$window` as 5m), with each refusal at its place in the spec.
pub fn spec_queries_on_target(text: &str, spec: &Spec, target: &sloc_target::Target) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for slo in &spec.slos {
        for query in slo.sli.queries() {
            // Same length as `$window`, so that offsets in the expression stay those of the spec.
            let expression = query.text.replace(sloc_spec::WINDOW_PLACEHOLDER, "5m     ");
            if let Err(e) = sloc_promql::parse_lean_for(&expression, target)
                && let Some(refusal) = e.refusal
            {
                out.push(sloc_rulefile::refused(sloc_yaml::value_range_to_source(text, &query.node, e.span), &refusal));
            }
        }
    }
    out
}

/// One file, read and checked.
struct Analysed {
    groups: Vec<ParsedGroup>,
    diagnostics: Vec<Diagnostic>,
}

fn analyse(file: &SourceFile, config: &Config) -> Analysed {
    let text: &str = &file.text;
    let mut out = Analysed { groups: Vec::new(), diagnostics: Vec::new() };
    let docs = match sloc_yaml::parse_documents(text) {
        Ok(docs) => docs,
        Err(e) => {
            let at = e.offset.unwrap_or(0);
            out.diagnostics.push(
                Diagnostic::new(&YAML_SYNTAX, at..at, e.message).with_help("fix the YAML syntax at this position"),
            );
            return out;
        }
    };
    if let Some(format) = sloc_spec::peer::detect_file(&docs) {
        let at = docs[0].span.start;
        out.diagnostics.push(
            Diagnostic::new(
                &sloc_spec::peer::PEER_SPEC,
                at..at,
                format!("this is {}, not a sloc spec: it is not linted", format.name()),
            )
            .with_help(format!("`sloc import {}` converts it", file.name)),
        );
        return out;
    }
    if docs.first().is_some_and(sloc_spec::is_spec) {
        let (spec, diagnostics) = sloc_spec::parse_spec(text);
        out.diagnostics = diagnostics;
        if let Some(spec) = &spec {
            out.diagnostics.extend(spec_queries_on_target(text, spec, &config.target));
            let cx = SpecContext { text, spec, config };
            for check in checks::SPEC_CHECKS.iter().filter(|c| !config.is_disabled(c.code.code)) {
                (check.run)(&cx, &mut out.diagnostics);
            }
        }
        return out;
    }
    let enabled: Vec<&checks::RuleCheck> =
        checks::RULE_CHECKS.iter().filter(|c| !config.is_disabled(c.code.code)).collect();
    // Each rule's checks run on the core that parsed its expression, and its syntax tree is
    // dropped right after: a file's trees are never all held at once.
    let (groups, diagnostics, findings) =
        sloc_rulefile::read_rule_structure(text, docs, &config.target).parse(false, |group, rule, expr| {
            let expr = expr.map(|e| (e, Locator::new(e.text())));
            let cx = RuleContext { text, group, rule, config, expr };
            let mut found = Vec::new();
            for check in &enabled {
                (check.run)(&cx, &mut found);
            }
            found
        });
    out.diagnostics = diagnostics;
    out.diagnostics.extend(sloc_rulefile::duplicate_rules(&groups, config.lint_fatal));
    out.diagnostics.extend(findings.into_iter().flatten());
    out.groups = groups;
    out
}
