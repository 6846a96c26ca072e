//! PromQL parity: every expression of `fixtures/promql/accepted.promql` passes both real
//! promtool and `sloc lint`; every one of `rejected.promql` fails both, and sloc places its
//! finding on that expression's line, inside the expression.

mod common;

use common::{promtool, root, run, sloc};

/// The expressions of a fixture (comments and blank lines skipped), as a rule file with one
/// recording rule each: rule `i` has its expression on line `5 + 2 * i`.
fn rule_file(name: &str) -> (Vec<String>, tempfile::TempPath) {
    let text = std::fs::read_to_string(root().join("fixtures/promql").join(name)).unwrap();
    let expressions: Vec<String> =
        text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(str::to_string).collect();
    let mut yaml = String::from("groups:\n  - name: parity\n    rules:\n");
    for (i, e) in expressions.iter().enumerate() {
        yaml.push_str(&format!("      - record: r{i}\n        expr: {}\n", serde_json::to_string(e).unwrap()));
    }
    let file = tempfile::Builder::new().suffix(".yml").tempfile().unwrap();
    std::fs::write(file.path(), yaml).unwrap();
    (expressions, file.into_temp_path())
}

/// The rules (by index) sloc reports a P001 for, with the column of each.
fn sloc_rejects(path: &std::path::Path) -> Vec<(usize, u64)> {
    // Debian's promtool is 2.42: judge for it.
    let result = run(&mut sloc(&["lint", "--target", "prometheus@2.42", "--format", "json", path.to_str().unwrap()]));
    let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "P001")
        .map(|f| ((f["line"].as_u64().unwrap() as usize - 5) / 2, f["column"].as_u64().unwrap()))
        .collect()
}

#[test]
fn accepted_expressions_pass_promtool_and_sloc() {
    let (expressions, path) = rule_file("accepted.promql");
    let out = promtool().args(["check", "rules"]).arg(&path).output().unwrap();
    assert!(out.status.success(), "promtool refuses one:\n{}", String::from_utf8_lossy(&out.stdout));
    let rejected: Vec<&str> = sloc_rejects(&path).iter().map(|(i, _)| expressions[*i].as_str()).collect();
    assert!(rejected.is_empty(), "sloc refuses what Prometheus accepts: {rejected:?}");
}

#[test]
fn rejected_expressions_fail_promtool_and_sloc() {
    let (expressions, path) = rule_file("rejected.promql");
    let out = promtool().args(["check", "rules"]).arg(&path).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let found = sloc_rejects(&path);
    for (i, expression) in expressions.iter().enumerate() {
        assert!(report.contains(&format!("\"r{i}\": could not parse")), "promtool accepts {expression}:\n{report}");
        let column = found.iter().find(|(rule, _)| *rule == i).map(|(_, c)| *c);
        let column = column.unwrap_or_else(|| panic!("sloc accepts {expression}"));
        // `expr: "` ends at column 15; the finding is inside the quoted expression.
        let quoted = serde_json::to_string(expression).unwrap().chars().count() as u64;
        assert!((16..15 + quoted).contains(&column), "{expression}: column {column} is not inside the expression");
    }
}
