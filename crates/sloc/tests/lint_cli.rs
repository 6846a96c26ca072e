//! `sloc lint` from the outside: inputs, thresholds, formats, configuration, suppression.

mod common;

use common::{root, run, sloc, write};

const WARNING_ONLY: &str = "groups:\n  - name: g\n    rules:\n      - record: job:memory:rate5m\n        expr: sum(rate(process_resident_memory_bytes[5m]))\n";

#[test]
fn clean_files_print_nothing_and_exit_0() {
    let result = run(&mut sloc(&["lint", "rules/oneflow.slo.yaml", "fixtures/parity/good-basic.yml"]));
    assert_eq!((result.code, result.stdout.as_str(), result.stderr.as_str()), (0, "", ""));
}

#[test]
fn other_yaml_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "compose.yml", "services:\n  web:\n    image: nginx\n");
    let ci = write(dir.path(), ".gitlab-ci.yml", "stages: [test]\n");
    let result = run(&mut sloc(&["lint", "--fail-on", "info", &file, &ci]));
    assert_eq!((result.code, result.stderr.as_str()), (0, ""));
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "w.yml", WARNING_ONLY);
    assert_eq!(run(&mut sloc(&["lint", &file])).code, 0, "a warning does not fail by default");
    assert_eq!(run(&mut sloc(&["lint", "--fail-on", "warning", &file])).code, 1);
    assert_eq!(run(&mut sloc(&["lint", "--fail-on", "info", &file])).code, 1);
    let human = run(&mut sloc(&["lint", &file]));
    assert!(human.stderr.ends_with("1 warning in 1 file\n"), "{}", human.stderr);
}

#[test]
fn directories_are_searched_honouring_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/rules.yml", WARNING_ONLY);
    write(dir.path(), "a/b/more.yaml", &WARNING_ONLY.replace("job:memory", "job:other"));
    write(dir.path(), "a/notes.txt", "not yaml");
    write(dir.path(), "a/generated/skip.yml", "groups: [");
    write(dir.path(), "a/.gitignore", "generated/\n");
    let result = run(&mut sloc(&["lint", "--format", "json", dir.path().join("a").to_str().unwrap()]));
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let mut files: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().rsplit('/').next().unwrap().to_string())
        .collect();
    files.sort();
    assert_eq!(files, ["more.yaml", "rules.yml"], "the ignored directory is skipped");
}

#[test]
fn prometheus_rule_manifests_point_into_the_original_file() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {}\n---\n# the rules\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: api\nspec:\n  groups:\n    - name: api\n      rules:\n        - alert: Down\n          expr: up == NaN\n          labels: {severity: page}\n          annotations: {summary: down}\n";
    let file = write(dir.path(), "k8s.yaml", manifest);
    let result = run(&mut sloc(&["lint", "--format", "json", &file]));
    let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let codes: Vec<&str> = findings.as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"L009"), "{}", result.stdout);
    let nan = findings.as_array().unwrap().iter().find(|f| f["code"] == "L009").unwrap();
    assert_eq!((nan["line"].as_u64(), nan["column"].as_u64()), (Some(16), Some(20)), "line 16 of the file, at `==`");
    assert!(!codes.contains(&"R010"), "the ConfigMap beside the PrometheusRule is not sloc's to judge");
    let typo = write(dir.path(), "typo.yml", "grups:\n  - name: a\n    rules: []\n");
    let result = run(&mut sloc(&["lint", "--format", "json", &typo]));
    let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(
        (findings[0]["code"].as_str(), findings[0]["help"].as_str()),
        (Some("R010"), Some("did you mean `groups`?"))
    );
    // `spec.groups` is optional in prometheus-operator's CRD: OpenShift ships `spec: {}` to
    // empty a rule set. It holds no rules and is no error; a manifest without `spec` is.
    let empty = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: x\nspec: {}\n";
    let result = run(&mut sloc(&["lint", &write(dir.path(), "empty.yaml", empty)]));
    assert_eq!(result.code, 0, "{}", result.transcript());
    let no_spec = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: x\n";
    let result = run(&mut sloc(&["lint", "--format", "json", &write(dir.path(), "no-spec.yaml", no_spec)]));
    assert_eq!(result.code, 1, "{}", result.transcript());
    assert!(result.stdout.contains("has no `spec`"), "{}", result.stdout);
}

