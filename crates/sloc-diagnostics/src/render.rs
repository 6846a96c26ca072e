//! Human (miette), JSON, GitHub-annotation and SARIF renderings of diagnostics.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, NamedSource, SourceCode,
    SourceSpan, SpanContents,
};
use serde::Serialize;

use crate::{Diagnostic, FileReport, Severity};

/// How the human report is drawn.
#[derive(Debug, Clone, Copy)]
pub struct HumanOptions {
    pub color: bool,
    pub width: usize,
}

impl Default for HumanOptions {
    fn default() -> Self {
        Self { color: false, width: 100 }
    }
}

/// miette's graphical report, one block per diagnostic, each headed by `file:line:col`.
pub fn render_human(reports: &[FileReport], options: HumanOptions) -> String {
    let theme = if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler =
        GraphicalReportHandler::new_themed(theme).with_links(false).with_width(options.width).with_context_lines(1);
    let mut out = String::new();
    for report in reports {
        let text = printable_source(&lone_carriage_returns_as_newlines(&report.file.text));
        let source = NamedSource::new(report.file.name.clone(), text).with_language("yaml");
        for diagnostic in &report.diagnostics {
            let clipped = ClippedSource::new(&report.file, diagnostic);
            let adapter = match &clipped {
                Some(c) => MietteAdapter { diagnostic, source: c, spans: c.spans.clone() },
                None => MietteAdapter { diagnostic, source: &source, spans: spans_of(diagnostic) },
            };
            if handler.render_report(&mut out, &adapter).is_err() {
                // Rendering into a String cannot fail; keep a plain line if it ever does.
                let (line, col) = report.file.line_col(diagnostic.span.start);
                out.push_str(&format!("{}:{line}:{col}: {}\n", report.file.name, printable(&diagnostic.message)));
            }
        }
    }
    out
}

/// Source text safe to print, byte for byte the same length (offsets hold): control characters
/// other than line breaks and tabs, which a server's text may hold, become `?` (or `¿` for the
/// two-byte C1 controls), so no snippet can move the cursor or recolour the terminal.
fn printable_source(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => c,
            c if c.is_control() && c.len_utf8() == 1 => '?',
            c if c.is_control() => '\u{bf}',
            c => c,
        })
        .collect()
}

/// Text from a finding (which may quote a server's words) with every control character
/// escaped: one line, no escape sequence.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// miette breaks lines at `\n` only; a lone `\r` ends a line too. Same length: offsets hold.
fn lone_carriage_returns_as_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    text.char_indices().map(|(i, c)| if c == '\r' && bytes.get(i + 1) != Some(&b'\n') { '\n' } else { c }).collect()
}

/// `N errors, N warnings, N infos in N files` (or `no problems in N files`).
pub fn summary_line(reports: &[FileReport]) -> String {
    let count = |s: Severity| reports.iter().flat_map(|r| &r.diagnostics).filter(|d| d.severity == s).count();
    let (errors, warnings, infos) = (count(Severity::Error), count(Severity::Warning), count(Severity::Info));
    let files = reports.len();
    let files = format!("{files} file{}", plural(files));
    if errors + warnings + infos == 0 {
        return format!("no problems in {files}");
    }
    let mut parts = Vec::new();
    for (n, what) in [(errors, "error"), (warnings, "warning"), (infos, "info")] {
        if n > 0 {
            parts.push(format!("{n} {what}{}", plural(n)));
        }
    }
    format!("{} in {files}", parts.join(", "))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

struct MietteAdapter<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a dyn SourceCode,
    /// The primary span, then the related ones, in `source`'s offsets.
    spans: Vec<std::ops::Range<usize>>,
}

fn spans_of(d: &Diagnostic) -> Vec<std::ops::Range<usize>> {
    std::iter::once(d.span.clone()).chain(d.related.iter().map(|(span, _)| span.clone())).collect()
}

/// Lines longer than this are shown as a window around the finding.
const MAX_SHOWN_LINE: usize = 160;
/// Characters kept on each side of a finding on a long line.
const WINDOW_MARGIN: usize = 60;

/// The file with every long line cut to a window, for a finding on or near a long line (a
/// 55,000-character expression must not print a 55,000-column caret line). Line numbers stay;
/// the header's column is the real one.
struct ClippedSource {
    name: String,
    text: String,
    spans: Vec<std::ops::Range<usize>>,
    /// The primary span in `text`, and its real 0-based line and column.
    primary: (std::ops::Range<usize>, usize, usize),
}

