//! `sloc check` against servers that misbehave, in-test on loopback ports: every answer ends
//! with a clear error and exit 2 (or a finding), no secret is printed, nothing unbounded is
//! read, and nothing a server says can repaint the terminal or forge a CI log line.

mod common;

use std::io::Write;
use std::net::TcpListener;

use common::fake_server::{FakeServer, answer};
use common::{run, sloc};

const RULES: &str = "rules/oneflow.rules.yml";

/// A server on a free loopback port that accepts connections and never answers.
fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    url
}

fn check(url: &str, extra: &[&str]) -> common::Run {
    let mut args = vec!["check", "--prometheus", url, "--timeout", "5s"];
    args.extend(extra);
    args.push(RULES);
    run(&mut sloc(&args))
}

#[test]
fn credentials_in_urls_headers_and_echoed_bodies_are_never_printed() {
    // A proxy that echoes the request (with its Authorization header) in a 502 body.
    let server = FakeServer::start(|request| {
        answer("502 Bad Gateway", "", format!("upstream failed for:\n{request}").as_bytes())
    });
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "TOKEN-abc123\n").unwrap();
    let host = server.url.trim_start_matches("http://");
    for url in
        [format!("http://u:pa@ss-SECRET1@{host}"), format!("http://admin:ab/cd+SECRET2@{host}"), server.url.clone()]
    {
        let result = check(
            &url,
            &["--bearer-token-file", token.to_str().unwrap(), "--header", "X-Api-Key: KEY-xyz789", "--verbose"],
        );
        let printed = format!("{}{}", result.stdout, result.stderr);
        for secret in ["SECRET1", "SECRET2", "TOKEN-abc123", "KEY-xyz789", "pa@ss"] {
            assert!(!printed.contains(secret), "{secret} printed for {url}:\n{printed}");
        }
        assert_eq!(result.code, 2, "{printed}");
    }
    // The echoed request did carry the token: the scrubbing is what hides it.
    assert!(server.requests().iter().any(|r| r.contains("TOKEN-abc123")));

    let malformed = check(&format!("http:/user:SECRET3@{host}"), &[]);
    assert_eq!(malformed.code, 2);
    assert!(
        malformed.stderr.contains("write it as http://") && !malformed.stderr.contains("SECRET3"),
        "{}",
        malformed.stderr
    );
    let no_colon = check(&server.url, &["--header", "Authorization Bearer TOKEN-def456"]);
    assert_eq!(no_colon.code, 2);
    assert!(
        !no_colon.stderr.contains("TOKEN-def456") && no_colon.stderr.contains("Name: value"),
        "{}",
        no_colon.stderr
    );
}

