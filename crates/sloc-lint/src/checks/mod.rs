//! The lint checks, one file each. A check's doc comment is its documentation
//! (`sloc explain CODE`); its fixture is `fixtures/lint/<CODE>.yaml`.
//!
//! To add a check: write `<name>.rs` with a `declare_code!` and a `run` function, list it below,
//! add `fixtures/lint/<CODE>.yaml` with one finding and one clean rule, and accept its snapshot.

use sloc_diagnostics::{Code, Diagnostic};

use crate::{RuleContext, SpecContext};

pub mod alert_without_severity;
pub mod alert_without_summary;
pub mod burn_threshold_above_one;
pub mod burn_window_pairing;
pub mod duplicate_series;
pub mod events_not_subset;
pub mod group_by_dropped;
pub mod histogram_quantile_without_le;
pub mod integer_le_matcher;
pub mod mismatched_grouping;
pub mod nan_comparison;
pub mod one_failure_pages;
pub mod paging_factor_below_one;
pub mod range_too_short;
pub mod rate_non_counter;
pub mod recording_rule_name;
pub mod redundant_for_zero;
pub mod regex_matcher;
pub mod value_in_alert_labels;

/// Whether a check's findings are shown by default. Each check earns its default by its
/// precision on real rule files (see `docs/codes.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckSet {
    /// Right on real files: reported by default.
    Default,
    /// Conventions a team may not share: run, but only counted in one line unless enabled
    /// (`enable = ["style"]` or `--enable style`).
    Style,
    /// Needs the targets' scrape interval, which a rule file does not say: runs, and is
    /// shown, only when `scrape_interval` is set in `sloc.toml`.
    NeedsScrapeInterval,
}

impl CheckSet {
    pub fn name(self) -> &'static str {
        match self {
            CheckSet::Default => "default",
            CheckSet::Style => "style",
            CheckSet::NeedsScrapeInterval => "with `scrape_interval`",
        }
    }
}

/// A check run on every rule of every rule file.
pub struct RuleCheck {
    pub code: &'static Code,
    pub set: CheckSet,
    pub run: fn(&RuleContext, &mut Vec<Diagnostic>),
}

/// A check run on every SLO spec.
pub struct SpecCheck {
    pub code: &'static Code,
    pub set: CheckSet,
    pub run: fn(&SpecContext, &mut Vec<Diagnostic>),
}

/// The set of a check's code; `None` for codes that are not checks (the readers' own, always
/// shown).
pub fn set_of(code: &str) -> Option<CheckSet> {
    RULE_CHECKS
        .iter()
        .map(|c| (c.code, c.set))
        .chain(SPEC_CHECKS.iter().map(|c| (c.code, c.set)))
        .find(|(c, _)| c.code == code)
        .map(|(_, set)| set)
}

pub static RULE_CHECKS: &[RuleCheck] = &[
    RuleCheck { code: &rate_non_counter::CODE, set: CheckSet::Default, run: rate_non_counter::run },
    RuleCheck { code: &range_too_short::CODE, set: CheckSet::NeedsScrapeInterval, run: range_too_short::run },
    RuleCheck {
        code: &histogram_quantile_without_le::CODE,
        set: CheckSet::Default,
        run: histogram_quantile_without_le::run,
    },
    RuleCheck { code: &mismatched_grouping::CODE, set: CheckSet::Default, run: mismatched_grouping::run },
    RuleCheck { code: &alert_without_severity::CODE, set: CheckSet::Default, run: alert_without_severity::run },
    RuleCheck { code: &alert_without_summary::CODE, set: CheckSet::Style, run: alert_without_summary::run },
    RuleCheck { code: &value_in_alert_labels::CODE, set: CheckSet::Default, run: value_in_alert_labels::run },
    RuleCheck { code: &regex_matcher::CODE, set: CheckSet::Style, run: regex_matcher::run },
    RuleCheck { code: &nan_comparison::CODE, set: CheckSet::Default, run: nan_comparison::run },
    RuleCheck { code: &redundant_for_zero::CODE, set: CheckSet::Style, run: redundant_for_zero::run },
    RuleCheck { code: &duplicate_series::CODE, set: CheckSet::Default, run: duplicate_series::run },
    RuleCheck { code: &recording_rule_name::CODE, set: CheckSet::Style, run: recording_rule_name::run },
    RuleCheck { code: &burn_threshold_above_one::CODE, set: CheckSet::Default, run: burn_threshold_above_one::run },
    RuleCheck { code: &burn_window_pairing::CODE, set: CheckSet::Default, run: burn_window_pairing::run },
    RuleCheck { code: &integer_le_matcher::CODE, set: CheckSet::Default, run: integer_le_matcher::run },
];

pub static SPEC_CHECKS: &[SpecCheck] = &[
    SpecCheck { code: &paging_factor_below_one::CODE, set: CheckSet::Default, run: paging_factor_below_one::run },
    SpecCheck { code: &events_not_subset::CODE, set: CheckSet::Default, run: events_not_subset::run },
    SpecCheck { code: &group_by_dropped::CODE, set: CheckSet::Default, run: group_by_dropped::run },
    SpecCheck { code: &one_failure_pages::CODE, set: CheckSet::Default, run: one_failure_pages::run },
];

pub(crate) use sloc_promql::analysis::{calls, range_calls, unparen};

/// A computed number for messages: six significant decimals, no float noise.
pub(crate) fn show_number(x: f64) -> String {
    let text = format!("{x:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

/// The operator's span and the string's content (inside its quotes) of a matcher
/// `label op "value"` at `span` of an expression (as `Locator::matcher_values` gives them):
/// what a fix edits.
pub(crate) fn matcher_parts(
    text: &str,
    span: &std::ops::Range<usize>,
) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let tokens = sloc_promql::tokenize(&text[span.clone()]);
    let [_, op, value] = tokens.as_slice() else { return None };
    let at = |r: &std::ops::Range<usize>| span.start + r.start..span.start + r.end;
    let value = at(&value.span);
    (value.len() >= 2).then(|| (at(&op.span), value.start + 1..value.end - 1))
}
