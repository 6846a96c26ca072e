//! `sloc check` against a real Prometheus (Debian's `prometheus`), started by each test on a
//! free loopback port with its own data directory.

mod common;

use common::fake_server::{FakeServer, answer};
use common::prometheus::{Exporter, Prometheus, Setup, write_file};
use common::{BASIC_AUTH_HASH, BASIC_AUTH_HEADER, BASIC_AUTH_PASSWORD, BASIC_AUTH_USER, root, run, sloc};

fn codes(json: &str) -> Vec<String> {
    let findings: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    findings.as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect()
}

/// The messages of the findings of one code, in a JSON report.
fn messages(json: &str, code: &str) -> Vec<String> {
    let findings: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let findings = findings.as_array().unwrap().iter().filter(|f| f["code"] == code);
    findings.map(|f| f["message"].as_str().unwrap().to_string()).collect()
}

const READY_QUERY: &str = "slo:sli_error:ratio_rate5m";

#[test]
fn the_oneflow_rules_loaded_and_fed_check_clean() {
    let exporter = Exporter::start();
    let prometheus = Prometheus::start(Setup {
        rule_files: vec![root().join("rules/oneflow.rules.yml")],
        exporter_port: Some(exporter.port),
        ..Setup::default()
    });
    prometheus.wait_for("", None, READY_QUERY);
    let result = run(&mut sloc(&[
        "check",
        "--prometheus",
        &prometheus.url,
        "rules/oneflow.slo.yaml",
        "rules/oneflow.rules.yml",
    ]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(result.stderr, format!("no problems in 2 files, checked against {}\n", prometheus.url));
}

#[test]
fn drift_missing_groups_and_broken_rules_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(root().join("rules/oneflow.rules.yml")).unwrap();
    // The server runs an edited copy: one alert threshold changed, the last group removed.
    let drifted = original.replacen("> 0.0144", "> 0.02", 1);
    let cut = drifted.find("  - name: sloc-oneflow-user-experience").unwrap();
    let served = write_file(dir.path(), "served.yml", &drifted[..cut]);
    let broken = write_file(
        dir.path(),
        "broken.yml",
        "groups:\n  - name: broken\n    rules:\n      - record: job:up:many\n        expr: oneflow_requests_total + on() oneflow_requests_total\n",
    );
    let exporter = Exporter::start();
    let prometheus = Prometheus::start(Setup {
        rule_files: vec![served, broken.clone()],
        exporter_port: Some(exporter.port),
        ..Setup::default()
    });
    prometheus.wait_for("", None, READY_QUERY);

    let result =
        run(&mut sloc(&["check", "--prometheus", &prometheus.url, "--format", "json", "rules/oneflow.rules.yml"]));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let found: Vec<(String, u64)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap()))
        .collect();
    let line_at = |offset: usize| original[..offset].matches('\n').count() as u64 + 1;
    let line_of = |needle: &str| line_at(original.find(needle).unwrap());
    let drift_line = line_at(original[..original.find("> 0.0144").unwrap()].rfind("- alert:").unwrap());
    assert!(found.contains(&("C002".to_string(), drift_line)), "drift at the alert: {found:?}");
    let missing_line = line_of("  - name: sloc-oneflow-user-experience");
    assert!(found.contains(&("C001".to_string(), missing_line)), "the missing group at its name: {found:?}");
    assert_eq!(found.len(), 2, "{found:?}");
    let drift = findings.as_array().unwrap().iter().find(|f| f["code"] == "C002").unwrap();
    assert!(drift["message"].as_str().unwrap().contains("> 0.02"), "{drift}");

    // A spec whose availability objective changed since the server's rules were built: every
    // rule that carries the objective differs, said in one finding at the group's first.
    let changed_spec = std::fs::read_to_string(root().join("rules/oneflow.slo.yaml")).unwrap().replacen(
        "objective: 99.9",
        "objective: 99.5",
        1,
    );
    let changed = write_file(dir.path(), "oneflow.slo.yaml", &changed_spec);
    let result =
        run(&mut sloc(&["check", "--prometheus", &prometheus.url, "--format", "json", changed.to_str().unwrap()]));
    let drift = messages(&result.stdout, "C002");
    assert_eq!(drift.len(), 1, "{drift:#?}");
    assert!(drift[0].contains(" rules of `sloc-oneflow-availability` differ on the server: "), "{}", drift[0]);
    let rules_named = drift[0].matches("`: ").count();
    assert!(rules_named >= 4, "the objective, budget and alerts changed: {}", drift[0]);

    let result =
        run(&mut sloc(&["check", "--prometheus", &prometheus.url, "--format", "json", broken.to_str().unwrap()]));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(findings[0]["code"], "C003");
    assert_eq!(findings[0]["line"], 4);
    assert!(findings[0]["message"].as_str().unwrap().contains("many"), "{}", findings[0]["message"]);
}

