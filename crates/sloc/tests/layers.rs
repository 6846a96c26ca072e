//! `sloc build --layer` end to end, with real servers: two leaf Prometheus servers (external
//! labels `cluster=a` and `cluster=b`) scrape their own exporter, run the leaf rules and
//! remote-write the base recordings to a third (`--web.enable-remote-write-receiver`) that runs
//! the global rules; a fourth, single Prometheus scrapes both exporters and runs every rule, as
//! the reference. Cluster a burns (half its requests fail) at 10 requests a second, cluster b
//! serves 1,000 a second without errors. The exporters' counters began 10 minutes ago, and
//! every server starts with that history backfilled (raw series, as each scraped them), so
//! that each 5m rate is the steady one from the first evaluation: the proof takes seconds.

// The test prints the figures it measures (fire time, the global and reference ratios).
#![allow(clippy::print_stderr)]

mod common;

use std::time::{Duration, Instant};

use common::fake_server::{FakeServer, answer};
use common::history::{RawSeries, backfill};
use common::prometheus::{Prometheus, Setup};
use common::{run, sloc, write};

const SPEC: &str = "service: shop
interval: 1s
slos:
  - name: everywhere
    objective: 99.9
    sli:
      errors: e2e_requests_total{status=\"error\"}
      total: e2e_requests_total
    alerting: {for: {critical: 1s, warning: 1s, info: 1s}}
  - name: per-cluster
    objective: 99.9
    group_by: [cluster]
    sli:
      errors: e2e_requests_total{status=\"error\"}
      total: e2e_requests_total
    alerting: {for: {critical: 1s, warning: 1s, info: 1s}}
";

/// When the exporters' counters began: 10 minutes before the test.
fn origin() -> f64 {
    static ORIGIN: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *ORIGIN.get_or_init(|| unix_now() - 600.0)
}

fn unix_now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64()
}

/// The counters (ok, error) at Unix time `t` of an exporter serving `per_second` requests.
fn counters(t: f64, per_second: f64, error_share: f64) -> (f64, f64) {
    let n = (t - origin()) * per_second;
    (n * (1.0 - error_share), n * error_share)
}

/// Requests (and errors) growing at fixed rates since [`origin`].
fn exporter(per_second: f64, error_share: f64) -> FakeServer {
    FakeServer::start(move |_| {
        let (ok, error) = counters(unix_now(), per_second, error_share);
        let body = format!(
            "# TYPE e2e_requests_total counter\ne2e_requests_total{{status=\"ok\"}} {ok}\ne2e_requests_total{{status=\"error\"}} {error}\n"
        );
        answer("200 OK", "Content-Type: text/plain; version=0.0.4\r\n", body.as_bytes())
    })
}

/// The exporter's series from [`origin`] to now, every second, labelled as a server scraping
/// it stores them (plus `extra` labels), backfilled into a data directory.
fn backfilled(dir: &std::path::Path, name: &str, exporters: &[(&FakeServer, f64, f64, &str)]) -> std::path::PathBuf {
    let data = dir.join(format!("{name}-data"));
    let now = unix_now() as i64 - 2;
    let mut series = Vec::new();
    for (server, per_second, share, extra) in exporters {
        for (status, index) in [("ok", 0), ("error", 1)] {
            let samples = (origin() as i64 + 1..now)
                .map(|t| {
                    let (ok, error) = counters(t as f64, *per_second, *share);
                    (t, Some(if index == 0 { ok } else { error }))
                })
                .collect();
            series.push(RawSeries {
                family: "e2e_requests".into(),
                kind: "counter",
                series: format!(
                    "e2e_requests_total{{{extra}instance=\"127.0.0.1:{}\",job=\"e2e\",status=\"{status}\"}}",
                    port_of(server)
                ),
                samples,
            });
        }
    }
    backfill(dir, &data, name, &series);
    data
}

fn port_of(server: &FakeServer) -> u16 {
    server.url.rsplit(':').next().unwrap().parse().unwrap()
}

/// An instant query's samples: (labels, value).
fn query(prometheus: &Prometheus, promql: &str) -> Vec<(serde_json::Value, f64)> {
    common::prometheus::instant_query(prometheus.port, promql, None)
}

fn wait(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn leaves_feed_a_global_evaluator_that_agrees_with_a_single_prometheus() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "shop.slo.yaml", SPEC);
    let out = dir.path().join("rules");
    let built = run(&mut sloc(&["build", &spec, "--layer", "split", "-o", out.to_str().unwrap()]));
    assert_eq!(built.code, 0, "{}", built.transcript());
    let all = dir.path().join("all.rules.yml");
    assert_eq!(run(&mut sloc(&["build", &spec, "-o", all.to_str().unwrap()])).code, 0);
    let (leaf, global) = (out.join("shop.leaf.rules.yml"), out.join("shop.global.rules.yml"));
    let leaf_text = std::fs::read_to_string(&leaf).unwrap();
    assert!(!leaf_text.contains("alert:") && !leaf_text.contains("sum_over_time"), "{leaf_text}");
    common::assert_promtool_accepts(&leaf);
    common::assert_promtool_accepts(&global);

    let (burning, healthy) = (exporter(10.0, 0.5), exporter(1000.0, 0.0));
    let data_a = backfilled(dir.path(), "a", &[(&burning, 10.0, 0.5, "")]);
    let data_b = backfilled(dir.path(), "b", &[(&healthy, 1000.0, 0.0, "")]);
    let data_single = backfilled(
        dir.path(),
        "single",
        &[(&burning, 10.0, 0.5, "cluster=\"a\","), (&healthy, 1000.0, 0.0, "cluster=\"b\",")],
    );
    // A lookback of 10 s: a cluster that stops sending is "no data" 10 s later, not 5 minutes.
    let global_server = Prometheus::start(Setup {
        rule_files: vec![global.clone()],
        extra_args: vec!["--web.enable-remote-write-receiver".into()],
        lookback: Some("10s"),
        ..Setup::default()
    });
    let leaf_config = |cluster: &str, exporter: u16| {
        format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s, external_labels: {{cluster: {cluster}}}}}\n\
             rule_files: ['{}']\n\
             scrape_configs: [{{job_name: e2e, static_configs: [{{targets: ['127.0.0.1:{exporter}']}}]}}]\n\
             remote_write:\n  - url: http://127.0.0.1:{}/api/v1/write\n    queue_config: {{batch_send_deadline: 1s}}\n\
             \x20   write_relabel_configs: [{{source_labels: [__name__], regex: 'slo:.*', action: keep}}]\n",
            leaf.display(),
            global_server.port
        )
    };
    let leaf_a = Prometheus::start(Setup {
        config: Some(leaf_config("a", port_of(&burning))),
        data_dir: Some(data_a),
        ..Setup::default()
    });
    let leaf_b = Prometheus::start(Setup {
        config: Some(leaf_config("b", port_of(&healthy))),
        data_dir: Some(data_b),
        ..Setup::default()
    });
    let single = Prometheus::start(Setup {
        config: Some(format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\nrule_files: ['{}']\n\
             scrape_configs:\n  - job_name: e2e\n    static_configs:\n\
             \x20     - {{targets: ['127.0.0.1:{}'], labels: {{cluster: a}}}}\n\
             \x20     - {{targets: ['127.0.0.1:{}'], labels: {{cluster: b}}}}\n",
            all.display(),
            port_of(&burning),
            port_of(&healthy)
        )),
        data_dir: Some(data_single),
        lookback: Some("10s"),
        ..Setup::default()
    });

    // Cluster a's page comes from the global evaluator, for cluster a only.
    let firing = |server: &Prometheus, slo: &str, severity: &str| {
        query(server, &format!("ALERTS{{alertstate=\"firing\",slo=\"{slo}\",severity=\"{severity}\"}}"))
    };
    let started = Instant::now();
    wait("cluster a's page", Duration::from_secs(40), || !firing(&global_server, "per-cluster", "critical").is_empty());
    let paged = firing(&global_server, "per-cluster", "critical");
    assert_eq!(paged.len(), 1, "{paged:?}");
    assert_eq!(paged[0].0["cluster"], "a", "{paged:?}");
    eprintln!("cluster a paged {:.1} s after the servers started", started.elapsed().as_secs_f64());

    // The global SLI: every cluster's events summed (5 errors in 1,010 requests a second),
    // not averaged per cluster, and equal to what one Prometheus with all the data computes.
    // Longer windows also weigh each cluster by how many of its recordings they hold, which
    // differs by a sample or two in the first minute after the leaves start (one in N), so
    // they are held to 5% here.
    let ratio = |server: &Prometheus, window: &str| {
        query(server, &format!("slo:sli_error:ratio_rate{window}{{slo=\"everywhere\"}}"))
            .into_iter()
            .map(|(_, v)| v)
            .collect::<Vec<_>>()
    };
    let expected = 5.0 / 1010.0;
    // The leaves start a second or two apart, so a window holds N samples of one cluster and
    // N - k of the other: the weights converge as N grows, and the test waits for it.
    for (window, bound) in [("5m", 0.01), ("30m", 0.05)] {
        let within = || {
            let (layered, reference) = (ratio(&global_server, window), ratio(&single, window));
            layered.len() == 1
                && reference.len() == 1
                && (layered[0] - expected).abs() / expected < bound
                && (layered[0] - reference[0]).abs() / reference[0] < bound
        };
        let deadline = Instant::now() + Duration::from_secs(40);
        while !within() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(250));
        }
        let (layered, reference) = (ratio(&global_server, window)[0], ratio(&single, window)[0]);
        assert!((layered - expected).abs() / expected < bound, "{window}: layered {layered}, expected {expected}");
        assert!((layered - reference).abs() / reference < bound, "{window}: layered {layered} vs {reference}");
        eprintln!(
            "global {window} error ratio: layered {layered:.6}, one Prometheus {reference:.6}, events {expected:.6}"
        );
    }
    // 0.5% errors is under the page's 1.44%: the global objective does not page.
    assert!(firing(&global_server, "everywhere", "critical").is_empty());
    assert!(firing(&single, "everywhere", "critical").is_empty());
    wait("the reference's page of cluster a", Duration::from_secs(20), || {
        firing(&single, "per-cluster", "critical").iter().map(|(l, _)| l["cluster"].clone()).collect::<Vec<_>>()
            == ["a"]
    });

    // `sloc check` knows where each rule lives: the leaf and the global evaluator each run
    // exactly their layer; the global evaluator does not run the whole spec.
    let check = |server: &Prometheus, layer: &str| {
        run(&mut sloc(&["check", "--prometheus", &server.url, "--layer", layer, "--format", "json", &spec]))
    };
    let on_leaf = check(&leaf_a, "leaf");
    assert_eq!((on_leaf.code, on_leaf.stdout.trim()), (0, "[]"), "{}", on_leaf.transcript());
    let on_global = check(&global_server, "global");
    assert_eq!((on_global.code, on_global.stdout.trim()), (0, "[]"), "{}", on_global.transcript());
    let everything = check(&global_server, "all");
    assert_eq!(everything.code, 1, "{}", everything.transcript());
    assert!(everything.stdout.contains("\"C001\""), "the base recordings are not there: {}", everything.stdout);

    // A leaf that stops: its cluster has no data (never a perfect SLI); the other keeps its own.
    drop(leaf_b);
    let cluster =
        |c: &str| query(&global_server, &format!("slo:sli_error:ratio_rate5m{{slo=\"per-cluster\",cluster=\"{c}\"}}"));
    wait("cluster b's data to go", Duration::from_secs(30), || cluster("b").is_empty());
    assert_eq!(cluster("a").len(), 1, "cluster a still reports");
    assert!(cluster("a")[0].1 > 0.4, "{:?}", cluster("a"));
    drop(leaf_a);
}

