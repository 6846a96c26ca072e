use sloc_diagnostics::{Diagnostic, declare_code};

use crate::Slo;

declare_code! {
    /// ## What it does
    /// Reports two objectives with the same name in one spec.
    ///
    /// ## Why it matters
    /// Their recording rules would write the same series, and one objective's alerts would
    /// fire on the other's data.
    ///
    /// ## Fix
    /// Give each objective its own name.
    pub CODE = ("S006", "duplicate-slo-name", Error, "two objectives share a name");
}

pub(crate) fn run(slos: &[Slo], out: &mut Vec<Diagnostic>) {
    for (i, slo) in slos.iter().enumerate() {
        if let Some(first) = slos[..i].iter().find(|s| s.name.value == slo.name.value) {
            out.push(
                Diagnostic::new(
                    &CODE,
                    slo.name.span.clone(),
                    format!("objective name `{}` is used twice", slo.name.value),
                )
                .with_label("second use")
                .with_related(first.name.span.clone(), "first use")
                .with_help("objective names must be unique in a spec"),
            );
        }
    }
}
