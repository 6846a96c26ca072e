//! Fixes, as ruff has them: a finding may carry edits (byte span and replacement) that resolve
//! it. Safe fixes keep what the rules mean; unsafe ones change it (a renamed function that
//! needs a feature flag) and are applied only when asked.

use std::ops::Range;

/// Whether applying a fix keeps the meaning of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Changes meaning or needs something else to hold: `--unsafe-fixes` only.
    Unsafe,
    /// Keeps the meaning: applied by `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// One replacement of a byte range of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Range<usize>,
    pub replacement: String,
}

impl Edit {
    pub fn replace(span: Range<usize>, replacement: impl Into<String>) -> Self {
        Edit { span, replacement: replacement.into() }
    }
}

/// Edits that resolve one finding, applied together or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, in a few words ("match both `1` and `1.0`").
    pub message: String,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix { applicability: Applicability::Safe, message: message.into(), edits }
    }

    pub fn unsafe_(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix { applicability: Applicability::Unsafe, message: message.into(), edits }
    }
}

/// Applies every fix at or above `at_least` whose edits overlap no edit applied before (the
/// others wait for the next round, once the file is checked again). Returns the new text and
/// how many fixes were applied; every byte outside the edits is kept.
pub fn apply_fixes<'a>(
    text: &str,
    fixes: impl IntoIterator<Item = &'a Fix>,
    at_least: Applicability,
) -> (String, usize) {
    let mut chosen: Vec<&Fix> = Vec::new();
    let mut taken: Vec<Range<usize>> = Vec::new();
    let mut candidates: Vec<&Fix> = fixes.into_iter().filter(|f| f.applicability >= at_least).collect();
    candidates.sort_by_key(|f| f.edits.iter().map(|e| e.span.start).min().unwrap_or(0));
    for fix in candidates {
        let fits = fix.edits.iter().all(|e| {
            e.span.start <= e.span.end
                && e.span.end <= text.len()
                && text.is_char_boundary(e.span.start)
                && text.is_char_boundary(e.span.end)
                && !taken.iter().any(|t| overlaps(t, &e.span))
        });
        let own_overlap =
            fix.edits.iter().enumerate().any(|(i, a)| fix.edits[..i].iter().any(|b| overlaps(&a.span, &b.span)));
        if fits && !own_overlap {
            taken.extend(fix.edits.iter().map(|e| e.span.clone()));
            chosen.push(fix);
        }
    }
    let mut edits: Vec<&Edit> = chosen.iter().flat_map(|f| &f.edits).collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in edits {
        out.push_str(&text[at..edit.span.start]);
        out.push_str(&edit.replacement);
        at = edit.span.end;
    }
    out.push_str(&text[at..]);
    (out, chosen.len())
}

/// Do two ranges share a byte, or are both insertions at one place?
fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    (a.start < b.end && b.start < a.end) || (a.start == b.start && (a.is_empty() || b.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_apply_together_and_keep_every_other_byte() {
        let text = "a: x{le=\"1\"}  # note\nb: y\n";
        let le = Fix::safe("both spellings", vec![Edit::replace(7..8, "=~"), Edit::replace(9..10, "1|1[.]0")]);
        let rename = Fix::unsafe_("rename", vec![Edit::replace(24..25, "y2")]);
        let (fixed, n) = apply_fixes(text, [&le, &rename], Applicability::Safe);
        assert_eq!((fixed.as_str(), n), ("a: x{le=~\"1|1[.]0\"}  # note\nb: y\n", 1));
        let (all, n) = apply_fixes(text, [&le, &rename], Applicability::Unsafe);
        assert_eq!(n, 2);
        assert_eq!(all, "a: x{le=~\"1|1[.]0\"}  # note\nb: y2\n");
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_round() {
        let first = Fix::safe("one", vec![Edit::replace(0..3, "abc")]);
        let second = Fix::safe("two", vec![Edit::replace(2..4, "zz")]);
        let (fixed, n) = apply_fixes("0123456", [&second, &first], Applicability::Safe);
        assert_eq!((fixed.as_str(), n), ("abc3456", 1));
        let outside = Fix::safe("out", vec![Edit::replace(5..99, "")]);
        assert_eq!(apply_fixes("0123456", [&outside], Applicability::Safe).1, 0);
    }
}
