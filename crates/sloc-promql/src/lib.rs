//! PromQL helpers on top of `promql-parser`: parsing with located errors, tokens with byte
//! spans (the parser's AST has none), canonical printing, and Prometheus durations.

use std::ops::Range;

pub use promql_parser::parser::Expr;
pub use promql_parser::parser::value::ValueType;
use promql_parser::parser::{self as pp};
pub use sloc_target::{Refusal, Target};

pub mod analysis;
mod duration;
mod grammar;
mod locate;
mod selector;
mod tokens;

pub use duration::{Duration, format_duration, parse_duration};
pub use locate::{Locator, visit};
pub use selector::{MatchOp, Matcher, Selector};
pub use tokens::{Token, TokenKind, tokenize};

/// A PromQL error located inside the expression text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// Byte range inside the expression.
    pub span: Range<usize>,
    /// Set when the expression is valid PromQL that the target does not accept.
    pub refusal: Option<Refusal>,
}

/// Parses an expression. Errors carry the byte range of the offending token.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let lean = parse_lean(text)?;
    let mut expr = lean.ast;
    restore_regex_matchers(&mut expr, &lean.regex_matchers);
    Ok(expr)
}

/// An expression whose regex matchers appear in `ast` as equality matchers (`=`, `!=`), with
/// the patterns listed apart, in source order.
///
/// promql-parser compiles every regex pattern into a full automaton; for a linter that never
/// evaluates them, that was most of the time and memory of a run. Patterns are checked with
/// `regex-syntax` instead.
#[derive(Debug, Clone)]
pub struct LeanExpr {
    pub ast: Expr,
    pub regex_matchers: Vec<RegexMatcher>,
}

/// A regex matcher as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexMatcher {
    pub label: String,
    /// `!~` rather than `=~`.
    pub negated: bool,
    /// The pattern, unquoted.
    pub pattern: String,
}

/// Parses an expression without building regex automata (see [`LeanExpr`]).
pub fn parse_lean(text: &str) -> Result<LeanExpr, ParseError> {
    parse_lean_tokens(text, &tokenize(text))
}

/// [`parse_lean`] with the text's tokens (tokenizing is a good part of a lint's time).
fn parse_lean_tokens(text: &str, tokens: &[Token]) -> Result<LeanExpr, ParseError> {
    check_literals(text, tokens)?;
    parse_lean_checked(text, tokens)
}

/// [`parse_lean_tokens`] once [`check_literals`] has passed.
fn parse_lean_checked(text: &str, tokens: &[Token]) -> Result<LeanExpr, ParseError> {
    let rewritten = rewrite_raw_strings(text);
    let source = rewritten.as_deref().unwrap_or(text);
    let (keywords_renamed, renamed) = rename_contextual_keywords(source);
    let source = keywords_renamed.as_deref().unwrap_or(source);
    // `=~` becomes `= ` and `!~` becomes `!=`: the same length, so offsets hold. The tokens
    // are the text's when nothing was rewritten (renaming keeps every token's place too).
    let source_tokens = if rewritten.is_none() { Some(tokens) } else { None };
    let (equalised, quoted) = equalise_regex_matchers(source, source_tokens);
    let mut ast = guarded_parse(&equalised).map_err(|message| located_error(text, message))?;
    if renamed {
        restore_contextual_keywords(&mut ast);
    }
    check_empty_selectors(text, tokens)?;
    check_scalar_arguments(text, &ast)?;
    let mut regex_matchers = Vec::with_capacity(quoted.len());
    for (label, negated, quoted) in quoted {
        let Ok(pattern) = unquote(&quoted) else {
            // The slow path names the bad escape exactly.
            return Err(slow_path_error(text));
        };
        if let Err(e) = check_regex(&pattern) {
            return Err(ParseError {
                message: format!("illegal regex for {pattern}: {e}"),
                span: find_quoted(text, &quoted),
                refusal: None,
            });
        }
        regex_matchers.push(RegexMatcher { label, negated, pattern });
    }
    Ok(LeanExpr { ast, regex_matchers })
}