#[test]
fn short_retention_and_long_scrape_interval_are_reported() {
    let prometheus = Prometheus::start(Setup {
        rule_files: vec![root().join("rules/oneflow.rules.yml")],
        retention: "7d",
        scrape_interval: "2m",
        ..Setup::default()
    });
    let result =
        run(&mut sloc(&["check", "--prometheus", &prometheus.url, "--format", "json", "rules/oneflow.slo.yaml"]));
    let found = codes(&result.stdout);
    assert!(found.contains(&"C006".to_string()), "{found:?}");
    assert!(found.contains(&"C007".to_string()), "{found:?}");
    assert_eq!(result.code, 1);
    // No exporter: the SLI selectors match nothing, each said once however many objectives
    // read it.
    let mut no_series = messages(&result.stdout, "C008");
    let all = no_series.len();
    no_series.sort();
    no_series.dedup();
    assert_eq!(no_series.len(), all, "one C008 per selector: {no_series:#?}");
    assert!(
        no_series.iter().any(|m| m == "`oneflow_requests_total` matches no series on the server (last hour)"),
        "{no_series:#?}"
    );
}

/// Any rule file, not only specs: ranges beyond the retention (C012), and counter functions
/// over what the exporter declares a gauge (C013, from the server's metadata).
#[test]
fn rule_files_are_judged_by_the_server_s_retention_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write_file(
        dir.path(),
        "ops.yml",
        "groups:\n  - name: ops\n    rules:\n      - record: provider:oneflow_requests:increase30d\n        expr: sum by (provider) (increase(oneflow_requests_total[30d]))\n      - record: provider:health:max_over_time\n        expr: max_over_time(oneflow_provider_health_status[2d:5m] offset 6d)\n      - record: provider:health:rate5m\n        expr: rate(oneflow_provider_health_status[5m])\n      - record: provider:requests:rate5m\n        expr: sum by (provider) (rate(oneflow_requests_total[5m]))\n",
    );
    let exporter = Exporter::start();
    let prometheus = Prometheus::start(Setup {
        rule_files: vec![rules.clone()],
        retention: "7d",
        exporter_port: Some(exporter.port),
        ..Setup::default()
    });
    // The metadata arrives with the first scrapes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let result = loop {
        let result =
            run(&mut sloc(&["check", "--prometheus", &prometheus.url, "--format", "json", rules.to_str().unwrap()]));
        if codes(&result.stdout).contains(&"C013".to_string()) || std::time::Instant::now() > deadline {
            break result;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let located: Vec<(String, u64)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        located,
        [("C012".to_string(), 5), ("C012".to_string(), 7), ("C013".to_string(), 9)],
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains("reads 30d back (`[30d]`), more than the 7d"), "{}", result.stdout);
    assert!(result.stdout.contains("reads 8d back"), "2d subquery + 6d offset: {}", result.stdout);
    assert!(result.stdout.contains("declares a gauge"), "{}", result.stdout);
}

