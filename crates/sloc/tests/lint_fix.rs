//! `sloc lint --fix`, `--diff` and `--unsafe-fixes` on copies of fixtures: only the edits
//! change, the fixed files pass real promtool and lint clean, manifests are fixed in place too.

mod common;

use common::{assert_promtool_accepts, root, run, sloc, write};

fn copy(dir: &std::path::Path, fixture: &str) -> (String, String) {
    let text = std::fs::read_to_string(root().join(fixture)).unwrap();
    let name = std::path::Path::new(fixture).file_name().unwrap().to_str().unwrap();
    (write(dir, name, &text), text)
}

#[test]
fn diff_prints_and_fix_writes_only_the_edits() {
    let dir = tempfile::tempdir().unwrap();
    let (path, before) = copy(dir.path(), "fixtures/lint/L013.yaml");
    let diff = run(&mut sloc(&["lint", "--diff", &path]));
    assert_eq!(diff.code, 1, "a diff exits 1:\n{}", diff.transcript());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before, "--diff writes nothing");
    assert!(diff.stdout.contains("-        expr: sum(rate(bytes_bucket{le=\"1000000\"}[5m]))"), "{}", diff.stdout);
    assert!(
        diff.stdout.contains("+        expr: sum(rate(bytes_bucket{le=~\"1000000|1e[+]06\"}[5m]))"),
        "{}",
        diff.stdout
    );

    let fixed = run(&mut sloc(&["lint", "--fix", &path]));
    assert_eq!(fixed.code, 0, "{}", fixed.transcript());
    assert!(fixed.stderr.contains("fixed 5 findings in 1 file(s)"), "{}", fixed.stderr);
    let after = std::fs::read_to_string(&path).unwrap();
    // Every byte but the five matchers is kept: comments, quoting styles, the block scalar.
    let expected = before
        .replace("le=\"1\", job", "le=~\"1|1[.]0\", job")
        .replace("le!=\\\"2\\\"", "le!~\\\"2|2[.]0\\\"")
        .replace("le=\"1000000\"", "le=~\"1000000|1e[+]06\"")
        .replace("quantile='0'", "quantile=~'0|0[.]0'")
        .replace("le=\"5\"", "le=~\"5|5[.]0\"");
    assert_eq!(after, expected);
    assert_promtool_accepts(std::path::Path::new(&path));
    let again = run(&mut sloc(&["lint", "--fail-on", "info", "--format", "json", &path]));
    assert_eq!(again.stdout.trim(), "[]", "the fixed file lints clean");
    assert_eq!(run(&mut sloc(&["lint", "--diff", &path])).code, 0, "nothing left to fix");
}

#[test]
fn fixes_reach_style_checks_and_need_several_rounds() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = copy(dir.path(), "fixtures/lint/L008.yaml");
    // `handler=~"^/users$"`: the anchors go in one round, the regex operator in the next.
    let fixed = run(&mut sloc(&["lint", "--enable", "style", "--fix", &path]));
    assert_eq!(fixed.code, 0, "{}", fixed.transcript());
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.contains("{job=\"api\", handler=\"/users\"}"), "{after}");
    assert!(after.contains("job=~\"api|web\", handler!~\"/health.*\""), "real regexes stay: {after}");
    assert_promtool_accepts(std::path::Path::new(&path));
    // `for: 0s` goes with its line; `for: 5m` stays.
    let (path, before) = copy(dir.path(), "fixtures/lint/L010.yaml");
    let fixed = run(&mut sloc(&["lint", "--enable", "style", "--fix", &path]));
    assert_eq!(fixed.code, 0, "{}", fixed.transcript());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before.replace("        for: 0s\n", ""));
    assert_promtool_accepts(std::path::Path::new(&path));
}

#[test]
fn unsafe_fixes_only_when_asked_and_in_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: forecasts\nspec:\n  groups:\n    - name: forecast\n      rules:\n        - record: job:node_load1:smoothed_1h\n          expr: holt_winters(node_load1[1h], 0.3, 0.3)  # gone in 3.0\n        - record: job:requests_fast:ratio_rate5m\n          expr: sum(rate(x_bucket{le=\"1\"}[5m])) / sum(rate(x_count[5m]))\n";
    let path = write(dir.path(), "forecast.yaml", manifest);
    // On Prometheus 2.42 holt_winters is fine: only the `le` fix applies.
    let old = run(&mut sloc(&["lint", "--target", "prometheus@2.42", "--fix", "--unsafe-fixes", &path]));
    assert_eq!(old.code, 0, "{}", old.transcript());
    assert!(std::fs::read_to_string(&path).unwrap().contains("holt_winters("));
    std::fs::write(&path, manifest).unwrap();
    let safe = run(&mut sloc(&["lint", "--fix", &path]));
    assert_eq!(safe.code, 1, "holt_winters is still refused on 3.14:\n{}", safe.transcript());
    assert!(safe.stderr.contains("1 more fixable with `--fix --unsafe-fixes`"), "{}", safe.stderr);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("holt_winters(") && text.contains("le=~\"1|1[.]0\""), "{text}");
    let all = run(&mut sloc(&["lint", "--fix", "--unsafe-fixes", &path]));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("expr: double_exponential_smoothing(node_load1[1h], 0.3, 0.3)  # gone in 3.0"), "{text}");
    // The new name needs the flag that the server must run with.
    assert_eq!(all.code, 1, "{}", all.transcript());
    assert!(all.stderr.contains("needs --enable-feature=promql-experimental-functions"), "{}", all.stderr);
    let flagged = run(&mut sloc(&["lint", "--enable-feature", "promql-experimental-functions", &path]));
    assert_eq!(flagged.code, 0, "{}", flagged.transcript());
}

#[test]
fn findings_carry_their_edits_in_json_and_stdin_cannot_be_fixed() {
    let json = run(&mut sloc(&["lint", "--format", "json", "fixtures/lint/L013.yaml"]));
    let findings: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let first = &findings[0]["fix"];
    assert_eq!(first["applicability"], "safe");
    assert_eq!(first["edits"][0]["content"], "=~");
    assert_eq!(first["edits"][1]["content"], "1|1[.]0");
    assert_eq!((first["edits"][1]["line"].as_u64(), first["edits"][1]["column"].as_u64()), (Some(7), Some(75)));
    let stdin = run(sloc(&["lint", "--fix", "-"]).stdin(std::process::Stdio::null()));
    assert_eq!(stdin.code, 2, "{}", stdin.transcript());
    assert!(stdin.stderr.contains("name them rather than read standard input"), "{}", stdin.stderr);
}
