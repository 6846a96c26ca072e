//! The error budget as people read it: where each objective stands now (`sloc status`) and how
//! it did over a calendar period (`sloc report`), computed from the series sloc records and
//! read from the plan (which series, windows, tiers and alert names).
//!
//! No IO of its own: the caller hands in a [`Source`] that asks the server (the pipeline's
//! client) or, in tests, a table of answers.

use std::collections::BTreeMap;

use sloc_plan::Objective;

pub mod render;
pub mod report;
pub mod status;
pub mod time;

/// Labels of a series.
pub type Labels = BTreeMap<String, String>;

/// An instant vector: each sample's labels and value.
pub type Vector = Vec<(Labels, f64)>;

/// A range query's matrix: each series' labels and (time, value) points.
pub type Matrix = Vec<(Labels, Vec<(f64, f64)>)>;

/// What the budget views ask of a server.
pub trait Source {
    type Error;

    /// Instant queries, each at its time (Unix seconds; the server's now when `None`), in order.
    fn instant(&self, queries: Vec<(String, Option<f64>)>) -> Vec<Result<Vector, Self::Error>>;

    /// A range query from `start` to `end` at `step` (seconds). Every point returned lies on
    /// that grid (the client drops a server's other points while it reads the answer, which
    /// bounds its memory by the period and step).
    fn range(&self, query: &str, start: f64, end: f64, step: f64) -> Result<Matrix, Self::Error>;
}

/// The `group_by` values of a series: which row of an objective it belongs to.
pub(crate) fn group_key(o: &Objective, labels: &Labels) -> Labels {
    o.group_by.iter().filter_map(|g| labels.get(g).map(|v| (g.clone(), v.clone()))).collect()
}

/// Samples keyed by their group, the first value of each kept. NaN is no value.
pub(crate) fn by_group(o: &Objective, samples: &[(Labels, f64)]) -> BTreeMap<Labels, f64> {
    let mut out = BTreeMap::new();
    for (labels, value) in samples {
        // NaN is 0/0: no events. Infinities are kept, for the caller to call them invalid.
        if !value.is_nan() {
            out.entry(group_key(o, labels)).or_insert(*value);
        }
    }
    out
}

/// The groups an answer holds more than one series for: a label the recordings keep that the
/// objective does not group by. Their values cannot be told apart.
pub(crate) fn collisions(o: &Objective, samples: &[(Labels, f64)]) -> std::collections::BTreeSet<Labels> {
    let mut seen = std::collections::BTreeSet::new();
    samples.iter().map(|(labels, _)| group_key(o, labels)).filter(|k| !seen.insert(k.clone())).collect()
}

/// The evaluation interval of an objective's rules in seconds: the loaded group's (the
/// server's word), else the spec's, else Prometheus' default of 1m.
pub fn evaluation_interval(o: &Objective, loaded: Option<f64>) -> f64 {
    loaded.filter(|s| *s > 0.0).unwrap_or_else(|| o.interval.map_or(60.0, |d| d.millis() as f64 / 1000.0))
}
