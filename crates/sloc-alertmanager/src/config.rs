//! The parts of an `alertmanager.yml` that decide where an alert goes: the routing tree, the
//! receivers and the inhibit rules, read with their byte ranges, and evaluated as Alertmanager
//! does.

use std::ops::Range;

use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_yaml::{Node, Spanned};

use crate::matcher::{MatchOp, Matcher, parse_matchers};
use crate::{Labels, label};

declare_code! {
    /// ## What it does
    /// Reports an Alertmanager configuration that sloc cannot evaluate: YAML that does not
    /// parse, no `route`, a root route without a `receiver`, a route naming a receiver that is
    /// not defined, or a matcher that Alertmanager would refuse too.
    ///
    /// ## Why it matters
    /// Alertmanager refuses to load such a file (or keeps running the previous one), so the
    /// routes it describes are not the routes in effect.
    ///
    /// ## Example
    /// ```yaml
    /// route:
    ///   receiver: default
    ///   routes:
    ///     - matchers: ['severity=~"(critical"']   # unclosed group
    /// ```
    ///
    /// ## Fix
    /// Run `amtool check-config alertmanager.yml` and fix what it reports.
    pub UNREADABLE_CONFIG = ("A006", "unreadable-alertmanager-config", Error, "an Alertmanager configuration that cannot be evaluated");
}

/// A route of the routing tree.
#[derive(Debug, Clone)]
pub struct Route {
    /// The route's mapping in the file.
    pub span: Range<usize>,
    /// Unset: the parent's.
    pub receiver: Option<Spanned<String>>,
    pub matchers: Vec<Matcher>,
    pub continue_: bool,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone)]
pub struct Receiver {
    pub name: Spanned<String>,
    /// How many notification integrations (`*_configs` entries) it has: 0 is a null receiver.
    pub integrations: usize,
}

#[derive(Debug, Clone)]
pub struct InhibitRule {
    pub span: Range<usize>,
    pub source: Vec<Matcher>,
    pub target: Vec<Matcher>,
    pub equal: Vec<String>,
}

/// What sloc reads of an Alertmanager configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub route: Route,
    pub receivers: Vec<Receiver>,
    pub inhibit_rules: Vec<InhibitRule>,
    /// Where `inhibit_rules` is (or the root route, when there is none): findings about a
    /// missing inhibition point here.
    pub inhibit_span: Range<usize>,
}

/// Where one alert lands: the receiver and the route that chose it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery<'a> {
    pub receiver: &'a str,
    /// The matching route (the root when no child matched).
    pub route_span: Range<usize>,
    /// Whether only the root route matched: the alert reaches the default receiver.
    pub by_root: bool,
}

