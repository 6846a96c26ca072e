//! `sloc import --compare OLD_RULES`: the old rules and sloc's, through the same burns.

use std::path::Path;

use sloc_diagnostics::{FileReport, Severity};
use sloc_pipeline::scenarios::{CompareError, compare};
use sloc_scenarios::compare::Side;

use crate::files::read_or_report;
use crate::test_cmd::PromtoolIn;
use crate::{Format, Output, exit, report};

/// Runs the comparison of `old_rules` with the rules compiled from `specs` (the imported specs'
/// YAML) and prints its table. Exit 0 when every difference is explained, 1 when one is not or
/// the old file has errors, 2 when promtool is missing or files cannot be written.
pub fn run(old_rules: &Path, specs: &[(String, Vec<String>)], error_format: Format, out: &mut Output) -> u8 {
    let mut reports = Vec::new();
    let file = match read_or_report(old_rules, &mut reports) {
        Ok(Some(file)) => file,
        Ok(None) => {
            report::print(out, &reports, error_format, true);
            return exit::FINDINGS;
        }
        Err(message) => {
            out.error(message);
            return exit::USAGE;
        }
    };
    // The old file's own errors, as `sloc lint` (and so promtool) reports them.
    let own = sloc_lint::lint(std::slice::from_ref(&file), &sloc_lint::Config::default()).reports.remove(0);
    let mut errors: Vec<_> = own.diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect();
    let docs = sloc_yaml::parse_documents(&file.text).unwrap_or_default();
    // The old file was written for some server: every kind's fields and every flag are read.
    let (groups, _) = sloc_rulefile::read_rule_documents(&file.text, docs, &sloc_target::Target::everything());
    if groups.is_empty() && errors.is_empty() {
        errors.push(sloc_diagnostics::Diagnostic::new(
            &sloc_rulefile::codes::STRUCTURE,
            0..0,
            "--compare needs a Prometheus rule file (`groups:`) or a PrometheusRule manifest",
        ));
    }
    if !errors.is_empty() {
        report::print(out, &[FileReport::new(file, errors)], error_format, true);
        return exit::FINDINGS;
    }
    let old: Vec<_> = groups.iter().map(sloc_rulefile::ParsedGroup::to_group).collect();
    let parsed: Vec<sloc_spec::Spec> = specs.iter().filter_map(|(yaml, _)| sloc_spec::parse_spec(yaml).0).collect();
    let sources: Vec<String> = specs.iter().flat_map(|(_, s)| s.clone()).collect();
    let sources = format!("imported from {} and compared with {}", sources.join(", "), file.name);
    if !crate::test_cmd::promtool_on_path() {
        out.error("--compare runs promtool, which is not on the PATH: install it (Debian package `prometheus`)");
        return exit::USAGE;
    }
    let dir = match crate::files::private_tempdir() {
        Ok(d) => d,
        Err(e) => {
            out.error(format!("cannot create a temporary directory: {e}"));
            return exit::USAGE;
        }
    };
    let progress = crate::progress::Progress::start("promtool runs of the old and new rules", out);
    let runner = PromtoolIn { dir: dir.path(), progress: Some(&progress), on_done: None };
    let compared = compare(&parsed, &old, &sources, &runner);
    drop(progress);
    let compared = match compared {
        Ok(c) => c,
        Err(CompareError::Run(message)) => {
            out.error(message);
            return exit::USAGE;
        }
        Err(CompareError::Rejected(side, reason)) => {
            let side = if side == Side::Old { file.name.as_str() } else { "sloc's rules" };
            out.error(format!("promtool could not run the burn on {side}:\n{reason}"));
            return exit::FINDINGS;
        }
    };
    out.stdout.push_str(&format!("Alerts of {} and of sloc's rules, through the same burns:\n", file.name));
    out.stdout.push_str(&compared.comparison.render(&compared.outcomes));
    let unexplained = compared.outcomes.iter().flat_map(|o| &o.rows).any(|r| !r.explained);
    if unexplained { exit::FINDINGS } else { exit::OK }
}
