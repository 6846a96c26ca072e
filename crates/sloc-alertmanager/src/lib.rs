//! Alertmanager: the configuration fragment sloc writes for a spec's alerts (routes per tier
//! and inhibitions between tiers), and a reader and evaluator of an `alertmanager.yml`'s
//! routing tree and inhibit rules, with Alertmanager's semantics, for the checks that prove
//! every tier reaches its receiver.

mod config;
mod fragment;
mod matcher;

pub use config::{Config, InhibitRule, Receiver, Route, UNREADABLE_CONFIG, read_config};
pub use fragment::fragment;
pub use matcher::{MatchOp, Matcher, parse_matchers};

/// A label set: name → value. A missing label and an empty value are the same thing.
pub type Labels = std::collections::BTreeMap<String, String>;

fn label<'a>(labels: &'a Labels, name: &str) -> &'a str {
    labels.get(name).map_or("", String::as_str)
}