/// Reads the configuration, with every problem that stops its evaluation.
pub fn read_config(text: &str) -> Result<Config, Vec<Diagnostic>> {
    let docs = sloc_yaml::parse_documents(text).map_err(|e| {
        vec![Diagnostic::new(
            &UNREADABLE_CONFIG,
            e.offset.map_or(0..0, |o| o..o),
            format!("invalid YAML: {}", e.message),
        )]
    })?;
    let Some(root) = docs.first() else {
        return Err(vec![Diagnostic::new(&UNREADABLE_CONFIG, 0..0, "the configuration is empty")]);
    };
    let mut problems = Vec::new();
    let Some(route_node) = root.get("route") else {
        return Err(vec![
            Diagnostic::new(&UNREADABLE_CONFIG, root.span.clone(), "the configuration has no `route`")
                .with_help("Alertmanager needs a root route with a `receiver`"),
        ]);
    };
    let route = read_route(route_node, &mut problems);
    let receivers: Vec<Receiver> = root
        .get("receivers")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            let name = r.get("name")?;
            let integrations = r
                .as_map()
                .unwrap_or_default()
                .iter()
                .filter(|(k, _)| k.as_scalar_text().is_some_and(|k| k.ends_with("_configs")))
                .map(|(_, v)| v.as_seq().map_or(0, <[Node]>::len))
                .sum();
            Some(Receiver { name: Spanned::new(name.as_scalar_text()?.to_string(), name.span.clone()), integrations })
        })
        .collect();
    let inhibit_node = root.get("inhibit_rules");
    let inhibit_rules = inhibit_node
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|rule| InhibitRule {
            span: rule.span.clone(),
            source: side(rule, "source", &mut problems),
            target: side(rule, "target", &mut problems),
            equal: rule
                .get("equal")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|n| n.as_scalar_text().map(str::to_string))
                .collect(),
        })
        .collect();
    // What Alertmanager itself refuses to load: no default receiver, or a route naming a
    // receiver that is not defined.
    if route.receiver.is_none() {
        problems.push(
            Diagnostic::new(&UNREADABLE_CONFIG, route_node.span.clone(), "the root route has no `receiver`")
                .with_label("no default receiver")
                .with_help("Alertmanager refuses the file: give the root route the receiver of last resort"),
        );
    }
    let mut named = Vec::new();
    route.receivers_named(&mut named);
    for name in named {
        if !receivers.iter().any(|r| r.name.value == name.value) {
            problems.push(
                Diagnostic::new(
                    &UNREADABLE_CONFIG,
                    name.span.clone(),
                    format!("the receiver `{}` is not defined", name.value),
                )
                .with_label("undefined receiver")
                .with_help("define it under `receivers:` (Alertmanager refuses the file)"),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let inhibit_span = inhibit_node.map_or(route.span.clone(), |n| n.span.clone());
    Ok(Config { route, receivers, inhibit_rules, inhibit_span })
}

impl Route {
    /// Every receiver this route and the routes below it name.
    fn receivers_named<'a>(&'a self, out: &mut Vec<&'a Spanned<String>>) {
        out.extend(&self.receiver);
        for child in &self.routes {
            child.receivers_named(out);
        }
    }
}

fn read_route(node: &Node, problems: &mut Vec<Diagnostic>) -> Route {
    let mut matchers = Vec::new();
    read_matchers(node, "matchers", "match", "match_re", &mut matchers, problems);
    Route {
        span: node.span.clone(),
        receiver: node
            .get("receiver")
            .and_then(|r| r.as_scalar_text().map(|t| Spanned::new(t.to_string(), r.span.clone()))),
        matchers,
        continue_: node.get("continue").and_then(Node::as_scalar_text) == Some("true"),
        routes: node
            .get("routes")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .map(|child| read_route(child, problems))
            .collect(),
    }
}

/// `<side>_matchers`, and the deprecated `<side>_match` and `<side>_match_re`.
fn side(rule: &Node, side: &str, problems: &mut Vec<Diagnostic>) -> Vec<Matcher> {
    let mut matchers = Vec::new();
    let (list, equal, regex) = (format!("{side}_matchers"), format!("{side}_match"), format!("{side}_match_re"));
    read_matchers(rule, &list, &equal, &regex, &mut matchers, problems);
    matchers
}

fn read_matchers(
    node: &Node,
    list: &str,
    equal: &str,
    regex: &str,
    out: &mut Vec<Matcher>,
    problems: &mut Vec<Diagnostic>,
) {
    for item in node.get(list).and_then(Node::as_seq).unwrap_or_default() {
        match item.as_scalar_text().map(parse_matchers) {
            Some(Ok(matchers)) => out.extend(matchers),
            Some(Err(message)) => problems.push(Diagnostic::new(&UNREADABLE_CONFIG, item.span.clone(), message)),
            None => problems.push(Diagnostic::new(&UNREADABLE_CONFIG, item.span.clone(), "a matcher must be a string")),
        }
    }
    for (key, op) in [(equal, MatchOp::Equal), (regex, MatchOp::Regex)] {
        for (name, value) in node.get(key).and_then(Node::as_map).unwrap_or_default() {
            let (Some(name), Some(text)) = (name.as_scalar_text(), value.as_scalar_text()) else { continue };
            match Matcher::new(name, op, text) {
                Ok(m) => out.push(m),
                Err(message) => problems.push(Diagnostic::new(&UNREADABLE_CONFIG, value.span.clone(), message)),
            }
        }
    }
}

impl Config {
    /// The receivers an alert with these labels reaches, as Alertmanager routes it: depth
    /// first, the first matching child wins unless it has `continue: true`, and a route none
    /// of whose children match delivers itself. The root matches every alert.
    pub fn deliveries(&self, labels: &Labels) -> Vec<Delivery<'_>> {
        let receiver = self.route.receiver.as_ref().map_or("", |r| r.value.as_str());
        let mut out = Vec::new();
        let found = route_children(&self.route, receiver, labels, &mut out);
        if !found {
            out.push(Delivery { receiver, route_span: self.route.span.clone(), by_root: true });
        }
        out
    }

    pub fn receiver(&self, name: &str) -> Option<&Receiver> {
        self.receivers.iter().find(|r| r.name.value == name)
    }

    /// The inhibit rules through which an alert with `source` labels mutes one with `target`.
    pub fn inhibitions(&self, source: &Labels, target: &Labels) -> Vec<&InhibitRule> {
        self.inhibit_rules.iter().filter(|r| r.inhibits(source, target)).collect()
    }
}