#[test]
fn headers_never_follow_a_redirect_to_another_origin() {
    let other = FakeServer::start(|_| answer("200 OK", "", br#"{"status":"success","data":{"groups":[]}}"#));
    let target = other.url.clone();
    let server = FakeServer::start(move |_| answer("302 Found", &format!("Location: {target}/api/v1/rules\r\n"), b""));
    let result = check(&server.url, &["--header", "X-Scope-OrgID: tenant-secret", "--verbose"]);
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(result.stderr.contains("redirects to another origin"), "{}", result.stderr);
    assert!(
        result.stderr.contains(&format!("redirected to {}/api/v1/rules (another origin: not followed)", other.url)),
        "every hop is logged:\n{}",
        result.stderr
    );
    assert!(other.requests().is_empty(), "the other origin was contacted: {:?}", other.requests());
}

#[test]
fn response_bodies_are_bounded_after_decompression() {
    // 3 MiB of JSON-looking text, and the same gzipped (a few KiB on the wire).
    let big = format!("{{\"status\":\"success\",\"data\":{{\"groups\":[],\"pad\":\"{}\"}}}}", "x".repeat(3 << 20));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(big.as_bytes()).unwrap();
    let gzipped = gz.finish().unwrap();
    assert!(gzipped.len() < 64 * 1024);
    let plain_body = big.clone().into_bytes();
    let plain = FakeServer::start(move |_| answer("200 OK", "Content-Type: application/json\r\n", &plain_body));
    let compressed = FakeServer::start(move |_| answer("200 OK", "Content-Encoding: gzip\r\n", &gzipped));
    for server in [&plain, &compressed] {
        let result = check(&server.url, &["--max-response-size", "1"]);
        assert_eq!(result.code, 2, "{}", result.stderr);
        assert!(result.stderr.contains("answered with more than 1 MiB"), "{}", result.stderr);
        assert!(result.stderr.contains(&format!("{}/api/v1/rules", server.url)), "names the URL: {}", result.stderr);
    }
    // Under a higher bound the same answer is read (and found to be an empty server).
    let read = check(&compressed.url, &["--max-response-size", "4"]);
    assert!(!read.stderr.contains("more than"), "{}", read.stderr);
}

#[test]
fn server_text_cannot_repaint_the_terminal_or_forge_ci_annotations() {
    let message = format!("\u{1b}[2J\u{1b}[31mpwned\n::error file=README.md,line=1::forged{}", "y".repeat(100_000));
    let body = serde_json::json!({"status": "error", "errorType": "bad_data", "error": message}).to_string();
    let server = FakeServer::start(move |_| answer("422 Unprocessable Entity", "", body.as_bytes()));
    for format in ["human", "github"] {
        let result = check(&server.url, &["--format", format]);
        assert_eq!(result.code, 2, "{}", result.stderr);
        let printed = format!("{}{}", result.stdout, result.stderr);
        assert!(!printed.contains('\u{1b}'), "an escape reached the terminal: {printed:?}");
        assert!(!printed.lines().any(|l| l.starts_with("::error file=README.md")), "a forged annotation:\n{printed}");
        assert!(printed.len() < 4_000, "the server's text is cut: {} bytes", printed.len());
        assert!(printed.contains("pwned"), "{printed}");
    }
}

#[test]
fn a_rule_s_last_error_is_escaped_and_cut_too() {
    let dir = tempfile::tempdir().unwrap();
    let rules = common::write(
        dir.path(),
        "ops.yml",
        "groups:\n  - name: ops\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n",
    );
    let last_error = format!("\u{1b}[2Jboom\n::error file=README.md,line=1::forged{}", "z".repeat(50_000));
    let body = serde_json::json!({"status": "success", "data": {"groups": [{
        "name": "ops", "file": "ops.yml", "interval": 60.0, "evaluationTime": 0.001,
        "rules": [{"name": "job:up:sum", "query": "sum by (job) (up)", "type": "recording", "health": "err", "lastError": last_error}]
    }]}})
    .to_string();
    let server = FakeServer::start(move |request| {
        if request.starts_with("GET /api/v1/rules") {
            answer("200 OK", "", body.as_bytes())
        } else {
            answer("404 Not Found", "", b"")
        }
    });
    for format in ["human", "github"] {
        let result = run(&mut sloc(&["check", "--prometheus", &server.url, "--format", format, &rules]));
        assert_eq!(result.code, 1, "{}", result.stderr);
        let printed = format!("{}{}", result.stdout, result.stderr);
        assert!(printed.contains("C003") && printed.contains("boom"), "{printed}");
        assert!(!printed.contains('\u{1b}'), "an escape reached the terminal: {printed:?}");
        assert!(!printed.lines().any(|l| l.starts_with("::error file=README.md")), "a forged annotation:\n{printed}");
        assert!(printed.len() < 5_000, "the server's text is cut: {} bytes", printed.len());
    }
}

#[test]
fn pathological_expressions_served_by_the_server_are_handled_in_linear_time() {
    let query = format!("{}up +{}", "(".repeat(8_000), ")".repeat(8_000));
    let body = serde_json::json!({"status": "success", "data": {"groups": [{
        "name": "sloc-oneflow-availability", "file": "x.yml", "interval": 60.0, "evaluationTime": 0.001,
        "rules": [{"name": "slo:sli_errors:rate5m", "query": query, "type": "recording", "health": "ok"}]
    }]}})
    .to_string();
    let server = FakeServer::start(move |request| {
        if request.starts_with("GET /api/v1/rules") {
            answer("200 OK", "", body.as_bytes())
        } else {
            answer("404 Not Found", "", b"")
        }
    });
    let started = std::time::Instant::now();
    let result = check(&server.url, &["--format", "json"]);
    assert!(result.code <= 1, "{}", result.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
}

#[test]
fn a_timeout_bounds_the_whole_call_retries_included() {
    // Accepts and never answers: each attempt would wait the whole timeout.
    let url = silent_server();
    let started = std::time::Instant::now();
    let result = run(&mut sloc(&["check", "--prometheus", &url, "--timeout", "2s", RULES]));
    let took = started.elapsed();
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(result.stderr.contains("timed out"), "{}", result.stderr);
    // The rules request and the status requests run concurrently: about one timeout in all.
    assert!(took < std::time::Duration::from_secs(5), "took {took:?} for --timeout 2s");
}

/// Basic auth travels base64-encoded: a proxy that echoes the request shows
/// `Authorization: Basic YWRtaW46…`, which decodes to the password. Whatever the source of the
/// credentials (the URL, `--password-file`), neither the encoded form nor any
/// `Authorization` value is printed; a scheme-less `user:pw@host` is not echoed in its error,
/// and a base URL with a query or fragment is refused, not extended after the query.
#[test]
fn encoded_credentials_and_authorization_values_are_never_printed() {
    let server =
        FakeServer::start(|request| answer("502 Bad Gateway", "", format!("{{\"echo\": {:?}}}", request).as_bytes()));
    let host = server.url.trim_start_matches("http://");
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "hunter2-SECRET4\n").unwrap();
    // base64("admin:hunter2-SECRET4") and base64("admin:pw-SECRET5").
    let encoded = ["YWRtaW46aHVudGVyMi1TRUNSRVQ0", "YWRtaW46cHctU0VDUkVUNQ"];
    for (url, extra) in [
        (server.url.clone(), vec!["--basic-auth", "admin", "--password-file", password.to_str().unwrap()]),
        (format!("http://admin:pw-SECRET5@{host}"), vec![]),
    ] {
        let mut args = extra.clone();
        args.push("--verbose");
        let asked = server.requests().len();
        let result = check(&url, &args);
        let printed = format!("{}{}", result.stdout, result.stderr);
        assert_eq!(result.code, 2, "{printed}");
        assert!(server.requests().len() > asked, "the server was asked: {printed}");
        assert!(printed.contains("502"), "the echo was read: {printed}");
        for secret in encoded.iter().chain(&["SECRET4", "SECRET5", "Basic YWR"]) {
            assert!(!printed.contains(secret), "{secret} printed for {url}:\n{printed}");
        }
    }
    let sent: Vec<String> = server.requests().iter().map(|r| r.to_ascii_lowercase()).collect();
    assert!(sent.iter().all(|r| r.contains("authorization: basic ")), "{sent:?}");

    let scheme_less = check(&format!("admin:SECRET6@{host}"), &[]);
    assert_eq!(scheme_less.code, 2);
    assert!(
        !scheme_less.stderr.contains("SECRET6") && !scheme_less.stdout.contains("SECRET6"),
        "{}",
        scheme_less.stderr
    );
    let json = run(&mut sloc(&["check", "--prometheus", &format!("admin:SECRET6@{host}"), "--format", "json", RULES]));
    assert!(!json.stdout.contains("SECRET6"), "{}", json.stdout);

    let with_query = check(&format!("{}/prom?token=SECRET7#frag", server.url), &[]);
    assert_eq!(with_query.code, 2);
    assert!(with_query.stderr.contains("has a query or fragment"), "{}", with_query.stderr);
    assert!(!with_query.stderr.contains("SECRET7"), "{}", with_query.stderr);
}

/// A server that answers values no SLI can have (an error ratio of -5, of 2, of 1e308, a
/// negative count): `status` marks them invalid in the table and the JSON, never a confident
/// number.
#[test]
fn impossible_values_are_invalid_data_not_numbers() {
    for value in ["-5", "2", "1e308", "+Inf"] {
        let server = FakeServer::start(move |request| {
            let path = request.split_whitespace().nth(1).unwrap_or_default().to_string();
            let body = if path.starts_with("/api/v1/query") {
                format!(
                    r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[1700000000,"{value}"]}}]}}}}"#
                )
            } else if path.starts_with("/api/v1/alerts") {
                r#"{"status":"success","data":{"alerts":[]}}"#.to_string()
            } else {
                r#"{"status":"success","data":{"groups":[]}}"#.to_string()
            };
            answer("200 OK", "Content-Type: application/json\r\n", body.as_bytes())
        });
        let spec = common::root().join("fixtures/build/errors-total.slo.yaml");
        let spec = spec.to_str().unwrap();
        let json = run(&mut sloc(&["status", "--prometheus", &server.url, spec, "--format", "json"]));
        assert_eq!(json.code, 0, "{value}: {}", json.transcript());
        let rows: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        for row in rows.as_array().unwrap() {
            assert!(row["invalid_data"].as_str().is_some_and(|d| !d.is_empty()), "{value}: {row}");
            assert!(row["sli"].is_null() && row["budget_remaining"].is_null(), "{value}: {row}");
            assert_eq!(row["no_data"], false, "{value}: {row}");
        }
        let table = run(&mut sloc(&["status", "--prometheus", &server.url, spec]));
        assert!(table.stdout.contains("invalid"), "{value}: {}", table.stdout);
        assert!(table.stdout.contains("invalid data from the server"), "{value}: {}", table.stdout);
        assert!(!table.stdout.contains("inf%") && !table.stdout.contains("600.000%"), "{value}: {}", table.stdout);
    }
}

