//! Diagnostics: what every sloc check produces, and how it is rendered.
//!
//! Positions are byte ranges into a file's text; they become line:column only here, when
//! rendered. Rendering returns strings: printing is the binary's job.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

mod codes;
mod render;

mod fix;
pub use codes::{
    CANNOT_RUN, Code, INPUT_CODES, INVALID_INPUT, NO_SYNTAX_TREE, NOT_ON_TARGET, PROMQL_SYNTAX, YAML_SYNTAX,
};
pub use fix::{Applicability, Edit, Fix, apply_fixes};
pub use render::{HumanOptions, render_github, render_human, render_json, render_sarif, summary_line};

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding, located in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: &'static Code,
    pub severity: Severity,
    pub message: String,
    /// Byte range of the primary location.
    pub span: Range<usize>,
    /// Text shown under the primary location.
    pub label: Option<String>,
    /// Other places that explain the finding.
    pub related: Vec<(Range<usize>, String)>,
    pub help: Option<String>,
    /// Edits that resolve the finding (`sloc lint --fix`).
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: &'static Code, span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity,
            message: message.into(),
            span,
            label: None,
            related: Vec::new(),
            help: None,
            fix: None,
        }
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// A file's name and text, shared by all its diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
    /// Computed when a position is first rendered (most files have no findings), and shared
    /// by the clones.
    line_starts: Arc<std::sync::OnceLock<Vec<usize>>>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Self { name: name.into(), text: text.into(), line_starts: Arc::default() }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            // A line ends at `\n`, or at a `\r` not followed by `\n` (old Mac line endings,
            // which YAML reads as line breaks too).
            let bytes = self.text.as_bytes();
            std::iter::once(0)
                .chain(bytes.iter().enumerate().filter_map(|(i, &b)| {
                    (b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))).then_some(i + 1)
                }))
                .collect()
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let line = line_starts.partition_point(|&s| s <= offset) - 1;
        let start = line_starts[line];
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }
}

/// A file with its findings, the unit every renderer takes.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub file: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileReport {
    pub fn new(file: SourceFile, mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics
            .sort_by(|a, b| (a.span.start, a.span.end, a.code.code).cmp(&(b.span.start, b.span.end, b.code.code)));
        diagnostics.dedup();
        Self { file, diagnostics }
    }
}

/// The largest file sloc reads.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// Turns raw file bytes into text, or a located [`INVALID_INPUT`] diagnostic (empty files, NUL
/// bytes, invalid UTF-8, files over [`MAX_INPUT_BYTES`]).
pub fn decode_input(bytes: &[u8]) -> Result<&str, Box<Diagnostic>> {
    let invalid =
        |message: String, help: &str| Box::new(Diagnostic::new(&INVALID_INPUT, 0..0, message).with_help(help));
    if bytes.len() > MAX_INPUT_BYTES {
        let message = format!("the file is larger than the {} MiB sloc reads", MAX_INPUT_BYTES >> 20);
        return Err(invalid(message, "split the file"));
    }
    // The text cannot be shown, so the place is said in words, as line and column.
    let place = |at: usize| {
        let before = &bytes[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        format!("line {line}, column {column}")
    };
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        let message = format!("the file holds binary data (a NUL byte at {})", place(at));
        return Err(invalid(message, "sloc reads YAML rule files and SLO specs"));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let message = format!("the file is not UTF-8 text (an invalid byte at {})", place(e.valid_up_to()));
        invalid(message, "save the file as UTF-8")
    })?;
    if text.trim().is_empty() {
        return Err(invalid("the file is empty".into(), "expected an SLO spec or a Prometheus rule file"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_input_is_refused_with_a_reason() {
        let message = |bytes: &[u8]| decode_input(bytes).unwrap_err().message;
        assert!(message(&vec![b'a'; MAX_INPUT_BYTES + 1]).contains("larger than the 64 MiB"));
        assert!(message(b"groups:\x00").contains("NUL byte at line 1, column 8"));
        assert!(message(b"a: 1\nb: caf\xe9").contains("not UTF-8 text (an invalid byte at line 2, column 7)"));
        assert!(message(b" \n\t").contains("empty"));
        assert_eq!(decode_input("groups: []\n".as_bytes()).unwrap(), "groups: []\n");
    }

    #[test]
    fn carriage_returns_alone_end_lines() {
        let f = SourceFile::new("a.yaml", "a: 1\rb: 2\r\nc: 3\n");
        assert_eq!(f.line_col(5), (2, 1));
        assert_eq!(f.line_col(11), (3, 1));
    }

    #[test]
    fn line_col_counts_characters_from_one() {
        let f = SourceFile::new("a.yaml", "ab\ncé d\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // 'é' is two bytes but one column.
        assert_eq!(f.line_col(6), (2, 3));
        assert_eq!(f.line_col(100), (3, 1));
    }
}
