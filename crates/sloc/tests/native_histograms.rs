//! A latency SLI on a native histogram, proven on a real Prometheus (Debian's 2.42, which
//! scrapes native histograms with `--enable-feature=native-histograms` from the protobuf
//! exposition format). An exporter started here serves one native histogram in which 90% of
//! the requests take 2 s or less; the rules `sloc build` compiles record an error ratio of
//! exactly 0.1, and `sloc check` tells the spec's kind of histogram from the server's.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::fake_server::{FakeServer, answer};
use common::prometheus::{Prometheus, Setup, instant_query, write_file};
use common::{run, sloc};

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn field_varint(field: u64, v: u64, out: &mut Vec<u8>) {
    varint(field << 3, out);
    varint(v, out);
}

fn field_double(field: u64, v: f64, out: &mut Vec<u8>) {
    varint((field << 3) | 1, out);
    out.extend_from_slice(&v.to_le_bytes());
}

fn field_bytes(field: u64, bytes: &[u8], out: &mut Vec<u8>) {
    varint((field << 3) | 2, out);
    varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// One `MetricFamily` (io.prometheus.client, length-delimited) holding a native histogram of
/// schema 0 (bucket i is (2^(i-1), 2^i]): `k` requests of 10, 5 in (0.5, 1], 4 in (1, 2] and
/// 1 in (4, 8].
fn exposition(k: u64) -> Vec<u8> {
    let mut histogram = Vec::new();
    field_varint(1, 10 * k, &mut histogram); // sample_count
    field_double(2, 16.0 * k as f64, &mut histogram); // sample_sum
    field_varint(5, zigzag(0), &mut histogram); // schema
    field_double(6, 1e-128, &mut histogram); // zero_threshold
    field_varint(7, 0, &mut histogram); // zero_count
    for (offset, length) in [(0i64, 2u64), (1, 1)] {
        let mut span = Vec::new();
        field_varint(1, zigzag(offset), &mut span);
        field_varint(2, length, &mut span);
        field_bytes(12, &span, &mut histogram); // positive_span
    }
    let mut deltas = Vec::new();
    for delta in [5 * k as i64, -(k as i64), -3 * (k as i64)] {
        varint(zigzag(delta), &mut deltas);
    }
    field_bytes(13, &deltas, &mut histogram); // positive_delta, packed
    let mut metric = Vec::new();
    field_bytes(7, &histogram, &mut metric);
    let mut family = Vec::new();
    field_bytes(1, b"http_request_duration_seconds", &mut family);
    field_bytes(2, b"Request latency.", &mut family);
    field_varint(3, 4, &mut family); // HISTOGRAM
    field_bytes(4, &metric, &mut family);
    let mut out = Vec::new();
    varint(family.len() as u64, &mut out);
    out.extend(family);
    out
}

const SPEC: &str = "service: api\nperiod: 30d\nslos:\n  - name: latency\n    objective: 95\n    description: requests under 2s\n    sli:\n      latency:\n        histogram: http_request_duration_seconds\n        threshold: 2s\n        native: true\n";

#[test]
fn native_latency_sli_records_the_slow_share_on_a_real_prometheus() {
    let scrapes = Arc::new(AtomicU64::new(0));
    let counter = scrapes.clone();
    let exporter = FakeServer::start(move |_| {
        let k = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let content_type = "Content-Type: application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited\r\n";
        answer("200 OK", content_type, &exposition(k))
    });
    let dir = tempfile::tempdir().unwrap();
    let spec = write_file(dir.path(), "api.slo.yaml", SPEC);
    let out = dir.path().join("out");
    let built = run(&mut sloc(&["build", spec.to_str().unwrap(), "-o", out.to_str().unwrap()]));
    assert_eq!(built.code, 0, "{}", built.transcript());
    let rules = out.join("api.rules.yml");
    let address = exporter.url.trim_start_matches("http://");
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n  - job_name: native\n    static_configs:\n      - targets: ['{address}']\n",
        rules.display()
    );
    let prometheus = Prometheus::start(Setup {
        config: Some(config),
        extra_args: vec!["--enable-feature=native-histograms".into()],
        ..Setup::default()
    });
    let ratio = "slo:sli_errors:rate5m{slo=\"latency\"} / slo:sli_total:rate5m{slo=\"latency\"}";
    prometheus.wait_for("", None, ratio);
    // Wait for a few more scrapes, so that every rate reads several native samples.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while scrapes.load(Ordering::SeqCst) < 6 {
        assert!(std::time::Instant::now() < deadline, "the exporter was scraped too few times");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    std::thread::sleep(std::time::Duration::from_secs(2));
    let samples = instant_query(prometheus.port, ratio, None);
    assert_eq!(samples.len(), 1, "{samples:?}");
    assert!((samples[0].1 - 0.1).abs() < 1e-9, "one request in ten is slower than 2s: {samples:?}");
    let total = instant_query(prometheus.port, "slo:sli_total:rate5m{slo=\"latency\"}", None);
    assert!(total[0].1 > 0.0, "{total:?}");

    // `sloc check` on the native spec finds the histogram; a classic spec of the same
    // histogram is told which kind the server has.
    let checked =
        run(&mut sloc(&["check", "--prometheus", &prometheus.url, "--format", "json", spec.to_str().unwrap()]));
    let findings: serde_json::Value = serde_json::from_str(&checked.stdout).unwrap();
    let codes: Vec<&str> = findings.as_array().unwrap().iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(!codes.contains(&"C014") && !codes.contains(&"C008"), "{}", checked.transcript());
    let classic = write_file(dir.path(), "classic.slo.yaml", &SPEC.replace("        native: true\n", ""));
    let checked =
        run(&mut sloc(&["check", "--prometheus", &prometheus.url, "--format", "json", classic.to_str().unwrap()]));
    let findings: serde_json::Value = serde_json::from_str(&checked.stdout).unwrap();
    let kind = findings.as_array().unwrap().iter().find(|f| f["code"] == "C014").expect("histogram-kind reported");
    assert!(kind["message"].as_str().unwrap().contains("as a native histogram"), "{kind}");
    assert!(kind["help"].as_str().unwrap().contains("native: true"), "{kind}");
    assert!(!findings.as_array().unwrap().iter().any(|f| f["code"] == "C008"), "no-series stays quiet: {findings}");
}