/// Routes `labels` through `route`'s children; whether any matched.
fn route_children<'a>(route: &'a Route, receiver: &'a str, labels: &Labels, out: &mut Vec<Delivery<'a>>) -> bool {
    let mut any = false;
    for child in &route.routes {
        if !child.matchers.iter().all(|m| m.matches(labels)) {
            continue;
        }
        any = true;
        let receiver = child.receiver.as_ref().map_or(receiver, |r| r.value.as_str());
        if !route_children(child, receiver, labels, out) {
            out.push(Delivery { receiver, route_span: child.span.clone(), by_root: false });
        }
        if !child.continue_ {
            break;
        }
    }
    any
}

impl InhibitRule {
    /// Alertmanager's rule: the source matches the source side, the target the target side,
    /// the `equal` labels agree (missing and empty are the same), and an alert that matches both
    /// sides is not muted by another that does too.
    pub fn inhibits(&self, source: &Labels, target: &Labels) -> bool {
        let all = |matchers: &[Matcher], labels: &Labels| matchers.iter().all(|m| m.matches(labels));
        if !all(&self.source, source) || !all(&self.target, target) {
            return false;
        }
        if !self.equal.iter().all(|l| label(source, l) == label(target, l)) {
            return false;
        }
        !(all(&self.source, target) && all(&self.target, source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const CONFIG: &str = r#"
route:
  receiver: default
  routes:
    - matchers: [team="db"]
      receiver: db
      continue: true
    - match: {severity: critical}
      receiver: pager
      routes:
        - match_re: {service: "api|web"}
          receiver: web-pager
    - matchers: ['severity=~"warning|info"']
receivers:
  - name: default
  - name: db
  - name: web-pager
  - name: pager
    pagerduty_configs: [{routing_key: x}]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [slo]
"#;

    #[test]
    fn routes_as_alertmanager_does() {
        let config = read_config(CONFIG).unwrap();
        let go = |pairs: &[(&str, &str)]| -> Vec<(String, bool)> {
            config.deliveries(&labels(pairs)).iter().map(|d| (d.receiver.to_string(), d.by_root)).collect()
        };
        assert_eq!(go(&[("severity", "critical")]), [("pager".to_string(), false)]);
        assert_eq!(go(&[("severity", "critical"), ("service", "web")]), [("web-pager".to_string(), false)]);
        assert_eq!(
            go(&[("severity", "critical"), ("team", "db")]),
            [("db".to_string(), false), ("pager".into(), false)]
        );
        // A matching child without a receiver inherits its parent's.
        assert_eq!(go(&[("severity", "info")]), [("default".to_string(), false)]);
        assert_eq!(go(&[("severity", "page")]), [("default".to_string(), true)]);
        assert_eq!(config.receiver("default").unwrap().integrations, 0);
        assert_eq!(config.receiver("pager").unwrap().integrations, 1);
    }

    #[test]
    fn inhibits_as_alertmanager_does() {
        let config = read_config(CONFIG).unwrap();
        let critical = labels(&[("severity", "critical"), ("slo", "a")]);
        assert_eq!(config.inhibitions(&critical, &labels(&[("severity", "warning"), ("slo", "a")])).len(), 1);
        assert!(config.inhibitions(&critical, &labels(&[("severity", "warning"), ("slo", "b")])).is_empty());
        // Missing on both sides counts as equal.
        let bare = |s: &str| labels(&[("severity", s)]);
        assert_eq!(config.inhibitions(&bare("critical"), &bare("warning")).len(), 1);
        // An alert matching both sides is not muted by one that does too.
        let both = read_config(
            "route: {receiver: x}\nreceivers: [{name: x}]\ninhibit_rules:\n  - source_matchers: [a=\"1\"]\n    target_matchers: [b=\"1\"]\n",
        )
        .unwrap();
        let ab = labels(&[("a", "1"), ("b", "1")]);
        assert!(both.inhibitions(&ab, &ab).is_empty());
        assert_eq!(both.inhibitions(&labels(&[("a", "1")]), &labels(&[("b", "1")])).len(), 1);
    }

    #[test]
    fn reports_what_cannot_be_evaluated() {
        let errors = read_config("route:\n  receiver: x\n  routes:\n    - matchers: ['a=~\"(\"']\n").unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("invalid regular expression"), "{messages:?}");
        assert_eq!(messages[1], "the receiver `x` is not defined");
        assert!(read_config("receivers: []\n").is_err());
        let no_default = read_config("route:\n  group_by: [a]\nreceivers: [{name: x}]\n").unwrap_err();
        assert_eq!(no_default[0].message, "the root route has no `receiver`");
    }
}
