//! Selectors built as values: a metric name and matchers, narrowed by adding matchers, and
//! rendered once. Outputs that need a narrower selection add a matcher; none takes a rendered
//! selector apart as text.

use std::fmt;

/// How a matcher compares a label's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchOp {
    /// `=`, `!=`, `=~`, `!~`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }
}

/// One label matcher: `name="value"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
}

/// `metric{name="value",…}`, or `{name="value",…}` without a metric.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    pub metric: Option<String>,
    pub matchers: Vec<Matcher>,
}

impl Selector {
    /// The selector of `name="value"` for each pair, in order.
    pub fn of_labels<'a>(labels: impl IntoIterator<Item = (&'a str, &'a str)>) -> Selector {
        labels.into_iter().fold(Selector::default(), |s, (name, value)| s.with(name, MatchOp::Equal, value))
    }

    /// The same matchers on `metric`.
    pub fn on(&self, metric: impl Into<String>) -> Selector {
        Selector { metric: Some(metric.into()), matchers: self.matchers.clone() }
    }

    /// This selector narrowed by one more matcher, after the others.
    pub fn with(mut self, name: impl Into<String>, op: MatchOp, value: impl Into<String>) -> Selector {
        self.matchers.push(Matcher { name: name.into(), op, value: value.into() });
        self
    }

    /// The value of the first `name="…"` matcher.
    pub fn equal(&self, name: &str) -> Option<&str> {
        self.matchers.iter().find(|m| m.name == name && m.op == MatchOp::Equal).map(|m| m.value.as_str())
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(metric) = &self.metric {
            f.write_str(metric)?;
            if self.matchers.is_empty() {
                return Ok(());
            }
        }
        f.write_str("{")?;
        for (i, m) in self.matchers.iter().enumerate() {
            let comma = if i > 0 { "," } else { "" };
            write!(f, "{comma}{}{}{}", m.name, m.op.as_str(), crate::quote_string(&m.value))?;
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_render_as_prometheus_reads_them() {
        let objective = Selector::of_labels([("service", "api"), ("slo", "a\"b")]);
        assert_eq!(objective.to_string(), r#"{service="api",slo="a\"b"}"#);
        let narrowed = objective.on("ALERTS").with("alertstate", MatchOp::Equal, "firing").with(
            "region",
            MatchOp::Regex,
            "$region",
        );
        assert_eq!(narrowed.to_string(), r#"ALERTS{service="api",slo="a\"b",alertstate="firing",region=~"$region"}"#);
        assert_eq!(Selector::default().on("up").to_string(), "up");
        assert_eq!(narrowed.equal("service"), Some("api"));
        // What it renders parses back as the same selection.
        let parsed = crate::parse(&narrowed.to_string()).unwrap();
        assert_eq!(crate::vector_selectors(&parsed).len(), 1);
    }
}
