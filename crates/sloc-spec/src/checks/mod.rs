//! The spec's semantic checks, one file each, named after the check: what the reader finds
//! once a part of the spec is read whole (an SLI, a tier, an objective, the list of objectives).
//! Parse errors (a missing field, a wrong type) stay in the reader. The reader runs each check
//! at the point its input is complete, so a spec with other errors still gets them.

use sloc_diagnostics::{Code, Diagnostic};

use crate::{ResolvedTier, Sli, Slo, TierSpec};

pub mod duplicate_slo_name;
pub mod events_metric_mismatch;
pub mod short_window;
pub mod tier_never_fires;

/// What a check reads.
#[derive(Clone, Copy)]
pub enum Run {
    Sli(fn(&Sli, &mut Vec<Diagnostic>)),
    Tier(fn(&TierSpec, &mut Vec<Diagnostic>)),
    Slo(fn(&Slo, &[ResolvedTier], &mut Vec<Diagnostic>)),
    Slos(fn(&[Slo], &mut Vec<Diagnostic>)),
}

/// A check of a spec: its code and what it reads.
pub struct SpecCheck {
    pub code: &'static Code,
    pub run: Run,
}

/// Every semantic check of a spec.
pub static SPEC_CHECKS: &[SpecCheck] = &[
    SpecCheck { code: &events_metric_mismatch::CODE, run: Run::Sli(events_metric_mismatch::run) },
    SpecCheck { code: &short_window::CODE, run: Run::Tier(short_window::run) },
    SpecCheck { code: &tier_never_fires::CODE, run: Run::Slo(tier_never_fires::run) },
    SpecCheck { code: &duplicate_slo_name::CODE, run: Run::Slos(duplicate_slo_name::run) },
];

pub(crate) fn on_sli(sli: &Sli, out: &mut Vec<Diagnostic>) {
    SPEC_CHECKS.iter().for_each(|c| {
        if let Run::Sli(run) = c.run {
            run(sli, out)
        }
    });
}

pub(crate) fn on_tier(tier: &TierSpec, out: &mut Vec<Diagnostic>) {
    SPEC_CHECKS.iter().for_each(|c| {
        if let Run::Tier(run) = c.run {
            run(tier, out)
        }
    });
}

pub(crate) fn on_slo(slo: &Slo, tiers: &[ResolvedTier], out: &mut Vec<Diagnostic>) {
    SPEC_CHECKS.iter().for_each(|c| {
        if let Run::Slo(run) = c.run {
            run(slo, tiers, out)
        }
    });
}

pub(crate) fn on_slos(slos: &[Slo], out: &mut Vec<Diagnostic>) {
    SPEC_CHECKS.iter().for_each(|c| {
        if let Run::Slos(run) = c.run {
            run(slos, out)
        }
    });
}
