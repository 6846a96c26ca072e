//! Any bytes through the spec reader and, when the spec is valid, the compiler: never a panic,
//! findings inside the text, valid specs always compile.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sloc_diagnostics::decode_input;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode_input(data) else { return };
    let (spec, diagnostics) = sloc_spec::parse_spec(text);
    for d in &diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end <= text.len(), "{d:?}");
        assert!(text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end), "{d:?}");
    }
    if let Some(spec) = spec.filter(|_| diagnostics.is_empty()) {
        sloc_compiler::compile(&sloc_plan::plan(&spec)).expect("a valid spec compiles");
    }
});
