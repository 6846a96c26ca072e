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

declare_code! {
    /// ## What it does
    /// Reports PromQL syntax, a function or a rule-file field that is valid for some server
    /// but not for the target the rules are judged for (`--target KIND@VERSION`,
    /// `--enable-feature NAME`, or `target` and `enable_features` in `sloc.toml`; the default
    /// is the newest Prometheus sloc knows). The message names the release, the flag or the
    /// kind that accepts it; `docs/targets.md` has a row for each such feature.
    ///
    /// ## Why it matters
    /// Prometheus refuses the whole rule file when one expression or field is unknown to it:
    /// a rule written for Prometheus 3 does not load on 2.x, an experimental function does not
    /// load without its flag, `partial_response_strategy` loads only on Thanos.
    ///
    /// ## Example
    /// ```yaml
    /// # sloc lint --target prometheus@2.53
    /// - record: job:errors:ratio_rate5m
    ///   expr: sum by (job) (rate({"http.errors"}[5m]))   # quoted names came in 3.0
    /// ```
    ///
    /// ## Fix
    /// Write it the way the target accepts, or judge for the server you run:
    /// `--target prometheus@3.0`, or `--enable-feature` with the flag the server has on.
    pub NOT_ON_TARGET = ("T001", "not-on-target", Error, "valid for another server, version or flag, not for the target");
}

declare_code! {
    /// ## What it does
    /// Notes an expression that is valid for the target but uses syntax sloc's PromQL parser
    /// cannot build a syntax tree for yet (duration arithmetic, the trim operators `</` `>/`,
    /// `fill()`, `anchored`/`smoothed`, functions newer than the parser). Its syntax and the
    /// target's verdict are checked; the checks that read an expression's tree (L…) skipped it.
    ///
    /// ## Example
    /// ```yaml
    /// - record: job:latency:trimmed
    ///   expr: histogram_metric </ 0.5
    /// ```
    ///
    /// ## Fix
    /// Nothing to fix: it tells you which rules were only partly checked.
    pub NO_SYNTAX_TREE = ("T002", "no-syntax-tree", Info, "valid, but the checks that read an expression's tree skipped it");
}

/// The codes this crate declares, shared by the spec and rule-file readers.
pub static INPUT_CODES: &[&Code] =
    &[&YAML_SYNTAX, &INVALID_INPUT, &PROMQL_SYNTAX, &NOT_ON_TARGET, &NO_SYNTAX_TREE, &CANNOT_RUN];
