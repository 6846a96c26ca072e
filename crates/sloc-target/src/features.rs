//! What changed between Prometheus releases, as far as rule files and PromQL go. Versions are
//! read from Prometheus' own history (its `promql/parser/functions.go`, `lex.go`,
//! `generated_parser.y`, `model/rulefmt/rulefmt.go` and `cmd/prometheus/main.go` at each
//! release tag from v2.42.0 to v3.14.0).

use crate::{BINOP_FILL_MODIFIERS, DURATION_EXPR, EXPERIMENTAL_FUNCTIONS, EXTENDED_RANGE_SELECTORS, Kind, Version};

/// A construct some servers accept and others do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// Stable kebab-case id: the row's anchor in `docs/targets.md`.
    pub id: &'static str,
    /// What it is, as a message names it ("the trim operator `</` or `>/`").
    pub what: &'static str,
    pub example: &'static str,
    /// The Prometheus release that brought it.
    pub since: Version,
    /// The release that removed it, and what to use instead.
    pub removed: Option<Version>,
    pub instead: Option<&'static str>,
    /// The name that replaces it, where the fix is a rename.
    pub renamed_to: Option<&'static str>,
    /// The flag it needs, and the release from which it no longer does.
    pub flag: Option<&'static str>,
    pub flag_until: Option<Version>,
    /// The kinds that accept it; empty means every kind.
    pub kinds: &'static [Kind],
}

const fn v(major: u16, minor: u16) -> Version {
    Version::new(major, minor)
}

const fn syntax(id: &'static str, what: &'static str, example: &'static str, since: Version) -> Feature {
    Feature {
        id,
        what,
        example,
        since,
        removed: None,
        instead: None,
        renamed_to: None,
        flag: None,
        flag_until: None,
        kinds: &[],
    }
}

const fn flagged(feature: Feature, flag: &'static str, until: Option<Version>) -> Feature {
    Feature { flag: Some(flag), flag_until: until, ..feature }
}

const fn only(feature: Feature, kinds: &'static [Kind]) -> Feature {
    Feature { kinds, ..feature }
}

const NOT_THANOS: &[Kind] = &[Kind::Prometheus, Kind::Mimir, Kind::Cortex];

/// Every gated construct of PromQL and of the rule-file format except functions (see
/// [`FUNCTIONS`]).
pub static FEATURES: &[Feature] = &[
    syntax("number-durations", "a number as a duration", "rate(x[300]) offset 1.5", v(2, 54)),
    syntax("number-underscores", "`_` between digits", "x > 1_000_000", v(2, 54)),
    syntax("utf8-names", "a quoted (UTF-8) metric or label name", "{\"http.requests\", \"svc.name\"=\"api\"}", v(3, 0)),
    flagged(
        syntax("duration-expressions", "a duration expression", "x[5m * 2] offset -(1h + 5m)", v(3, 4)),
        DURATION_EXPR,
        Some(v(3, 14)),
    ),
    flagged(syntax("duration-step", "`step()` in a duration", "x[step() * 4]", v(3, 7)), DURATION_EXPR, Some(v(3, 14))),
    flagged(syntax("duration-range", "`range()` in a duration", "x[range()]", v(3, 10)), DURATION_EXPR, Some(v(3, 14))),
    flagged(
        syntax("duration-min-max", "`max_of()` or `min_of()` in a duration", "x[max_of(5m, step())]", v(3, 14)),
        DURATION_EXPR,
        Some(v(3, 14)),
    ),
    syntax("trim-operators", "the trim operator `</` or `>/`", "histogram_metric </ 0.5", v(3, 11)),
    flagged(
        syntax(
            "extended-range-selectors",
            "the range modifier `anchored` or `smoothed`",
            "increase(x[5m] anchored)",
            v(3, 7),
        ),
        EXTENDED_RANGE_SELECTORS,
        None,
    ),
    flagged(
        syntax("fill-modifiers", "the modifier `fill()`, `fill_left()` or `fill_right()`", "a + fill(0) b", v(3, 10)),
        BINOP_FILL_MODIFIERS,
        None,
    ),
    flagged(syntax("limitk", "the `limitk` aggregation", "limitk(10, x)", v(2, 54)), EXPERIMENTAL_FUNCTIONS, None),
    flagged(
        syntax("limit_ratio", "the `limit_ratio` aggregation", "limit_ratio(0.1, x)", v(2, 54)),
        EXPERIMENTAL_FUNCTIONS,
        None,
    ),
    // Rule-file fields.
    syntax("limit", "the group field `limit`", "limit: 10", v(2, 31)),
    syntax("keep_firing_for", "the rule field `keep_firing_for`", "keep_firing_for: 10m", v(2, 42)),
    only(syntax("query_offset", "the group field `query_offset`", "query_offset: 1m", v(2, 53)), NOT_THANOS),
    only(syntax("group-labels", "the group field `labels`", "labels: {team: sre}", v(3, 0)), NOT_THANOS),
    syntax(
        "utf8-rule-names",
        "a recording rule or label name outside [a-zA-Z0-9_:]",
        "record: \"http.requests:rate5m\"",
        v(3, 0),
    ),
    only(
        syntax(
            "partial_response_strategy",
            "the group field `partial_response_strategy`",
            "partial_response_strategy: warn",
            v(2, 42),
        ),
        &[Kind::Thanos],
    ),
    only(
        syntax("source-tenants", "the group field `source_tenants`", "source_tenants: [team-a, team-b]", v(2, 42)),
        &[Kind::Mimir, Kind::Cortex],
    ),
];

