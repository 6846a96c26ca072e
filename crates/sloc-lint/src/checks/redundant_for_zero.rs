use sloc_diagnostics::{Diagnostic, Edit, Fix, declare_code};

use crate::RuleContext;

declare_code! {
    /// ## What it does
    /// Reports `for: 0s` on an alerting rule.
    ///
    /// ## Why it matters
    /// Zero is the default: the line says nothing, and often stands where a real duration was
    /// meant, so the alert fires on the first bad evaluation.
    ///
    /// ## Fix
    /// Remove it, or give the duration the alert should wait. `sloc lint --enable style --fix`
    /// removes the line when it holds nothing else.
    ///
    /// ## Default
    /// Style, counted but not shown unless enabled: `for: 0m` is written on purpose by many public
    /// files (34 of 126 alerts measured), and removing it changes nothing.
    pub CODE = ("L010", "redundant-for-zero", Info, "for: 0s, the default");
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    if let Some(for_) = cx.rule.for_.as_ref().filter(|f| cx.rule.is_alert && f.value.is_zero()) {
        let d = Diagnostic::new(&CODE, for_.span.clone(), "`for: 0s` is the default")
            .with_label("redundant")
            .with_help("remove it, or set how long the condition must hold before the alert fires");
        out.push(match own_line(cx.text, for_.span.clone()) {
            Some(line) => d.with_fix(Fix::safe("remove the line", vec![Edit::replace(line, "")])),
            None => d,
        });
    }
}

/// The whole line of a block-style `for: <value>` (its indentation and line break included),
/// when the line holds nothing else but a comment: what removing the field removes.
fn own_line(text: &str, value: std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
    let start = text[..value.start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[value.end..].find('\n').map_or(text.len(), |i| value.end + i + 1);
    let before = text[start..value.start].trim_start();
    let after = text[value.end..end].trim();
    (before.trim_end() == "for:" && (after.is_empty() || after.starts_with('#'))).then_some(start..end)
}
