//! The alert tiers: the SRE workbook's multiwindow, multi-burn-rate alerts.
//!
//! Each tier alerts when a share of the period's error budget is spent within its long window
//! (and the short window confirms the burn is still going on). The burn factor follows from the
//! share: `factor = share × period / long_window`, so 2 % in 1h over 30d is 14.4x.

use std::ops::Range;

use sloc_promql::Duration;
use sloc_yaml::Spanned;

use crate::{Alerting, Decimal};

/// An alert tier, named by the severity its alert carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Critical,
    Warning,
    Info,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Critical, Tier::Warning, Tier::Info];

    pub fn name(self) -> &'static str {
        match self {
            Tier::Critical => "critical",
            Tier::Warning => "warning",
            Tier::Info => "info",
        }
    }

    pub fn parse(text: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.name() == text)
    }

    /// The workbook's windows and budget shares for this tier.
    pub fn policy(self) -> TierPolicy {
        const MIN: u64 = 60;
        const HOUR: u64 = 60 * MIN;
        match self {
            Tier::Critical => TierPolicy {
                tier: self,
                budget_percent: 2,
                long: Duration::from_secs(HOUR),
                short: Duration::from_secs(5 * MIN),
                for_: Duration::from_secs(2 * MIN),
                notify: Notify::new(30, 5 * MIN, HOUR),
                meaning: "page, act now",
            },
            Tier::Warning => TierPolicy {
                tier: self,
                budget_percent: 5,
                long: Duration::from_secs(6 * HOUR),
                short: Duration::from_secs(30 * MIN),
                for_: Duration::from_secs(15 * MIN),
                notify: Notify::new(2 * MIN, 15 * MIN, 12 * HOUR),
                meaning: "ticket, act within the day",
            },
            Tier::Info => TierPolicy {
                tier: self,
                budget_percent: 10,
                long: Duration::from_secs(3 * 24 * HOUR),
                short: Duration::from_secs(6 * HOUR),
                for_: Duration::from_secs(30 * MIN),
                notify: Notify::new(5 * MIN, HOUR, 24 * HOUR),
                meaning: "review, the budget runs out before the period ends",
            },
        }
    }
}

/// What one tier watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierPolicy {
    pub tier: Tier,
    /// Share of the period's error budget spent within `long` that triggers the tier.
    pub budget_percent: u32,
    pub long: Duration,
    pub short: Duration,
    pub for_: Duration,
    /// How Alertmanager notifies of this tier.
    pub notify: Notify,
    /// What firing means, for the alert's description.
    pub meaning: &'static str,
}

/// Alertmanager's timing for a tier's route. A page goes out fast and repeats hourly; a lower
/// tier waits longer before its first notification, which gives a higher tier of the same
/// objective time to arrive and inhibit it (Alertmanager learns of the inhibiting alert
/// asynchronously), and repeats less often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notify {
    pub group_wait: Duration,
    pub group_interval: Duration,
    pub repeat_interval: Duration,
}

impl Notify {
    const fn new(group_wait: u64, group_interval: u64, repeat_interval: u64) -> Self {
        Notify {
            group_wait: Duration::from_secs(group_wait),
            group_interval: Duration::from_secs(group_interval),
            repeat_interval: Duration::from_secs(repeat_interval),
        }
    }
}

impl TierPolicy {
    /// The burn factor for an SLO period: `share × period / long`.
    pub fn factor(&self, period: Duration) -> Decimal {
        Decimal::from_int(i64::from(self.budget_percent)).mul_ratio(period.millis(), 100 * self.long.millis())
    }
}

