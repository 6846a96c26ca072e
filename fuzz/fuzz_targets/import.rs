//! Any bytes through `sloc import` (every peer format is detected by content): never a panic,
//! every note inside the text, and every spec it writes is one sloc's reader accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sloc_diagnostics::{SourceFile, decode_input};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode_input(data) else { return };
    let file = SourceFile::new("fuzz.yaml", text);
    let imported = sloc_import::import(std::slice::from_ref(&file), &sloc_import::Options::default());
    for d in imported.reports.iter().flat_map(|r| &r.diagnostics) {
        assert!(d.span.start <= d.span.end && d.span.end <= text.len(), "{d:?}");
        assert!(text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end), "{d:?}");
    }
    for spec in &imported.specs {
        let (parsed, problems) = sloc_spec::parse_spec(&spec.yaml);
        assert!(parsed.is_some() && problems.iter().all(|p| p.severity != sloc_diagnostics::Severity::Error), "{}", spec.yaml);
    }
});
