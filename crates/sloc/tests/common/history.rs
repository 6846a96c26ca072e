//! A Prometheus that holds a known synthetic history: raw series written as OpenMetrics and
//! backfilled with `promtool tsdb create-blocks-from openmetrics`, then the recorded series of
//! a rule file computed by Prometheus itself, one layer of dependencies at a time (a layer
//! reads what the earlier ones wrote), and finally a Prometheus on that data with the rules
//! loaded.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sloc_rulefile::{Group, Rule, RuleFile, RuleKind};

use super::prometheus::{Prometheus, Setup, http_get};

/// One raw series: its name with labels as OpenMetrics writes them, and its value at each
/// sample time (None: no sample, a scrape that failed).
pub struct RawSeries {
    pub family: String,
    pub kind: &'static str,
    pub series: String,
    pub samples: Vec<(i64, Option<f64>)>,
}

/// A history to load: raw series, and the rule file whose recordings are backfilled.
pub struct History {
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
}

impl History {
    /// Backfills `raw`, then the recordings of `rules` over `[start, end]`, each evaluated by
    /// Prometheus (`query_range` at the group's interval, as `promtool tsdb create-blocks-from
    /// rules` does, in one call per rule), a layer of dependencies at a time.
    pub fn load(raw: &[RawSeries], rules: &RuleFile, start: i64, end: i64) -> History {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        backfill(dir.path(), &data, "raw", raw);
        for (depth, layer) in layers(rules).into_iter().enumerate() {
            let server = Prometheus::start(Setup { data_dir: Some(data.clone()), ..Setup::default() });
            let mut recorded = Vec::new();
            for (group, rule) in layer {
                let RuleKind::Record(name) = &rule.kind else { continue };
                let step = group.interval.map_or(60, |d| d.millis() / 1000) as i64;
                let expr = backfill_form(rule, start, end);
                for (labels, points) in query_range(server.port, &expr, start, end, step) {
                    let mut labels: BTreeMap<String, String> =
                        labels.into_iter().filter(|(k, _)| k != "__name__").collect();
                    labels.extend(rule.labels.iter().cloned());
                    let text: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
                    recorded.push(RawSeries {
                        family: name.clone(),
                        kind: "gauge",
                        series: format!("{name}{{{}}}", text.join(",")),
                        samples: points.into_iter().map(|(t, v)| (t, Some(v))).collect(),
                    });
                }
            }
            drop(server);
            backfill(dir.path(), &data, &format!("layer{depth}"), &recorded);
        }
        History { dir, data }
    }

    /// A Prometheus on the history, evaluating `rules` from now on. Its lookback is 15m, so
    /// that the history's last recordings still answer instant queries while the test runs.
    pub fn serve(&self, rules: &[PathBuf]) -> Prometheus {
        Prometheus::start(Setup {
            data_dir: Some(self.data.clone()),
            rule_files: rules.to_vec(),
            lookback: Some("15m"),
            ..Setup::default()
        })
    }
}

