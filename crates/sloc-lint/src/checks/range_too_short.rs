use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_promql::format_duration;

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports `rate`, `irate`, `increase`, `delta`, `idelta`, `deriv`, `resets` or `changes`
    /// over a range shorter than 4 scrape intervals (`scrape_interval` in `sloc.toml`).
    ///
    /// ## Why it matters
    /// A range needs at least two samples; with fewer than four, one missed scrape leaves the
    /// function without data, and the rule or alert flickers (Prometheus docs, "rate() and
    /// scrape intervals"). Prometheus 3 makes it worse: a range excludes its left edge, so a
    /// range of exactly one scrape interval holds one sample and `rate()` returns nothing
    /// (the finding says so when the target is 3.0 or later).
    ///
    /// ## Example
    /// With a 1m scrape interval: `rate(http_requests_total[2m])`.
    ///
    /// ## Fix
    /// Use a range of at least 4 scrape intervals: `rate(http_requests_total[5m])`.
    ///
    /// ## Default
    /// Runs only when `scrape_interval` is set in `sloc.toml`: a rule file does not say how
    /// often its targets are scraped, and assuming Prometheus' default of 1m was wrong on 229
    /// of 229 findings on public rule files (teams scrape every 15s or 30s). `sloc check`
    /// reads the real interval from the server (C007).
    pub CODE = ("L002", "range-too-short", Warning, "a range shorter than 4 scrape intervals");
}

const RANGE_FUNCTIONS: [&str; 8] = ["rate", "irate", "increase", "delta", "idelta", "deriv", "resets", "changes"];

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    let Some((expr, locator)) = cx.expr() else { return };
    // Without a known scrape interval the check would guess, and guess wrong on most setups.
    let Some(interval) = cx.config.scrape_interval else { return };
    let minimum = interval.millis() * 4;
    for (call, m, k) in super::range_calls(&expr.ast, &RANGE_FUNCTIONS) {
        let range = m.range.as_millis() as u64;
        if range >= minimum {
            continue;
        }
        let span = locator.nth(&locator.calls(call.func.name), k);
        // Prometheus 3's ranges are left-open: one interval's range holds a single sample.
        let left_open = cx.config.target.version.major >= 3 && range <= interval.millis();
        let why = if left_open {
            "; Prometheus 3 excludes the range's left edge, so it holds one sample and returns nothing"
        } else {
            ""
        };
        out.push(
            Diagnostic::new(
                &CODE,
                cx.in_file(span),
                format!(
                    "`{}` over {}, less than 4 scrape intervals of {}{why}",
                    call.func.name,
                    format_duration(sloc_promql::Duration(range)),
                    format_duration(interval)
                ),
            )
            .with_label("range too short")
            .with_help(format!("use a range of at least {}", format_duration(sloc_promql::Duration(minimum)))),
        );
    }
}
