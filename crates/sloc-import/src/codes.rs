//! The codes of `sloc import`'s findings, each located in the input file.

use sloc_diagnostics::{Code, declare_code};

declare_code! {
    /// ## What it does
    /// Notes a part of the input that the sloc spec carries only approximately: a calendar
    /// window alerted on as a rolling one, a time-slice budget, a `severity` label moved aside,
    /// an expression kept as a `raw` SLI.
    ///
    /// ## Why it matters
    /// The imported spec compiles and alerts, but not exactly as the peer did; the note says
    /// how it differs, so that the team can decide before deleting the old rules
    /// (`sloc import --compare` shows the timings side by side).
    ///
    /// ## Example
    /// An OpenSLO `timeWindow` with `calendar:` (a calendar week): sloc alerts over a rolling
    /// week, and `sloc report --from --to` gives the calendar week's compliance.
    pub APPROXIMATED = ("I001", "import-approximated", Warning, "a part of the input carried over approximately");
}

declare_code! {
    /// ## What it does
    /// Notes a part of the input that the sloc spec does not carry: a Sloth SLO plugin that
    /// only logs, Pyrra's absent alerts or its performance settings, a per-alert label, a key
    /// the peer itself ignores.
    ///
    /// ## Why it matters
    /// Nothing breaks, but something the old setup had is gone: the note names it.
    ///
    /// ## Example
    /// Sloth's `page_alert.labels: {routing_key: myteam}`: sloc's tiers share one label set;
    /// route on `severity` instead (`sloc build --format alertmanager`).
    pub DROPPED = ("I002", "import-dropped", Warning, "a part of the input not carried over");
}

declare_code! {
    /// ## What it does
    /// Reports an objective that cannot be imported: an SLI computed by a Go plugin, a data
    /// source other than Prometheus, MetricsQL, a template action other than `{{.window}}`, an
    /// OpenSLO reference to a document that is not among the inputs, a value out of range.
    ///
    /// ## Why it matters
    /// sloc compiles PromQL; what it cannot read it cannot alert on. The other objectives of the
    /// file are still imported.
    ///
    /// ## Fix
    /// Rewrite the SLI as PromQL in the imported spec by hand (a `raw` SLI takes any error-ratio
    /// expression with `$window`).
    pub CANNOT_IMPORT = ("I003", "cannot-import", Error, "an objective that cannot be imported");
}

declare_code! {
    /// ## What it does
    /// Reports an input document that is none of the formats `sloc import` reads: Sloth
    /// `prometheus/v1` and `sloth.slok.dev/v1` `PrometheusServiceLevel`, Sloth's OpenSLO
    /// `v1alpha`, Pyrra `pyrra.dev/v1alpha1` `ServiceLevelObjective`, OpenSLO `v1`.
    ///
    /// ## Fix
    /// Check the document's `version` or `apiVersion` and `kind`.
    pub UNKNOWN_FORMAT = ("I004", "unknown-format", Error, "a document of no format sloc imports");
}

/// I005 is declared with the detection it reports, in sloc-spec.
pub use sloc_spec::peer::PEER_SPEC;

/// Every code of the importer.
pub static IMPORT_CODES: &[&Code] = &[&APPROXIMATED, &DROPPED, &CANNOT_IMPORT, &UNKNOWN_FORMAT, &PEER_SPEC];
