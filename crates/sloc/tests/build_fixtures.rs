//! `sloc build` on every fixture spec: a snapshot of the rule file, which real promtool must
//! accept.

mod common;

use common::{assert_promtool_accepts, root, run, sloc};

#[test]
fn compiled_fixtures() {
    insta::glob!("../../../fixtures/build", "*.slo.yaml", |path| {
        let relative = path.strip_prefix(root()).unwrap().to_str().unwrap().to_string();
        let result = run(&mut sloc(&["build", &relative]));
        assert_eq!(result.code, 0, "sloc build {relative} failed:\n{}", result.stderr);
        assert_eq!(result.stderr, "", "a clean build prints nothing on stderr");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("rules.yml");
        std::fs::write(&out, &result.stdout).unwrap();
        assert_promtool_accepts(&out);
        insta::assert_snapshot!(result.stdout);
    });
}

#[test]
fn oneflow_example_compiles_and_promtool_accepts_it() {
    let result = run(&mut sloc(&["build", "rules/oneflow.slo.yaml"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let committed = std::fs::read_to_string(root().join("rules/oneflow.rules.yml")).unwrap();
    assert_eq!(result.stdout, committed, "rules/oneflow.rules.yml is stale: run `cargo xtask codegen`");
    assert_promtool_accepts(&root().join("rules/oneflow.rules.yml"));
    // Five objectives, three alerts each.
    assert_eq!(committed.matches("  - name: sloc-oneflow-").count(), 5);
    assert_eq!(committed.matches("- alert: ").count(), 15);
    for severity in ["critical", "warning", "info"] {
        assert_eq!(committed.matches(&format!("severity: {severity}\n")).count(), 5, "{severity}");
    }
}
