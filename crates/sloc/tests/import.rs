//! `sloc import` on fixtures in each peer format (written here from the formats' field tables):
//! the specs written compile, pass promtool, and their generated tests pass; the thresholds are
//! the ones computed by hand from the peer's rules; every lossy step is a located note; what
//! cannot be imported is an error and exit 1, the rest of the file still imported.

mod common;

use std::path::Path;

use common::{assert_promtool_accepts, root, run, sloc, write};
use serde_json::Value;

fn fixture(name: &str) -> String {
    root().join("fixtures/import").join(name).to_str().unwrap().to_string()
}

/// Imports `inputs` into a fresh directory, then builds, promtool-checks and `sloc test`s every
/// spec written; returns the directory and the compiled rules by service.
fn import_and_prove(inputs: &[&str], services: &[&str]) -> (tempfile::TempDir, Vec<sloc_rulefile::RuleFile>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("slos");
    let mut args = vec!["import".to_string(), "-o".into(), out.to_str().unwrap().into()];
    args.extend(inputs.iter().map(|i| fixture(i)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let imported = run(&mut sloc(&args));
    assert_eq!(imported.code, 0, "{}", imported.transcript());
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with('.'))
        .collect();
    written.sort();
    let mut expected: Vec<String> = services.iter().map(|s| format!("{s}.slo.yaml")).collect();
    expected.sort();
    assert_eq!(written, expected, "one spec per service");
    let mut rules = Vec::new();
    for service in services {
        let spec = out.join(format!("{service}.slo.yaml"));
        let text = std::fs::read_to_string(&spec).unwrap();
        assert!(text.starts_with("# Imported by `sloc import` from "), "{text}");
        let compiled = out.join(format!("{service}.rules.yml"));
        let built = run(&mut sloc(&["build", spec.to_str().unwrap(), "-o", compiled.to_str().unwrap()]));
        assert_eq!(built.code, 0, "{}", built.transcript());
        assert_promtool_accepts(&compiled);
        let lint = run(&mut sloc(&["lint", spec.to_str().unwrap(), "--format", "json"]));
        assert_eq!(lint.stdout.trim(), "[]", "the imported spec lints clean: {}", lint.transcript());
        let tested = run(&mut sloc(&["test", spec.to_str().unwrap()]));
        assert_eq!(tested.code, 0, "{}", tested.transcript());
        assert!(!tested.stdout.contains("FAIL"), "{}", tested.stdout);
        let (parsed, _) = sloc_spec::parse_spec(&text);
        rules.push(sloc_compiler::compile(&sloc_plan::plan(&parsed.unwrap())).unwrap());
    }
    (dir, rules)
}

/// The alert of `slo`'s `tier` (its name, or its severity for the workbook's tiers).
fn alert<'r>(rules: &'r sloc_rulefile::RuleFile, slo: &str, tier: &str) -> &'r sloc_rulefile::Rule {
    let label = |rule: &sloc_rulefile::Rule, k: &str| rule.labels.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    rules
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .find(|r| {
            matches!(r.kind, sloc_rulefile::RuleKind::Alert(_))
                && label(r, "slo").as_deref() == Some(slo)
                && label(r, sloc_spec::TIER_LABEL).or_else(|| label(r, "severity")).as_deref() == Some(tier)
        })
        .unwrap_or_else(|| panic!("no alert for {slo} {tier}"))
}

/// The threshold of the alert expression of `slo`'s `tier`.
fn threshold(rules: &sloc_rulefile::RuleFile, slo: &str, tier: &str) -> f64 {
    let rule = alert(rules, slo, tier);
    let first = rule.expr.trim().lines().next().unwrap();
    first.rsplit("> ").next().unwrap().trim().parse().unwrap()
}

/// The tiers alerted on for `slo`, in order.
fn alerts_of(rules: &sloc_rulefile::RuleFile, slo: &str) -> Vec<String> {
    let label = |rule: &sloc_rulefile::Rule, k: &str| rule.labels.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    rules
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .filter(|r| matches!(r.kind, sloc_rulefile::RuleKind::Alert(_)) && label(r, "slo").as_deref() == Some(slo))
        .filter_map(|r| label(r, sloc_spec::TIER_LABEL).or_else(|| label(r, "severity")))
        .collect()
}