#[test]
fn route_prefix_and_basic_auth() {
    let dir = tempfile::tempdir().unwrap();
    let prometheus = Prometheus::start(Setup {
        rule_files: vec![root().join("rules/oneflow.rules.yml")],
        route_prefix: Some("/prom"),
        basic_auth: Some((BASIC_AUTH_USER, BASIC_AUTH_HASH)),
        ..Setup::default()
    });
    prometheus.wait_for("/prom", Some(BASIC_AUTH_HEADER), "vector(1)");
    let good = write_file(dir.path(), "good", BASIC_AUTH_PASSWORD);
    let bad = write_file(dir.path(), "bad", "not-the-password");
    let url = prometheus.url.clone();
    assert!(url.ends_with("/prom"));
    let check_with_password = |file: &std::path::Path| {
        let file = file.to_str().unwrap();
        run(&mut sloc(&[
            "check",
            "--prometheus",
            &url,
            "--basic-auth",
            BASIC_AUTH_USER,
            "--password-file",
            file,
            "--verbose",
            "rules/oneflow.rules.yml",
        ]))
    };

    let ok = check_with_password(&good);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stderr.contains(&format!("GET {url}/api/v1/rules -> HTTP 200")), "{}", ok.stderr);
    assert!(!ok.stderr.contains(BASIC_AUTH_PASSWORD), "the password is never printed");

    let refused = check_with_password(&bad);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains(&format!("error: {url}/api/v1/rules refused the credentials (HTTP 401)")),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("not-the-password"));

    // The token from an environment variable is sent too, and never shown.
    let token = run(sloc(&[
        "check",
        "--prometheus",
        &url,
        "--bearer-token-env",
        "SLOC_TEST_TOKEN",
        "-v",
        "rules/oneflow.rules.yml",
    ])
    .env("SLOC_TEST_TOKEN", "secret-token-value"));
    assert_eq!(token.code, 2, "basic auth is required, so the token is refused: {}", token.stderr);
    assert!(!token.stderr.contains("secret-token-value"));
}

#[test]
fn nothing_listening_is_exit_2_unless_allowed() {
    let port = common::prometheus::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let result = run(&mut sloc(&["check", "--prometheus", &url, "--timeout", "2s", "rules/oneflow.slo.yaml"]));
    assert_eq!(result.code, 2);
    assert!(result.stderr.starts_with(&format!("error: cannot reach {url}/api/v1/rules: ")), "{}", result.stderr);
    assert!(result.stderr.to_lowercase().contains("refused"), "{}", result.stderr);
    let allowed = run(&mut sloc(&["check", "--prometheus", &url, "--allow-unreachable", "rules/oneflow.slo.yaml"]));
    assert_eq!(allowed.code, 0);
    assert!(allowed.stderr.starts_with("warning[C011]: cannot reach"), "{}", allowed.stderr);
}

/// A Mimir-like ruler: the API under `/prometheus`, only for tenant `team-a`, failing its
/// first request with 503. It has no status endpoints (404), like Mimir.
#[test]
fn ruler_with_tenant_header_prefix_and_a_transient_failure() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let requests = AtomicUsize::new(0);
    let server = FakeServer::start(move |request| {
        let count = requests.fetch_add(1, Ordering::SeqCst);
        let tenant = request.lines().any(|l| l.eq_ignore_ascii_case("x-scope-orgid: team-a"))
            && request.lines().any(|l| l.eq_ignore_ascii_case("authorization: bearer ruler-token-value"));
        if count == 0 {
            answer("503 Service Unavailable", "", b"busy")
        } else if !tenant {
            answer("401 Unauthorized", "", b"no org id")
        } else if request.starts_with("GET /prometheus/api/v1/rules") {
            answer("200 OK", "", br#"{"status":"success","data":{"groups":[]}}"#)
        } else {
            answer("404 Not Found", "", b"not found")
        }
    });
    let url = format!("{}/prometheus", server.url);
    let dir = tempfile::tempdir().unwrap();
    let token = write_file(dir.path(), "token", "ruler-token-value\n");
    let result = run(&mut sloc(&[
        "check",
        "--prometheus",
        &url,
        "--header",
        "X-Scope-OrgID: team-a",
        "--bearer-token-file",
        token.to_str().unwrap(),
        "--verbose",
        "--format",
        "json",
        "rules/oneflow.slo.yaml",
    ]));
    // The first request (the server's version) meets the 503 and is retried.
    assert!(result.stderr.contains(&format!("GET {url}/api/v1/status/buildinfo -> HTTP 503")), "{}", result.stderr);
    assert!(
        result.stderr.contains(&format!("GET {url}/api/v1/status/buildinfo -> HTTP 404")),
        "retried after the 503: {}",
        result.stderr
    );
    assert!(result.stderr.contains(&format!("GET {url}/api/v1/rules -> HTTP 200")), "{}", result.stderr);
    assert!(result.stderr.contains("/api/v1/status/flags -> HTTP 404"), "{}", result.stderr);
    assert_eq!(result.stderr.matches("/api/v1/status/flags -> ").count(), 1, "asked once: {}", result.stderr);
    // The checks that need the status endpoints say why they were skipped.
    assert!(
        result.stderr.contains(
            "status/flags is not served (Mimir and Cortex do not serve it): retention-shorter-than-period (C006)"
        ),
        "{}",
        result.stderr
    );
    assert!(result.stderr.contains("scrape-interval-too-long (C007) was skipped"), "{}", result.stderr);
    assert!(result.stderr.contains("does not report its version"), "{}", result.stderr);
    assert!(!result.stderr.contains("team-a"), "header values are not printed");
    assert!(!result.stderr.contains("ruler-token-value"), "the token is not printed");
    // Empty ruler: every group is missing, at each objective of the spec.
    assert_eq!(codes(&result.stdout).iter().filter(|c| *c == "C001").count(), 5, "{}", result.stdout);
    assert_eq!(result.code, 1);
}