impl ClippedSource {
    fn new(file: &crate::SourceFile, d: &Diagnostic) -> Option<Self> {
        let original = spans_of(d);
        let text: &str = &file.text;
        let line_of = |offset: usize| {
            let start = text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
            let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            start..end
        };
        // Only the lines around a finding matter to miette's snippet.
        let long = |r: &std::ops::Range<usize>| r.end - r.start > MAX_SHOWN_LINE;
        let near = original.iter().any(|span| {
            let line = line_of(span.start);
            let before = line.start.checked_sub(1).map(&line_of);
            let after = (line.end < text.len()).then(|| line_of(line.end + 1));
            long(&line) || before.as_ref().is_some_and(long) || after.as_ref().is_some_and(long)
        });
        if !near {
            return None;
        }
        // Cut every long line: around the first finding that starts on it, else its start.
        let mut out = String::with_capacity(text.len().min(1 << 20));
        let mut map: Vec<(std::ops::Range<usize>, usize)> = Vec::new();
        let mut start = 0;
        while start <= text.len() {
            let line = line_of(start);
            let (keep, lead, tail) = if long(&line) {
                let anchor = original.iter().map(|s| s.start).find(|s| line.contains(s) || *s == line.end);
                let from = anchor.map_or(line.start, |a| a.saturating_sub(WINDOW_MARGIN).max(line.start));
                let to = (from + 2 * WINDOW_MARGIN + 20).min(line.end);
                let (from, to) = (floor_char(text, from), floor_char(text, to));
                (from..to, from > line.start, to < line.end)
            } else {
                (line.clone(), false, false)
            };
            if lead {
                out.push('…');
            }
            map.push((keep.clone(), out.len()));
            out.push_str(&printable_source(&text[keep.clone()]));
            if tail {
                out.push('…');
            }
            if line.end < text.len() {
                out.push('\n');
            }
            start = line.end + 1;
        }
        let translate = |offset: usize| {
            map.iter()
                .find(|(keep, _)| keep.contains(&offset) || keep.end == offset)
                .map(|(keep, at)| at + offset - keep.start)
                .or_else(|| {
                    map.iter().rev().find(|(keep, _)| keep.start <= offset).map(|(keep, at)| at + keep.end - keep.start)
                })
                .unwrap_or(0)
        };
        let spans: Vec<std::ops::Range<usize>> = original
            .iter()
            .map(|span| {
                let start = translate(span.start);
                let end = translate(span.end).max(start).min(start + 2 * WINDOW_MARGIN);
                start..floor_char(&out, end)
            })
            .collect();
        let (line, column) = file.line_col(d.span.start);
        Some(Self { name: file.name.clone(), text: out, primary: (spans[0].clone(), line - 1, column - 1), spans })
    }
}

fn floor_char(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl SourceCode for ClippedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, context_lines_before, context_lines_after)?;
        let (primary, line, column) = &self.primary;
        let is_primary = span.offset() == primary.start && span.len() == primary.len();
        let (line, column) = if is_primary && context_lines_before == 0 && context_lines_after == 0 {
            (*line, *column)
        } else {
            (inner.line(), inner.column())
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            line,
            column,
            inner.line_count(),
        )))
    }
}

impl fmt::Debug for MietteAdapter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for MietteAdapter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&printable(&self.diagnostic.message))
    }
}

impl std::error::Error for MietteAdapter<'_> {}

impl miette::Diagnostic for MietteAdapter<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("{}({})", self.diagnostic.code.code, self.diagnostic.code.name)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let fix = self.diagnostic.fix.as_ref().map(|fix| {
            let flag = match fix.applicability {
                crate::Applicability::Safe => "--fix",
                crate::Applicability::Unsafe => "--fix --unsafe-fixes",
            };
            format!("fix ({flag}): {}", fix.message)
        });
        let text = match (&self.diagnostic.help, fix) {
            (Some(help), Some(fix)) => format!("{}\n{}", printable(help), printable(&fix)),
            (Some(help), None) => printable(help).into_owned(),
            (None, Some(fix)) => printable(&fix).into_owned(),
            (None, None) => return None,
        };
        Some(Box::new(text))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let primary = LabeledSpan::new_primary_with_span(
            d.label.as_deref().map(|l| printable(l).into_owned()),
            to_source_span(&self.spans[0]),
        );
        let related = d.related.iter().zip(&self.spans[1..]).map(|((_, label), span)| {
            LabeledSpan::new_with_span(Some(printable(label).into_owned()), to_source_span(span))
        });
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

