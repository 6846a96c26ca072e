//! Alertmanager's label matchers: `name="value"`, `name!=value`, `name=~"regex"`,
//! `name!~regex`, one or several per string, optionally in braces.

use regex::Regex;
/// Alertmanager's four operators are PromQL's.
pub use sloc_promql::MatchOp;

use crate::Labels;

#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    /// The anchored pattern of a regex matcher.
    regex: Option<Regex>,
}

impl Matcher {
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Matcher, String> {
        let regex = match op {
            MatchOp::Regex | MatchOp::NotRegex => Some(
                Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("invalid regular expression `{value}`: {}", first_line(&e.to_string())))?,
            ),
            _ => None,
        };
        Ok(Matcher { name: name.to_string(), op, value: value.to_string(), regex })
    }

    /// Whether the label set satisfies the matcher (a missing label reads as empty).
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = crate::label(labels, &self.name);
        match (&self.op, &self.regex) {
            (MatchOp::Equal, _) => value == self.value,
            (MatchOp::NotEqual, _) => value != self.value,
            (MatchOp::Regex, Some(r)) => r.is_match(value),
            (MatchOp::NotRegex, Some(r)) => !r.is_match(value),
            _ => false,
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.name, self.op.as_str(), sloc_promql::quote_string(&self.value))
    }
}

/// The `error: …` line of the regex crate's multi-line message.
fn first_line(text: &str) -> &str {
    let lines = || text.lines().map(str::trim).filter(|l| !l.is_empty());
    lines().find_map(|l| l.strip_prefix("error: ")).or_else(|| lines().next_back()).unwrap_or(text)
}

/// Parses one `matchers:` entry, which may hold several comma-separated matchers.
pub fn parse_matchers(text: &str) -> Result<Vec<Matcher>, String> {
    let mut rest = text.trim();
    if let Some(inner) = rest.strip_prefix('{') {
        rest = inner.strip_suffix('}').ok_or("a `{` without its closing `}`")?.trim();
    }
    let mut out = Vec::new();
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == ',') {
            i += 1;
        }
        if i == chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && !matches!(chars[i], '=' | '!' | '~') && !chars[i].is_whitespace() {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect();
        let name = name.trim_matches('"').to_string();
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let op = match (chars.get(i), chars.get(i + 1)) {
            (Some('='), Some('~')) => MatchOp::Regex,
            (Some('!'), Some('=')) => MatchOp::NotEqual,
            (Some('!'), Some('~')) => MatchOp::NotRegex,
            (Some('='), _) => MatchOp::Equal,
            _ => return Err(format!("expected `=`, `!=`, `=~` or `!~` after `{name}`")),
        };
        i += if op == MatchOp::Equal { 1 } else { 2 };
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let value = if chars.get(i) == Some(&'"') {
            i += 1;
            let mut value = String::new();
            loop {
                match chars.get(i) {
                    None => return Err(format!("the value of `{name}` has no closing quote")),
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        match chars.get(i + 1) {
                            Some('n') => value.push('\n'),
                            Some(c) => value.push(*c),
                            None => return Err(format!("the value of `{name}` ends in a backslash")),
                        }
                        i += 2;
                    }
                    Some(c) => {
                        value.push(*c);
                        i += 1;
                    }
                }
            }
            value
        } else {
            let start = i;
            while i < chars.len() && chars[i] != ',' {
                i += 1;
            }
            chars[start..i].iter().collect::<String>().trim().to_string()
        };
        if name.is_empty() {
            return Err("a matcher without a label name".into());
        }
        out.push(Matcher::new(&name, op, &value)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn parses_the_forms_alertmanager_accepts() {
        let m = parse_matchers(r#"{severity="critical", slo=~"a|b"}"#).unwrap();
        assert_eq!(m.len(), 2);
        assert!(m[1].matches(&labels(&[("slo", "b")])) && !m[1].matches(&labels(&[("slo", "ab")])));
        let m = parse_matchers("severity = warning").unwrap();
        assert_eq!((m[0].op, m[0].value.as_str()), (MatchOp::Equal, "warning"));
        let m = parse_matchers(r#"team!~"a\"b""#).unwrap();
        assert_eq!((m[0].op, m[0].value.as_str()), (MatchOp::NotRegex, "a\"b"));
        assert!(parse_matchers("severity").is_err());
        assert!(parse_matchers("x=~\"(\"").is_err());
        // A missing label is the empty string.
        assert!(parse_matchers("region=\"\"").unwrap()[0].matches(&Labels::new()));
        assert!(parse_matchers("region!~\".+\"").unwrap()[0].matches(&Labels::new()));
    }
}
