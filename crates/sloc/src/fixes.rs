//! `sloc lint --fix`, `--diff` and `--unsafe-fixes`: the findings' edits applied to the files,
//! round after round (a fix may reveal or overlap another) until none is left to apply.

use std::path::PathBuf;

use sloc_diagnostics::{Applicability, SourceFile, apply_fixes};
use sloc_lint::Config;

/// Rounds before giving up on fixes that keep producing fixes.
const MAX_ROUNDS: usize = 10;

/// A file whose text the fixes changed.
pub struct Fixed {
    pub path: PathBuf,
    pub before: SourceFile,
    pub after: String,
    /// Fixes applied, over every round.
    pub applied: usize,
}

/// Applies the fixes at or above `at_least` to each file, re-linting after each round.
pub fn fix_files(files: &[(PathBuf, SourceFile)], config: &Config, at_least: Applicability) -> Vec<Fixed> {
    sloc_parallel::parallel_map(files, |(path, file)| {
        let mut text = file.text.to_string();
        let mut applied = 0;
        for _ in 0..MAX_ROUNDS {
            let current = SourceFile::new(file.name.clone(), text.as_str());
            let result = sloc_lint::lint(std::slice::from_ref(&current), config);
            let fixes = result.reports.iter().flat_map(|r| &r.diagnostics).filter_map(|d| d.fix.as_ref());
            let (next, n) = apply_fixes(&text, fixes, at_least);
            if n == 0 {
                break;
            }
            applied += n;
            text = next;
        }
        (applied > 0).then(|| Fixed { path: path.clone(), before: file.clone(), after: text, applied })
    })
    .into_iter()
    .flatten()
    .collect()
}

/// A unified diff of a fixed file, as `git diff` prints one (`a/` and `b/` before a relative
/// name).
pub fn unified_diff(fixed: &Fixed) -> String {
    let name = &fixed.before.name;
    let (old, new) =
        if name.starts_with('/') { (name.clone(), name.clone()) } else { (format!("a/{name}"), format!("b/{name}")) };
    crate::report::unified_diff(&fixed.before.text, &fixed.after, &old, &new)
}