#[test]
fn standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "w.yml", WARNING_ONLY);
    let mut cmd = sloc(&["lint", "--fail-on", "warning", "-"]);
    cmd.stdin(std::fs::File::open(&file).unwrap());
    let result = run(&mut cmd);
    assert_eq!(result.code, 1);
    assert!(result.stderr.contains("[-:5:19]"), "{}", result.stderr);
}

#[test]
fn sarif_is_valid_code_scanning_input() {
    let result = run(&mut sloc(&["lint", "--format", "sarif", "fixtures/lint/L003.yaml"]));
    assert_eq!(result.code, 0, "lint checks warn; only what promtool refuses is an error");
    let sarif: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "sloc");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "L003" && r["fullDescription"]["text"].as_str().unwrap().contains("## What it does"))
    );
    let result0 = &run0["results"][0];
    assert_eq!(result0["ruleId"], "L003");
    assert_eq!(result0["level"], "warning");
    let region = &result0["locations"][0]["physicalLocation"]["region"];
    assert_eq!((region["startLine"].as_u64(), region["startColumn"].as_u64()), (Some(6), Some(15)));
    assert_eq!(result0["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "fixtures/lint/L003.yaml");
}

#[test]
fn github_annotations() {
    let result = run(&mut sloc(&[
        "lint",
        "--format",
        "github",
        "--config",
        "fixtures/lint/L002.sloc.toml",
        "fixtures/lint/L002.yaml",
    ]));
    assert!(result.stdout.starts_with("::warning file=fixtures/lint/L002.yaml,line=6,col=29,"), "{}", result.stdout);
    assert!(result.stdout.contains("title=L002 range-too-short::"), "{}", result.stdout);
}

#[test]
fn config_file_sets_scrape_interval_disabled_codes_and_severities() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "r.yml",
        "groups:\n  - name: g\n    rules:\n      - record: http_rate\n        expr: sum(rate(http_requests_total[1m]))\n",
    );
    let codes = |args: &[&str]| {
        let mut all = vec!["lint", "--format", "json", "--fail-on", "info"];
        all.extend(args);
        all.push(&file);
        let out = run(sloc(&all).current_dir(dir.path()));
        let findings: serde_json::Value =
            serde_json::from_str(&out.stdout).unwrap_or_else(|_| panic!("{}", out.stderr));
        findings
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}:{}", f["code"].as_str().unwrap(), f["severity"].as_str().unwrap()))
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(&[]), Vec::<String>::new(), "L012 is a style check; L002 needs a scrape interval");
    assert_eq!(codes(&["--enable", "recording-rule-name"]), ["L012:warning"], "a style check by name");
    assert_eq!(codes(&["--enable", "style"]), ["L012:warning"]);
    // Found in the working directory; names work everywhere a code does.
    write(
        dir.path(),
        "sloc.toml",
        "scrape_interval = \"30s\"\nenable = [\"style\"]\n[severity]\nrange-too-short = \"error\"\n",
    );
    assert_eq!(codes(&[]), ["L012:warning", "L002:error"], "1m is 2 scrapes of 30s");
    assert_eq!(codes(&["--disable", "L012"]), ["L002:error"]);
    write(
        dir.path(),
        "other.toml",
        "disable = [\"range-too-short\"]\nenable = [\"L012\"]\n[severity]\nL012 = \"error\"\n",
    );
    let other = dir.path().join("other.toml");
    assert_eq!(codes(&["--config", other.to_str().unwrap()]), ["L012:error"]);
    write(dir.path(), "bad.toml", "disable = [\"L999\"]\n");
    let bad = dir.path().join("bad.toml");
    let result = run(sloc(&["lint", "--config", bad.to_str().unwrap(), &file]).current_dir(dir.path()));
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("unknown code `L999`"), "{}", result.stderr);
    let result = run(sloc(&["lint", "--enable", "no-such-check", &file]).current_dir(dir.path()));
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("--enable: unknown code `no-such-check`"), "{}", result.stderr);
}

#[test]
fn style_findings_are_counted_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = "groups:\n  - name: g\n    rules:\n      - record: a_rate\n        expr: rate(x_total[5m])\n      - alert: Down\n        expr: up == 0\n        for: 0m\n        labels: {severity: page}\n";
    let file = write(dir.path(), "s.yml", text);
    let result = run(&mut sloc(&["lint", &file]));
    assert_eq!(result.code, 0);
    assert_eq!(result.stderr, "3 style findings not shown (L006 ×1, L010 ×1, L012 ×1): `--enable style` shows them\n");
    let json = run(&mut sloc(&["lint", "--format", "json", &file]));
    assert_eq!(json.stdout.trim(), "[]");
}

