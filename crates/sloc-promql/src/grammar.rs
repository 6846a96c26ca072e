//! A PromQL syntax recogniser over the tokens: no AST, one pass, bounded depth, the grammar of
//! the newest Prometheus sloc knows. It does two things promql-parser cannot:
//! - say where an error is and what was expected: the parser's grammar errors carry no
//!   position ("invalid promql query"), and finding one by re-parsing prefixes took time
//!   quadratic in the expression's length;
//! - list the version- and flag-gated constructs an expression uses, each with its span, and
//!   accept the syntax promql-parser does not know yet (duration expressions, the trim
//!   operators, `fill()`, functions newer than it), so that a verdict for a target holds even
//!   where no syntax tree can be built.

use std::ops::Range;

use sloc_target::{Feature, feature, function};

use crate::tokens::{Token, TokenKind};

/// A syntax error: the offending token and a message in promtool's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub message: String,
    pub span: Range<usize>,
    /// Prometheus refuses it even where promql-parser accepts the expression: an unknown
    /// function (promql-parser knows `xrate` and `integral`), a division of a duration by zero.
    pub certain: bool,
}

/// What the recogniser found: the first error (`Err(())`: too deep to tell), and every gated
/// construct before it.
pub(crate) struct Recognised {
    pub error: Result<Option<SyntaxError>, ()>,
    pub gates: Vec<(&'static Feature, Range<usize>)>,
    /// Uses syntax promql-parser does not know: no syntax tree can be had for it.
    pub beyond_parser: bool,
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
    recognise(text, tokens).error
}

/// Recognises the expression: its first error and the gated constructs it uses.
pub(crate) fn recognise(text: &str, tokens: &[Token]) -> Recognised {
    let split = split_subquery_steps(text, tokens);
    let tokens = split.as_deref().unwrap_or(tokens);
    let depth = nesting(text, tokens);
    if depth <= INLINE_DEPTH {
        return recognise_here(text, tokens);
    }
    let too_deep = || Recognised { error: Err(()), gates: Vec::new(), beyond_parser: false };
    if depth > MAX_DEPTH {
        return too_deep();
    }
    // About 1 KiB of stack per level of nesting (three frames), with room to spare.
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size((depth + 64) * 4096)
            .spawn_scoped(scope, || recognise_here(text, tokens))
            .map_or_else(|_| too_deep(), |handle| handle.join().unwrap_or_else(|_| too_deep()))
    })
}

