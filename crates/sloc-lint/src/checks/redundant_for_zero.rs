use sloc_diagnostics::{Diagnostic, declare_code};

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
    /// Remove it, or give the duration the alert should wait.
    ///
    /// ## Default
    /// Style, counted but not shown unless enabled: `for: 0m` is written on purpose by many public
    /// files (34 of 126 alerts measured), and removing it changes nothing.
    pub CODE = ("L010", "redundant-for-zero", Info, "for: 0s, the default");
}

pub(crate) fn run(cx: &RuleContext, out: &mut Vec<Diagnostic>) {
    if let Some(for_) = cx.rule.for_.as_ref().filter(|f| cx.rule.is_alert && f.value.is_zero()) {
        out.push(
            Diagnostic::new(&CODE, for_.span.clone(), "`for: 0s` is the default")
                .with_label("redundant")
                .with_help("remove it, or set how long the condition must hold before the alert fires"),
        );
    }
}