fn to_source_span(span: &std::ops::Range<usize>) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.end.saturating_sub(span.start))
}

/// One finding, located for machines.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub code: &'static str,
    pub name: &'static str,
    pub severity: &'static str,
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<JsonFix<'a>>,
}

/// A finding's fix, for machines: edits with byte offsets and 1-based positions.
#[derive(Debug, Serialize)]
pub struct JsonFix<'a> {
    pub applicability: &'static str,
    pub message: &'a str,
    pub edits: Vec<JsonEdit<'a>>,
}

#[derive(Debug, Serialize)]
pub struct JsonEdit<'a> {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub content: &'a str,
}

fn json_diagnostics(reports: &[FileReport]) -> Vec<JsonDiagnostic<'_>> {
    let mut out = Vec::new();
    for report in reports {
        for d in &report.diagnostics {
            let (line, column) = report.file.line_col(d.span.start);
            let (end_line, end_column) = report.file.line_col(d.span.end);
            out.push(JsonDiagnostic {
                file: &report.file.name,
                line,
                column,
                end_line,
                end_column,
                code: d.code.code,
                name: d.code.name,
                severity: d.severity.as_str(),
                message: &d.message,
                help: d.help.as_deref(),
                fix: d.fix.as_ref().map(|fix| JsonFix {
                    applicability: fix.applicability.as_str(),
                    message: &fix.message,
                    edits: fix
                        .edits
                        .iter()
                        .map(|e| {
                            let (line, column) = report.file.line_col(e.span.start);
                            let (end_line, end_column) = report.file.line_col(e.span.end);
                            JsonEdit {
                                start: e.span.start,
                                end: e.span.end,
                                line,
                                column,
                                end_line,
                                end_column,
                                content: &e.replacement,
                            }
                        })
                        .collect(),
                }),
            });
        }
    }
    out
}

/// A JSON array of findings with 1-based line and column.
pub fn render_json(reports: &[FileReport]) -> String {
    let mut text = serde_json::to_string_pretty(&json_diagnostics(reports)).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}

/// GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`.
pub fn render_github(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for d in json_diagnostics(reports) {
        let level = match d.severity {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        let mut message = d.message.to_string();
        if let Some(help) = d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(d.file),
            d.line,
            d.column,
            d.end_line,
            d.end_column,
            escape_property(&format!("{} {}", d.code, d.name)),
            escape_data(&message)
        ));
    }
    out
}

// GitHub's workflow-command escaping rules, and every other control character escaped: no
// text can end the command or reach the terminal raw.
fn escape_data(s: &str) -> String {
    let s = s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    printable(&s).into_owned()
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// SARIF 2.1.0 for code-scanning upload. `rules` lists every code that can appear.
pub fn render_sarif(reports: &[FileReport], tool_version: &str, rules: &[&crate::Code]) -> String {
    let rule_entries: Vec<_> = rules
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.code,
                "name": c.name,
                "shortDescription": {"text": c.summary},
                "fullDescription": {"text": c.documentation()},
                "defaultConfiguration": {"level": sarif_level(c.severity)},
            })
        })
        .collect();
    let results: Vec<_> = json_diagnostics(reports)
        .into_iter()
        .map(|d| {
            let mut message = d.message.to_string();
            if let Some(help) = d.help {
                message.push_str(" (help: ");
                message.push_str(help);
                message.push(')');
            }
            serde_json::json!({
                "ruleId": d.code,
                "level": sarif_level(Severity::parse(d.severity).unwrap_or(Severity::Error)),
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.file},
                        "region": {
                            "startLine": d.line, "startColumn": d.column,
                            "endLine": d.end_line, "endColumn": d.end_column,
                        }
                    }
                }]
            })
        })
        .collect();
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sloc",
                "version": tool_version,
                "informationUri": "https://github.com/sloc-dev/sloc",
                "rules": rule_entries,
            }},
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}