/// Each layer's manifest is named and labelled for its Prometheus' `ruleSelector`; objectives
/// that read raw series over every window stay whole on the leaves; `split` needs a folder.
#[test]
fn layers_name_their_manifests_and_keep_unsplittable_objectives_on_the_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "shop.slo.yaml",
        &format!(
            "{SPEC}  - name: exact\n    objective: 99\n    exact: true\n    sli:\n      errors: e2e_requests_total{{status=\"error\"}}\n      total: e2e_requests_total\n"
        ),
    );
    for (layer, other) in [("leaf", "global"), ("global", "leaf")] {
        let built = run(&mut sloc(&["build", &spec, "--layer", layer, "--format", "prometheus-operator"]));
        assert_eq!(built.code, 0, "{}", built.transcript());
        assert!(built.stdout.contains(&format!("  name: shop-slos-{layer}\n")), "{}", built.stdout);
        assert!(built.stdout.contains(&format!("sloc.dev/layer: {layer}\n")), "{}", built.stdout);
        assert!(!built.stdout.contains(&format!("sloc.dev/layer: {other}")), "{}", built.stdout);
        let manifest = write(dir.path(), &format!("{layer}.yaml"), &built.stdout);
        let lint = run(&mut sloc(&["lint", &manifest]));
        assert_eq!(lint.code, 0, "{}", lint.transcript());
    }
    let leaf = run(&mut sloc(&["build", &spec, "--layer", "leaf"]));
    assert!(leaf.stdout.contains("name: sloc-shop-exact\n"), "the exact objective is on the leaves: {}", leaf.stdout);
    assert!(leaf.stdout.contains("alert: ShopExactErrorBudgetBurn"), "with its alerts: {}", leaf.stdout);
    let global = run(&mut sloc(&["build", &spec, "--layer", "global"]));
    assert!(!global.stdout.contains("sloc-shop-exact"), "{}", global.stdout);
    let split = run(&mut sloc(&["build", &spec, "--layer", "split"]));
    assert_eq!(split.code, 2);
    assert!(split.stderr.contains("--layer split writes two files per spec"), "{}", split.stderr);
}