/// `status` asks the server dozens of questions; against one that answers nothing, the first
/// timeout stops the others: the command takes about one timeout, not one per query.
#[test]
fn a_silent_server_costs_status_one_timeout_not_one_per_query() {
    let url = silent_server();
    let started = std::time::Instant::now();
    let result = run(&mut sloc(&["status", "--prometheus", &url, "--timeout", "2s", "rules/oneflow.slo.yaml"]));
    let took = started.elapsed();
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(result.stderr.contains("timed out"), "{}", result.stderr);
    assert!(took < std::time::Duration::from_secs(7), "took {took:?} for --timeout 2s");
}

/// An Alertmanager's running configuration is server text: a receiver name with escape
/// sequences, a bell or a line break is shown escaped in A006's message and snippet, in the
/// terminal and in GitHub annotations.
#[test]
fn an_alertmanager_s_configuration_cannot_repaint_the_terminal() {
    // The root route names a receiver that is not defined: A006 quotes it.
    let config =
        "route:\n  receiver: \"\\e[31mred\\a\\nforged\"\n  routes: []\nreceivers:\n  - name: x\u{1b}]0;title\u{7}\n";
    let body = serde_json::json!({"config": {"original": config}}).to_string();
    let server = FakeServer::start(move |_| answer("200 OK", "Content-Type: application/json\r\n", body.as_bytes()));
    for format in ["human", "github"] {
        let out = run(&mut sloc(&[
            "check",
            "--alertmanager",
            &server.url,
            "--format",
            format,
            "--color",
            "never",
            "rules/oneflow.slo.yaml",
        ]));
        let printed = format!("{}{}", out.stdout, out.stderr);
        assert!(printed.contains("A006"), "{format}: {printed}");
        assert!(!printed.contains('\u{1b}') && !printed.contains('\u{7}'), "{format}: {printed:?}");
        assert!(!printed.lines().any(|l| l.starts_with("forged")), "{format}: {printed}");
    }
}

