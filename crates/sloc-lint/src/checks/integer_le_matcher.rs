use sloc_diagnostics::{Diagnostic, Edit, Fix, declare_code};

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports an `le` or `quantile` matcher whose value is an integer written as such
    /// (`le="1"`, `quantile="0"`, `le!="10"`).
    ///
    /// ## Why it matters
    /// Prometheus 3 stores the `le` of classic histogram buckets and the `quantile` of summaries
    /// in float form, whatever the exporter wrote: `le="1"` is stored as `le="1.0"`,
    /// `le="1000000"` as `le="1e+06"`. A matcher on the integer spelling matches nothing after
    /// the upgrade, and a latency SLI built on it reads no data (Pyrra's issue 1502 broke
    /// latency SLOs this way).
    ///
    /// ## Example
    /// ```yaml
    /// expr: sum(rate(http_request_duration_seconds_bucket{le="1"}[5m]))
    /// ```
    ///
    /// ## Fix
    /// Match both spellings, so that the rule works before and after the upgrade:
    /// `le=~"1|1[.]0"` (`sloc lint --fix` writes it). Once every server runs Prometheus 3,
    /// `le="1.0"` alone is enough.
    pub CODE = ("L013", "integer-le-matcher", Warning, "an `le` or `quantile` matcher written as an integer, which Prometheus 3 stores as a float");
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    let Some((expr, locator)) = cx.expr() else { return };
    let text = expr.text();
    // On 3.x the matcher is wrong today; on 2.x, from the upgrade on.
    let when = if cx.config.target.version.major >= 3 {
        "matches nothing on Prometheus 3"
    } else {
        "will match nothing once the server runs Prometheus 3"
    };
    for label in ["le", "quantile"] {
        for op in ["=", "!="] {
            for span in locator.matcher_values(label, op) {
                let Some((op_span, content)) = crate::checks::matcher_parts(text, &span) else { continue };
                let written = &text[content.clone()];
                let Some(stored) = float_form(written) else { continue };
                let regex_op = if op == "=" { "=~" } else { "!~" };
                let both = format!("{written}|{}", stored.replace('.', "[.]").replace('+', "[+]"));
                let fix = Fix::safe(
                    format!("match both spellings: `{label}{regex_op}\"{both}\"`"),
                    vec![Edit::replace(cx.in_file(op_span), regex_op), Edit::replace(cx.in_file(content), both)],
                );
                out.push(
                    Diagnostic::new(
                        &CODE,
                        cx.in_file(span),
                        format!("`{label}{op}\"{written}\"` {when}, which stores `{label}=\"{stored}\"`"),
                    )
                    .with_label("integer spelling")
                    .with_help(format!("match both spellings until every server runs Prometheus 3; then `{label}{op}\"{stored}\"` alone"))
                    .with_fix(fix),
                );
            }
        }
    }
}

/// How Prometheus 3 writes an integer bucket bound or quantile: Go's shortest float form, with
/// `.0` where that has neither a point nor an exponent (`1` → `1.0`, `1000000` → `1e+06`).
fn float_form(written: &str) -> Option<String> {
    let digits = written.strip_prefix('-').unwrap_or(written);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 15 {
        return None;
    }
    let sign = if written.starts_with('-') { "-" } else { "" };
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Some(format!("{sign}0.0"));
    }
    let exponent = significant.len() - 1;
    if exponent < 6 {
        return Some(format!("{sign}{significant}.0"));
    }
    // `%e` with the shortest mantissa and a two-digit exponent, as Go prints 1e+06.
    let mantissa = significant.trim_end_matches('0');
    let (first, rest) = mantissa.split_at(1);
    let point = if rest.is_empty() { String::new() } else { format!(".{rest}") };
    Some(format!("{sign}{first}{point}e+{exponent:02}"))
}

#[cfg(test)]
mod tests {
    use super::float_form;

    #[test]
    fn integers_take_prometheus_3_float_form() {
        for (written, stored) in [
            ("1", "1.0"),
            ("0", "0.0"),
            ("10", "10.0"),
            ("100000", "100000.0"),
            ("1000000", "1e+06"),
            ("2500000", "2.5e+06"),
            ("-5", "-5.0"),
        ] {
            assert_eq!(float_form(written).as_deref(), Some(stored), "{written}");
        }
        for already in ["0.5", "+Inf", "1.0", "1e3", "", "-"] {
            assert_eq!(float_form(already), None, "{already}");
        }
    }
}
