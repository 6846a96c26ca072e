//! A small, deterministic YAML writer for the documents sloc generates.
//!
//! Generated rule files have a fixed shape, so a writer that knows how to quote one scalar and
//! indent a block is all we need; it also keeps the output byte-stable across library upgrades.

use std::fmt::Write as _;

/// Writes YAML text line by line with two-space indentation.
#[derive(Debug, Default)]
pub struct Emitter {
    out: String,
}

impl Emitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// `# comment` lines, one per line of `text`.
    pub fn comment(&mut self, indent: usize, text: &str) {
        for line in comment_lines(text) {
            self.pad(indent);
            self.out.push_str(&line);
            self.out.push('\n');
        }
    }

    /// `key:` opening a nested block. `item` puts a `- ` in front (first key of a list item).
    pub fn key(&mut self, indent: usize, item: bool, key: &str) {
        self.lead(indent, item);
        let _ = writeln!(self.out, "{}:", quote_if_needed(key));
    }

    /// `key: value`, quoting the value only when YAML would misread it; multi-line values
    /// become literal blocks.
    pub fn scalar(&mut self, indent: usize, item: bool, key: &str, value: &str) {
        self.lead(indent, item);
        let key = quote_if_needed(key);
        if value.contains('\n') && block_safe(value) {
            // A first line that starts with spaces needs an explicit indentation indicator.
            let indicator = if value.starts_with(' ') { "2" } else { "" };
            let _ = writeln!(self.out, "{key}: |{indicator}-");
            for line in value.lines() {
                if line.is_empty() {
                    self.out.push('\n');
                } else {
                    self.pad(indent + 2 + if item { 2 } else { 0 });
                    let _ = writeln!(self.out, "{line}");
                }
            }
        } else {
            let _ = writeln!(self.out, "{key}: {}", quote_if_needed(value));
        }
    }

    /// `key: []` or `key: {}` style empty collection.
    pub fn raw(&mut self, indent: usize, item: bool, key: &str, raw: &str) {
        self.lead(indent, item);
        let _ = writeln!(self.out, "{}: {raw}", quote_if_needed(key));
    }

    /// A list item holding one scalar: `- value`.
    pub fn item(&mut self, indent: usize, value: &str) {
        self.pad(indent);
        let _ = writeln!(self.out, "- {}", quote_if_needed(value));
    }

    pub fn blank(&mut self) {
        self.out.push('\n');
    }

    /// Text another emitter wrote (a part written apart, on another core).
    pub fn append(&mut self, text: &str) {
        self.out.push_str(text);
    }

    pub fn finish(self) -> String {
        self.out
    }

    fn lead(&mut self, indent: usize, item: bool) {
        self.pad(indent);
        if item {
            self.out.push_str("- ");
        }
    }

    fn pad(&mut self, indent: usize) {
        for _ in 0..indent {
            self.out.push(' ');
        }
    }
}

/// Literal blocks cannot express leading spaces on the first line or trailing whitespace.
fn block_safe(value: &str) -> bool {
    !value.starts_with('\n')
        && !value.ends_with('\n')
        && value.lines().all(|l| !l.ends_with(' ') && !l.ends_with('\t'))
        && !value.chars().any(|c| c.is_control() && c != '\n')
}

/// Returns the scalar as-is when a YAML 1.1 or 1.2 reader takes it back as the same string,
/// else double-quoted.
/// Every character a YAML reader may take for a line break: besides `\n`, `\r` ends a line for
/// every reader, and NEL, LS and PS do for YAML 1.1 readers (Go's, so promtool's and amtool's).
pub fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// `text` as `# …` comment lines (`#` alone for an empty line): any line break, including the
/// ones only some readers honour, starts a new comment line, so no text can end a comment
/// early and be read as YAML.
pub fn comment_lines(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n");
    text.split(is_line_break).map(|line| if line.is_empty() { "#".to_string() } else { format!("# {line}") }).collect()
}