#[test]
fn lint_fatal_makes_duplicate_rules_errors_as_promtool_does() {
    let plain = run(&mut sloc(&["lint", "fixtures/parity/lint-duplicate-rules.yml"]));
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(plain.stderr.contains("R009(duplicate-rule)") && plain.stderr.contains("1 warning"), "{}", plain.stderr);
    let fatal = run(&mut sloc(&["lint", "--lint-fatal", "fixtures/parity/lint-duplicate-rules.yml"]));
    assert_eq!(fatal.code, 1);
    assert!(fatal.stderr.contains("1 error"), "{}", fatal.stderr);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sloc.toml", "lint_fatal = true\n");
    let path = root().join("fixtures/parity/lint-disjoint-duplicates.yml");
    assert_eq!(run(&mut sloc(&["lint", path.to_str().unwrap()])).code, 0, "disjoint series are not reported");
    let from_config = run(sloc(&["lint", path.to_str().unwrap()]).current_dir(dir.path()));
    assert_eq!(from_config.code, 1, "{}", from_config.stderr);
    assert_eq!(from_config.stderr.matches("R009(duplicate-rule)").count(), 3);
}

#[test]
fn suppression_comments() {
    let dir = tempfile::tempdir().unwrap();
    let text = "groups:\n  - name: g\n    rules:\n      # sloc disable L012\n      - record: a_rate\n        expr: rate(x_total[1m])\n      - record: b_rate  # sloc disable range-too-short\n        expr: rate(x_total[1m])\n      - record: c_rate\n        expr: rate(x_total[1m])\n";
    write(dir.path(), "sloc.toml", "scrape_interval = \"1m\"\nenable = [\"style\"]\n");
    let file = write(dir.path(), "s.yml", text);
    let lint = |file: &str| run(sloc(&["lint", "--format", "json", "--fail-on", "info", file]).current_dir(dir.path()));
    let result = lint(&file);
    let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let got: Vec<String> =
        findings.as_array().unwrap().iter().map(|f| format!("{}@{}", f["code"].as_str().unwrap(), f["line"])).collect();
    assert_eq!(got, ["L002@6", "L012@7", "L012@9", "L002@10"]);
    let file_wide = write(dir.path(), "f.yml", &format!("# sloc disable-file L002, recording-rule-name\n{text}"));
    let result = lint(&file_wide);
    assert_eq!(result.stdout.trim(), "[]");
}

/// A file large enough to be read on every core (its YAML scanned on one thread while built on
/// another, its groups and rules shared out) reports what a small one does, at the same places.
#[test]
fn large_files_read_on_every_core_report_every_finding_in_place() {
    let mut text = String::from("groups:\n");
    let mut line = 1;
    let mut expected = Vec::new();
    let push = |text: &mut String, line: &mut usize, s: &str| {
        text.push_str(s);
        *line += s.matches('\n').count();
    };
    for g in 0..80 {
        let name = if g == 70 { "group-7".to_string() } else { format!("group-{g}") };
        if g == 70 {
            expected.push(format!("R002@{}", line + 1));
        }
        push(&mut text, &mut line, &format!("  - name: {name}\n    rules:\n"));
        for r in 0..40 {
            match (g, r) {
                (40, 3) => {
                    push(&mut text, &mut line, "      - record: job:broken:sum\n");
                    expected.push(format!("P001@{}", line + 1));
                    push(&mut text, &mut line, "        expr: sum(rate(x_total[5m])\n");
                }
                (55, 0) => push(
                    &mut text,
                    &mut line,
                    "      # sloc disable L001\n      - record: job:memory:rate5m\n        expr: sum(rate(process_resident_memory_bytes[5m]))\n",
                ),
                (56, 0) => {
                    // The same series as group 55's, whose suppression names L001 only.
                    expected.push(format!("R009@{}", line + 1));
                    push(&mut text, &mut line, "      - record: job:memory:rate5m\n");
                    expected.push(format!("L001@{}", line + 1));
                    push(&mut text, &mut line, "        expr: sum(rate(process_resident_memory_bytes[5m]))\n");
                }
                _ => push(
                    &mut text,
                    &mut line,
                    &format!(
                        "      - record: job:requests_{g}_{r}:rate5m\n        expr: sum by (job) (rate(http_requests_total{{job=~\"api-{g}.*\",code=~\"5..\"}}[5m]))\n"
                    ),
                ),
            }
        }
    }
    assert!(text.len() > 256 * 1024, "the file is read on every core: {} bytes", text.len());
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "big.yml", &text);
    let result = run(&mut sloc(&["lint", "--format", "json", &file]));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let got: Vec<String> =
        findings.as_array().unwrap().iter().map(|f| format!("{}@{}", f["code"].as_str().unwrap(), f["line"])).collect();
    assert_eq!(got, expected);
}

