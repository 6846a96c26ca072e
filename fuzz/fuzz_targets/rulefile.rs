//! Any bytes through the linter (YAML layer, rule-file reader, PromQL helpers, every check):
//! it must never panic, and every finding must lie inside the text.
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
        }
    }
});
