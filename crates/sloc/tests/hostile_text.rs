//! Text that ends up in generated files: Go template braces, the line breaks only some YAML
//! readers honour (CR, NEL, LS, PS), a byte-order mark, a name that looks like a flag. Every
//! output must still load in the real consumer (promtool, amtool) with the text intact.

mod common;

use common::{assert_promtool_accepts, run, sloc, write};

/// Every piece of `text` between YAML line breaks of any reader (Go's yaml takes CR, NEL, LS
/// and PS for breaks) that holds `needle` is inside a comment.
fn only_in_comments(text: &str, needle: &str) -> bool {
    text.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        .filter(|piece| piece.contains(needle))
        .all(|piece| piece.trim_start().starts_with('#'))
}

const SLI: &str = "    sli:\n      errors: http_requests_total{code=~\"5..\"}\n      total: http_requests_total\n";

#[test]
fn template_braces_in_labels_and_descriptions_are_refused_where_written() {
    let dir = tempfile::tempdir().unwrap();
    let spec = format!(
        "service: api\nlabels:\n  team: \"{{{{d}}}}\"\nslos:\n  - name: a\n    objective: 99\n    description: \"uses {{{{ end }}}} badly\"\n    labels:\n      owner: \"x {{{{\"\n{SLI}"
    );
    let path = write(dir.path(), "t.slo.yaml", &spec);
    let built = run(&mut sloc(&["build", "--error-format", "json", &path]));
    assert_eq!(built.code, 1, "{}", built.transcript());
    let findings: serde_json::Value = serde_json::from_str(&built.stdout).unwrap();
    let at: Vec<(String, u64)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(at, [("R008".to_string(), 3), ("R008".to_string(), 7), ("R008".to_string(), 9)], "{}", built.stdout);
    // Valid templates stay allowed: Prometheus renders them.
    let fine =
        spec.replace("{{d}}", "{{ $labels.job }}").replace("uses {{ end }} badly", "{{ $value }}").replace("x {{", "x");
    let path = write(dir.path(), "ok.slo.yaml", &fine);
    let out = dir.path().join("ok.rules.yml");
    let built = run(&mut sloc(&["build", &path, "-o", out.to_str().unwrap()]));
    assert_eq!(built.code, 0, "{}", built.transcript());
    assert_promtool_accepts(&out);
}

#[test]
fn imported_labels_that_are_no_templates_are_left_out_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let sloth = "version: \"prometheus/v1\"\nservice: shop\nlabels:\n  owner: \"{{d}}\"\nslos:\n  - name: requests\n    objective: 99.9\n    description: \"bad {{ end }}\"\n    sli:\n      events:\n        error_query: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))\n        total_query: sum(rate(http_requests_total[{{.window}}]))\n    alerting:\n      name: ShopErrors\n      labels:\n        x: \"{{\"\n";
    let input = write(dir.path(), "sloth.yaml", sloth);
    let out = dir.path().join("slos");
    let imported = run(&mut sloc(&["import", &input, "-o", out.to_str().unwrap(), "--error-format", "json"]));
    assert_eq!(imported.code, 0, "{}", imported.transcript());
    let notes: serde_json::Value = serde_json::from_str(&imported.stdout).unwrap();
    let dropped: Vec<u64> =
        notes.as_array().unwrap().iter().filter(|n| n["code"] == "I002").map(|n| n["line"].as_u64().unwrap()).collect();
    assert_eq!(dropped, [4, 8, 16], "each at its input line: {}", imported.stdout);
    let rules = dir.path().join("shop.rules.yml");
    let built = run(&mut sloc(&["build", out.join("shop.slo.yaml").to_str().unwrap(), "-o", rules.to_str().unwrap()]));
    assert_eq!(built.code, 0, "{}", built.transcript());
    assert_promtool_accepts(&rules);
}

#[test]
fn line_breaks_of_any_reader_and_byte_order_marks_are_escaped_in_values() {
    let dir = tempfile::tempdir().unwrap();
    let spec = format!(
        "service: api\nlabels:\n  team: \"a\\u2028b\\u2029c\\u0085d\\ufeffe\"\nalerting:\n  receivers:\n    critical: \"pager\\u2028x\"\nslos:\n  - name: a\n    objective: 99\n{SLI}"
    );
    let path = write(dir.path(), "s.slo.yaml", &spec);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let built = run(&mut sloc(&["build", &path, "-o", out.to_str().unwrap()]));
    assert_eq!(built.code, 0, "{}", built.transcript());
    let rules = out.join("s.rules.yml");
    assert_promtool_accepts(&rules);
    let text = std::fs::read_to_string(&rules).unwrap();
    assert!(text.contains(r#"team: "a\u2028b\u2029c\u0085d\ufeffe""#), "{text}");
    let fragment = std::fs::read_to_string(out.join("s.alertmanager.yml")).unwrap();
    assert!(fragment.contains(r#""pager\u2028x""#), "{fragment}");
    // No raw LS anywhere: in values it is escaped, in the header comment it starts a new line.
    assert!(!fragment.contains('\u{2028}') && !text.contains('\u{2028}'), "{fragment}");
}

#[test]
fn a_carriage_return_never_ends_a_generated_comment() {
    let dir = tempfile::tempdir().unwrap();
    // A spec path and a receiver name that would inject keys if a CR ended their comment.
    let spec = format!(
        "service: api\nalerting:\n  receivers:\n    critical: \"p\\rreceivers: [{{name: injected}}]\"\nslos:\n  - name: a\n    objective: 99\n{SLI}"
    );
    let path = write(dir.path(), "x\rgroups: [].slo.yaml", &spec);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let built = run(&mut sloc(&["build", &path, "-o", out.to_str().unwrap()]));
    assert_eq!(built.code, 0, "{}", built.transcript());
    let rules = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".rules.yml"))
        .unwrap();
    let text = std::fs::read_to_string(&rules).unwrap();
    assert!(only_in_comments(&text, "groups: []"), "{text:?}");
    assert_promtool_accepts(&rules);
    let fragment = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".alertmanager.yml"))
        .unwrap();
    let fragment = std::fs::read_to_string(fragment).unwrap();
    // The receiver name is quoted where it is a value; no line of any reader starts with the
    // key it tries to inject.
    let injected_key = fragment
        .split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        .any(|piece| piece.trim_start().starts_with("receivers: [{name: injected}]"));
    assert!(!injected_key, "{fragment:?}");
}

