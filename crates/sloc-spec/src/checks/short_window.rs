use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_promql::Duration;

use crate::TierSpec;

declare_code! {
    /// ## What it does
    /// Reports a tier whose short window is far from a twelfth of its long window (below a
    /// 24th or above a 6th).
    ///
    /// ## Why it matters
    /// The short window is there to stop the alert soon after the burn stops (SRE workbook,
    /// chapter 5, "multiwindow"): much shorter, it flaps on noise; much longer, the alert keeps
    /// firing well after recovery.
    ///
    /// ## Example
    /// ```yaml
    /// tiers:
    ///   - {severity: warning, long: 6h, short: 3h, factor: 6}   # 6h / 12 is 30m
    /// ```
    ///
    /// ## Fix
    /// Use `long / 12`, the default when `short` is left out.
    pub CODE = ("S017", "short-window", Warning, "a tier's short window far from a twelfth of its long window");
}

pub(crate) fn run(tier: &TierSpec, out: &mut Vec<Diagnostic>) {
    let (long, Some(short)) = (&tier.long, &tier.short) else { return };
    // A short window not shorter than the long one is S016, an error.
    let far = short.value.millis() * 6 > long.value.millis() || short.value.millis() * 24 < long.value.millis();
    if short.value < long.value && far {
        out.push(
            Diagnostic::new(
                &CODE,
                short.span.clone(),
                format!(
                    "the short window is far from a twelfth of the long one ({})",
                    sloc_promql::format_duration(Duration(long.value.millis() / 12))
                ),
            )
            .with_label("far from long / 12")
            .with_help("leave `short` out for long / 12"),
        );
    }
}