fn close(actual: f64, expected: f64, what: &str) {
    assert!((actual - expected).abs() < 1e-9, "{what}: {actual}, expected {expected}");
}

#[test]
fn sloth_specs_import_with_sloths_windows() {
    let (_dir, rules) =
        import_and_prove(&["sloth-events.yaml", "sloth-crd.yaml"], &["payments-api", "search", "indexer"]);
    // Sloth's 30-day windows: page 14.4x over 1h/5m and 6x over 6h/30m, ticket 3x over 1d/2h
    // and 1x over 3d/6h, of a 0.1 % budget.
    for (tier, factor) in [("page-fast", 14.4), ("page-slow", 6.0), ("ticket-fast", 3.0), ("ticket-slow", 1.0)] {
        close(threshold(&rules[0], "requests-availability", tier), factor * 0.001, tier);
    }
    // `ticket_alert: {disable: true}` leaves the page tiers only.
    close(threshold(&rules[0], "per-method", "page-slow"), 6.0 * 0.005, "per-method page-slow");
    let yaml = rules[0].to_yaml("");
    assert!(!yaml.contains("tier: ticket-fast\n          slo: per-method"), "{yaml}");
    assert_eq!(alerts_of(&rules[0], "per-method"), ["page-fast", "page-slow"]);
    close(threshold(&rules[1], "queries", "page-fast"), 14.4 * 0.005, "search page-fast");
    assert!(yaml.contains("alert: PaymentsHighErrorRate"), "Sloth's alerting.name is kept");
    // `page_alert.for` (the alert_for plugin) holds both page tiers; the ticket tiers keep sloc's.
    let for_of = |tier: &str| alert(&rules[0], "requests-availability", tier).for_.map(sloc_promql::format_duration);
    assert_eq!((for_of("page-fast"), for_of("page-slow")), (Some("5m".into()), Some("5m".into())));
    assert_eq!(for_of("ticket-fast"), Some("15m".into()));
    // Sloth's latency idiom, count minus the 300ms bucket, is sloc's latency SLI.
    close(threshold(&rules[0], "latency", "page-fast"), 14.4 * 0.01, "latency page-fast");
    assert!(yaml.contains(r#"payments_request_duration_seconds_bucket{job="payments",le=~"0\\.3"}"#), "{yaml}");
    // The service's own `tier` label stays, apart from the label of sloc's tiers.
    let page = alert(&rules[0], "requests-availability", "page-fast");
    assert!(page.labels.contains(&("tier".into(), "2".into())), "{:?}", page.labels);
}

#[test]
fn pyrra_objectives_import_with_pyrras_four_tiers() {
    let (_dir, rules) = import_and_prove(&["pyrra.yaml"], &["shop"]);
    // Pyrra's tiers on a 4w window: 14x over 1h, 7x over 6h, 2x over 1d, 1x over 4d.
    for (tier, factor) in [("fast-burn", 14.0), ("medium-burn", 7.0), ("slow-burn", 2.0), ("long-term-burn", 1.0)] {
        close(threshold(&rules[0], "checkout-errors", tier), factor * 0.005, tier);
    }
    let yaml = rules[0].to_yaml("");
    assert!(
        yaml.contains("slo:sli_error:ratio_rate30m{service=\"shop\",slo=\"checkout-latency\"}"),
        "2w halves the windows"
    );
    assert!(yaml.contains(r#"shop_checkout_duration_seconds_bucket{le=~"0\\.5"}"#), "the 0.5s bucket: {yaml}");
    assert!(yaml.contains("alert: ShopApiBurn"));
    // Pyrra's latencyNative is sloc's native latency SLI: the same recorded series.
    assert!(
        yaml.contains(r#"histogram_fraction(0, 0.25, rate(shop_search_duration_seconds{job="search"}[5m]))"#),
        "{yaml}"
    );
}

#[test]
fn openslo_documents_import_across_references() {
    let (_dir, rules) = import_and_prove(&["openslo.yaml", "sloth-openslo.yaml"], &["storefront", "catalog"]);
    close(threshold(&rules[0], "storefront-availability", "fast-burn"), 14.4 * 0.005, "fast-burn");
    close(threshold(&rules[0], "storefront-availability", "slow-burn"), 0.005, "slow-burn");
    assert!(rules[0].to_yaml("").contains("for: 2m"), "alertAfter becomes for");
    assert_eq!(alerts_of(&rules[1], "catalog-availability"), ["critical", "warning", "info"], "sloc's tiers");
}

/// Every note and error of every fixture, as `file:line:col code message`.
#[test]
fn every_lossy_step_is_a_located_note() {
    let mut lines = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(root().join("fixtures/import"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in &names {
        let result = run(&mut sloc(&["import", &fixture(name), "--error-format", "json"]));
        let findings: Vec<Value> = serde_json::from_str(&result.stdout).unwrap();
        let errors = findings.iter().any(|f| f["severity"] == "error");
        assert_eq!(result.code, if errors { 1 } else { 0 }, "{name}: {}", result.transcript());
        lines.push(format!("{name}: exit {}", result.code));
        for f in findings {
            lines.push(format!(
                "  {}:{} {} {}",
                f["line"],
                f["column"],
                f["code"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            ));
        }
    }
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn what_cannot_be_imported_is_an_error_and_the_rest_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result =
        run(&mut sloc(&["import", &fixture("sloth-errors.yaml"), "-o", out.to_str().unwrap(), "--color", "never"]));
    assert_eq!(result.code, 1, "{}", result.transcript());
    for expected in [
        "sloth-errors.yaml:10:9",
        "computed by the Sloth plugin",
        "`{{.factor}}`",
        "must contain `{{.window}}`",
        "strictly between 0 and 100",
        "did you mean `alerting`?",
    ] {
        assert!(result.stderr.contains(expected), "{expected}: {}", result.stderr);
    }
    let spec = std::fs::read_to_string(out.join("legacy.slo.yaml")).unwrap();
    assert!(spec.contains("- name: kept") && !spec.contains("by-plugin"), "{spec}");

    let unknown = run(&mut sloc(&["import", &fixture("not-a-peer.yaml")]));
    assert_eq!(unknown.code, 1, "{}", unknown.transcript());
    assert!(unknown.stderr.contains("I004"), "{}", unknown.stderr);
    assert!(unknown.stdout.is_empty(), "nothing imported, nothing printed");
}

#[test]
fn outputs_are_not_overwritten_without_force_and_stdin_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let first = run(&mut sloc(&["import", &fixture("sloth-openslo.yaml"), "-o", out]));
    assert_eq!(first.code, 0, "{}", first.transcript());
    let target = Path::new(out).join("catalog.slo.yaml");
    std::fs::write(&target, "# edited by hand\n").unwrap();
    let again = run(&mut sloc(&["import", &fixture("sloth-openslo.yaml"), "-o", out]));
    assert_eq!(again.code, 2, "{}", again.transcript());
    assert!(again.stderr.contains("already exists: --force replaces it"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "# edited by hand\n");
    let forced = run(&mut sloc(&["import", &fixture("sloth-openslo.yaml"), "-o", out, "--force"]));
    assert_eq!(forced.code, 0, "{}", forced.transcript());
    assert!(std::fs::read_to_string(&target).unwrap().contains("service: catalog"));

    let mut cmd = sloc(&["import", "-"]);
    cmd.stdin(std::fs::File::open(fixture("sloth-crd.yaml")).unwrap());
    let piped = run(&mut cmd);
    assert_eq!(piped.code, 0, "{}", piped.transcript());
    assert_eq!(piped.stdout.matches("\n---\n").count(), 1, "two services, two documents: {}", piped.stdout);
    assert!(piped.stdout.starts_with("# Imported by `sloc import` from -."), "{}", piped.stdout);

    let missing = run(&mut sloc(&["import", "/nonexistent/sloth.yaml"]));
    assert_eq!(missing.code, 2, "{}", missing.transcript());
    let bad_period = run(&mut sloc(&["import", &fixture("sloth-crd.yaml"), "--period", "a month"]));
    assert_eq!(bad_period.code, 2, "{}", bad_period.transcript());
}

#[test]
fn lint_points_peer_specs_to_import() {
    let result = run(&mut sloc(&[
        "lint",
        &fixture("sloth-events.yaml"),
        &fixture("pyrra.yaml"),
        &fixture("openslo.yaml"),
        "--format",
        "json",
    ]));
    assert_eq!(result.code, 0, "a peer's spec is no broken sloc spec: {}", result.transcript());
    let findings: Vec<Value> = serde_json::from_str(&result.stdout).unwrap();
    let codes: Vec<&str> = findings.iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["I005", "I005", "I005"], "{findings:#?}");
    let sloth = findings.iter().find(|f| f["file"].as_str().unwrap().ends_with("sloth-events.yaml")).unwrap();
    assert!(sloth["message"].as_str().unwrap().contains("a Sloth spec (prometheus/v1)"), "{sloth:#}");
    assert!(sloth["help"].as_str().unwrap_or_default().contains("sloc import"), "{sloth:#}");
    assert_eq!((sloth["line"].as_u64(), sloth["column"].as_u64()), (Some(5), Some(1)), "at the document's start");
}

/// Peer inputs that are odd but real: each is refused with a located I003 that says why,
/// never imported wrongly and never reported as a bug of sloc.
#[test]
fn odd_peer_inputs_are_refused_where_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let i003 = |files: &[&str]| -> Vec<(String, u64, String)> {
        let mut args = vec!["import", "--error-format", "json"];
        args.extend(files);
        let out = run(&mut sloc(&args));
        assert_eq!(out.code, 1, "{}", out.transcript());
        assert!(!out.stdout.contains("a bug in sloc import"), "{}", out.stdout);
        let notes: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        notes
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["code"] == "I003")
            .map(|n| {
                let file = n["file"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
                (file, n["line"].as_u64().unwrap(), n["message"].as_str().unwrap().to_string())
            })
            .collect()
    };
    // Pyrra grouping by `service`, a label sloc sets on every series.
    let pyrra = "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n  name: api-errors\n  namespace: shop\nspec:\n  target: \"99\"\n  window: 4w\n  indicator:\n    ratio:\n      errors:\n        metric: http_requests_total{code=~\"5..\"}\n      total:\n        metric: http_requests_total\n      grouping:\n        - service\n";
    let found = i003(&[&write(dir.path(), "pyrra.yaml", pyrra)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, 16, "{found:?}");
    assert!(found[0].2.contains("groups by `service`"), "{found:?}");
    // An empty Sloth service, which Sloth refuses.
    let sloth = |service: &str| {
        format!(
            "version: \"prometheus/v1\"\nservice: \"{service}\"\nslos:\n  - name: requests\n    objective: 99.9\n    sli:\n      events:\n        error_query: sum(rate(x_total{{code=\"5\"}}[{{{{.window}}}}]))\n        total_query: sum(rate(x_total[{{{{.window}}}}]))\n"
        )
    };
    let found = i003(&[&write(dir.path(), "empty.yaml", &sloth(""))]);
    assert_eq!((found.len(), found[0].1), (1, 2), "{found:?}");
    assert!(found[0].2.contains("`service` is empty"), "{found:?}");
    // One SLO id in two inputs: refused, naming both places, not renamed `requests-2`.
    let a = write(dir.path(), "a.yaml", &sloth("shop"));
    let b = write(dir.path(), "b.yaml", &sloth("shop"));
    let found = i003(&[&a, &b]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "b.yaml", "{found:?}");
    assert!(
        found[0].2.contains("b.yaml:4:11 is defined twice: first as") && found[0].2.contains("a.yaml:4:11"),
        "{found:?}"
    );
}