/// A PromQL function and when it is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: &'static str,
    pub feature: Feature,
}

/// A function: `func!("rate", since)`, or `func!("info", since, experimental until)` for one
/// behind `promql-experimental-functions` (until a release, or `None`: still).
macro_rules! func {
    ($name:literal, $since:expr) => {
        Function { name: $name, feature: syntax($name, concat!("`", $name, "()`"), "", $since) }
    };
    ($name:literal, $since:expr, experimental until $stable:expr) => {
        Function {
            name: $name,
            feature: flagged(syntax($name, concat!("`", $name, "()`"), "", $since), EXPERIMENTAL_FUNCTIONS, $stable),
        }
    };
}

/// Every function of Prometheus 2.42 to 3.14, sorted by name.
pub static FUNCTIONS: &[Function] = &[
    func!("abs", OLD),
    func!("absent", OLD),
    func!("absent_over_time", OLD),
    func!("acos", OLD),
    func!("acosh", OLD),
    func!("asin", OLD),
    func!("asinh", OLD),
    func!("atan", OLD),
    func!("atanh", OLD),
    func!("avg_over_time", OLD),
    func!("ceil", OLD),
    func!("changes", OLD),
    func!("clamp", OLD),
    func!("clamp_max", OLD),
    func!("clamp_min", OLD),
    func!("cos", OLD),
    func!("cosh", OLD),
    func!("count_over_time", OLD),
    func!("day_of_month", OLD),
    func!("day_of_week", OLD),
    func!("day_of_year", OLD),
    func!("days_in_month", OLD),
    func!("deg", OLD),
    func!("delta", OLD),
    func!("deriv", OLD),
    func!("double_exponential_smoothing", v(3, 0), experimental until None),
    func!("end", v(3, 12), experimental until None),
    func!("exp", OLD),
    func!("first_over_time", v(3, 7), experimental until Some(v(3, 14))),
    func!("floor", OLD),
    func!("histogram_avg", v(2, 51)),
    func!("histogram_count", OLD),
    func!("histogram_fraction", OLD),
    func!("histogram_quantile", OLD),
    func!("histogram_quantiles", v(3, 11), experimental until None),
    func!("histogram_stddev", v(2, 47)),
    func!("histogram_stdvar", v(2, 47)),
    func!("histogram_sum", OLD),
    Function {
        name: "holt_winters",
        feature: Feature {
            removed: Some(v(3, 0)),
            instead: Some("double_exponential_smoothing (behind --enable-feature=promql-experimental-functions)"),
            renamed_to: Some("double_exponential_smoothing"),
            ..func!("holt_winters", OLD).feature
        },
    },
    func!("hour", OLD),
    func!("idelta", OLD),
    func!("increase", OLD),
    func!("info", v(2, 55), experimental until None),
    func!("irate", OLD),
    func!("label_join", OLD),
    func!("label_replace", OLD),
    func!("last_over_time", OLD),
    func!("ln", OLD),
    func!("log10", OLD),
    func!("log2", OLD),
    func!("mad_over_time", v(2, 49), experimental until None),
    func!("max_of", v(3, 13), experimental until None),
    func!("max_over_time", OLD),
    func!("min_of", v(3, 13), experimental until None),
    func!("min_over_time", OLD),
    func!("minute", OLD),
    func!("month", OLD),
    func!("pi", OLD),
    func!("predict_linear", OLD),
    func!("present_over_time", OLD),
    func!("quantile_over_time", OLD),
    func!("rad", OLD),
    func!("range", v(3, 12), experimental until None),
    func!("rate", OLD),
    func!("resets", OLD),
    func!("round", OLD),
    func!("scalar", OLD),
    func!("sgn", OLD),
    func!("sin", OLD),
    func!("sinh", OLD),
    func!("sort", OLD),
    func!("sort_by_label", v(2, 49), experimental until None),
    func!("sort_by_label_desc", v(2, 49), experimental until None),
    func!("sort_desc", OLD),
    func!("sqrt", OLD),
    func!("start", v(3, 12), experimental until None),
    func!("start_timestamp", v(3, 14), experimental until None),
    func!("stddev_over_time", OLD),
    func!("stdvar_over_time", OLD),
    func!("step", v(3, 12), experimental until None),
    func!("sum_over_time", OLD),
    func!("tan", OLD),
    func!("tanh", OLD),
    func!("time", OLD),
    func!("timestamp", OLD),
    func!("ts_of_first_over_time", v(3, 7), experimental until None),
    func!("ts_of_last_over_time", v(3, 5), experimental until None),
    func!("ts_of_max_over_time", v(3, 5), experimental until None),
    func!("ts_of_min_over_time", v(3, 5), experimental until None),
    func!("vector", OLD),
    func!("year", OLD),
];

