//! Targets from the outside. Each file of `fixtures/targets/` holds one construct that some
//! server accepts, named on its first line (`# sloc: accepted by KIND@VERSION [+FLAG]`): real
//! promtool 2.42 refuses it and so does `sloc lint --target prometheus@2.42`; sloc accepts it
//! for the target named, and refuses it one release earlier or without the flag.

mod common;

use common::{promtool, root, run, sloc, write};

struct Case {
    path: String,
    target: String,
    flags: Vec<String>,
}

fn cases() -> Vec<Case> {
    let mut paths: Vec<_> =
        std::fs::read_dir(root().join("fixtures/targets")).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let first = text
                .lines()
                .next()
                .unwrap()
                .strip_prefix("# sloc: accepted by ")
                .expect("the first line names the target");
            let mut words = first.split_whitespace();
            let target = words.next().unwrap().to_string();
            let flags = words.map(|w| w.trim_start_matches('+').to_string()).collect();
            Case { path: path.strip_prefix(root()).unwrap().to_str().unwrap().to_string(), target, flags }
        })
        .collect()
}

fn lint(case: &Case, target: &str, flags: &[String]) -> common::Run {
    let mut args = vec!["lint", "--format", "json", "--target", target];
    for flag in flags {
        args.extend(["--enable-feature", flag.as_str()]);
    }
    args.push(&case.path);
    run(&mut sloc(&args))
}

/// The release before `version` (3.0 → 2.55).
fn previous(version: &str) -> String {
    let (major, minor) = version.split_once('.').unwrap();
    match minor.parse::<u32>().unwrap() {
        0 => "2.55".to_string(),
        n => format!("{major}.{}", n - 1),
    }
}

#[test]
fn each_construct_is_refused_by_promtool_2_42_and_accepted_where_it_belongs() {
    let cases = cases();
    assert!(cases.len() >= 15, "one file per gated construct");
    for case in &cases {
        let out = promtool().args(["check", "rules"]).arg(root().join(&case.path)).output().unwrap();
        assert!(!out.status.success(), "{}: promtool 2.42 accepts it", case.path);

        let old = lint(case, "prometheus@2.42", &[]);
        assert_eq!(old.code, 1, "{}: sloc accepts it for 2.42:\n{}", case.path, old.transcript());
        let findings: serde_json::Value = serde_json::from_str(&old.stdout).unwrap();
        // UTF-8 rule names keep promtool 2.42's own codes (R005 and R006), as its parity tests want.
        let codes: Vec<&str> = findings.as_array().unwrap().iter().filter_map(|f| f["code"].as_str()).collect();
        assert!(codes.iter().all(|c| matches!(*c, "T001" | "R005" | "R006")), "{}: {codes:?}", case.path);
        let line = findings[0]["line"].as_u64().unwrap();
        assert!(line > 2, "{}: placed on the construct, line {line}", case.path);

        let accepted = lint(case, &case.target, &case.flags);
        assert_eq!(accepted.code, 0, "{}: refused for {}:\n{}", case.path, case.target, accepted.transcript());

        let (kind, version) = case.target.split_once('@').unwrap();
        if kind == "prometheus" && version != "2.42" {
            let earlier = format!("prometheus@{}", previous(version));
            let refused = lint(case, &earlier, &case.flags);
            assert_eq!(refused.code, 1, "{}: accepted for {earlier}", case.path);
            // Either the release is too old, or (duration expressions before 3.14) it needs a flag.
            let why = [format!("Prometheus {version} or later"), "--enable-feature=".to_string()];
            assert!(why.iter().any(|w| refused.stdout.contains(w)), "{}: {}", case.path, refused.stdout);
        }
        if !case.flags.is_empty() {
            let unflagged = lint(case, &case.target, &[]);
            assert_eq!(unflagged.code, 1, "{}: accepted without {:?}", case.path, case.flags);
            assert!(unflagged.stdout.contains("--enable-feature="), "{}", unflagged.stdout);
        }
        if kind != "prometheus" {
            let prometheus = lint(case, &format!("prometheus@{version}"), &case.flags);
            assert!(prometheus.stdout.contains("is not accepted by prometheus"), "{}", prometheus.stdout);
        }
    }
}

#[test]
fn thanos_refuses_group_labels_and_mimir_takes_tenants() {
    let thanos = run(&mut sloc(&["lint", "--target", "thanos", "fixtures/targets/group-labels.yml"]));
    assert_eq!(thanos.code, 1);
    assert!(thanos.stderr.contains("the group field `labels` is not accepted by thanos"), "{}", thanos.stderr);
    assert_eq!(run(&mut sloc(&["lint", "--target", "cortex", "fixtures/targets/source-tenants.yml"])).code, 0);
}

#[test]
fn sloc_toml_sets_the_target_and_flags_add_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let rules = std::fs::read_to_string(root().join("fixtures/targets/limitk.yml")).unwrap();
    let file = write(dir.path(), "rules.yml", &rules);
    write(
        dir.path(),
        "sloc.toml",
        "target = \"prometheus@2.54\"\nenable_features = [\"promql-experimental-functions\"]\n",
    );
    assert_eq!(run(sloc(&["lint", &file]).current_dir(dir.path())).code, 0);
    write(dir.path(), "sloc.toml", "target = \"prometheus@2.53\"\n");
    let refused = run(sloc(&["lint", &file]).current_dir(dir.path()));
    assert!(refused.stderr.contains("needs Prometheus 2.54 or later with --enable-feature"), "{}", refused.stderr);
    let flagged =
        run(sloc(&["lint", "--target", "prometheus@3.0", "--enable-feature", "promql-experimental-functions", &file])
            .current_dir(dir.path()));
    assert_eq!(flagged.code, 0, "{}", flagged.transcript());
}