/// Parses an expression for a target: `Ok(Some(_))` with its syntax tree, `Ok(None)` when it
/// is valid for the target but uses syntax promql-parser does not know yet (duration
/// arithmetic, the trim operators, `fill()`, functions newer than it), so there is no tree;
/// `Err` when the target refuses it, located, with `refusal` set when it is valid PromQL that
/// another version, flag or kind accepts.
pub fn parse_lean_for(text: &str, target: &Target) -> Result<Option<LeanExpr>, ParseError> {
    let tokens = tokenize(text);
    // Literals out of bounds are refused whatever the rest is, tree or not.
    check_literals(text, &tokens)?;
    let recognised = grammar::recognise(text, &tokens);
    let parsed = parse_lean_checked(text, &tokens);
    if let Ok(Some(e)) = &recognised.error
        && (e.certain || parsed.is_err())
    {
        // Where promql-parser refuses too, its message (located) comes first: it knows types.
        return Err(match parsed {
            Err(parser_error) => parser_error,
            Ok(_) => ParseError { message: e.message.clone(), span: e.span.clone(), refusal: None },
        });
    }
    if parsed.is_err() && !recognised.beyond_parser {
        return parsed.map(Some);
    }
    // The first refused construct, the outermost where several start at one place (the
    // duration expression, not the number it starts with).
    let refused = recognised
        .gates
        .iter()
        .filter_map(|(feature, span)| target.allows(feature).err().map(|refusal| (span, refusal)))
        .min_by_key(|(span, _)| (span.start, std::cmp::Reverse(span.end)));
    match refused {
        Some((span, refusal)) => {
            Err(ParseError { message: refusal.message.clone(), span: span.clone(), refusal: Some(refusal) })
        }
        None => Ok(parsed.ok()),
    }
}

/// Does promql-parser know the function (so that an expression calling it has a tree)?
/// `holt_winters`, removed in Prometheus 3.0, is taught to it here for 2.x targets.
pub(crate) fn parser_knows_function(name: &str) -> bool {
    // Sorted, as FUNCTIONS is.
    static KNOWN: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        teach_parser();
        sloc_target::FUNCTIONS
            .iter()
            .map(|f| f.name)
            .filter(|name| pp::parse(&format!("{name}()")).map_or_else(|e| !e.contains("unknown function"), |_| true))
            .collect()
    });
    KNOWN.binary_search(&name).is_ok()
}

/// Functions Prometheus had that promql-parser no longer knows.
fn teach_parser() {
    static TAUGHT: std::sync::Once = std::sync::Once::new();
    TAUGHT.call_once(|| {
        let holt_winters = pp::Function::new(
            "holt_winters",
            vec![ValueType::Matrix, ValueType::Scalar, ValueType::Scalar],
            0,
            ValueType::Vector,
            false,
        );
        // Refused only if promql-parser learns the name itself, which is as good.
        let _ = pp::register_extra_functions(vec![holt_winters]);
    });
}

fn equalise_regex_matchers(text: &str, tokens: Option<&[Token]>) -> (String, Vec<(String, bool, String)>) {
    if !text.contains("=~") && !text.contains("!~") {
        return (text.to_string(), Vec::new());
    }
    let owned;
    let tokens = match tokens {
        Some(tokens) => tokens,
        None => {
            owned = tokenize(text);
            &owned
        }
    };
    let mut out = text.to_string();
    let mut found = Vec::new();
    for triple in tokens.windows(3) {
        let (label, op, value) = (&triple[0], &triple[1], &triple[2]);
        let op_text = &text[op.span.clone()];
        if value.kind == TokenKind::String && (op_text == "=~" || op_text == "!~") {
            let negated = op_text == "!~";
            out.replace_range(op.span.clone(), if negated { "!=" } else { "= " });
            let label_text = &text[label.span.clone()];
            let label = if label.kind == TokenKind::String {
                unquote(label_text).unwrap_or_default()
            } else {
                label_text.to_string()
            };
            found.push((label, negated, text[value.span.clone()].to_string()));
        }
    }
    (out, found)
}

/// Turns the equalised matchers back into regex matchers, in source order.
fn restore_regex_matchers(expr: &mut Expr, regexes: &[RegexMatcher]) {
    use promql_parser::label::MatchOp;
    // Never evaluated: one compiled placeholder serves every matcher.
    static PLACEHOLDER: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new("^(?:)$").expect("the empty pattern compiles"));
    let mut next = regexes.iter().peekable();
    for_each_matcher_mut(expr, &mut |m| {
        let Some(r) = next.peek() else { return };
        let equalised = if r.negated { matches!(m.op, MatchOp::NotEqual) } else { matches!(m.op, MatchOp::Equal) };
        if equalised && m.name == r.label && m.value == r.pattern {
            m.op = if r.negated { MatchOp::NotRe(PLACEHOLDER.clone()) } else { MatchOp::Re(PLACEHOLDER.clone()) };
            next.next();
        }
    });
}

