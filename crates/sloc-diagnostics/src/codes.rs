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
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }
}
