//! `sloc build --format grafana`: the dashboards load in an independent implementation of
//! Grafana's dashboard model, their queries are PromQL that Prometheus accepts, and every panel
//! of the OneFlow dashboard returns data from a real Prometheus running the OneFlow rules on the
//! example's series.

mod common;

use std::process::Command;

use common::prometheus::{Exporter, Prometheus, Setup, http_get};
use common::{promtool, root, run, sloc, write};
use serde_json::Value;

/// The specs whose dashboards are checked: the example and every kind of SLI, grouping and
/// period among the fixtures.
const SPECS: &[&str] = &[
    "rules/oneflow.slo.yaml",
    "fixtures/build/group-by.slo.yaml",
    "fixtures/build/threshold.slo.yaml",
    "fixtures/build/raw.slo.yaml",
    "fixtures/build/exact.slo.yaml",
    "fixtures/build/latency.slo.yaml",
    "fixtures/build/overrides.slo.yaml",
    "fixtures/build/period-28d.slo.yaml",
];

fn dashboard(spec: &str) -> String {
    let built = run(&mut sloc(&["build", "--format", "grafana", spec]));
    assert_eq!(built.code, 0, "{spec}: {}", built.transcript());
    built.stdout
}

fn queries(dashboard: &str) -> Vec<String> {
    let parsed: Value = serde_json::from_str(dashboard).unwrap();
    parsed["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .map(|t| t["expr"].as_str().unwrap().to_string())
        .collect()
}

/// Loads the dashboard with grafana-foundation-sdk's `Dashboard.from_json` and writes it back:
/// nothing sloc wrote may be lost (a field the model does not know, or of the wrong shape).
const ROUND_TRIP: &str = r#"
import json, sys
from grafana_foundation_sdk.models.dashboard import Dashboard
from grafana_foundation_sdk.cog.encoder import JSONEncoder

def lost(a, b, path=""):
    if isinstance(a, dict):
        if not isinstance(b, dict):
            return [path]
        return [p for k in a for p in ([path + "/" + k] if k not in b else lost(a[k], b[k], path + "/" + k))]
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return [path]
        return [p for i, (x, y) in enumerate(zip(a, b)) for p in lost(x, y, "%s[%d]" % (path, i))]
    return [] if a == b else ["%s: %r became %r" % (path, a, b)]

for name in sys.argv[1:]:
    original = json.load(open(name))
    model = Dashboard.from_json(original)
    back = json.loads(json.dumps(model, cls=JSONEncoder))
    problems = lost(original, back)
    if problems:
        sys.exit("%s: %s" % (name, "; ".join(problems[:10])))
"#;

#[test]
fn dashboards_load_in_grafana_s_model_and_their_queries_are_valid_promql() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut rules = String::from("groups:\n  - name: dashboard-queries\n    rules:\n");
    for (i, spec) in SPECS.iter().enumerate() {
        let text = dashboard(spec);
        assert!(
            !text.contains("DS_PROMETHEUS") && !text.contains("__inputs"),
            "{spec}: provisioning cannot resolve those"
        );
        let parsed: Value = serde_json::from_str(&text).unwrap();
        let uid = parsed["uid"].as_str().unwrap();
        assert!(uid.len() <= 40 && uid.starts_with("sloc-"), "{spec}: uid {uid}");
        assert!(parsed.get("id").is_none() && parsed.get("version").is_none(), "{spec}");
        for panel in parsed["panels"].as_array().unwrap() {
            if panel["type"] != "row" {
                assert_eq!(panel["datasource"]["uid"], "${datasource}", "{spec}: {}", panel["title"]);
            }
        }
        for (k, q) in queries(&text).into_iter().enumerate() {
            // Grafana replaces `$provider` with the chosen values' regex; `.*` is "All".
            let q = regex_free(&q);
            rules.push_str(&format!(
                "      - record: q:{i}_{k}\n        expr: {}\n",
                serde_json::to_string(&q).unwrap()
            ));
        }
        files.push(write(dir.path(), &format!("{i}.json"), &text));
    }
    let sdk = Command::new("python3").arg("-c").arg(ROUND_TRIP).args(&files).output().expect("python3 runs");
    let stderr = String::from_utf8_lossy(&sdk.stderr);
    assert!(
        !stderr.contains("No module named 'grafana_foundation_sdk'"),
        "grafana-foundation-sdk is not installed: pip install grafana-foundation-sdk (cargo xtask ci does)"
    );
    assert!(sdk.status.success(), "{stderr}");
    let rules_path = write(dir.path(), "queries.yml", &rules);
    let checked = promtool().args(["check", "rules", &rules_path]).output().unwrap();
    assert!(checked.status.success(), "promtool rejects a panel query: {}", String::from_utf8_lossy(&checked.stdout));
}

/// A query with every `$variable` replaced by `.*`.
fn regex_free(query: &str) -> String {
    let mut out = String::new();
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            while chars.peek().is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
                chars.next();
            }
            out.push_str(".*");
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn every_panel_of_the_oneflow_dashboard_returns_data() {
    let committed =
        std::fs::read_to_string(root().join("examples/oneflow/grafana/dashboards/oneflow-slos.json")).unwrap();
    assert_eq!(committed, dashboard("rules/oneflow.slo.yaml"), "the example's dashboard is what sloc builds");
    let exporter = Exporter::start();
    let prometheus = Prometheus::start(Setup {
        rule_files: vec![root().join("rules/oneflow.rules.yml")],
        exporter_port: Some(exporter.port),
        ..Setup::default()
    });
    for slo in ["availability", "latency", "cost-efficiency", "provider-reliability", "user-experience"] {
        prometheus.wait_for("", None, &format!("slo:error_budget_remaining:ratio{{slo=\"{slo}\"}}"));
    }
    let queries = queries(&committed);
    assert!(queries.len() > 50, "{} queries", queries.len());
    for q in queries {
        let expr = regex_free(&q);
        let encoded: String = expr.bytes().map(|b| format!("%{b:02X}")).collect();
        let (status, body) = http_get(prometheus.port, &format!("/api/v1/query?query={encoded}"), None).unwrap();
        assert_eq!(status, 200, "{expr}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert!(!body["data"]["result"].as_array().unwrap().is_empty(), "no data for {expr}");
    }
}