/// promql-parser's `unquote_string`, without its panic on an escape followed by a multi-byte
/// character (`"\ށ"`, found by `cargo xtask fuzz`): such an escape is invalid anyway.
pub(crate) fn unquote(quoted: &str) -> Result<String, String> {
    if !quoted.starts_with('`') {
        let mut chars = quoted.chars();
        while let Some(c) = chars.next() {
            if c == '\\' && chars.next().is_some_and(|escaped| !escaped.is_ascii()) {
                return Err("invalid escape: a backslash before a non-ASCII character".into());
            }
        }
    }
    promql_parser::util::unquote_string(quoted)
}

/// promql-parser panics on some inputs (a range of `[99999999999999999999]` overflows its
/// float-seconds conversion). A panic in the parser becomes a parse error, never a crash.
fn guarded_parse(text: &str) -> Result<Expr, String> {
    teach_parser();
    std::panic::catch_unwind(|| pp::parse(text))
        .unwrap_or_else(|_| Err("the PromQL parser failed on this expression (a promql-parser bug)".to_string()))
}

/// The longest duration Prometheus takes: Go's `time.Duration`, 2^63 nanoseconds.
const MAX_DURATION_SECONDS: f64 = 9_223_372_036.854_775;

/// Does a number token carry a unit (`5m`, `0s`), rather than being a plain number (`300`,
/// `1.5`, `0x1f`, `1e3`), which only Prometheus 2.54 and later take as seconds?
pub(crate) fn has_unit(written: &str) -> bool {
    written.bytes().any(|b| b.is_ascii_alphabetic()) && parse_duration(written).is_ok()
}

/// A duration literal's value in seconds, with or without a unit.
fn literal_seconds(written: &str) -> Option<f64> {
    if has_unit(written) {
        parse_duration(written).ok().map(|d| d.millis() as f64 / 1000.0)
    } else {
        written.replace('_', "").parse::<f64>().ok()
    }
}

/// What Prometheus refuses in literals, whatever parses the rest, checked on the tokens before
/// promql-parser parses (which gets these wrong, or overflows on them):
/// - a duration literal (in a range, a subquery or an offset) beyond Go's `time.Duration`;
/// - a range or subquery step that is one literal and not positive (`x[0]`, `x[-1]`,
///   `x[5m:0]`; arithmetic is checked when evaluated);
/// - numbers beyond a float64 (`1e400`), which Prometheus refuses ("value out of range")
///   and promql-parser reads as infinity;
/// - `@` timestamps beyond an int64 of seconds.
fn check_literals(text: &str, tokens: &[Token]) -> Result<(), ParseError> {
    let error = |message: String, span: Range<usize>| Err(ParseError { message, span, refusal: None });
    let mut brackets = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        let written = &text[t.span.clone()];
        match written {
            "[" => brackets += 1,
            "]" => brackets = brackets.saturating_sub(1),
            _ => {}
        }
        let after = tokens.get(i + 1).map(|n| &text[n.span.clone()]);
        // A subquery step written against its colon (`[5m:0]`) tokenizes as a name `:0`.
        if t.kind == TokenKind::Ident && brackets > 0 && written.len() > 1 && written.starts_with(':') {
            if after == Some("]") && literal_seconds(&written[1..]) == Some(0.0) {
                return error("duration must be greater than 0".into(), t.span.start + 1..t.span.end);
            }
            continue;
        }
        if t.kind != TokenKind::Number {
            continue;
        }
        let before = if i == 0 { "" } else { &text[tokens[i - 1].span.clone()] };
        let signed_before = match before {
            "-" | "+" if i >= 2 => &text[tokens[i - 2].span.clone()],
            _ => before,
        };
        let float = written.parse::<f64>().ok();
        if signed_before == "@"
            && let Some(seconds) = float
            && !(seconds < 9.223_372_036_854_775e18 && seconds > -9.223_372_036_854_775e18)
        {
            return error(format!("timestamp out of bounds for @ modifier: {written}"), t.span.clone());
        }
        if float.is_some_and(f64::is_infinite) {
            return error(format!("error parsing number `{written}`: value out of range of a float64"), t.span.clone());
        }
        if brackets == 0 && !signed_before.eq_ignore_ascii_case("offset") {
            continue;
        }
        // A duration literal (brackets hold nothing else).
        let seconds = literal_seconds(written);
        if parse_duration(written).is_err_and(|e| e.contains("too large"))
            || seconds.is_some_and(|s| s.is_nan() || s.abs() > MAX_DURATION_SECONDS)
        {
            return error("duration out of range".into(), t.span.clone());
        }
        let alone =
            (signed_before == "[" && matches!(after, Some("]" | ":"))) || (signed_before == ":" && after == Some("]"));
        if alone && (before == "-" || seconds == Some(0.0)) {
            return error(
                "duration must be greater than 0".into(),
                tokens[i - 1].span.start.min(t.span.start)..t.span.end,
            );
        }
    }
    Ok(())
}

