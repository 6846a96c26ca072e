//! A PromQL syntax recogniser over the tokens: no AST, one pass, bounded depth. It runs only
//! when promql-parser has refused an expression, to say where and what was expected: the
//! parser's grammar errors carry no position ("invalid promql query"), and finding one by
//! re-parsing prefixes took time quadratic in the expression's length.

use std::ops::Range;

use crate::tokens::{Token, TokenKind};

/// A syntax error: the offending token and a message in promtool's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub message: String,
    pub span: Range<usize>,
}

/// Nesting deeper than this is not followed: the recogniser gives up rather than exhaust its
/// stack; the caller then points at the whole expression.
const MAX_DEPTH: usize = 100_000;
/// Deeper than this, the recogniser runs on a thread of its own with a stack to match.
const INLINE_DEPTH: usize = 200;

const AGGREGATIONS: &[&str] = &[
    "sum",
    "avg",
    "count",
    "min",
    "max",
    "group",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "quantile",
    "count_values",
    "limitk",
    "limit_ratio",
];

/// Checks the syntax. `Ok(Some(e))` is the first error; `Ok(None)` means the syntax is fine
/// (the parser's complaint, if any, is about meaning); `Err(())` means too deep to tell.
pub(crate) fn first_error(text: &str, tokens: &[Token]) -> Result<Option<SyntaxError>, ()> {
    let depth = nesting(text, tokens);
    if depth <= INLINE_DEPTH {
        return recognise(text, tokens);
    }
    if depth > MAX_DEPTH {
        return Err(());
    }
    // About 1 KiB of stack per level of nesting (three frames), with room to spare.
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size((depth + 64) * 4096)
            .spawn_scoped(scope, || recognise(text, tokens))
            .map_err(|_| ())?
            .join()
            .unwrap_or(Err(()))
    })
}

