//! The compiled alerts behave as the burn-rate math says, in real `promtool test rules`:
//! fixtures/promtool/*.test.yml against the rules compiled from fixtures/promtool/*.slo.yaml.

mod common;

use common::{promtool, root, run, sloc};

#[test]
fn promtool_unit_tests_pass() {
    let fixtures = root().join("fixtures/promtool");
    let dir = tempfile::tempdir().unwrap();
    let mut tests = Vec::new();
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if let Some(stem) = name.strip_suffix(".slo.yaml") {
            let out = dir.path().join(format!("{stem}.rules.yml"));
            let result = run(&mut sloc(&["build", path.to_str().unwrap(), "-o", out.to_str().unwrap()]));
            assert_eq!(result.code, 0, "{name}: {}", result.stderr);
        } else if name.ends_with(".test.yml") {
            std::fs::copy(&path, dir.path().join(&name)).unwrap();
            tests.push(name);
        }
    }
    tests.sort();
    assert_eq!(
        tests,
        [
            "burn-0.8x.test.yml",
            "burn-18x.test.yml",
            "derived-vs-exact.test.yml",
            "no-traffic.test.yml",
            "short-outage.test.yml"
        ]
    );
    for test in &tests {
        let out = promtool().args(["test", "rules", test]).current_dir(dir.path()).output().unwrap();
        assert!(
            out.status.success(),
            "promtool test rules {test} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