/// `anchored` and `smoothed` are keywords of promql-parser (Prometheus 3's experimental range
/// modifiers, as in `x[5m] anchored`) but, as in Prometheus, ordinary metric names anywhere
/// else (`anchored{job="test"}`). Elsewhere they are renamed, same length, before parsing and
/// restored in the AST after.
const CONTEXTUAL_KEYWORDS: [(&str, &str); 2] = [("anchored", "_sloc_a_"), ("smoothed", "_sloc_s_")];

fn rename_contextual_keywords(text: &str) -> (Option<String>, bool) {
    if !CONTEXTUAL_KEYWORDS.iter().any(|(k, _)| text.contains(k)) {
        return (None, false);
    }
    let tokens = tokenize(text);
    let mut out = text.to_string();
    let mut renamed = false;
    for (i, t) in tokens.iter().enumerate() {
        let word = &text[t.span.clone()];
        let Some((_, placeholder)) = CONTEXTUAL_KEYWORDS.iter().find(|(k, _)| *k == word) else { continue };
        let after_range = i > 0 && &text[tokens[i - 1].span.clone()] == "]";
        if t.kind == TokenKind::Ident && !after_range {
            out.replace_range(t.span.clone(), placeholder);
            renamed = true;
        }
    }
    (renamed.then_some(out), renamed)
}

