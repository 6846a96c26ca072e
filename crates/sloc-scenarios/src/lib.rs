//! Synthetic burns run through promtool: the machinery of `sloc test` (a generated
//! `promtool test rules` file per objective and tier, [`burns`]) and of `sloc import --compare`
//! (the old rules and sloc's through the same burns, [`compare`]).
//!
//! Everything here is pure: files come out as text and promtool's reports come back as text.
//! Running promtool is the caller's, through a [`Promtool`] it hands in (the binary's runs the
//! child processes in a temporary directory; a test's can answer from a table).

pub mod burns;
pub mod compare;

/// What one `promtool test rules` run said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromtoolRun {
    pub passed: bool,
    /// stdout then stderr.
    pub output: String,
}

/// Runs promtool on generated files. `files` are `(path, text)` relative to one directory the
/// runner chooses; `tests` name some of them. The answers come back in the order of `tests`.
pub trait Promtool {
    fn test_rules(&self, files: &[(String, String)], tests: &[String]) -> Result<Vec<PromtoolRun>, String>;
}
