//! Diagnostic codes of the rule-file reader: what `promtool check rules` rejects.

use sloc_diagnostics::{Code, declare_code};

declare_code! {
    /// ## What it does
    /// Reports a key Prometheus does not know in a rule file, a group or a rule.
    ///
    /// ## Why it matters
    /// Prometheus refuses to load the file (`field X not found in type rulefmt.RuleNode`). A
    /// typo such as `annotation:` would otherwise be lost.
    ///
    /// ## Fix
    /// Use one of the keys listed in the help.
    pub UNKNOWN_FIELD = ("R001", "unknown-field", Error, "a key Prometheus does not know");
}

declare_code! {
    /// ## What it does
    /// Reports a rule group without a name, or two groups of one file with the same name.
    ///
    /// ## Why it matters
    /// Prometheus refuses the file. Group names identify groups in the API and in metrics.
    ///
    /// ## Fix
    /// Give every group a name unique in its file.
    pub GROUP_NAME = ("R002", "group-name", Error, "a group name that is empty or repeated");
}

declare_code! {
    /// ## What it does
    /// Reports a rule that sets both `record` and `alert`, or neither.
    ///
    /// ## Fix
    /// A recording rule has `record:`; an alerting rule has `alert:`.
    pub RULE_KIND = ("R003", "rule-kind", Error, "a rule must set exactly one of record and alert");
}

declare_code! {
    /// ## What it does
    /// Reports a rule without an `expr`, or with an empty one.
    ///
    /// ## Fix
    /// Add the PromQL expression the rule evaluates.
    pub MISSING_EXPR = ("R004", "missing-expr", Error, "a rule without an expression");
}

declare_code! {
    /// ## What it does
    /// Reports a recording rule whose name is not a valid metric name
    /// (`[a-zA-Z_:][a-zA-Z0-9_:]*`), such as `job:errors{code="5xx"}`.
    ///
    /// ## Fix
    /// Move labels into the rule's `labels:` (or the expression) and keep the name plain.
    pub INVALID_RECORD_NAME = ("R005", "invalid-record-name", Error, "a recording rule name that is not a metric name");
}

declare_code! {
    /// ## What it does
    /// Reports a label or annotation name Prometheus rejects (`[a-zA-Z_][a-zA-Z0-9_]*`), or a
    /// rule label called `__name__`.
    ///
    /// ## Fix
    /// Rename the label.
    pub INVALID_LABEL = ("R006", "invalid-label", Error, "an invalid label or annotation name");
}

declare_code! {
    /// ## What it does
    /// Reports `for`, `keep_firing_for` or `annotations` on a recording rule: they only mean
    /// something on alerting rules.
    ///
    /// ## Fix
    /// Remove the field, or make the rule an alerting rule.
    pub ALERT_ONLY_FIELD = ("R007", "alert-only-field", Error, "an alerting-rule field on a recording rule");
}

/// R008 lives with the template checker, which specs share.
pub use sloc_template::TEMPLATE;

/// R009 is declared with its check.
pub use crate::checks::duplicate_rule::CODE as DUPLICATE_RULE;

declare_code! {
    /// ## What it does
    /// Reports a value of the wrong kind in a rule file: `groups` that is not a list, a rule
    /// that is not a mapping, a `limit` that is not a number, a file that is neither a rule
    /// file, a `PrometheusRule` manifest nor an SLO spec.
    pub STRUCTURE = ("R010", "structure", Error, "a rule file value of the wrong kind");
}

declare_code! {
    /// ## What it does
    /// Reports a duration Prometheus rejects in `interval`, `for` or `keep_firing_for`
    /// (`5 minutes`, `1.5h`).
    ///
    /// ## Fix
    /// Use Prometheus durations: `30s`, `5m`, `1h30m`.
    pub RULE_DURATION = ("R011", "invalid-rule-duration", Error, "a duration Prometheus rejects");
}

/// Every code of the rule-file reader.
pub static RULEFILE_CODES: &[&Code] = &[
    &UNKNOWN_FIELD,
    &GROUP_NAME,
    &RULE_KIND,
    &MISSING_EXPR,
    &INVALID_RECORD_NAME,
    &INVALID_LABEL,
    &ALERT_ONLY_FIELD,
    &TEMPLATE,
    &DUPLICATE_RULE,
    &STRUCTURE,
    &RULE_DURATION,
];