/// `report` against a server whose sums are no SLI's (more bad events than events) and whose
/// range answers hold points off the requested grid (off the step, at ±1e300 s): the SLI is
/// invalid, never a confident number, and only points on the grid are read.
#[test]
fn a_report_reads_only_valid_sums_and_points_on_its_grid() {
    let (from, to) = (1_577_836_800i64, 1_577_923_200i64); // 2020-01-01 to 2020-01-02, UTC
    let server = FakeServer::start(move |request| {
        let path = request.split_whitespace().nth(1).unwrap_or_default().to_string();
        let vector = |v: &str| {
            format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[{to},"{v}"]}}]}}}}"#
            )
        };
        let body = if path.starts_with("/api/v1/query_range") {
            let on_grid = from + 3600;
            format!(
                r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{}},"values":[[{on_grid},"1"],[{},"7"],[1e300,"9"],[-1e300,"9"]]}}]}}}}"#,
                on_grid + 1
            )
        } else if path.starts_with("/api/v1/query") {
            vector(if path.contains("sli_errors") { "50" } else { "5" })
        } else if path.starts_with("/api/v1/status/flags") {
            r#"{"status":"success","data":{}}"#.to_string()
        } else {
            r#"{"status":"success","data":{"groups":[]}}"#.to_string()
        };
        answer("200 OK", "Content-Type: application/json\r\n", body.as_bytes())
    });
    let spec = common::root().join("fixtures/build/errors-total.slo.yaml");
    let args =
        ["report", spec.to_str().unwrap(), "--prometheus", &server.url, "--from", "2020-01-01", "--to", "2020-01-02"];
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json = run(&mut sloc(&json_args));
    assert_eq!(json.code, 0, "{}", json.transcript());
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let total = &report["objectives"][0];
    assert!(total["invalid_data"].is_string(), "{total}");
    assert!(total["sli"].is_null() && total["budget_consumed"].is_null(), "{total}");
    let burn_down = report["objectives"][0]["burn_down"].as_array().unwrap();
    for point in burn_down {
        let t = point[0].as_i64().unwrap();
        assert!((from..=to).contains(&t), "a point off the period: {point}");
    }
    let table = run(&mut sloc(&args));
    assert!(table.stdout.contains(" invalid "), "{}", table.stdout);
    assert!(!table.stdout.contains("-0 ") && !table.stdout.contains("1000.0%"), "{}", table.stdout);
    // Sums of almost nothing (1e-300 events) are no events, not a 0.000% SLI over nothing.
    let tiny = FakeServer::start(move |request| {
        let path = request.split_whitespace().nth(1).unwrap_or_default().to_string();
        let body = if path.starts_with("/api/v1/query_range") {
            r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#.to_string()
        } else if path.starts_with("/api/v1/query") {
            format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[{to},"1e-300"]}}]}}}}"#
            )
        } else if path.starts_with("/api/v1/status/flags") {
            r#"{"status":"success","data":{}}"#.to_string()
        } else {
            r#"{"status":"success","data":{"groups":[]}}"#.to_string()
        };
        answer("200 OK", "Content-Type: application/json\r\n", body.as_bytes())
    });
    let mut tiny_args = args.to_vec();
    tiny_args[3] = &tiny.url;
    tiny_args.extend(["--format", "json"]);
    let none = run(&mut sloc(&tiny_args));
    let none: serde_json::Value = serde_json::from_str(&none.stdout).unwrap();
    assert!(none["objectives"][0]["sli"].is_null(), "{none}");
    let mut markdown_args = args.to_vec();
    markdown_args.extend(["--format", "markdown"]);
    let markdown = run(&mut sloc(&markdown_args));
    assert!(markdown.stdout.contains("invalid data from the server: bad 50 of all 5"), "{}", markdown.stdout);
}