/// Without a target, rule files are judged for the Prometheus that runs them (its buildinfo and
/// flags); with one that differs in a verdict, `sloc check` says so.
#[test]
fn rule_files_are_judged_for_the_server_that_runs_them() {
    let prometheus =
        Prometheus::start(Setup { extra_args: vec!["--enable-feature=promql-at-modifier".into()], ..Setup::default() });
    let file = "fixtures/targets/trim-operators.yml";
    let judged = run(&mut sloc(&["check", "--prometheus", &prometheus.url, "--format", "json", file]));
    let refused = messages(&judged.stdout, "T001");
    assert_eq!(refused.len(), 1, "{}", judged.transcript());
    assert!(refused[0].contains("needs Prometheus 3.11 or later"), "{refused:?}");
    assert!(!judged.stderr.contains("note: the rules are judged"), "{}", judged.stderr);
    let given = run(&mut sloc(&[
        "check",
        "--prometheus",
        &prometheus.url,
        "--target",
        "prometheus@3.14",
        "--format",
        "json",
        file,
    ]));
    assert!(messages(&given.stdout, "T001").is_empty(), "{}", given.transcript());
    assert!(
        given.stderr.contains("note: the rules are judged for prometheus@3.14, but the server runs prometheus@2.42 +promql-at-modifier, for which 1 finding would differ"),
        "{}",
        given.stderr
    );
}

#[test]
fn tls_with_a_custom_ca_or_insecure() {
    let prometheus = Prometheus::start(Setup {
        rule_files: vec![root().join("rules/oneflow.rules.yml")],
        tls: true,
        ..Setup::default()
    });
    assert!(prometheus.url.starts_with("https://"));
    let ca = root().join("fixtures/tls/ca.crt");
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "--prometheus", &prometheus.url, "--format", "json", "--timeout", "5s"];
        args.extend(extra);
        args.push("rules/oneflow.rules.yml");
        run(&mut sloc(&args))
    };
    let untrusted = check(&[]);
    assert_eq!(untrusted.code, 2, "{}", untrusted.stderr);
    assert!(
        untrusted.stderr.contains(&format!("cannot reach {}/api/v1/rules", prometheus.url)),
        "{}",
        untrusted.stderr
    );
    assert!(
        untrusted.stderr.to_lowercase().contains("certificate"),
        "the cause names the certificate: {}",
        untrusted.stderr
    );
    let trusted = check(&["--ca-file", ca.to_str().unwrap()]);
    assert_eq!((trusted.code, trusted.stdout.trim()), (0, "[]"), "{}", trusted.stderr);
    let insecure = check(&["--insecure"]);
    assert_eq!((insecure.code, insecure.stdout.trim()), (0, "[]"), "{}", insecure.stderr);
}
