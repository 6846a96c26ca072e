//! `sloc test` on every fixture spec: the generated promtool tests pass on the compiled rules,
//! and fail on wrong ones.

mod common;

use common::{promtool, root, run, sloc};

fn fixture_specs() -> Vec<String> {
    let mut specs = vec!["rules/oneflow.slo.yaml".to_string()];
    for dir in ["fixtures/build", "fixtures/promtool"] {
        let mut found: Vec<String> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".slo.yaml"))
            .map(|p| p.strip_prefix(root()).unwrap().to_str().unwrap().to_string())
            .collect();
        found.sort();
        specs.extend(found);
    }
    specs
}

/// `sloc test` on the fixture specs whose file names `half` picks: every generated test
/// passes, and the objectives no synthetic series can feed are said to be skipped. The specs
/// run in three parts, so that no test takes a minute on two cores.
fn generated_tests_pass(half: impl Fn(&str) -> bool) -> String {
    let specs: Vec<String> = fixture_specs().into_iter().filter(|s| half(s.rsplit('/').next().unwrap())).collect();
    let mut args = vec!["test"];
    args.extend(specs.iter().map(String::as_str));
    let result = run(&mut sloc(&args));
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    let passed = result.stdout.lines().filter(|l| l.starts_with("PASS ")).count();
    assert!(!result.stdout.contains("FAIL"), "{}", result.stdout);
    // Objectives whose SLI is an arbitrary expression cannot be fed synthetic series.
    let mut skipped: Vec<&str> = result.stdout.lines().filter(|l| l.starts_with("SKIP ")).collect();
    let summary = format!("{passed} passed, 0 failed, {} skipped\n", skipped.len());
    assert!(result.stdout.ends_with(&summary), "{}", result.stdout);
    skipped.sort();
    let expected: Vec<&str> = [
        "SKIP expressions.slo.yaml availability: its SLI is an expression, which sloc cannot feed with synthetic series",
        "SKIP oneflow.slo.yaml cost-efficiency: time-slice SLIs read an arbitrary expression, which sloc cannot feed with synthetic series",
        "SKIP raw.slo.yaml durability: raw SLIs read an arbitrary expression, which sloc cannot feed with synthetic series",
        "SKIP threshold.slo.yaml consumer-health: time-slice SLIs read an arbitrary expression, which sloc cannot feed with synthetic series",
    ]
    .into_iter()
    .filter(|line| half(line.split(' ').nth(1).unwrap()))
    .collect();
    assert_eq!(skipped, expected);
    // Every other objective gets one test per enabled tier.
    assert!(passed >= 5, "{passed} tests");
    result.stdout
}

#[test]
fn generated_tests_pass_for_the_first_third_of_the_fixture_specs() {
    let stdout = generated_tests_pass(|name| name < "ex");
    assert!(stdout.contains("PASS errors-total.slo.yaml"), "{stdout}");
}

#[test]
fn generated_tests_pass_for_the_second_third_of_the_fixture_specs() {
    let stdout = generated_tests_pass(|name| ("ex".."l").contains(&name));
    assert!(stdout.contains("PASS group-by.slo.yaml provider-errors critical\n"), "{stdout}");
}

#[test]
fn generated_tests_pass_for_the_last_third_of_the_fixture_specs() {
    let stdout = generated_tests_pass(|name| name >= "l");
    // overrides.slo.yaml disables info.
    assert!(
        stdout.contains("PASS overrides.slo.yaml availability critical\n")
            && !stdout.contains("overrides.slo.yaml availability info"),
        "{stdout}"
    );
}

#[test]
fn emitted_tests_are_committable_and_fail_on_wrong_rules() {
    let dir = tempfile::tempdir().unwrap();
    let result =
        run(&mut sloc(&["test", "fixtures/promtool/availability.slo.yaml", "--emit", dir.path().to_str().unwrap()]));
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    let out = dir.path().join("availability");
    let critical = std::fs::read_to_string(out.join("availability.critical.test.yml")).unwrap();
    insta::assert_snapshot!(critical);
    // The same test on rules whose critical threshold is doubled must fail.
    let rules = out.join("availability.critical.rules.yml");
    let text = std::fs::read_to_string(&rules).unwrap();
    assert!(text.contains("> 0.0144"));
    // Only what the critical alert reads: the base rates, its two windows, the alert.
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- record: ").or(l.trim().strip_prefix("- alert: ")))
        .collect();
    assert_eq!(
        names,
        [
            "slo:sli_total:rate5m",
            "slo:sli_errors:rate5m",
            "slo:sli_error:ratio_rate5m",
            "slo:sli_error:ratio_rate1h",
            "SvcAvailabilityErrorBudgetBurn"
        ]
    );
    std::fs::write(&rules, text.replace("> 0.0144", "> 0.0288")).unwrap();
    let failing =
        promtool().args(["test", "rules", "availability.critical.test.yml"]).current_dir(&out).output().unwrap();
    assert!(!failing.status.success(), "a generated test must catch a wrong threshold");
}

#[test]
fn without_promtool_the_tests_can_still_be_emitted() {
    let dir = tempfile::tempdir().unwrap();
    let no_path = || {
        let mut cmd = sloc(&["test", "fixtures/promtool/availability.slo.yaml"]);
        cmd.env("PATH", dir.path());
        cmd
    };
    let refused = run(&mut no_path());
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("promtool is not on the PATH"), "{}", refused.stderr);
    let out = dir.path().join("emitted");
    let emitted = run(no_path().args(["--emit", out.to_str().unwrap()]));
    assert_eq!(emitted.code, 0, "{}", emitted.stderr);
    assert!(emitted.stderr.contains("wrote 3 tests to"), "{}", emitted.stderr);
    assert!(
        out.join("availability/availability.critical.test.yml").exists()
            && out.join("availability/availability.critical.rules.yml").exists()
    );
}
