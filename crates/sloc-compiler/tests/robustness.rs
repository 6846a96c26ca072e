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

fn example() -> (String, Vec<usize>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("rules/oneflow.slo.yaml")).unwrap();
    let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
    (text, boundaries)
}

#[test]
fn truncated_specs_never_panic() {
    let (text, boundaries) = example();
    for &end in &boundaries {
        check(&text[..end]);
    }
}

/// Single characters replaced at every third character boundary, in three interleaved parts so
/// that no test takes a minute.
fn mutated_specs_never_panic(part: usize) {
    let (text, boundaries) = example();
    let positions = boundaries.iter().enumerate().filter(|(n, _)| n % 3 == 0);
    for (n, &at) in positions.skip(part).step_by(3) {
        if at == text.len() {
            continue;
        }
        let next = boundaries[n + 1];
        for replacement in ["", "\"", "[", ":", " ", "\n", "é", "$window", "{", "-"] {
            check(&format!("{}{replacement}{}", &text[..at], &text[next..]));
        }
    }
}

#[test]
fn mutated_specs_never_panic_first_part() {
    mutated_specs_never_panic(0);
}

#[test]
fn mutated_specs_never_panic_second_part() {
    mutated_specs_never_panic(1);
}

#[test]
fn mutated_specs_never_panic_third_part() {
    mutated_specs_never_panic(2);
}