#[test]
fn bad_targets_and_flags_are_usage_errors_with_a_hint() {
    let kind = run(&mut sloc(&["lint", "--target", "victoriametrics@1.0", "fixtures/targets/limitk.yml"]));
    assert_eq!(kind.code, 2);
    assert!(kind.stderr.contains("unknown target kind `victoriametrics`"), "{}", kind.stderr);
    let old = run(&mut sloc(&["lint", "--target", "prometheus@2.30", "fixtures/targets/limitk.yml"]));
    assert_eq!(old.code, 2);
    assert!(old.stderr.contains("2.42 and later"), "{}", old.stderr);
    let flag =
        run(&mut sloc(&["lint", "--enable-feature", "promql-experimental-function", "fixtures/targets/limitk.yml"]));
    assert_eq!(flag.code, 2);
    assert!(flag.stderr.contains("did you mean `promql-experimental-functions`"), "{}", flag.stderr);
}

#[test]
fn the_explanation_links_to_the_table() {
    let explain = run(&mut sloc(&["explain", "T001"]));
    assert_eq!(explain.code, 0);
    assert!(explain.stdout.contains("docs/targets.md"), "{}", explain.stdout);
    let finding = run(&mut sloc(&[
        "lint",
        "--format",
        "json",
        "--target",
        "prometheus@3.10",
        "fixtures/targets/trim-operators.yml",
    ]));
    assert!(finding.stdout.contains("docs/targets.md#trim-operators"), "{}", finding.stdout);
    let table = std::fs::read_to_string(root().join("docs/targets.md")).unwrap();
    assert!(table.contains("<a id=\"trim-operators\"></a>"));
}

#[test]
fn build_and_test_judge_the_slis_promql_for_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "api.slo.yaml",
        "service: api\nperiod: 30d\nslos:\n  - name: availability\n    objective: 99.9\n    description: requests that do not fail\n    sli:\n      errors: sum(rate({\"http.requests\", code=~\"5..\"}[$window]))\n      total: sum(rate({\"http.requests\"}[$window]))\n",
    );
    let old = run(&mut sloc(&["build", "--target", "prometheus@2.53", &spec]));
    assert_eq!(old.code, 1, "{}", old.transcript());
    // Located in the spec, at the quoted name inside each query.
    assert!(old.stderr.contains("api.slo.yaml:8:25"), "{}", old.stderr);
    assert!(old.stderr.contains("needs Prometheus 3.0 or later"), "{}", old.stderr);
    assert!(old.stdout.is_empty(), "nothing is written for a refused spec");
    assert_eq!(run(&mut sloc(&["build", &spec])).code, 0);
    let test = run(&mut sloc(&["test", "--target", "prometheus@2.53", &spec]));
    assert_eq!(test.code, 1, "{}", test.transcript());
}

#[test]
fn the_oneflow_example_builds_for_prometheus_2_42_as_committed() {
    let built = run(&mut sloc(&["build", "--target", "prometheus@2.42", "rules/oneflow.slo.yaml"]));
    assert_eq!(built.code, 0, "{}", built.transcript());
    let committed = std::fs::read_to_string(root().join("rules/oneflow.rules.yml")).unwrap();
    assert_eq!(built.stdout, committed);
    let lint =
        run(&mut sloc(&["lint", "--target", "prometheus@2.42", "rules/oneflow.slo.yaml", "rules/oneflow.rules.yml"]));
    assert_eq!(lint.code, 0, "{}", lint.transcript());
}

#[test]
fn meaning_changes_are_told_for_the_target() {
    let lint = |target: &str, args: &[&str]| {
        let mut all = vec!["lint", "--target", target, "--format", "json"];
        all.extend(args);
        run(&mut sloc(&all)).stdout
    };
    // Integer `le` matchers: wrong today on 3.x, wrong from the upgrade on 2.x; fixed alike.
    let now = lint("prometheus@3.0", &["fixtures/lint/L013.yaml"]);
    assert!(now.contains("`le=\\\"1\\\"` matches nothing on Prometheus 3"), "{now}");
    let later = lint("prometheus@2.53", &["fixtures/lint/L013.yaml"]);
    assert!(later.contains("`le=\\\"1\\\"` will match nothing once the server runs Prometheus 3"), "{later}");
    for findings in [&now, &later] {
        assert_eq!(findings.matches("\"applicability\": \"safe\"").count(), 5, "{findings}");
    }
    // A range of one scrape interval: one sample under 3.x's left-open ranges, two before.
    let config = ["--config", "fixtures/lint/L002.sloc.toml", "fixtures/lint/L002.yaml"];
    let left_open = "Prometheus 3 excludes the range's left edge";
    assert_eq!(lint("prometheus@3.0", &config).matches(left_open).count(), 1);
    assert_eq!(lint("prometheus@2.55", &config).matches(left_open).count(), 0);
}