/// An alert tier written in the spec (`tiers:` of the file or of an objective), replacing the
/// workbook's three.
#[derive(Debug, Clone, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TierSpec {
    /// Unique among the tiers; default: the severity. A tier named otherwise adds a `tier` label
    /// to its alert, so that two tiers of one severity stay apart.
    pub name: Option<Spanned<String>>,
    /// The alert's `severity` and Alertmanager route: `critical` (page), `warning` (ticket) or
    /// `info` (review).
    pub severity: Spanned<Tier>,
    /// The window over which the share of the budget is measured.
    #[schemars(with = "crate::schema::DurationText")]
    pub long: Spanned<Duration>,
    /// The window that confirms the burn still goes on; default `long / 12`.
    #[schemars(with = "Option<crate::schema::DurationText>")]
    pub short: Option<Spanned<Duration>>,
    /// The burn rate that fires the tier (14.4 is 14.4 times the rate the budget allows); or
    /// `budget`.
    #[schemars(with = "Option<f64>")]
    pub factor: Option<Spanned<Decimal>>,
    /// The percent of the period's budget spent within `long` that fires the tier (2 for the
    /// workbook's page); or `factor`.
    #[schemars(with = "Option<f64>")]
    pub budget: Option<Spanned<Decimal>>,
    /// How long both windows must burn before the alert fires; default the severity's (critical
    /// 2m, warning 15m, info 30m) or the objective's `alerting.for`.
    #[serde(rename = "for")]
    #[schemars(with = "Option<crate::schema::DurationText>")]
    pub for_: Option<Spanned<Duration>>,
}

/// A tier with every value settled: the workbook's or one of the spec's.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedTier {
    pub name: String,
    pub severity: Tier,
    pub long: Duration,
    pub short: Duration,
    pub factor: Decimal,
    /// The percent of the period's budget spent within `long` at `factor`.
    pub budget_percent: Decimal,
    pub for_: Duration,
    /// Where the spec wrote the tier (none for the workbook's).
    pub span: Option<Range<usize>>,
}

/// An objective's tiers: the spec's (`custom`), else the workbook's three, without the
/// severities `alerting.disable` names.
pub fn resolve_tiers(custom: Option<&[TierSpec]>, alerting: &Alerting, period: Duration) -> Vec<ResolvedTier> {
    let tiers: Vec<ResolvedTier> = match custom {
        None => Tier::ALL
            .into_iter()
            .map(|tier| {
                let policy = tier.policy();
                ResolvedTier {
                    name: tier.name().to_string(),
                    severity: tier,
                    long: policy.long,
                    short: policy.short,
                    factor: policy.factor(period),
                    budget_percent: Decimal::from_int(i64::from(policy.budget_percent)),
                    for_: alerting.for_duration(tier),
                    span: None,
                }
            })
            .collect(),
        Some(custom) => custom
            .iter()
            .map(|t| {
                let long = t.long.value;
                let short = t.short.as_ref().map_or(Duration(long.millis() / 12), |s| s.value);
                let (factor, budget_percent) = match (&t.factor, &t.budget) {
                    (Some(f), _) => (f.value, f.value.mul_ratio(100 * long.millis(), period.millis().max(1))),
                    (None, Some(b)) => (b.value.mul_ratio(period.millis(), 100 * long.millis().max(1)), b.value),
                    (None, None) => (Decimal::ONE, Decimal::ZERO),
                };
                ResolvedTier {
                    name: t.name.as_ref().map_or_else(|| t.severity.value.name().to_string(), |n| n.value.clone()),
                    severity: t.severity.value,
                    long,
                    short,
                    factor,
                    budget_percent,
                    for_: t.for_.as_ref().map_or_else(|| alerting.for_duration(t.severity.value), |f| f.value),
                    span: Some(t.severity.span.start.min(t.long.span.start)..t.long.span.end.max(t.severity.span.end)),
                }
            })
            .collect(),
    };
    tiers.into_iter().filter(|t| alerting.is_enabled(t.severity)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbook_factors() {
        let days = |d: u64| Duration::from_secs(d * 86_400);
        let factors = |p| Tier::ALL.map(|t| t.policy().factor(p).to_string());
        assert_eq!(factors(days(30)), ["14.4", "6", "1"]);
        assert_eq!(factors(days(28)), ["13.44", "5.6", "0.933333"]);
        assert_eq!(factors(days(7)), ["3.36", "1.4", "0.233333"]);
    }
}
