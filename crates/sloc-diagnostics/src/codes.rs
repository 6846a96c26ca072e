use crate::Severity;

/// A stable diagnostic code and its documentation, shown by `sloc explain CODE`.
#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    /// The stable identifier, e.g. `S004`. Never reused for another meaning.
    pub code: &'static str,
    /// A kebab-case name, e.g. `objective-out-of-range`.
    pub name: &'static str,
    pub severity: Severity,
    /// One line: what the code reports.
    pub summary: &'static str,
    /// Markdown: what it does, why it matters, an example and the fix.
    pub doc: &'static str,
}

/// Declares a `pub static` [`Code`] whose doc comment is its documentation.
///
/// ```ignore
/// declare_code! {
///     /// ## What it does
///     /// ...
///     pub OBJECTIVE_OUT_OF_RANGE = ("S004", "objective-out-of-range", Error, "objective is not in (0, 100)");
/// }
/// ```
#[macro_export]
macro_rules! declare_code {
    ($(#[doc = $doc:literal])* $vis:vis $ident:ident = ($code:literal, $name:literal, $severity:ident, $summary:literal);) => {
        $(#[doc = $doc])*
        $vis static $ident: $crate::Code = $crate::Code {
            code: $code,
            name: $name,
            severity: $crate::Severity::$severity,
            summary: $summary,
            doc: $crate::__join_doc!($($doc),*),
        };
    };
}

/// Joins doc-comment lines, dropping the single leading space rustdoc keeps.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_doc {
    ($($doc:literal),*) => {
        concat!($($doc, "\n"),*)
    };
}

impl Code {
    /// The documentation with the one-space indent of `///` comments removed.
    pub fn documentation(&self) -> String {
        self.doc.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n").trim().to_string()
    }
}

declare_code! {
    /// ## What it does
    /// Reports YAML that cannot be read: bad indentation, an unclosed quote or bracket, a tab
    /// used for indentation, or the same key twice in one mapping.
    ///
    /// ## Why it matters
    /// A file that is not valid YAML cannot be loaded by Prometheus, and a duplicated key
    /// silently keeps only one of the two values in many YAML readers.
    ///
    /// ## Fix
    /// Correct the YAML at the position shown. Each key may appear once per mapping.
    pub YAML_SYNTAX = ("Y001", "yaml-syntax", Error, "the file is not valid YAML");
}

declare_code! {
    /// ## What it does
    /// Reports input that cannot be checked at all: a file that is not UTF-8 text, that holds
    /// binary data, that is empty, or that is larger than sloc reads (64 MiB).
    ///
    /// ## Fix
    /// Point sloc at the YAML rule files and SLO specs only.
    pub INVALID_INPUT = ("Y002", "invalid-input", Error, "the input is not a readable text file");
}

declare_code! {
    /// ## What it does
    /// Reports a PromQL expression that does not parse or does not type-check: an unknown
    /// function, a range vector where an instant vector is expected (`rate(foo)`), an unclosed
    /// parenthesis, a bad duration, an invalid regular expression.
    ///
    /// ## Why it matters
    /// Prometheus refuses to load a rule file with an invalid expression, so none of the rules in
    /// it are evaluated.
    ///
    /// ## Example
    /// ```yaml
    /// expr: sum(rate(http_requests_total)) # rate() needs a range: [5m]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// expr: sum(rate(http_requests_total[5m]))
    /// ```
    pub PROMQL_SYNTAX = ("P001", "promql-syntax", Error, "the PromQL expression does not parse");
}

declare_code! {
    /// ## What it does
    /// Reports that sloc could not do its job at all: a flag is wrong, an input cannot be read,
    /// an output cannot be written, or the server cannot be reached. The exit code is 2.
    ///
    /// ## Why it matters
    /// With `--format json`, `sarif` or `github`, a script or a CI step reads standard output:
    /// it gets a valid document holding this finding instead of nothing.
    ///
    /// ## Fix
    /// As the message says.
    pub CANNOT_RUN = ("E001", "cannot-run", Error, "sloc could not run: flags, inputs, outputs or the server");
}

/// The codes this crate declares, shared by the spec and rule-file readers.
pub static INPUT_CODES: &[&Code] = &[&YAML_SYNTAX, &INVALID_INPUT, &PROMQL_SYNTAX, &CANNOT_RUN];
