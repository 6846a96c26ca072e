//! `# sloc disable CODE` and `# sloc disable-file CODE` comments, the config's disabled codes and
//! severity overrides.

use std::ops::Range;

use sloc_diagnostics::{Diagnostic, declare_code};

use crate::Config;

declare_code! {
    /// ## What it does
    /// Reports a `# sloc disable` or `# sloc disable-file` comment naming a code sloc does not
    /// have.
    ///
    /// ## Why it matters
    /// A misspelt code suppresses nothing, and the finding it was meant to silence stays.
    ///
    /// ## Example
    /// ```yaml
    /// # sloc disable L0O1
    /// - record: job:errors:rate5m
    /// ```
    ///
    /// ## Fix
    /// Use a code listed by `sloc explain --all`. Several codes are separated by commas:
    /// `# sloc disable L001, L012`.
    pub UNKNOWN_CODE = ("X001", "unknown-suppression", Warning, "a suppression comment naming an unknown code");
}

struct Directive {
    file_wide: bool,
    codes: Vec<String>,
    /// Where the comment is.
    at: usize,
}

/// Drops suppressed findings, applies severity overrides, and reports unknown codes.
pub(crate) fn apply(
    text: &str,
    rule_spans: &[Range<usize>],
    diagnostics: Vec<Diagnostic>,
    config: &Config,
) -> Vec<Diagnostic> {
    let (directives, mut unknown) = directives(text);
    let targets: Vec<(Range<usize>, &Directive)> =
        directives.iter().filter(|d| !d.file_wide).map(|d| (target(text, rule_spans, d.at), d)).collect();
    let mut kept: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| !config.is_disabled(d.code.code))
        .filter(|d| {
            let code = d.code.code;
            let file_wide = directives.iter().any(|x| x.file_wide && x.codes.iter().any(|c| c == code));
            let local =
                targets.iter().any(|(range, x)| range.contains(&d.span.start) && x.codes.iter().any(|c| c == code));
            !file_wide && !local
        })
        .collect();
    kept.append(&mut unknown);
    for d in &mut kept {
        d.severity = config.severity_of(d.code);
    }
    kept
}

/// The comments and a finding for each unknown code in them.
fn directives(text: &str) -> (Vec<Directive>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    // Most files have none: one search instead of a walk through every line.
    if !text.contains("sloc disable") {
        return (out, unknown);
    }
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if let Some(hash) = comment_start(line) {
            let comment = &line[hash + 1..];
            let body = comment.trim_start();
            let body_at = line_start + hash + 1 + (comment.len() - body.len());
            let parsed = body
                .strip_prefix("sloc disable-file")
                .map(|rest| (true, rest, "sloc disable-file".len()))
                .or_else(|| body.strip_prefix("sloc disable").map(|rest| (false, rest, "sloc disable".len())));
            if let Some((file_wide, rest, prefix_len)) =
                parsed.filter(|(_, rest, _)| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']))
            {
                let mut codes = Vec::new();
                let mut offset = body_at + prefix_len;
                for piece in rest.split_inclusive([',', ' ', '\t']) {
                    let code = piece.trim_matches([',', ' ', '\t', '\n', '\r']);
                    let lead = piece.len() - piece.trim_start_matches([',', ' ', '\t']).len();
                    if !code.is_empty() {
                        match crate::find_lint_code(code) {
                            Some(found) => codes.push(found.code.to_string()),
                            None => unknown.push(
                                Diagnostic::new(
                                    &UNKNOWN_CODE,
                                    offset + lead..offset + lead + code.len(),
                                    format!("unknown code `{code}` in a suppression comment"),
                                )
                                .with_label("not a sloc code")
                                .with_help("`sloc explain --all` lists the codes"),
                            ),
                        }
                    }
                    offset += piece.len();
                }
                out.push(Directive { file_wide, codes, at: body_at });
            }
        }
        line_start += line.len();
    }
    (out, unknown)
}

/// The byte offset of a line's `#` comment, skipping `#` inside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && previous.is_whitespace() => return Some(i),
            None => {}
        }
        previous = c;
    }
    None
}

/// What a rule-level comment covers: the rule it sits in, else the rule right after it, else
/// its own line and the next.
fn target(text: &str, rule_spans: &[Range<usize>], at: usize) -> Range<usize> {
    // Rule spans are in file order and do not overlap.
    let after = rule_spans.partition_point(|s| s.start <= at);
    if let Some(span) = after.checked_sub(1).map(|i| &rule_spans[i]).filter(|s| at < s.end) {
        return span.clone();
    }
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    if let Some(next) = rule_spans.get(after) {
        let between = &text[line_end..next.start];
        let only_blank_or_comments = between.lines().all(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with('#') || t == "-"
        });
        if only_blank_or_comments && !between.contains(":") {
            return at..next.end;
        }
    }
    let next_line_end = text[(line_end + 1).min(text.len())..].find('\n').map_or(text.len(), |i| line_end + 1 + i);
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    line_start..next_line_end
}
