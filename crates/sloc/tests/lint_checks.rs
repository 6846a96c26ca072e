//! Every lint check on its fixture (`fixtures/lint/<CODE>.yaml`): one snapshot each, and the
//! fixture triggers its own code and nothing else.

mod common;

use common::{root, run, sloc};

fn codes_in(json: &str) -> Vec<String> {
    let findings: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut codes: Vec<String> =
        findings.as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect();
    codes.sort();
    codes.dedup();
    codes
}

#[test]
fn each_check_on_its_fixture() {
    insta::glob!("../../../fixtures/lint", "*.yaml", |path| {
        let relative = path.strip_prefix(root()).unwrap().to_str().unwrap().to_string();
        let code = path.file_stem().unwrap().to_str().unwrap().to_string();
        // Style checks are shown, and a check that needs configuration gets `<CODE>.sloc.toml`.
        let config = path.with_file_name(format!("{code}.sloc.toml"));
        let config = config.exists().then(|| config.strip_prefix(root()).unwrap().to_str().unwrap().to_string());
        let lint = |format: &str| {
            let mut args = vec!["lint", "--fail-on", "info", "--enable", "style", "--format", format, &relative];
            if let Some(config) = &config {
                args.extend(["--config", config]);
            }
            run(&mut sloc(&args))
        };
        let json = lint("json");
        let expected: Vec<String> = match code.as_str() {
            // The misspelt code suppresses nothing, so L001 stays; L012 is suppressed.
            "X001" => vec!["L001".into(), "X001".into()],
            _ => vec![code.clone()],
        };
        assert_eq!(codes_in(&json.stdout), expected, "{relative}");
        let human = lint("human");
        assert_eq!(human.code, 1);
        insta::assert_snapshot!(human.transcript());
    });
}

#[test]
fn duplicate_series_across_files() {
    let result = run(&mut sloc(&["lint", "--format", "json", "fixtures/lint/L011"]));
    assert_eq!(codes_in(&result.stdout), ["L011"]);
    let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(findings.as_array().unwrap().len(), 1, "the `env: dev` rule is a different series");
    assert_eq!(findings[0]["file"], "fixtures/lint/L011/b.yaml");
    assert_eq!(findings[0]["line"], 4);
    assert!(
        findings[0]["message"].as_str().unwrap().ends_with("already recorded in fixtures/lint/L011/a.yaml"),
        "{}",
        findings[0]["message"]
    );
}

#[test]
fn every_check_has_a_fixture_and_documentation() {
    let all = run(&mut sloc(&["explain", "--all"]));
    for line in all.stdout.lines() {
        let code = line.split_whitespace().next().unwrap();
        let explained = run(&mut sloc(&["explain", code]));
        assert!(explained.stdout.contains("## What it does"), "{code} has no documentation");
        if code.starts_with(['L', 'O', 'X']) {
            let fixture = root().join("fixtures/lint").join(format!("{code}.yaml"));
            assert!(fixture.exists() || code == "L011", "{code} has no fixture at {}", fixture.display());
        }
    }
}