/// `[5m:1m]` tokenises as `5m` and `:1m` (a name may start with `:`); inside brackets, where
/// no name can be, such a token is a `:` and what follows it.
fn split_subquery_steps(text: &str, tokens: &[Token]) -> Option<Vec<Token>> {
    let glued = |t: &Token| t.kind == TokenKind::Ident && t.span.len() > 1 && text[t.span.clone()].starts_with(':');
    if !tokens.iter().any(glued) {
        return None;
    }
    let mut out = Vec::with_capacity(tokens.len() + 1);
    let mut brackets = 0usize;
    for t in tokens {
        match &text[t.span.clone()] {
            "[" => brackets += 1,
            "]" => brackets = brackets.saturating_sub(1),
            _ => {}
        }
        if brackets > 0 && glued(t) {
            let rest = t.span.start + 1..t.span.end;
            let kind = if text.as_bytes()[rest.start].is_ascii_digit() { TokenKind::Number } else { TokenKind::Ident };
            out.push(Token { kind: TokenKind::Punct, span: t.span.start..rest.start });
            out.push(Token { kind, span: rest });
        } else {
            out.push(t.clone());
        }
    }
    Some(out)
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

fn recognise_here(text: &str, tokens: &[Token]) -> Recognised {
    let mut r = Recogniser { text, tokens, at: 0, depth: 0, gates: Vec::new(), beyond_parser: false };
    let error = match r.expr(0).and_then(|()| r.end()) {
        Ok(()) => Ok(None),
        Err(Stop::Error(e)) => Ok(Some(e)),
        Err(Stop::TooDeep) => Err(()),
    };
    Recognised { error, gates: r.gates, beyond_parser: r.beyond_parser }
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
    gates: Vec<(&'static Feature, Range<usize>)>,
    beyond_parser: bool,
}

/// The features promql-parser does not parse.
const BEYOND_PARSER: &[&str] = &[
    "duration-expressions",
    "duration-step",
    "duration-range",
    "duration-min-max",
    "trim-operators",
    "fill-modifiers",
    "extended-range-selectors",
    "number-underscores",
];

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

    fn span(&self) -> Range<usize> {
        self.tokens.get(self.at).map_or(self.text.len()..self.text.len(), |t| t.span.clone())
    }

    /// Notes a gated construct at `span`.
    fn uses(&mut self, id: &str, span: Range<usize>) {
        let feature = feature(id).unwrap_or_else(|| panic!("`{id}` is in sloc-target's FEATURES"));
        self.beyond_parser |= BEYOND_PARSER.contains(&id);
        self.gates.push((feature, span));
    }

    fn peek_at(&self, offset: usize) -> Option<&str> {
        self.tokens.get(self.at + offset).map(|t| &self.text[t.span.clone()])
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
        Stop::Error(SyntaxError { message: format!("unexpected {found}; expected {expected}"), span, certain: false })
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
            if matches!(self.peek(), Some("</" | ">/")) {
                self.uses("trim-operators", self.span());
            }
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
            self.fill_modifiers()?;
            // `^` is right-associative; every other operator is left-associative.
            self.expr(if precedence == 6 { precedence } else { precedence + 1 })?;
        }
        self.depth -= 1;
        Ok(())
    }

    /// `fill(v)`, `fill_left(v)`, `fill_right(v)`, `fill_left(v) fill_right(v)` after a binary
    /// operator's other modifiers (Prometheus 3.10).
    fn fill_modifiers(&mut self) -> Step {
        let start = self.span();
        let mut seen = Vec::new();
        while let Some(word) = self
            .peek()
            .map(str::to_ascii_lowercase)
            .filter(|w| matches!(w.as_str(), "fill" | "fill_left" | "fill_right"))
        {
            if self.peek_at(1) != Some("(") {
                break;
            }
            if seen.contains(&"fill") || seen.contains(&word.as_str()) || (word == "fill" && !seen.is_empty()) {
                return Err(self.unexpected("an expression"));
            }
            seen.push(match word.as_str() {
                "fill" => "fill",
                "fill_left" => "fill_left",
                _ => "fill_right",
            });
            self.bump();
            self.bump();
            if matches!(self.peek(), Some("-" | "+")) {
                self.bump();
            }
            if self.peek_kind() != Some(TokenKind::Number) {
                return Err(self.unexpected("a number"));
            }
            self.number_literal();
            self.expect(")", "\")\"")?;
        }
        if !seen.is_empty() {
            self.uses("fill-modifiers", start.start..self.tokens[self.at - 1].span.end);
        }
        Ok(())
    }

    fn unary(&mut self) -> Step {
        if matches!(self.peek(), Some("+" | "-")) {
            self.bump();
            // A sign binds looser than `^`: `-a^b` is `-(a^b)`.
            return self.expr(6);
        }
        let selector = self.primary()?;
        self.postfix(selector)
    }

    /// A number token; `1_000` is Prometheus 2.54's.
    fn number_literal(&mut self) {
        let span = self.span();
        if self.text[span.clone()].contains('_') {
            self.uses("number-underscores", span);
        }
        self.bump();
    }

    /// An operand; `Ok(true)` when it is a vector selector (what a range may follow).
    fn primary(&mut self) -> Result<bool, Stop> {
        let Some(token) = self.peek() else { return Err(self.unexpected("an expression")) };
        match self.peek_kind() {
            Some(TokenKind::Number) => {
                self.number_literal();
                Ok(false)
            }
            Some(TokenKind::String) => {
                self.bump();
                Ok(false)
            }
            Some(TokenKind::Punct) if token == "(" => {
                self.bump();
                self.expr(0)?;
                self.expect(")", "\")\"")?;
                Ok(false)
            }
            Some(TokenKind::Punct) if token == "{" => self.selector_braces(None, false).map(|()| true),
            Some(TokenKind::Ident) => {
                let lower = token.to_ascii_lowercase();
                if AGGREGATIONS.contains(&lower.as_str()) && self.is_aggregation() {
                    return self.aggregation().map(|()| false);
                }
                if binary_precedence(token).is_some() && !matches!(lower.as_str(), "and" | "or" | "unless" | "atan2") {
                    return Err(self.unexpected("an expression"));
                }
                let name_at = self.at;
                self.bump();
                if self.peek() == Some("(") {
                    return self.call(name_at).map(|()| false);
                }
                if matches!(lower.as_str(), "inf" | "nan") {
                    return Ok(false);
                }
                if self.peek() == Some("{") {
                    self.selector_braces(Some(name_at), false)?;
                }
                Ok(true)
            }
            _ => Err(self.unexpected("an expression")),
        }
    }

    /// A function call: the name must be one of Prometheus' functions.
    fn call(&mut self, name_at: usize) -> Step {
        let span = self.tokens[name_at].span.clone();
        let name = &self.text[span.clone()];
        let Some(known) = function(name) else {
            return Err(Stop::Error(SyntaxError {
                message: format!("unknown function with name \"{name}\""),
                span,
                certain: true,
            }));
        };
        self.beyond_parser |= !crate::parser_knows_function(known.name);
        self.gates.push((&known.feature, span));
        // `info(x, {})`: an info call's data-label selector may match everything.
        self.arguments(known.name == "info")
    }

    /// An aggregation keyword used as one (`sum by (x) (...)`, `sum(...)`), not as a metric.
    fn is_aggregation(&self) -> bool {
        let next = self.tokens.get(self.at + 1).map(|t| &self.text[t.span.clone()]);
        matches!(next, Some("("))
            || next.is_some_and(|n| n.eq_ignore_ascii_case("by") || n.eq_ignore_ascii_case("without"))
    }

    fn aggregation(&mut self) -> Step {
        let keyword = self.text[self.span()].to_ascii_lowercase();
        if matches!(keyword.as_str(), "limitk" | "limit_ratio") {
            self.uses(if keyword == "limitk" { "limitk" } else { "limit_ratio" }, self.span());
        }
        self.bump();
        let grouped_before = self.grouping()?;
        self.arguments(false)?;
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

    /// `(a, b, ...)`. With `info_labels`, the second argument may be a selector matching
    /// everything.
    fn arguments(&mut self, info_labels: bool) -> Step {
        self.expect("(", "\"(\"")?;
        if self.eat(")") {
            return Ok(());
        }
        let mut index = 0;
        loop {
            if info_labels && index == 1 {
                self.info_labels()?;
            } else {
                self.expr(0)?;
            }
            index += 1;
            if self.eat(")") {
                return Ok(());
            }
            self.expect(",", "\",\" or \")\"")?;
        }
    }

    /// `info()`'s second argument: label matchers only, `{...}`, which may match everything.
    fn info_labels(&mut self) -> Step {
        let start = self.span();
        let selector = self.peek() == Some("{");
        let named = self.peek_kind() == Some(TokenKind::Ident) && self.peek_at(1) == Some("{");
        if selector {
            self.selector_braces(None, true)?;
            if matches!(self.peek(), Some("," | ")")) {
                return Ok(());
            }
        } else {
            self.expr(0)?;
        }
        let end = self.tokens[self.at - 1].span.end;
        let message = if named {
            "expected label selectors only, got vector selector instead"
        } else {
            "expected label selectors only"
        };
        Err(self.error_at(message, start.start..end))
    }

    fn label_list(&mut self) -> Step {
        self.expect("(", "\"(\" and a list of labels")?;
        loop {
            if self.eat(")") {
                return Ok(());
            }
            match self.peek_kind() {
                Some(TokenKind::Ident) => {}
                Some(TokenKind::String) => self.uses("utf8-names", self.span()),
                _ => return Err(self.unexpected("a label name or \")\"")),
            }
            self.bump();
            if self.eat(")") {
                return Ok(());
            }
            self.expect(",", "\",\" or \")\"")?;
        }
    }

    /// `{a="b", ...}`; without a metric name, one matcher must not match the empty string
    /// (unless `match_all` allows it).
    fn selector_braces(&mut self, name_at: Option<usize>, match_all: bool) -> Step {
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
                    self.uses("utf8-names", self.span());
                    has_name = true;
                    self.bump();
                }
                Some(kind @ (TokenKind::Ident | TokenKind::String)) => {
                    if kind == TokenKind::String {
                        self.uses("utf8-names", self.span());
                    }
                    self.bump();
                    let op = self.peek().unwrap_or_default().to_string();
                    if !matches!(op.as_str(), "=" | "!=" | "=~" | "!~") {
                        return Err(self.unexpected("a label matching operator (=, !=, =~ or !~)"));
                    }
                    self.bump();
                    if self.peek_kind() != Some(TokenKind::String) {
                        return Err(self.unexpected("a quoted string"));
                    }
                    // Only a selector without a name needs a matcher that is not empty (and
                    // parsing regexes for it is most of what this costs).
                    if !has_name && !non_empty {
                        let value = &self.text[self.tokens[self.at].span.clone()];
                        non_empty = !matches_empty(&op, value);
                    }
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
            if match_all {
                self.beyond_parser = true;
                return Ok(());
            }
            return Err(Stop::Error(SyntaxError {
                message: "vector selector must contain at least one non-empty matcher".into(),
                span: open,
                certain: false,
            }));
        }
        Ok(())
    }

    /// Ranges, subqueries, `offset`, `@`, `anchored` and `smoothed` after an operand;
    /// `selector` when the operand is a vector selector.
    fn postfix(&mut self, selector: bool) -> Step {
        // What the last postfix left: a selector, a range of one, or anything else.
        let (mut selector, mut range) = (selector, false);
        let mut modified = false;
        loop {
            let word = self.peek().map(str::to_ascii_lowercase);
            if self.peek() == Some("[") {
                let open = self.span();
                self.bump();
                // A literal's own bounds (positive, in range) are `check_literals`' to judge.
                self.duration_expr("a duration")?;
                let subquery = self.eat(":");
                if subquery && self.peek() != Some("]") {
                    self.duration_expr("a duration or \"]\"")?;
                }
                if !subquery && modified {
                    return Err(self.error_at("no offset modifiers allowed before range", open));
                }
                if !subquery && !selector {
                    return Err(self.error_at("ranges only allowed for vector selectors", open));
                }
                self.expect("]", "\"]\"")?;
                (selector, range) = (false, !subquery);
            } else if word.as_deref() == Some("offset") {
                self.bump();
                self.offset_duration()?;
                modified = true;
            } else if word.as_deref().is_some_and(|w| w == "anchored" || w == "smoothed") && (selector || range) {
                self.uses("extended-range-selectors", self.span());
                self.bump();
            } else if self.eat("@") {
                if matches!(self.peek(), Some("-" | "+")) {
                    self.bump();
                }
                if self.peek_is("start") || self.peek_is("end") {
                    self.bump();
                    self.expect("(", "\"(\"")?;
                    self.expect(")", "\")\"")?;
                } else if self.peek_kind() == Some(TokenKind::Number) {
                    self.number_literal();
                } else {
                    return Err(self.unexpected("a timestamp, start() or end()"));
                }
                modified = true;
            } else {
                return Ok(());
            }
        }
    }

    /// An error Prometheus' parser reports where promql-parser may not.
    fn error_at(&self, message: &str, span: Range<usize>) -> Stop {
        Stop::Error(SyntaxError { message: message.into(), span, certain: true })
    }

    /// After `offset`: a sign and one duration term (`offset -5m`, `offset -(1h + 5m)`,
    /// `offset step()`); no binary operator follows without brackets.
    fn offset_duration(&mut self) -> Step {
        let start = self.span();
        if matches!(self.peek(), Some("-" | "+")) {
            self.bump();
        }
        let plain = self.peek_kind() == Some(TokenKind::Number);
        self.duration_term("a duration")?;
        let span = start.start..self.tokens[self.at - 1].span.end;
        if !plain {
            self.uses("duration-expressions", span);
        }
        Ok(())
    }

    /// A range or step: a duration, or (Prometheus 3.4) arithmetic on durations.
    fn duration_expr(&mut self, expected: &str) -> Step {
        let start = self.span();
        let first = self.at;
        self.duration_arithmetic(0, expected)?;
        let single = self.at == first + 1 && self.tokens[first].kind == TokenKind::Number;
        if !single {
            self.uses("duration-expressions", start.start..self.tokens[self.at - 1].span.end);
        }
        Ok(())
    }

    fn duration_arithmetic(&mut self, min_precedence: u8, expected: &str) -> Step {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Stop::TooDeep);
        }
        if matches!(self.peek(), Some("+" | "-")) {
            self.bump();
            self.duration_arithmetic(5, expected)?;
        } else {
            self.duration_term(expected)?;
        }
        while let Some(precedence) = self.peek().and_then(duration_precedence) {
            if precedence < min_precedence {
                break;
            }
            let op_span = self.span();
            let dividing = matches!(&self.text[op_span.clone()], "/" | "%");
            self.bump();
            // As Prometheus: a division by a literal zero is refused where it is written.
            if dividing && self.peek_kind() == Some(TokenKind::Number) && self.zero_literal() {
                return Err(self.error_at("division by zero", op_span));
            }
            self.duration_arithmetic(if precedence == 6 { precedence } else { precedence + 1 }, expected)?;
        }
        self.depth -= 1;
        Ok(())
    }

    /// Is the current number token zero (`0`, `0.0`, `0s`, `0d`)?
    fn zero_literal(&self) -> bool {
        let written = &self.text[self.span()];
        written
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .or_else(|| crate::parse_duration(written).ok().map(|d| d.millis() as f64))
            == Some(0.0)
    }

    /// A duration literal, `( ... )`, `step()`, `range()`, `min_of(a, b)` or `max_of(a, b)`.
    fn duration_term(&mut self, expected: &str) -> Step {
        let span = self.span();
        let word = self.peek().map(str::to_ascii_lowercase);
        let called = self.peek_at(1) == Some("(");
        match word.as_deref() {
            Some(_) if self.peek_kind() == Some(TokenKind::Number) => {
                // A duration has a unit (`0` alone is a number here, unlike in rule files).
                if !crate::has_unit(&self.text[span.clone()]) {
                    self.uses("number-durations", span);
                }
                self.number_literal();
                Ok(())
            }
            Some("(") => {
                self.bump();
                self.duration_arithmetic(0, expected)?;
                self.expect(")", "\")\"")
            }
            Some(word @ ("step" | "range")) if called => {
                self.uses(if word == "step" { "duration-step" } else { "duration-range" }, span);
                self.bump();
                self.bump();
                self.expect(")", "\")\"")
            }
            Some("min_of" | "max_of") if called => {
                self.uses("duration-min-max", span);
                self.bump();
                self.bump();
                self.duration_arithmetic(0, expected)?;
                self.expect(",", "\",\"")?;
                self.duration_arithmetic(0, expected)?;
                self.expect(")", "\")\"")
            }
            _ => Err(self.unexpected(expected)),
        }
    }
}