fn restore_contextual_keywords(expr: &mut Expr) {
    fn restore(name: &mut Option<String>) {
        if let Some(n) = name
            && let Some((keyword, _)) = CONTEXTUAL_KEYWORDS.iter().find(|(_, p)| p == n)
        {
            *n = keyword.to_string();
        }
    }
    match expr {
        Expr::VectorSelector(vs) => restore(&mut vs.name),
        Expr::MatrixSelector(ms) => restore(&mut ms.vs.name),
        Expr::Aggregate(a) => {
            if let Some(p) = &mut a.param {
                restore_contextual_keywords(p);
            }
            restore_contextual_keywords(&mut a.expr);
        }
        Expr::Unary(u) => restore_contextual_keywords(&mut u.expr),
        Expr::Binary(b) => {
            restore_contextual_keywords(&mut b.lhs);
            restore_contextual_keywords(&mut b.rhs);
        }
        Expr::Paren(p) => restore_contextual_keywords(&mut p.expr),
        Expr::Subquery(sq) => restore_contextual_keywords(&mut sq.expr),
        Expr::Call(c) => c.args.args.iter_mut().for_each(|a| restore_contextual_keywords(a)),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

fn slow_path_error(original: &str) -> ParseError {
    let rewritten = rewrite_raw_strings(original);
    let message = match guarded_parse(rewritten.as_deref().unwrap_or(original)) {
        Err(m) => m,
        Ok(_) => "invalid string literal".to_string(),
    };
    located_error(original, message)
}

/// promql-parser accepts a scalar where `exp`, `ln`, `log2` and `log10` take an instant
/// vector when the scalar is NaN, infinite or (for logarithms) not positive (`exp(+Inf)`);
/// Prometheus refuses every scalar there.
fn check_scalar_arguments(text: &str, ast: &Expr) -> Result<(), ParseError> {
    let mut found = None;
    visit(ast, &mut |e| {
        if let Expr::Call(c) = e
            && found.is_none()
            && matches!(c.func.name, "exp" | "ln" | "log2" | "log10")
            && c.args.args.first().is_some_and(|a| a.value_type() == ValueType::Scalar)
        {
            found = Some(c.func.name);
        }
    });
    let Some(name) = found else { return Ok(()) };
    let tokens = tokenize(text);
    let span = tokens
        .windows(2)
        .find(|w| &text[w[0].span.clone()] == name && &text[w[1].span.clone()] == "(")
        .map_or(0..text.len(), |w| w[0].span.clone());
    Err(ParseError {
        message: format!("expected type instant vector in call to function '{name}', got scalar"),
        span,
        refusal: None,
    })
}

/// promql-parser accepts a selector without a metric name whose matchers all match the empty
/// string (`{x=~".*"}`); Prometheus refuses it, since it would select every series.
fn check_empty_selectors(text: &str, tokens: &[Token]) -> Result<(), ParseError> {
    if !text.contains('{') {
        return Ok(());
    }
    let nameless = tokens
        .iter()
        .enumerate()
        .any(|(i, t)| &text[t.span.clone()] == "{" && (i == 0 || tokens[i - 1].kind != TokenKind::Ident));
    if !nameless {
        return Ok(());
    }
    match grammar::first_error(text, tokens) {
        Ok(Some(e)) if e.message.starts_with("vector selector must contain") => {
            Err(ParseError { message: e.message, span: e.span, refusal: None })
        }
        _ => Ok(()),
    }
}

fn find_quoted(original: &str, quoted: &str) -> std::ops::Range<usize> {
    original.find(quoted).map_or(0..original.len(), |at| at..at + quoted.len())
}

/// RE2 syntax as Prometheus accepts it, including Go's literal `{` where it is not a repeat.
fn check_regex(pattern: &str) -> Result<(), String> {
    // Rule files repeat their matchers (`job=~"api.*"` in every rule of a group), and parsing a
    // regex costs as much as parsing the expression around it: each thread remembers verdicts.
    const REMEMBERED: usize = 4096;
    thread_local! {
        static VERDICTS: std::cell::RefCell<std::collections::HashMap<String, Result<(), String>>> =
            std::cell::RefCell::default();
    }
    VERDICTS.with_borrow_mut(|verdicts| {
        if let Some(verdict) = verdicts.get(pattern) {
            return verdict.clone();
        }
        if verdicts.len() >= REMEMBERED {
            verdicts.clear();
        }
        let verdict = check_regex_uncached(pattern);
        verdicts.insert(pattern.to_string(), verdict.clone());
        verdict
    })
}

fn check_regex_uncached(pattern: &str) -> Result<(), String> {
    let parse = |p: &str| regex_syntax::Parser::new().parse(p).map(|_| ()).map_err(|e| e.to_string());
    match parse(pattern) {
        Ok(()) => Ok(()),
        Err(e) => {
            let escaped = escape_literal_braces(pattern);
            if escaped != pattern && parse(&escaped).is_ok() {
                Ok(())
            } else {
                Err(e.lines().last().unwrap_or_default().trim().to_string())
            }
        }
    }
}

/// `a{b}` → `a\{b}`: Go reads a `{` that does not start a repeat as a literal.
fn escape_literal_braces(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let chars: Vec<char> = pattern.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '{' && (i == 0 || chars[i - 1] != '\\') {
            let rest: String = chars[i + 1..].iter().collect();
            let is_repeat = rest.split_once('}').is_some_and(|(inside, _)| {
                !inside.is_empty() && inside.chars().all(|c| c.is_ascii_digit() || c == ',')
            });
            if !is_repeat {
                out.push('\\');
            }
        }
        out.push(c);
    }
    out
}

fn for_each_matcher_mut(expr: &mut Expr, f: &mut impl FnMut(&mut promql_parser::label::Matcher)) {
    let selector = |vs: &mut pp::VectorSelector, f: &mut dyn FnMut(&mut promql_parser::label::Matcher)| {
        vs.matchers.matchers.iter_mut().for_each(&mut *f);
        vs.matchers.or_matchers.iter_mut().flatten().for_each(f);
    };
    match expr {
        Expr::VectorSelector(vs) => selector(vs, f),
        Expr::MatrixSelector(ms) => selector(&mut ms.vs, f),
        Expr::Aggregate(a) => {
            if let Some(p) = &mut a.param {
                for_each_matcher_mut(p, f);
            }
            for_each_matcher_mut(&mut a.expr, f);
        }
        Expr::Unary(u) => for_each_matcher_mut(&mut u.expr, f),
        Expr::Binary(b) => {
            for_each_matcher_mut(&mut b.lhs, f);
            for_each_matcher_mut(&mut b.rhs, f);
        }
        Expr::Paren(p) => for_each_matcher_mut(&mut p.expr, f),
        Expr::Subquery(s) => for_each_matcher_mut(&mut s.expr, f),
        Expr::Call(c) => c.args.args.iter_mut().for_each(|a| for_each_matcher_mut(a, f)),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// The canonical one-line form, as the parser prints it (sorted matchers, `by` before the body,
/// numbers and durations normalised).
pub fn canonical(expr: &Expr) -> String {
    expr.to_string()
}

/// Multi-line, Prometheus-style layout for long expressions.
pub fn pretty(expr: &Expr) -> String {
    expr.prettify()
}

/// promql-parser processes escapes inside backtick strings, which Prometheus does not: `\d` in
/// a backtick regex is valid PromQL. Backtick strings are rewritten into the equivalent
/// double-quoted strings before parsing. Returns `None` when there is nothing to rewrite.
fn rewrite_raw_strings(text: &str) -> Option<String> {
    if !text.contains('`') {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut last = 0;
    for token in tokenize(text) {
        if token.kind == TokenKind::String && text[token.span.clone()].starts_with('`') {
            out.push_str(&text[last..token.span.start]);
            let inner = &text[token.span.start + 1..token.span.end.saturating_sub(1).max(token.span.start + 1)];
            out.push_str(&quote_string(inner));
            last = token.span.end;
        }
    }
    out.push_str(&text[last..]);
    Some(out)
}

/// Places an error of promql-parser in `text`, and says what was expected where the parser
/// only says "invalid promql query". Linear in the length of the text: the parser's AST and
/// errors carry no positions, so the tokens and [`grammar`] find the place.
fn located_error(text: &str, message: String) -> ParseError {
    let tokens = tokenize(text);
    let whole = 0..text.trim_end().len().max(1).min(text.len());
    let at = |span: Range<usize>, message: String| ParseError { message, span, refusal: None };
    if text.trim().is_empty() {
        return at(0..text.len(), message);
    }
    if let Some(t) = tokens.iter().find(|t| t.kind == TokenKind::Unterminated) {
        return at(t.span.start..t.span.start + 1, message);
    }
    if let Some(seq) = quoted_between(&message, "unknown escape sequence '", "'") {
        let needle = format!("\\{seq}");
        if let Some(t) = tokens.iter().find(|t| t.kind == TokenKind::String && text[t.span.clone()].contains(&needle)) {
            let start = t.span.start + text[t.span.clone()].find(&needle).unwrap_or(0);
            return at(start..start + needle.len(), message);
        }
    }
    if let Some(bad) = message.strip_prefix("bad number or duration syntax: ")
        && let Some(start) = text.find(bad.trim())
    {
        let end = start + bad.trim().len().max(1);
        return at(start..end, message);
    }
    if (message.contains("unclosed left parenthesis")
        || message.contains("unclosed left bracket")
        || message.contains("unclosed left brace")
        || message.contains("end of input inside"))
        && let Some(span) = tokens::unmatched_open(&tokens, text)
    {
        return at(span, message);
    }
    if message.contains("unexpected right")
        && let Some(span) = tokens::unmatched_close(&tokens, text)
    {
        return at(span, message);
    }
    if let Ok(Some(e)) = grammar::first_error(text, &tokens) {
        // The parser's grammar errors say only "invalid promql query": the recogniser's
        // message says what was found and what was expected.
        let generic = message == "invalid promql query" || message.starts_with("unexpected");
        let same_meaning = e.message.starts_with("vector selector") && message.starts_with("vector selector");
        if generic || same_meaning {
            return at(e.span, e.message);
        }
    }
    // Errors that name a function, aggregation or label: the call or use of that name the
    // message is about. A type error about ranges names the first call whose arguments have
    // (or lack) a range, `[...]`, at their own level.
    if let Some(name) = quoted_between(&message, "'", "'").filter(|n| !n.is_empty()) {
        let called = |i: usize| tokens.get(i + 1).is_some_and(|n| &text[n.span.clone()] == "(");
        let named: Vec<usize> = (0..tokens.len()).filter(|&i| &text[tokens[i].span.clone()] == name).collect();
        let wants_range = message.contains("expected type range vector") || message.contains("expected type matrix");
        let refuses_range = message.contains("got range vector") || message.contains("got matrix");
        let fits = |i: usize| {
            let has_range = call_has_range_argument(text, &tokens, i + 1);
            (wants_range && !has_range) || (refuses_range && has_range) || (!wants_range && !refuses_range)
        };
        let found =
            named.iter().find(|&&i| called(i) && fits(i)).or(named.iter().find(|&&i| called(i))).or(named.first());
        if let Some(&i) = found {
            return at(tokens[i].span.clone(), message);
        }
    }
    at(whole, message)
}

/// Does the call whose `(` is token `open` have a `[` at the level of its arguments?
fn call_has_range_argument(text: &str, tokens: &[Token], open: usize) -> bool {
    let mut depth = 0usize;
    for t in &tokens[open.min(tokens.len())..] {
        match &text[t.span.clone()] {
            "(" | "{" => depth += 1,
            "[" if depth == 1 => return true,
            "[" => depth += 1,
            ")" | "}" | "]" => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    false
}

fn quoted_between<'a>(message: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = message.find(open)? + open.len();
    let len = message[start..].find(close)?;
    Some(&message[start..start + len])
}

/// Every vector selector of an expression, in source order.
pub fn vector_selectors(expr: &Expr) -> Vec<&pp::VectorSelector> {
    let mut out = Vec::new();
    collect_selectors(expr, &mut out);
    out
}

fn collect_selectors<'a>(expr: &'a Expr, out: &mut Vec<&'a pp::VectorSelector>) {
    match expr {
        Expr::VectorSelector(vs) => out.push(vs),
        Expr::MatrixSelector(ms) => out.push(&ms.vs),
        Expr::Aggregate(a) => {
            collect_selectors(&a.expr, out);
            if let Some(p) = &a.param {
                collect_selectors(p, out);
            }
        }
        Expr::Unary(u) => collect_selectors(&u.expr, out),
        Expr::Binary(b) => {
            collect_selectors(&b.lhs, out);
            collect_selectors(&b.rhs, out);
        }
        Expr::Paren(p) => collect_selectors(&p.expr, out),
        Expr::Subquery(s) => collect_selectors(&s.expr, out),
        Expr::Call(c) => c.args.args.iter().for_each(|a| collect_selectors(a, out)),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// The metric name a selector reads, from its name or a `__name__="..."` matcher.
pub fn selector_metric(vs: &pp::VectorSelector) -> Option<&str> {
    vs.name.as_deref().or_else(|| {
        vs.matchers
            .matchers
            .iter()
            .find(|m| m.name == "__name__" && matches!(m.op, promql_parser::label::MatchOp::Equal))
            .map(|m| m.value.as_str())
    })
}

/// Is `name` a valid Prometheus metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`)?
pub fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Is `name` a valid Prometheus label name (`[a-zA-Z_][a-zA-Z0-9_]*`)?
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Quotes a string as a PromQL double-quoted string literal.
pub fn quote_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (String, &str) {
        let e = parse(text).unwrap_err();
        (e.message.clone(), &text[e.span])
    }

    #[test]
    fn escapes_before_multi_byte_characters_are_errors_not_panics() {
        // Found by `cargo xtask fuzz`: promql-parser's unquote slices inside the character.
        assert!(unquote("'\\ށ'").is_err());
        assert_eq!(unquote("'a\\\\ś'").unwrap(), "a\\ś");
        assert!(parse("{a=~'x\\ށ'}").is_err());
        assert!(parse_lean_for("{'foo\\ށ'='boo'}", &Target::everything()).is_err());
    }

    #[test]
    fn canonical_printing_is_the_parsers() {
        let e = parse("sum(rate(foo{b=\"1\",a=\"2\"}[5m])) by (job)").unwrap();
        assert_eq!(canonical(&e), "sum by (job) (rate(foo{a=\"2\",b=\"1\"}[5m]))");
    }

    #[test]
    fn backtick_strings_are_raw() {
        let e = parse("foo{a=~`\\d+`}").unwrap();
        assert_eq!(canonical(&e), "foo{a=~\"\\\\d+\"}");
        // A double-quoted unknown escape is still an error, located at the escape.
        assert_eq!(err("foo{a=~\"\\d+\"}").1, "\\d");
    }

    #[test]
    fn errors_point_at_the_offending_token() {
        assert_eq!(err("sum(rate(foo[5m])) / rate(bar)").1, "rate");
        assert_eq!(
            err("sum(rate(foo[5m])) / rate(bar)").0,
            "expected type matrix in call to function 'rate', got vector"
        );
        assert_eq!(err("unknown_fn(foo)").1, "unknown_fn");
        assert_eq!(err("foo bar").1, "bar");
        assert_eq!(err("sum by (a) (foo").1, "(");
        assert_eq!(err("foo{a=\"x}").1, "\"");
        assert_eq!(err("rate(foo[5x])").1, "5x");
        let (_, at) = err("");
        assert_eq!(at, "");
    }

    #[test]
    fn regex_patterns_survive_the_fast_path() {
        let text = "sum(rate(x{a=~\"5..\", b!~`/health|/metrics`, c=\"d\"}[5m])) / on() group_left y{e=~\"a{b}c\"}";
        let e = parse(text).unwrap();
        assert_eq!(
            canonical(&e),
            "sum(rate(x{a=~\"5..\",b!~\"/health|/metrics\",c=\"d\"}[5m])) / on () group_left () y{e=~\"a{b}c\"}"
        );
        let err = parse("x{a=~\"(\"}").unwrap_err();
        assert!(err.message.starts_with("illegal regex for ("), "{}", err.message);
        assert_eq!(&"x{a=~\"(\"}"[err.span], "\"(\"");
    }

    #[test]
    fn huge_durations_are_errors_not_panics() {
        // Found by `cargo fuzz run spec`: promql-parser overflows converting float seconds.
        let text = format!("rate(x[{}])", "2".repeat(80));
        let e = parse(&text).unwrap_err();
        assert_eq!(e.message, "duration out of range");
        assert_eq!(&text[e.span], "2".repeat(80));
        assert!(parse("rate(x[99999999999999y])").is_err());
        assert!(parse("x offset 1e308").is_err());
        assert!(parse("rate(x[5m])").is_ok() && parse("x offset -5m").is_ok());
    }

    #[test]
    fn prometheus_verdicts_where_promql_parser_differs() {
        // Found by running Prometheus' parser test inputs through promtool and sloc.
        for (text, message) in [
            ("1e400", "value out of range"),
            ("foo @ 9223372036854775807", "timestamp out of bounds"),
            ("x @ -9.3e18", "timestamp out of bounds"),
            ("{x=~\".*\"}", "at least one non-empty matcher"),
            ("{x=\"\",y=~\".?\"}", "at least one non-empty matcher"),
            ("exp(+Inf)", "expected type instant vector"),
            ("ln(0) + x", "expected type instant vector"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.message.contains(message), "{text}: {}", e.message);
        }
        for ok in
            ["anchored{job=\"test\"}", "smoothed", "rate(anchored[5m]) / smoothed", "{x!=\"\"}", "x @ 1.5e18", "-1e300"]
        {
            assert!(parse(ok).is_ok(), "{ok}: {:?}", parse(ok).err());
        }
        assert!(parse(&"9".repeat(400)).unwrap_err().message.contains("value out of range"));
        let anchored = parse("sum(rate(anchored{a=\"b\"}[5m]))").unwrap();
        assert_eq!(canonical(&anchored), "sum(rate(anchored{a=\"b\"}[5m]))");
    }

    #[test]
    fn selectors_and_names() {
        let e = parse("sum(rate(a_total{x=\"1\"}[5m])) / sum(rate({__name__=\"b_total\"}[5m]))").unwrap();
        let names: Vec<_> = vector_selectors(&e).into_iter().filter_map(selector_metric).collect();
        assert_eq!(names, ["a_total", "b_total"]);
        assert!(is_metric_name("slo:sli_error:ratio_rate5m"));
        assert!(!is_label_name("a:b"));
    }
}
