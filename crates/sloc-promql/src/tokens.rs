//! A small PromQL tokenizer that keeps byte spans. promql-parser's AST has no positions, so
//! sloc locates sub-expressions and errors through these tokens.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Metric, label, function or keyword names (`:` allowed, as in recording-rule names).
    Ident,
    /// Numbers and durations (`5m`, `1h30m`, `0x1f`, `1e3`).
    Number,
    /// A complete string literal in `"`, `'` or backticks, quotes included.
    String,
    /// A string literal that never closes.
    Unterminated,
    /// Operators, brackets, commas.
    Punct,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Range<usize>,
}

/// Splits PromQL text into tokens, skipping white space and `#` comments. Never fails:
/// unknown characters become one-character `Punct` tokens.
pub fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' | b'`' => {
                i += 1;
                let mut closed = false;
                while i < bytes.len() {
                    if bytes[i] == b'\\' && c != b'`' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == c {
                        i += 1;
                        closed = true;
                        break;
                    }
                    i += 1;
                }
                i = i.min(bytes.len());
                if closed { TokenKind::String } else { TokenKind::Unterminated }
            }
            c if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.' || bytes[i] == b'_') {
                    // `1e-3` keeps its sign.
                    if (bytes[i] == b'e' || bytes[i] == b'E') && matches!(bytes.get(i + 1), Some(b'-' | b'+')) {
                        i += 1;
                    }
                    i += 1;
                }
                TokenKind::Number
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b':' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b':') {
                    i += 1;
                }
                TokenKind::Ident
            }
            _ => {
                let two = text.get(i..i + 2).unwrap_or("");
                i += if ["==", "!=", ">=", "<=", "=~", "!~", "</", ">/"].contains(&two) {
                    2
                } else {
                    text[i..].chars().next().map_or(1, char::len_utf8)
                };
                TokenKind::Punct
            }
        };
        tokens.push(Token { kind, span: start..i });
    }
    tokens
}

/// The first opening bracket that is never closed.
pub(crate) fn unmatched_open(tokens: &[Token], text: &str) -> Option<Range<usize>> {
    let mut stack = Vec::new();
    for t in tokens.iter().filter(|t| t.kind == TokenKind::Punct) {
        match &text[t.span.clone()] {
            "(" | "[" | "{" => stack.push(t.span.clone()),
            ")" | "]" | "}" => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.into_iter().next()
}

/// The first closing bracket with no opening one.
pub(crate) fn unmatched_close(tokens: &[Token], text: &str) -> Option<Range<usize>> {
    let mut depth = 0usize;
    for t in tokens.iter().filter(|t| t.kind == TokenKind::Punct) {
        match &text[t.span.clone()] {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => {
                if depth == 0 {
                    return Some(t.span.clone());
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_byte_spans() {
        let text = "sum by (le) (rate(x_bucket{le=~`1(\\.0)?`}[5m])) # note\n > 1e-3";
        let shown: Vec<_> = tokenize(text).iter().map(|t| &text[t.span.clone()]).collect();
        assert_eq!(
            shown,
            [
                "sum",
                "by",
                "(",
                "le",
                ")",
                "(",
                "rate",
                "(",
                "x_bucket",
                "{",
                "le",
                "=~",
                "`1(\\.0)?`",
                "}",
                "[",
                "5m",
                "]",
                ")",
                ")",
                ">",
                "1e-3"
            ]
        );
    }
}
