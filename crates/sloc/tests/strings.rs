//! Strings stay strings: where Prometheus and Alertmanager read a string, a scalar YAML 1.1
//! would take for a boolean or a number (`Y`, `on`, `no`, `0x10`) keeps its text, through the
//! spec, the compiled rules and routes, and the rule-file reader.

mod common;

use common::{assert_promtool_accepts, run, sloc, write};

const SPEC: &str = "service: Y\nperiod: 30d\nlabels:\n  team: on\n  tier: no\nalerting:\n  receivers:\n    critical: yes\n    warning: off\n    info: 0x10\nslos:\n  - name: on\n    objective: 99.9\n    description: n\n    sli:\n      errors: reqs_total{code=\"Y\"}\n      total: reqs_total\n";

#[test]
fn yaml_1_1_words_are_names_in_specs_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "y.slo.yaml", SPEC);
    let out = dir.path().join("out");
    let built = run(&mut sloc(&["build", &spec, "-o", out.to_str().unwrap()]));
    assert_eq!(built.code, 0, "{}", built.transcript());
    let rules = std::fs::read_to_string(out.join("y.rules.yml")).unwrap();
    for kept in ["service: \"Y\"", "slo: \"on\"", "team: \"on\"", "tier: \"no\"", "{service=\"Y\",slo=\"on\"}"] {
        assert!(rules.contains(kept), "{kept} missing:\n{rules}");
    }
    assert!(!rules.contains("true") && !rules.contains("false"), "no scalar became a boolean");
    assert_promtool_accepts(&out.join("y.rules.yml"));
    let routes = std::fs::read_to_string(out.join("y.alertmanager.yml")).unwrap();
    for receiver in ["receiver: \"yes\"", "receiver: \"off\"", "receiver: \"0x10\""] {
        assert!(routes.contains(receiver), "{receiver} missing:\n{routes}");
    }
}

#[test]
fn rule_files_keep_alert_names_and_labels_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "rules.yml",
        "groups:\n  - name: y\n    rules:\n      - alert: Y\n        expr: up == 0\n        labels:\n          severity: on\n      - alert: on\n        expr: up == 0\n        labels:\n          severity: warning\n",
    );
    assert_promtool_accepts(std::path::Path::new(&file));
    // L011 (duplicate series) would name the alerts; the JSON names them as written.
    let lint = run(&mut sloc(&["lint", "--enable", "style", "--format", "json", &file]));
    let findings: serde_json::Value = serde_json::from_str(&lint.stdout).unwrap();
    let messages: Vec<&str> = findings.as_array().unwrap().iter().filter_map(|f| f["message"].as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("`Y`")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("`on`")), "{messages:?}");
    assert!(!messages.iter().any(|m| m.contains("true")), "{messages:?}");
}