#[test]
fn an_objective_named_like_a_flag_is_tested_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let spec = format!("service: api\nslos:\n  - name: --help\n    objective: 99\n{SLI}");
    let path = write(dir.path(), "s.slo.yaml", &spec);
    let tested = run(&mut sloc(&["test", &path]));
    assert_eq!(tested.code, 0, "{}", tested.transcript());
    assert!(tested.stdout.contains("PASS s.slo.yaml --help critical"), "{}", tested.stdout);
    assert!(tested.stdout.contains("3 passed, 0 failed"), "{}", tested.stdout);
}

#[test]
fn a_window_inside_a_matcher_is_refused_not_made_up() {
    let dir = tempfile::tempdir().unwrap();
    let sloth = "version: \"prometheus/v1\"\nservice: shop\nslos:\n  - name: requests\n    objective: 99.9\n    sli:\n      events:\n        error_query: sum(rate(x_total{code=\"5\",w=\"{{.window}}\"}[{{.window}}]))\n        total_query: sum(rate(x_total[{{.window}}]))\n";
    let input = write(dir.path(), "sloth.yaml", sloth);
    let out = dir.path().join("slos");
    let imported = run(&mut sloc(&["import", &input, "-o", out.to_str().unwrap(), "--error-format", "json"]));
    assert_eq!(imported.code, 1, "{}", imported.transcript());
    let notes: serde_json::Value = serde_json::from_str(&imported.stdout).unwrap();
    let refused = notes.as_array().unwrap().iter().find(|n| n["code"] == "I003").expect("an I003");
    assert_eq!(refused["line"], 8, "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("`error_query` cannot be imported"), "{refused}");
    let written = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
    assert_eq!(written, 0, "no spec with a made-up window is written");
}

/// YAML 1.1 reads `on`, `no`, `Y` as booleans and `0x10` as 16; Go's YAML keeps the text
/// wherever the field is a string, and so does sloc: in import and in rule files.
#[test]
fn strings_stay_as_written_whatever_yaml_1_1_would_read() {
    let dir = tempfile::tempdir().unwrap();
    let sloth = "version: \"prometheus/v1\"\nservice: on\nlabels:\n  team: no\n  hex: 0x10\nslos:\n  - name: off\n    objective: 99.9\n    sli:\n      events:\n        error_query: sum(rate(x_total{code=\"5\"}[{{.window}}]))\n        total_query: sum(rate(x_total[{{.window}}]))\n    alerting:\n      page_alert:\n        disable: true\n      ticket_alert:\n        disable: true\n";
    let input = write(dir.path(), "sloth.yaml", sloth);
    let imported = run(&mut sloc(&["import", &input]));
    assert_eq!(imported.code, 0, "{}", imported.transcript());
    for line in ["service: \"on\"", "team: \"no\"", "hex: \"0x10\"", "- name: \"off\""] {
        assert!(imported.stdout.contains(line), "{line}: {}", imported.stdout);
    }
    let rules = "groups:\n  - name: g\n    rules:\n      - alert: Y\n        expr: up == 0\n      - alert: Y\n        expr: up == 0\n";
    let linted = run(&mut sloc(&["lint", "--format", "json", &write(dir.path(), "r.yml", rules)]));
    assert!(linted.stdout.contains("alert `Y`"), "{}", linted.stdout);
    assert!(!linted.stdout.contains("`true`"), "{}", linted.stdout);
}

/// An import input path with a carriage return: the header comment of the imported spec
/// cannot be ended early, and the spec builds.
#[test]
fn an_import_path_cannot_end_the_header_comment() {
    let dir = tempfile::tempdir().unwrap();
    let sloth = "version: \"prometheus/v1\"\nservice: shop\nslos:\n  - name: requests\n    objective: 99.9\n    sli:\n      events:\n        error_query: sum(rate(x_total{code=\"5\"}[{{.window}}]))\n        total_query: sum(rate(x_total[{{.window}}]))\n";
    let input = write(dir.path(), "in\rservice: injected.yaml", sloth);
    let out = dir.path().join("slos");
    let imported = run(&mut sloc(&["import", &input, "-o", out.to_str().unwrap()]));
    assert_eq!(imported.code, 0, "{}", imported.transcript());
    let spec = std::fs::read_to_string(out.join("shop.slo.yaml")).unwrap();
    assert!(only_in_comments(&spec, "service: injected"), "{spec:?}");
    let built = run(&mut sloc(&["build", out.join("shop.slo.yaml").to_str().unwrap()]));
    assert_eq!(built.code, 0, "{}", built.transcript());
    assert!(built.stdout.contains("service: shop") || built.stdout.contains("service=\"shop\""), "{}", built.stdout);
}
