//! Diagnostic codes of the SLO spec reader. Their doc comments are shown by `sloc explain`.

use sloc_diagnostics::{Code, declare_code};

declare_code! {
    /// ## What it does
    /// Reports a key the spec does not define, with the closest known key.
    ///
    /// ## Why it matters
    /// A misspelt key (`objectve`, `group-by`) would otherwise be ignored and the setting
    /// silently lost, as happens with Sloth.
    ///
    /// ## Fix
    /// Use one of the keys listed in the message, or see the JSON Schema (`sloc.schema.json`).
    pub UNKNOWN_KEY = ("S001", "unknown-key", Error, "a key the spec does not define");
}

declare_code! {
    /// ## What it does
    /// Reports a required field that is missing: `service`, `slos`, an objective's `name`,
    /// `objective` or `sli`, or one half of an SLI (`total` next to `errors`).
    ///
    /// ## Fix
    /// Add the field. A minimal spec:
    /// ```yaml
    /// service: api
    /// slos:
    ///   - name: availability
    ///     objective: 99.9
    ///     sli:
    ///       errors: http_requests_total{code=~"5.."}
    ///       total: http_requests_total
    /// ```
    pub MISSING_FIELD = ("S002", "missing-field", Error, "a required field is missing");
}

declare_code! {
    /// ## What it does
    /// Reports a value of the wrong kind: a list where a mapping is expected, a number where a
    /// name is expected, an unknown tier name.
    ///
    /// ## Fix
    /// Give a value of the kind named in the message.
    pub WRONG_TYPE = ("S003", "wrong-type", Error, "a value of the wrong kind");
}

declare_code! {
    /// ## What it does
    /// Reports an objective that is not a percentage strictly between 0 and 100.
    ///
    /// ## Why it matters
    /// An objective of 100 leaves no error budget: every burn rate is infinite. An objective of
    /// 0.999 is almost always a ratio written where a percentage was meant.
    ///
    /// ## Fix
    /// Write the objective in percent: `99.9`, `"99.9%"` or `95`.
    pub OBJECTIVE_OUT_OF_RANGE = ("S004", "objective-out-of-range", Error, "objective is not a percentage in (0, 100)");
}

declare_code! {
    /// ## What it does
    /// Reports a duration Prometheus would not accept (`30days`, `1.5h`, `5M`), or a zero
    /// duration where one must be positive.
    ///
    /// ## Fix
    /// Use Prometheus durations: whole numbers with units `ms`, `s`, `m`, `h`, `d`, `w`, `y`, from
    /// largest to smallest (`1h30m`).
    pub INVALID_DURATION = ("S005", "invalid-duration", Error, "not a valid Prometheus duration");
}

declare_code! {
    /// ## What it does
    /// Reports a label that would overwrite one sloc sets itself: `slo`, `service` or
    /// `severity`, in the spec's labels, the alert labels or `group_by`.
    ///
    /// ## Why it matters
    /// The generated alerts select their recordings by `slo` and route by `severity`; overwriting
    /// them breaks both (Sloth #513).
    ///
    /// ## Fix
    /// Rename the label.
    pub RESERVED_LABEL = ("S007", "reserved-label", Error, "a label would clobber one sloc sets");
}

declare_code! {
    /// ## What it does
    /// Reports a name sloc cannot use: a service or objective name outside `[A-Za-z0-9_-]`, an
    /// alert name that is not CamelCase, a histogram name that is not a metric name.
    ///
    /// ## Fix
    /// Rename as the message says.
    pub INVALID_NAME = ("S010", "invalid-name", Error, "a name sloc cannot use");
}

declare_code! {
    /// ## What it does
    /// Reports an `sli` that does not have exactly one kind: `errors` + `total`, `good` +
    /// `total`, `latency`, `threshold` or `raw`.
    ///
    /// ## Fix
    /// Keep one kind per objective; write a second objective for a second indicator.
    pub SLI_KIND = ("S011", "sli-kind", Error, "an SLI without exactly one kind");
}

declare_code! {
    /// ## What it does
    /// Reports a label or annotation name that Prometheus rejects (`[a-zA-Z_][a-zA-Z0-9_]*`).
    ///
    /// ## Fix
    /// Use letters, digits and underscores, not starting with a digit.
    pub INVALID_LABEL_NAME = ("S012", "invalid-label-name", Error, "an invalid label name");
}

declare_code! {
    /// ## What it does
    /// Reports an SLI expression that sloc cannot place its windows in: an `errors`, `good` or
    /// `total` that is neither a plain selector nor an expression with `$window`, or a `raw`
    /// without `$window`.
    ///
    /// ## Why it matters
    /// sloc evaluates the SLI over several windows (5m to the whole period). A fixed range such
    /// as `[5m]` would make every window read the same 5 minutes.
    ///
    /// ## Fix
    /// Give a plain selector (`http_requests_total{code=~"5.."}`), which sloc wraps in
    /// `rate(...)`, or write `[$window]` where the range goes.
    pub MISSING_WINDOW = ("S013", "window-placeholder", Error, "an SLI expression without a place for the window");
}

declare_code! {
    /// ## What it does
    /// Reports a `threshold` SLI without exactly one bound (`below:` or `above:`).
    ///
    /// ## Fix
    /// ```yaml
    /// threshold:
    ///   value: sum(rate(cost_total[5m])) / sum(rate(requests_total[5m]))
    ///   below: 0.5
    /// ```
    pub THRESHOLD_BOUND = ("S014", "threshold-bound", Error, "a threshold SLI without exactly one bound");
}

declare_code! {
    /// ## What it does
    /// Reports an SLI expression that does not evaluate to an instant vector: a range vector
    /// (`errors_total[$window]`), a number or a string.
    ///
    /// ## Why it matters
    /// sloc records each SLI expression at every window and divides, sums and compares the
    /// results; only instant vectors can be recorded and combined so.
    ///
    /// ## Fix
    /// Wrap ranges in a function: `sum(rate(errors_total[$window]))`.
    pub SLI_NOT_VECTOR = ("S015", "sli-not-instant-vector", Error, "an SLI expression that is not an instant vector");
}

declare_code! {
    /// ## What it does
    /// Reports an alert tier of the spec's own (`tiers:`) that cannot be used: no `long`
    /// window, neither or both of `factor` and `budget`, a `short` window not shorter than the
    /// long one, or a name used twice.
    ///
    /// ## Example
    /// ```yaml
    /// tiers:
    ///   - {severity: critical, long: 1h, short: 2h, factor: 14.4}   # short is longer
    /// ```
    ///
    /// ## Fix
    /// Give each tier a severity, a long window, and one of `factor` (a burn rate) or `budget`
    /// (the percent of the period's budget spent within the long window).
    pub INVALID_TIER = ("S016", "invalid-tier", Error, "an alert tier that cannot be used");
}

/// Every code of the spec reader.
pub static SPEC_CODES: &[&Code] = &[
    &UNKNOWN_KEY,
    &MISSING_FIELD,
    &WRONG_TYPE,
    &OBJECTIVE_OUT_OF_RANGE,
    &INVALID_DURATION,
    &crate::checks::duplicate_slo_name::CODE,
    &RESERVED_LABEL,
    &crate::checks::tier_never_fires::CODE,
    &crate::checks::events_metric_mismatch::CODE,
    &INVALID_NAME,
    &SLI_KIND,
    &INVALID_LABEL_NAME,
    &MISSING_WINDOW,
    &THRESHOLD_BOUND,
    &SLI_NOT_VECTOR,
    &INVALID_TIER,
    &crate::checks::short_window::CODE,
];