/// Writes `series` as OpenMetrics and turns them into blocks of `data`.
pub fn backfill(dir: &Path, data: &Path, name: &str, series: &[RawSeries]) {
    let mut om = String::new();
    let mut families: BTreeMap<&str, Vec<&RawSeries>> = BTreeMap::new();
    for s in series {
        families.entry(s.family.as_str()).or_default().push(s);
    }
    for (family, series) in families {
        let _ = writeln!(om, "# TYPE {family} {}", series[0].kind);
        for s in series {
            for (t, v) in &s.samples {
                if let Some(v) = v.filter(|v| v.is_finite()) {
                    let _ = writeln!(om, "{} {v} {t}", s.series);
                }
            }
        }
    }
    om.push_str("# EOF\n");
    let path = dir.join(format!("{name}.om"));
    std::fs::write(&path, om).unwrap();
    let out = super::promtool()
        .args(["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h"])
        .arg(&path)
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A range query's series: labels and (time, value) points.
type Matrix = Vec<(BTreeMap<String, String>, Vec<(i64, f64)>)>;

fn query_range(port: u16, expr: &str, start: i64, end: i64, step: i64) -> Matrix {
    let encoded: String = expr.bytes().map(|b| format!("%{b:02X}")).collect();
    let path = format!("/api/v1/query_range?query={encoded}&start={start}&end={end}&step={step}");
    let (status, body) = http_get(port, &path, None).expect("prometheus answers");
    assert_eq!(status, 200, "{expr}: {body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    body["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|series| {
            let labels = serde_json::from_value(series["metric"].clone()).unwrap();
            let points = series["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_f64().unwrap() as i64, p[1].as_str().unwrap().parse().unwrap_or(f64::NAN)))
                .collect();
            (labels, points)
        })
        .collect()
}

/// The alerts of `rules` in one group evaluated every second: a test cannot wait for a
/// 5-minute group's first evaluation to see alerts pending.
pub fn fast_alerts(rules: &RuleFile) -> RuleFile {
    let alerts = rules
        .groups
        .iter()
        .flat_map(|g| g.rules.iter().filter(|r| matches!(r.kind, RuleKind::Alert(_))).cloned())
        .collect();
    RuleFile {
        groups: vec![Group {
            name: "fast-alerts".into(),
            interval: Some(sloc_promql::Duration::from_secs(1)),
            rules: alerts,
        }],
    }
}

/// A rule as a range query computes it. A rule that reads its own last value (a running sum,
/// or when its run began) cannot be: over a history that begins at `start`, a running sum is
/// the sum of every sample of what it adds, and the run began at `start`.
fn backfill_form(rule: &Rule, start: i64, end: i64) -> String {
    let Some(name) = record_name(rule) else { return rule.expr.clone() };
    let expr = sloc_promql::parse(&rule.expr).expect("generated rules parse");
    let selectors = sloc_promql::vector_selectors(&expr);
    if !selectors.iter().any(|vs| vs.name.as_deref() == Some(name)) {
        return rule.expr.clone();
    }
    let other = selectors.iter().find(|vs| vs.name.as_deref() != Some(name)).expect("a running sum reads its base");
    let other = sloc_promql::Expr::VectorSelector((*other).clone()).to_string();
    if name == sloc_plan::names::RUNNING_SUM_START {
        format!("{start} + 0 * {other}")
    } else {
        format!("sum_over_time({other}[{}s])", end - start + 3600)
    }
}

/// The recording rules, with their groups, by dependency depth: a layer reads only series of
/// earlier layers (or raw series).
fn layers(rules: &RuleFile) -> Vec<Vec<(&Group, &Rule)>> {
    let all: Vec<(&Group, &Rule)> = rules
        .groups
        .iter()
        .flat_map(|g| g.rules.iter().filter(|r| matches!(r.kind, RuleKind::Record(_))).map(move |r| (g, r)))
        .collect();
    let reads = |rule: &Rule| -> Vec<String> {
        let expr = sloc_promql::parse(&rule.expr).expect("generated rules parse");
        sloc_promql::vector_selectors(&expr).iter().filter_map(|vs| vs.name.clone()).collect()
    };
    let mut depth: Vec<Option<usize>> = vec![None; all.len()];
    while depth.iter().any(Option::is_none) {
        let before = depth.clone();
        for (i, (_, rule)) in all.iter().enumerate() {
            let names = reads(rule);
            let deps: Vec<usize> = (0..all.len())
                .filter(|&j| {
                    // A rule's own name is its last value (running sums), not a dependency.
                    record_name(all[j].1) != record_name(all[i].1)
                        && names.iter().any(|n| Some(n.as_str()) == record_name(all[j].1))
                })
                .collect();
            if depth[i].is_none() && deps.iter().all(|&j| before[j].is_some()) {
                depth[i] = Some(deps.iter().map(|&j| before[j].unwrap_or(0) + 1).max().unwrap_or(0));
            }
        }
        assert_ne!(before, depth, "recording rules that read each other in a cycle");
    }
    let deepest = depth.iter().flatten().max().copied().unwrap_or(0);
    (0..=deepest).map(|d| all.iter().zip(&depth).filter(|(_, k)| **k == Some(d)).map(|(r, _)| *r).collect()).collect()
}

fn record_name(rule: &Rule) -> Option<&str> {
    match &rule.kind {
        RuleKind::Record(n) => Some(n),
        RuleKind::Alert(_) => None,
    }
}