/// The precedence of an operator between durations.
fn duration_precedence(token: &str) -> Option<u8> {
    Some(match token {
        "+" | "-" => 4,
        "*" | "/" | "%" => 5,
        "^" => 6,
        _ => return None,
    })
}

/// The precedence of a binary operator (higher binds tighter), as Prometheus has them.
fn binary_precedence(token: &str) -> Option<u8> {
    Some(match token.to_ascii_lowercase().as_str() {
        "or" => 1,
        "and" | "unless" => 2,
        "==" | "!=" | ">" | "<" | ">=" | "<=" | "</" | ">/" => 3,
        "+" | "-" => 4,
        "*" | "/" | "%" | "atan2" => 5,
        "^" => 6,
        _ => return None,
    })
}

/// Does a matcher match the empty string (a missing label)? Regexes are fully anchored, as in
/// Prometheus: they match it when they can match nothing at all.
fn matches_empty(op: &str, quoted: &str) -> bool {
    let value = crate::unquote(quoted).unwrap_or_default();
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
    fn every_gated_construct_is_recorded_where_it_is_written() {
        // Each syntax row of sloc-target's FEATURES, met by the recogniser: the id exists (a
        // wrong one panics) and the span is the construct's.
        for (text, id, at) in [
            ("x[300]", "number-durations", "300"),
            ("x > 1_000", "number-underscores", "1_000"),
            ("{\"a.b\"}", "utf8-names", "\"a.b\""),
            ("sum by (\"a.b\") (x)", "utf8-names", "\"a.b\""),
            ("x[5m * 2]", "duration-expressions", "5m * 2"),
            ("x offset -(1h + 5m)", "duration-expressions", "-(1h + 5m)"),
            ("x[step() * 4]", "duration-step", "step"),
            ("x[range()]", "duration-range", "range"),
            ("x[max_of(5m, step())]", "duration-min-max", "max_of"),
            ("a </ 0.5", "trim-operators", "</"),
            ("increase(x[5m] anchored)", "extended-range-selectors", "anchored"),
            ("x smoothed", "extended-range-selectors", "smoothed"),
            ("a + fill_left(0) b", "fill-modifiers", "fill_left(0)"),
            ("limitk(5, x)", "limitk", "limitk"),
            ("limit_ratio(0.1, x)", "limit_ratio", "limit_ratio"),
        ] {
            let found = recognise(text, &tokenize(text));
            assert_eq!(found.error, Ok(None), "{text}");
            let spans: Vec<&str> =
                found.gates.iter().filter(|(f, _)| f.id == id).map(|(_, s)| &text[s.clone()]).collect();
            assert_eq!(spans, [at], "{text}: {id}");
        }
        let syntax_ids =
            sloc_target::FEATURES.iter().filter(|f| !f.what.contains("field") && f.id != "utf8-rule-names");
        assert_eq!(syntax_ids.count(), 12, "a new syntax feature needs a case above");
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