/// Functions present in every release sloc knows.
const OLD: Version = crate::OLDEST;

pub fn feature(id: &str) -> Option<&'static Feature> {
    FEATURES.iter().find(|f| f.id == id)
}

/// A function by name (case-sensitive, as Prometheus' names are).
pub fn function(name: &str) -> Option<&'static Function> {
    // Every call of every expression asks: the table is sorted by name.
    FUNCTIONS.binary_search_by(|f| f.name.cmp(name)).ok().map(|i| &FUNCTIONS[i])
}

/// `docs/targets.md`: every gated feature and function, with the release that brought or
/// removed it, the flag it needs and the kinds that accept it.
pub fn docs_table() -> String {
    let mut out = String::from(
        "# What each target accepts\n\n\
         <!-- Generated by `cargo xtask codegen` from crates/sloc-target; do not edit. -->\n\n\
         `sloc lint`, `build`, `test` and `check` judge rules for one server: `--target KIND@VERSION`\n\
         (or `target = \"KIND@VERSION\"` in `sloc.toml`), KIND one of `prometheus`, `thanos`, `mimir`,\n\
         `cortex`, VERSION the Prometheus release whose PromQL and rule format the server speaks\n\
         (for Thanos, Mimir and Cortex: the Prometheus release they embed). The default is\n\
         `prometheus@3.14`; sloc judges 2.42 and later. `--enable-feature NAME` (repeatable, or\n\
         `enable_features = [...]` in `sloc.toml`) takes Prometheus' own flag names. A construct the\n\
         target lacks is an error (T001, `not-on-target`) naming the release or flag that brings it.\n\n\
         ## Syntax and rule-file fields\n\n\
         | Feature | Example | Since | Removed | Flag | Kinds |\n|---|---|---|---|---|---|\n",
    );
    for f in FEATURES {
        out.push_str(&row(f, &format!("<a id=\"{}\"></a>{}", f.id, f.what), Some(f.example)));
    }
    out.push_str(
        "\n## Functions\n\nEvery function of Prometheus 2.42 is accepted by every target, except where a row below says.\n\n\
         | Function | Since | Removed | Flag | Kinds |\n|---|---|---|---|---|\n",
    );
    for f in
        FUNCTIONS.iter().filter(|f| f.feature.since > OLD || f.feature.removed.is_some() || f.feature.flag.is_some())
    {
        out.push_str(&row(&f.feature, &format!("<a id=\"{}\"></a>`{}()`", f.name, f.name), None));
    }
    out
}

/// A table row; `example` is a column only where the table has one.
fn row(f: &Feature, name: &str, example: Option<&str>) -> String {
    let example = example.map(|e| format!(" `{}` |", e.replace('|', "\\|"))).unwrap_or_default();
    let removed = match (f.removed, f.instead) {
        (Some(r), Some(i)) => format!("{r} (use {i})"),
        (Some(r), None) => r.to_string(),
        _ => String::new(),
    };
    let flag = match (f.flag, f.flag_until) {
        (Some(flag), Some(until)) => format!("`{flag}` before {until}"),
        (Some(flag), None) => format!("`{flag}`"),
        _ => String::new(),
    };
    let kinds = if f.kinds.is_empty() {
        "all".to_string()
    } else {
        f.kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
    };
    format!("| {name} |{example} {} | {removed} | {flag} | {kinds} |\n", f.since)
}
