//! Prints findings in the chosen format.

use sloc_diagnostics::{
    Code, FileReport, HumanOptions, Severity, render_github, render_human, render_json, render_sarif, summary_line,
};

use crate::{Format, Output};

/// Every code sloc can report, for SARIF's rule table and `sloc explain`.
pub fn all_codes() -> Vec<&'static Code> {
    sloc_codes::all_codes()
}

/// Prints the reports; human output goes to stderr with a summary line, machine formats to
/// stdout. `quiet_when_clean` prints nothing for clean human runs.
pub fn print(out: &mut Output, reports: &[FileReport], format: Format, quiet_when_clean: bool) {
    let has_findings = reports.iter().any(|r| !r.diagnostics.is_empty());
    match format {
        Format::Human => {
            if has_findings {
                let width = terminal_width();
                out.stderr.push_str(&render_human(reports, HumanOptions { color: out.color, width }));
            }
            if has_findings || !quiet_when_clean {
                out.stderr.push_str(&summary_line(reports));
                out.stderr.push('\n');
            }
        }
        Format::Json => out.stdout.push_str(&render_json(reports)),
        Format::Github => out.stdout.push_str(&render_github(reports)),
        Format::Sarif => out.stdout.push_str(&render_sarif(reports, env!("CARGO_PKG_VERSION"), &all_codes())),
    }
}

/// Is anything at or above `threshold`?
pub fn fails(reports: &[FileReport], threshold: Severity) -> bool {
    reports.iter().flat_map(|r| &r.diagnostics).any(|d| d.severity >= threshold)
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100)
}

/// A unified diff of two texts, three lines of context, as `git diff` prints one.
pub fn unified_diff(before: &str, after: &str, old_name: &str, new_name: &str) -> String {
    similar::TextDiff::from_lines(before, after).unified_diff().context_radius(3).header(old_name, new_name).to_string()
}

/// `s` for any count but one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
