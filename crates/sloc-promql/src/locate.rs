//! Byte ranges of sub-expressions. promql-parser's AST has no positions, so nodes are matched to
//! tokens by order: the k-th call of `rate` in a source-order walk is the k-th `rate(` token.

use std::ops::Range;

use promql_parser::parser::Expr;

use crate::tokens::{Token, TokenKind, tokenize};

/// Visits every node in source order (an aggregation's parameter before its body, as written).
pub fn visit<'a>(expr: &'a Expr, f: &mut impl FnMut(&'a Expr)) {
    f(expr);
    match expr {
        Expr::Aggregate(a) => {
            if let Some(p) = &a.param {
                visit(p, f);
            }
            visit(&a.expr, f);
        }
        Expr::Unary(u) => visit(&u.expr, f),
        Expr::Binary(b) => {
            visit(&b.lhs, f);
            visit(&b.rhs, f);
        }
        Expr::Paren(p) => visit(&p.expr, f),
        Expr::Subquery(s) => visit(&s.expr, f),
        Expr::Call(c) => c.args.args.iter().for_each(|a| visit(a, f)),
        Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::VectorSelector(_)
        | Expr::MatrixSelector(_)
        | Expr::Extension(_) => {}
    }
}

/// Finds where things are in one expression's text.
#[derive(Debug)]
pub struct Locator<'t> {
    text: &'t str,
    tokens: Vec<Token>,
    /// For each token: is it inside `{...}` or a label list (`by (...)`, `on (...)`)?
    in_labels: Vec<bool>,
}

const LABEL_LIST_KEYWORDS: &[&str] = &["by", "without", "on", "ignoring", "group_left", "group_right"];

impl<'t> Locator<'t> {
    pub fn new(text: &'t str) -> Self {
        let tokens = tokenize(text);
        let mut in_labels = vec![false; tokens.len()];
        let mut i = 0;
        while i < tokens.len() {
            let t = &text[tokens[i].span.clone()];
            if t == "{" {
                let end = matching(&tokens, text, i).unwrap_or(tokens.len() - 1);
                in_labels[i..=end].iter_mut().for_each(|b| *b = true);
                i = end + 1;
                continue;
            }
            if tokens[i].kind == TokenKind::Ident
                && LABEL_LIST_KEYWORDS.contains(&t.to_ascii_lowercase().as_str())
                && tokens.get(i + 1).is_some_and(|n| &text[n.span.clone()] == "(")
            {
                let end = matching(&tokens, text, i + 1).unwrap_or(tokens.len() - 1);
                in_labels[i..=end].iter_mut().for_each(|b| *b = true);
                i = end + 1;
                continue;
            }
            i += 1;
        }
        Self { text, tokens, in_labels }
    }

    fn token_text(&self, i: usize) -> &'t str {
        &self.text[self.tokens[i].span.clone()]
    }

    /// Each call of the function or aggregation `name`, from its name to its closing
    /// parenthesis (including a trailing `by (...)`), in source order.
    pub fn calls(&self, name: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        for i in 0..self.tokens.len() {
            if self.in_labels[i]
                || self.tokens[i].kind != TokenKind::Ident
                || !self.token_text(i).eq_ignore_ascii_case(name)
            {
                continue;
            }
            let mut j = i + 1;
            // `sum by (x) (...)`
            if j < self.tokens.len()
                && LABEL_LIST_KEYWORDS[..2].contains(&self.token_text(j).to_ascii_lowercase().as_str())
            {
                j = matching(&self.tokens, self.text, j + 1).map_or(j, |e| e + 1);
            }
            if j >= self.tokens.len() || self.token_text(j) != "(" {
                continue;
            }
            let mut end = matching(&self.tokens, self.text, j).unwrap_or(self.tokens.len() - 1);
            // `sum(...) by (x)`
            if end + 2 < self.tokens.len()
                && LABEL_LIST_KEYWORDS[..2].contains(&self.token_text(end + 1).to_ascii_lowercase().as_str())
                && self.token_text(end + 2) == "("
            {
                end = matching(&self.tokens, self.text, end + 2).unwrap_or(end);
            }
            out.push(self.tokens[i].span.start..self.tokens[end].span.end);
        }
        out
    }

    /// Each selector of metric `name`, from the name to its `}` or `]`.
    pub fn selectors(&self, name: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        for i in 0..self.tokens.len() {
            if self.in_labels[i] || self.tokens[i].kind != TokenKind::Ident || self.token_text(i) != name {
                continue;
            }
            if self.tokens.get(i + 1).is_some_and(|n| &self.text[n.span.clone()] == "(") {
                continue;
            }
            let mut end = i;
            for open in ["{", "["] {
                if self.tokens.get(end + 1).is_some_and(|n| &self.text[n.span.clone()] == open) {
                    end = matching(&self.tokens, self.text, end + 1).unwrap_or(end);
                }
            }
            out.push(self.tokens[i].span.start..self.tokens[end].span.end);
        }
        out
    }

    /// Each occurrence of an operator or keyword token (`/`, `==`, `and`), outside label lists.
    pub fn operators(&self, op: &str) -> Vec<Range<usize>> {
        (0..self.tokens.len())
            .filter(|&i| !self.in_labels[i] && self.token_text(i).eq_ignore_ascii_case(op))
            .map(|i| self.tokens[i].span.clone())
            .collect()
    }

    /// Each string literal inside `{...}` whose unquoted text is `value`, following the
    /// matcher `name op`.
    pub fn matcher_values(&self, name: &str, op: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        for i in 2..self.tokens.len() {
            if self.tokens[i].kind == TokenKind::String
                && self.token_text(i - 1) == op
                && self.token_text(i - 2) == name
            {
                out.push(self.tokens[i - 2].span.start..self.tokens[i].span.end);
            }
        }
        out
    }

    /// The k-th of `spans`, or the whole expression when the count does not match (a construct
    /// the locator does not follow): a finding is always placed, at worst too widely.
    pub fn nth(&self, spans: &[Range<usize>], k: usize) -> Range<usize> {
        spans.get(k).cloned().unwrap_or_else(|| self.whole())
    }

    pub fn whole(&self) -> Range<usize> {
        let start = self.tokens.first().map_or(0, |t| t.span.start);
        let end = self.tokens.last().map_or(self.text.len(), |t| t.span.end);
        start..end
    }
}

/// The index of the bracket closing the one at `open`.
fn matching(tokens: &[Token], text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match &text[t.span.clone()] {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
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
    fn finds_calls_selectors_and_operators() {
        let text = "sum(rate(x_total{a=\"rate\"}[5m])) by (job) / sum by (rate) (rate(y[1m]))";
        let l = Locator::new(text);
        let shown = |spans: Vec<Range<usize>>| spans.into_iter().map(|s| text[s].to_string()).collect::<Vec<_>>();
        assert_eq!(shown(l.calls("rate")), ["rate(x_total{a=\"rate\"}[5m])", "rate(y[1m])"]);
        assert_eq!(
            shown(l.calls("sum")),
            ["sum(rate(x_total{a=\"rate\"}[5m])) by (job)", "sum by (rate) (rate(y[1m]))"]
        );
        assert_eq!(shown(l.selectors("x_total")), ["x_total{a=\"rate\"}[5m]"]);
        assert_eq!(shown(l.operators("/")), ["/"]);
        assert_eq!(shown(l.matcher_values("a", "=")), ["a=\"rate\""]);
    }
}