#[test]
fn unreadable_input_is_located_and_io_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bin.yml"), b"groups:\x00").unwrap();
    std::fs::write(dir.path().join("empty.yml"), b"").unwrap();
    let result = run(&mut sloc(&["lint", dir.path().to_str().unwrap()]));
    assert_eq!(result.code, 1);
    assert!(result.stderr.contains("Y002(invalid-input)"), "{}", result.stderr);
    assert!(result.stderr.contains("binary data") && result.stderr.contains("the file is empty"));
    let missing = run(&mut sloc(&["lint", "no/such/dir"]));
    assert_eq!(
        (missing.code, missing.stderr.as_str()),
        (2, "error: cannot read no/such/dir: no such file or directory\n")
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let plain = run(&mut sloc(&["lint", "fixtures/lint/L003.yaml"]));
    assert!(!plain.stderr.contains('\u{1b}'), "no escape codes when stderr is not a terminal");
    let coloured = run(sloc(&["lint", "--color", "always", "fixtures/lint/L003.yaml"]).env_remove("NO_COLOR"));
    assert!(coloured.stderr.contains('\u{1b}'));
}

#[test]
fn explain_lists_every_code_and_the_reference_is_generated() {
    let listed = run(&mut sloc(&["explain", "--all"])).stdout.lines().count();
    let reference = std::fs::read_to_string(root().join("docs/codes.md")).unwrap();
    assert_eq!(
        reference.matches("\n## ").count(),
        listed,
        "docs/codes.md documents every code (`cargo xtask codegen`)"
    );
}

/// Prometheus' parser test of a 55,000-character expression and a 25,000-deep nesting: linear
/// work, the error where promtool puts it, and a report that shows a window of the long line.
#[test]
fn pathological_expressions_are_located_and_shown_in_a_window() {
    let dir = tempfile::tempdir().unwrap();
    let rule =
        |expr: String| format!("groups:\n  - name: g\n    rules:\n      - record: x\n        expr: \"{expr}\"\n");
    let chain = write(dir.path(), "chain.yml", &rule(format!("({}){}", "-{}-1".repeat(10_000), "[1m:]".repeat(1000))));
    let nested = write(dir.path(), "nested.yml", &rule(format!("{}a +{}", "(".repeat(25_000), ")".repeat(25_000))));
    for (file, column, message) in [
        (&chain, 18, "vector selector must contain at least one non-empty matcher"),
        (&nested, 25_019, "unexpected \")\"; expected an expression"),
    ] {
        let json = run(&mut sloc(&["lint", "--format", "json", file]));
        let findings: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!((findings[0]["line"].as_u64(), findings[0]["column"].as_u64()), (Some(5), Some(column)));
        assert!(findings[0]["message"].as_str().unwrap().ends_with(message), "{}", findings[0]["message"]);
        let human = run(&mut sloc(&["lint", file]));
        let widest = human.stderr.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(widest < 200, "a line of {widest} characters in:\n{}", human.stderr);
        assert!(human.stderr.contains(&format!("[{file}:5:{column}]")), "{}", human.stderr);
    }
}

/// A folder with nothing to lint says so (exit 0), and a missing input is named as the file of
/// its E001 in machine formats (#24 papercuts 4 and 5).
#[test]
fn nothing_to_lint_and_a_missing_file_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let empty = run(&mut sloc(&["lint", dir.path().to_str().unwrap()]));
    assert_eq!(empty.code, 0, "{}", empty.transcript());
    assert!(empty.stderr.contains("nothing to lint: no YAML file under"), "{}", empty.stderr);
    let missing = run(&mut sloc(&["lint", "missing.yml", "--format", "json"]));
    assert_eq!(missing.code, 2, "{}", missing.transcript());
    let document: serde_json::Value = serde_json::from_str(&missing.stdout).unwrap();
    assert_eq!(document[0]["file"], "missing.yml", "{}", missing.stdout);
    assert_eq!(document[0]["code"], "E001", "{}", missing.stdout);
}
