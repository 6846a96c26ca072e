//! Any bytes through the linter (YAML layer, rule-file reader, PromQL helpers, every check):
//! it must never panic, every finding and every edit of its fix must lie inside the text, and
//! applying the fixes must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sloc_diagnostics::{SourceFile, decode_input};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode_input(data) else { return };
    let file = SourceFile::new("fuzz.yml", text);
    for report in sloc_lint::lint(&[file], &sloc_lint::Config::default()).reports {
        for d in &report.diagnostics {
            assert!(d.span.start <= d.span.end && d.span.end <= text.len(), "{d:?}");
            assert!(text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end), "{d:?}");
            for edit in d.fix.iter().flat_map(|f| &f.edits) {
                let span = &edit.span;
                assert!(span.start <= span.end && span.end <= text.len(), "{d:?}");
                assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{d:?}");
            }
        }
        let fixes = report.diagnostics.iter().filter_map(|d| d.fix.as_ref());
        let _ = sloc_diagnostics::apply_fixes(text, fixes, sloc_diagnostics::Applicability::Unsafe);
    }
});