/// An answer of another type than asked for (a matrix, a scalar or a string for an instant
/// vector) is an unexpected answer, never read as "no traffic".
#[test]
fn answers_of_the_wrong_type_are_unexpected_not_no_data() {
    for (kind, result) in [("matrix", "[]"), ("scalar", "[1700000000,\"1\"]"), ("string", "[1700000000,\"x\"]")] {
        let body = format!(r#"{{"status":"success","data":{{"resultType":"{kind}","result":{result}}}}}"#);
        let server = FakeServer::start(move |request| {
            let path = request.split_whitespace().nth(1).unwrap_or_default().to_string();
            let body = if path.starts_with("/api/v1/query") {
                body.clone()
            } else if path.starts_with("/api/v1/alerts") {
                r#"{"status":"success","data":{"alerts":[]}}"#.to_string()
            } else {
                r#"{"status":"success","data":{"groups":[]}}"#.to_string()
            };
            answer("200 OK", "Content-Type: application/json\r\n", body.as_bytes())
        });
        let out = run(&mut sloc(&["status", "--prometheus", &server.url, "fixtures/build/errors-total.slo.yaml"]));
        assert_eq!(out.code, 2, "{kind}: {}", out.transcript());
        assert!(
            out.stderr.contains(&format!("an unexpected answer: a {kind} where a vector was asked for")),
            "{kind}: {}",
            out.stderr
        );
        assert!(!out.stdout.contains("no data"), "{kind}: {}", out.stdout);
    }
}

/// Two series for one ungrouped objective (a label the recordings keep that it does not
/// group by): neither is taken for the objective's; the row says so.
#[test]
fn two_series_for_one_objective_are_not_first_one_wins() {
    let server = FakeServer::start(move |request| {
        let path = request.split_whitespace().nth(1).unwrap_or_default().to_string();
        let body = if path.starts_with("/api/v1/query") {
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"region":"eu"},"value":[1700000000,"0.5"]},{"metric":{"region":"us"},"value":[1700000000,"0.001"]}]}}"#.to_string()
        } else if path.starts_with("/api/v1/alerts") {
            r#"{"status":"success","data":{"alerts":[]}}"#.to_string()
        } else {
            r#"{"status":"success","data":{"groups":[]}}"#.to_string()
        };
        answer("200 OK", "Content-Type: application/json\r\n", body.as_bytes())
    });
    let out = run(&mut sloc(&[
        "status",
        "--prometheus",
        &server.url,
        "fixtures/build/errors-total.slo.yaml",
        "--format",
        "json",
    ]));
    assert_eq!(out.code, 0, "{}", out.transcript());
    let rows: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let row = &rows[0];
    assert!(row["sli"].is_null(), "{row}");
    assert!(row["invalid_data"].as_str().unwrap().contains("several series"), "{row}");
}
