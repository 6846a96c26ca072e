//! The spec reader and the compiler never panic: every prefix of the example spec, and the
//! example with single characters replaced, either compiles or yields diagnostics.

use std::path::Path;

fn check(text: &str) {
    let (spec, diagnostics) = sloc_spec::parse_spec(text);
    if let Some(spec) = spec.filter(|_| diagnostics.is_empty()) {
        let plan = sloc_plan::plan(&spec);
        let yaml = sloc_compiler::compile(&plan).expect("validated specs compile").to_yaml(&sloc_compiler::header("x"));
        assert!(yaml.contains("groups:"));
    }
    for d in &diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end <= text.len(), "{d:?} is inside the text");
        assert!(text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end), "{d:?} splits a character");
    }
}

#[test]
fn truncated_and_mutated_specs_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("rules/oneflow.slo.yaml")).unwrap();
    let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
    for &end in &boundaries {
        check(&text[..end]);
    }
    for (n, &at) in boundaries.iter().enumerate().step_by(3) {
        if at == text.len() {
            continue;
        }
        let next = boundaries[n + 1];
        for replacement in ["", "\"", "[", ":", " ", "\n", "é", "$window", "{", "-"] {
            check(&format!("{}{replacement}{}", &text[..at], &text[next..]));
        }
    }
}