/// Characters written as escapes in double-quoted scalars and never left plain: controls,
/// the line breaks some readers honour, and the byte-order mark.
fn must_escape(c: char) -> bool {
    c.is_control() || is_line_break(c) || c == '\u{feff}'
}

pub fn quote_if_needed(value: &str) -> std::borrow::Cow<'_, str> {
    if plain_safe(value) { std::borrow::Cow::Borrowed(value) } else { std::borrow::Cow::Owned(double_quote(value)) }
}

fn plain_safe(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    if value.trim() != value || value.contains(": ") || value.contains(" #") || value.ends_with(':') {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-5m` style values and `:x` are fine in YAML 1.2 only when followed by a non-space, but
        // quoting is clearer than relying on that.
        return false;
    }
    if value.chars().any(must_escape) {
        return false;
    }
    const RESERVED: [&str; 14] =
        ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".nan", ".inf", "-.inf", "+.inf"];
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(value)) {
        return false;
    }
    // Anything a YAML reader could take for a number (including 1_000, 0x1f, 1e3, 1:20 sexagesimal).
    // Hex digits count only after a `0x` prefix, so that durations such as `1d` stay plain.
    let unsigned = value.trim_start_matches(['+', '-']);
    let prefixed = ["0x", "0X", "0o", "0O", "0b", "0B"].iter().any(|p| unsigned.starts_with(p));
    let looks_numeric = value.chars().any(|c| c.is_ascii_digit())
        && if prefixed {
            unsigned[2..].chars().all(|c| c.is_ascii_hexdigit() || c == '_')
        } else {
            value.chars().all(|c| c.is_ascii_digit() || "+-._:eE".contains(c))
        };
    !looks_numeric
}

fn double_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if must_escape(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_documents;

    #[test]
    fn quoted_values_read_back_as_the_same_string() {
        for value in [
            "",
            "true",
            "On",
            "0.999",
            "1e3",
            "12",
            "a: b",
            "x #y",
            "-5m",
            "{a}",
            "sum(rate(x{a=\"b\"}[5m]))",
            "slo:sli_error:ratio_rate5m",
            "tab\there",
            "back\\slash",
            "{{ $labels.provider }}",
            "null",
            "2m",
            "1d",
            "3d",
            "0x1f",
            "-0xDEAD",
            "0o17",
            "0b101",
            "1_000",
            "1:20",
            ".5",
            "+1.5e-3",
        ] {
            let mut e = Emitter::new();
            e.scalar(0, false, "k", value);
            let text = e.finish();
            let doc = &parse_documents(&text).unwrap()[0];
            assert_eq!(doc.get("k").unwrap().as_str(), Some(value), "{text}");
        }
    }

    #[test]
    fn durations_stay_plain() {
        for value in ["1d", "28d", "3d", "1h30m"] {
            assert_eq!(quote_if_needed(value), value);
        }
        assert_eq!(quote_if_needed("0x1d"), "\"0x1d\"");
    }

    #[test]
    fn multi_line_values_become_literal_blocks() {
        let mut e = Emitter::new();
        e.key(0, false, "rules");
        e.scalar(2, true, "expr", "sum(x)\n  / 2");
        let text = e.finish();
        assert_eq!(text, "rules:\n  - expr: |-\n      sum(x)\n        / 2\n");
        let doc = &parse_documents(&text).unwrap()[0];
        let expr = doc.get("rules").unwrap().as_seq().unwrap()[0].get("expr").unwrap();
        assert_eq!(expr.as_str(), Some("sum(x)\n  / 2"));
    }

    #[test]
    fn blocks_starting_with_spaces_keep_them() {
        let mut e = Emitter::new();
        e.key(0, false, "rules");
        e.scalar(2, true, "expr", "  a\n/\n  b");
        let text = e.finish();
        assert_eq!(text, "rules:\n  - expr: |2-\n        a\n      /\n        b\n");
        let doc = &parse_documents(&text).unwrap()[0];
        let expr = doc.get("rules").unwrap().as_seq().unwrap()[0].get("expr").unwrap();
        assert_eq!(expr.as_str(), Some("  a\n/\n  b"));
    }
}