/// The deepest bracket nesting of the tokens.
fn nesting(text: &str, tokens: &[Token]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for t in tokens.iter().filter(|t| t.kind == TokenKind::Punct) {
        match &text[t.span.clone()] {
            "(" | "[" | "{" => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn recognise(text: &str, tokens: &[Token]) -> Result<Option<SyntaxError>, ()> {
    let mut r = Recogniser { text, tokens, at: 0, depth: 0 };
    match r.expr(0).and_then(|()| r.end()) {
        Ok(()) => Ok(None),
        Err(Stop::Error(e)) => Ok(Some(e)),
        Err(Stop::TooDeep) => Err(()),
    }
}

enum Stop {
    Error(SyntaxError),
    TooDeep,
}

type Step = Result<(), Stop>;

struct Recogniser<'a> {
    text: &'a str,
    tokens: &'a [Token],
    at: usize,
    depth: usize,
}

impl Recogniser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(|t| &self.text[t.span.clone()])
    }

    fn peek_kind(&self) -> Option<TokenKind> {
        self.tokens.get(self.at).map(|t| t.kind)
    }

    fn peek_is(&self, word: &str) -> bool {
        self.peek().is_some_and(|t| t.eq_ignore_ascii_case(word))
    }

    fn bump(&mut self) {
        self.at += 1;
    }

    fn eat(&mut self, word: &str) -> bool {
        let found = self.peek_is(word);
        if found {
            self.bump();
        }
        found
    }

    /// An error at the current token: "unexpected X; expected Y".
    fn unexpected(&self, expected: &str) -> Stop {
        let (found, span) = match self.tokens.get(self.at) {
            Some(t) => (describe(self.text, t), t.span.clone()),
            // The input ends too early: point at its last token (never into a comment).
            None => ("end of input".to_string(), self.tokens.last().map_or(0..self.text.len(), |t| t.span.clone())),
        };
        Stop::Error(SyntaxError { message: format!("unexpected {found}; expected {expected}"), span })
    }

    fn expect(&mut self, word: &str, expected: &str) -> Step {
        if self.eat(word) { Ok(()) } else { Err(self.unexpected(expected)) }
    }

    fn end(&self) -> Step {
        match self.tokens.get(self.at) {
            None => Ok(()),
            Some(_) => Err(self.unexpected("an operator or the end of the expression")),
        }
    }

    fn expr(&mut self, min_precedence: u8) -> Step {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Stop::TooDeep);
        }
        self.unary()?;
        while let Some(precedence) = self.peek().and_then(binary_precedence) {
            if precedence < min_precedence {
                break;
            }
            let comparison = precedence == 3;
            let set = precedence <= 2;
            self.bump();
            if comparison {
                self.eat("bool");
            }
            if self.peek_is("on") || self.peek_is("ignoring") {
                self.bump();
                self.label_list()?;
                if self.peek_is("group_left") || self.peek_is("group_right") {
                    if set {
                        return Err(self.unexpected("an expression (no grouping modifier on set operators)"));
                    }
                    self.bump();
                    if self.peek() == Some("(") {
                        self.label_list()?;
                    }
                }
            }
            // `^` is right-associative; every other operator is left-associative.
            self.expr(if precedence == 6 { precedence } else { precedence + 1 })?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn unary(&mut self) -> Step {
        if matches!(self.peek(), Some("+" | "-")) {
            self.bump();
            // A sign binds looser than `^`: `-a^b` is `-(a^b)`.
            return self.expr(6);
        }
        self.primary()?;
        self.postfix()
    }

    fn primary(&mut self) -> Step {
        let Some(token) = self.peek() else { return Err(self.unexpected("an expression")) };
        match self.peek_kind() {
            Some(TokenKind::Number | TokenKind::String) => {
                self.bump();
                Ok(())
            }
            Some(TokenKind::Punct) if token == "(" => {
                self.bump();
                self.expr(0)?;
                self.expect(")", "\")\"")
            }
            Some(TokenKind::Punct) if token == "{" => self.selector_braces(None),
            Some(TokenKind::Ident) => {
                let lower = token.to_ascii_lowercase();
                if AGGREGATIONS.contains(&lower.as_str()) && self.is_aggregation() {
                    return self.aggregation();
                }
                if binary_precedence(token).is_some() && !matches!(lower.as_str(), "and" | "or" | "unless" | "atan2") {
                    return Err(self.unexpected("an expression"));
                }
                let name_at = self.at;
                self.bump();
                if self.peek() == Some("(") {
                    return self.arguments();
                }
                if matches!(lower.as_str(), "inf" | "nan") {
                    return Ok(());
                }
                if self.peek() == Some("{") {
                    return self.selector_braces(Some(name_at));
                }
                Ok(())
            }
            _ => Err(self.unexpected("an expression")),
        }
    }

    /// An aggregation keyword used as one (`sum by (x) (...)`, `sum(...)`), not as a metric.
    fn is_aggregation(&self) -> bool {
        let next = self.tokens.get(self.at + 1).map(|t| &self.text[t.span.clone()]);
        matches!(next, Some("("))
            || next.is_some_and(|n| n.eq_ignore_ascii_case("by") || n.eq_ignore_ascii_case("without"))
    }

    fn aggregation(&mut self) -> Step {
        self.bump();
        let grouped_before = self.grouping()?;
        self.arguments()?;
        if !grouped_before {
            self.grouping()?;
        }
        Ok(())
    }

    /// `by (...)` or `without (...)`, if present.
    fn grouping(&mut self) -> Result<bool, Stop> {
        if self.peek_is("by") || self.peek_is("without") {
            self.bump();
            self.label_list()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn arguments(&mut self) -> Step {
        self.expect("(", "\"(\"")?;
        if self.eat(")") {
            return Ok(());
        }
        loop {
            self.expr(0)?;
            if self.eat(")") {
                return Ok(());
            }
            self.expect(",", "\",\" or \")\"")?;
        }
    }

    fn label_list(&mut self) -> Step {
        self.expect("(", "\"(\" and a list of labels")?;
        loop {
            if self.eat(")") {
                return Ok(());
            }
            if !matches!(self.peek_kind(), Some(TokenKind::Ident | TokenKind::String)) {
                return Err(self.unexpected("a label name or \")\""));
            }
            self.bump();
            if self.eat(")") {
                return Ok(());
            }
            self.expect(",", "\",\" or \")\"")?;
        }
    }

    /// `{a="b", ...}`; without a metric name, one matcher must not match the empty string.
    fn selector_braces(&mut self, name_at: Option<usize>) -> Step {
        let open = self.tokens[self.at].span.clone();
        self.bump();
        let mut has_name = name_at.is_some();
        let mut non_empty = false;
        loop {
            if self.eat("}") {
                break;
            }
            match self.peek_kind() {
                // A quoted metric name alone (`{"my.metric"}`, Prometheus 3).
                Some(TokenKind::String)
                    if matches!(self.tokens.get(self.at + 1).map(|t| &self.text[t.span.clone()]), Some("," | "}")) =>
                {
                    has_name = true;
                    self.bump();
                }
                Some(TokenKind::Ident | TokenKind::String) => {
                    self.bump();
                    let op = self.peek().unwrap_or_default().to_string();
                    if !matches!(op.as_str(), "=" | "!=" | "=~" | "!~") {
                        return Err(self.unexpected("a label matching operator (=, !=, =~ or !~)"));
                    }
                    self.bump();
                    if self.peek_kind() != Some(TokenKind::String) {
                        return Err(self.unexpected("a quoted string"));
                    }
                    let value = &self.text[self.tokens[self.at].span.clone()];
                    non_empty |= !matches_empty(&op, value);
                    self.bump();
                }
                _ => return Err(self.unexpected("a label matcher or \"}\"")),
            }
            if self.eat("}") {
                break;
            }
            self.expect(",", "\",\" or \"}\"")?;
        }
        if !has_name && !non_empty {
            return Err(Stop::Error(SyntaxError {
                message: "vector selector must contain at least one non-empty matcher".into(),
                span: open,
            }));
        }
        Ok(())
    }

    /// Ranges, subqueries, `offset` and `@` after an expression.
    fn postfix(&mut self) -> Step {
        loop {
            if self.eat("[") {
                self.duration("a duration")?;
                if self.eat(":") {
                    if self.peek() != Some("]") {
                        self.duration("a duration or \"]\"")?;
                    }
                } else if self.peek_kind() == Some(TokenKind::Ident) && self.peek().is_some_and(|t| t.starts_with(':'))
                {
                    // `[5m:1m]` tokenises `:1m` apart only when a space separates them.
                    self.bump();
                }
                self.expect("]", "\"]\"")?;
            } else if self.peek_is("offset") {
                self.bump();
                if matches!(self.peek(), Some("-" | "+")) {
                    self.bump();
                }
                self.duration("a duration")?;
            } else if self.eat("@") {
                if matches!(self.peek(), Some("-" | "+")) {
                    self.bump();
                }
                if self.peek_is("start") || self.peek_is("end") {
                    self.bump();
                    self.expect("(", "\"(\"")?;
                    self.expect(")", "\")\"")?;
                } else if self.peek_kind() == Some(TokenKind::Number) {
                    self.bump();
                } else {
                    return Err(self.unexpected("a timestamp, start() or end()"));
                }
            } else {
                return Ok(());
            }
        }
    }

    fn duration(&mut self, expected: &str) -> Step {
        if self.peek_kind() == Some(TokenKind::Number) {
            self.bump();
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }
}

/// The precedence of a binary operator (higher binds tighter), as Prometheus has them.
fn binary_precedence(token: &str) -> Option<u8> {
    Some(match token.to_ascii_lowercase().as_str() {
        "or" => 1,
        "and" | "unless" => 2,
        "==" | "!=" | ">" | "<" | ">=" | "<=" => 3,
        "+" | "-" => 4,
        "*" | "/" | "%" | "atan2" => 5,
        "^" => 6,
        _ => return None,
    })
}

/// Does a matcher match the empty string (a missing label)? Regexes are fully anchored, as in
/// Prometheus: they match it when they can match nothing at all.
fn matches_empty(op: &str, quoted: &str) -> bool {
    let value = promql_parser::util::unquote_string(quoted).unwrap_or_default();
    let regex_matches_empty =
        || regex_syntax::Parser::new().parse(&value).is_ok_and(|hir| hir.properties().minimum_len() == Some(0));
    match op {
        "=" => value.is_empty(),
        "!=" => !value.is_empty(),
        "=~" => regex_matches_empty(),
        _ => !regex_matches_empty(),
    }
}

fn describe(text: &str, token: &Token) -> String {
    let shown = &text[token.span.clone()];
    let shown: String = shown.chars().take(40).collect();
    match token.kind {
        TokenKind::Ident => format!("identifier \"{shown}\""),
        TokenKind::Number => format!("number \"{shown}\""),
        TokenKind::String | TokenKind::Unterminated => format!("string {shown}"),
        TokenKind::Punct => format!("\"{shown}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize;

    fn check(text: &str) -> Option<(String, String)> {
        let tokens = tokenize(text);
        first_error(text, &tokens).unwrap().map(|e| (text[e.span].to_string(), e.message))
    }

    #[test]
    fn valid_expressions_pass() {
        for ok in [
            "a",
            "sum by (job) (rate(x_total{a=\"b\",c=~\"d\"}[5m])) / on (job) group_left () sum(y) > bool 0.5",
            "-a ^ 2 + +b",
            "rate(x[5m:1m] offset -5m @ start())",
            "max_over_time(deriv(rate(x[1m])[5m:])[10m:1m])",
            "topk(5, x) or count_values(\"v\", y) unless z",
            "{__name__=\"a\"}",
            "x{a=\"\",b=~\".+\"}",
            "{a!=\"\"}",
            "sum(x) without (a,)",
            "probe_http_status_code <= 199 OR probe_http_status_code >= 400",
            "1 atan2 2",
            "Inf",
            "x @ 1609746000",
        ] {
            assert_eq!(check(ok), None, "{ok}");
        }
    }

    #[test]
    fn errors_name_the_token_and_what_was_expected() {
        assert_eq!(
            check("foo bar"),
            Some((
                "bar".into(),
                "unexpected identifier \"bar\"; expected an operator or the end of the expression".into()
            ))
        );
        assert_eq!(check("sum(x) by").unwrap().1, "unexpected end of input; expected \"(\" and a list of labels");
        assert_eq!(check("x{a=1}").unwrap().0, "1");
        assert_eq!(check("x[5m").unwrap().1, "unexpected end of input; expected \"]\"");
        assert_eq!(check("a + * b").unwrap().0, "*");
        assert_eq!(
            check("{x=~\".*\"}").unwrap(),
            ("{".into(), "vector selector must contain at least one non-empty matcher".into())
        );
        assert_eq!(check("{}").unwrap().0, "{");
    }

    #[test]
    fn end_of_input_errors_lie_on_character_boundaries() {
        // Found by `cargo xtask fuzz` (promql target): a multi-byte last character, here in a
        // trailing comment, once cut the span in two.
        for text in ["sum(x) + # 投", "sum(x) +  "] {
            let e = first_error(text, &tokenize(text)).unwrap().unwrap();
            assert_eq!((&text[e.span], e.message.as_str()), ("+", "unexpected end of input; expected an expression"));
        }
    }

    #[test]
    fn deep_nesting_is_followed_on_a_thread_of_its_own() {
        // 25,000 deep: the error is the first `)`, at column 25,004 as promtool says.
        let text = format!("{}a +{}", "(".repeat(25_000), ")".repeat(25_000));
        let e = first_error(&text, &tokenize(&text)).unwrap().unwrap();
        assert_eq!((e.span.start, e.message.as_str()), (25_003, "unexpected \")\"; expected an expression"));
        let too_deep = format!("{}a{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert!(first_error(&too_deep, &tokenize(&too_deep)).is_err());
    }
}
