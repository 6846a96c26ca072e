//! The long windows read running sums ([`sloc_plan::RunningSums`]): two lookups where summing
//! the base recordings reads every evaluation's sample. These tests hold them to the shape
//! they replace, with the real promtool and a real Prometheus:
//!
//! - on a bursty history (traffic doubling at an hour boundary, a 7-minute outage across
//!   another, a 20-minute scrape gap and a 3-hour one), every tiered window equals the sum of
//!   the base recordings over the same window at every evaluation, within 0.1%, for an event
//!   SLI with `group_by` and for a time-slice SLI;
//! - a Prometheus that was down for 70 minutes continues its running sums: its windows and its
//!   alerts after the restart are those of the base recordings.
//!
//! The shape they replace is written with a range half an evaluation short of the window
//! (`[1d] ` as `[23h59m30s]`): the samples of `(t - W, t]`, the window as Prometheus 3 reads
//! it. Prometheus 2 reads `[t - W, t]`, one sample more; the running sums read `(t - W, t]`
//! on every version.

mod common;

use std::fmt::Write as _;

use common::{promtool, run, sloc, write};

const SPEC: &str = "service: burst
interval: 1m
period: 1d
tiers:
  - {name: fast, severity: critical, long: 1h, short: 5m, factor: 14.4}
  - {name: half, severity: warning, long: 12h, short: 1h, factor: 2}
  - {name: day, severity: info, long: 1d, short: 2h, factor: 1}
slos:
  - name: requests
    objective: 99
    group_by: [region]
    sli:
      errors: burst_requests_total{status=\"error\"}
      total: burst_requests_total
  - name: consumers
    objective: 95
    sli:
      threshold:
        value: min(avg_over_time(burst_consumers_ratio[$window]))
        above: 0.8
";

/// Minutes of history: 2 days, so that every tiered window (12h, and 1d, the period) slides
/// past every burst.
const MINUTES: usize = 2 * 24 * 60;

/// The samples of one raw series, one a minute (`_`: a failed scrape).
fn series_values(value: impl Fn(usize) -> Option<f64>) -> String {
    let mut out = String::new();
    for minute in 0..MINUTES {
        match value(minute) {
            Some(v) => write!(out, "{v} ").unwrap(),
            None => out.push_str("_ "),
        }
    }
    out.trim_end().to_string()
}

/// Whether the targets were scraped at `minute`: a 20-minute gap, and a 3-hour one (longer
/// than a running sum bridges, so it carries its value).
fn scraped(minute: usize) -> bool {
    !(1000..1020).contains(&minute) && !(1500..1680).contains(&minute)
}

/// The input series: per region, requests and errors as counters. `eu` doubles its traffic at
/// hour 14 and fails every request for 7 minutes across hour 20; `us` fails 1% of its requests
/// in a pattern of its own. The consumers' ratio dips below 0.8 now and then.
fn input_series() -> String {
    let mut yaml = String::new();
    for region in ["eu", "us"] {
        let (mut ok, mut error) = (0.0f64, 0.0f64);
        let (mut oks, mut errors) = (Vec::new(), Vec::new());
        for minute in 0..MINUTES {
            let per_minute = if region == "eu" && minute >= 14 * 60 { 1200.0 } else { 600.0 };
            let outage = region == "eu" && (20 * 60 - 3..20 * 60 + 4).contains(&minute);
            let failing = if outage {
                per_minute
            } else if minute % 97 < 5 {
                per_minute * 0.02
            } else {
                per_minute * 0.001
            };
            ok += per_minute - failing;
            error += failing;
            oks.push(ok);
            errors.push(error);
        }
        for (status, values) in [("ok", &oks), ("error", &errors)] {
            let values = series_values(|m| scraped(m).then_some(values[m]));
            writeln!(
                yaml,
                "      - series: 'burst_requests_total{{region=\"{region}\",status=\"{status}\"}}'\n        values: '{values}'"
            )
            .unwrap();
        }
    }
    let ratio = series_values(|m| scraped(m).then_some(if m % 180 < 25 { 0.5 } else { 0.95 }));
    writeln!(yaml, "      - series: 'burst_consumers_ratio'\n        values: '{ratio}'").unwrap();
    yaml
}

/// The shape the running sums replace, for each tiered window, and a violation wherever the two
/// differ by more than 0.1% or one exists without the other: appended to each objective's own
/// group, since promtool evaluates groups in no fixed order and these read what the group
/// records at the same evaluation.
fn with_reference_rules(rules: &mut sloc_rulefile::RuleFile, windows: &[(&str, u64)]) {
    let record = |name: String, expr: String, labels: &[(&str, &str)]| sloc_rulefile::Rule {
        kind: sloc_rulefile::RuleKind::Record(name),
        expr,
        for_: None,
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        annotations: Vec::new(),
    };
    for (slo, group) in [("requests", 0), ("consumers", 1)] {
        let (bad, total, by) = if slo == "requests" {
            ("slo:sli_errors:rate5m", "slo:sli_total:rate5m", "sum by (region)")
        } else {
            ("slo:sli_bad_slices:bool", "slo:sli_slices:bool", "sum")
        };
        let group = &mut rules.groups[group];
        assert!(group.name.ends_with(slo), "{}", group.name);
        for (window, seconds) in windows {
            let range = format!("{}s", seconds - 30);
            let sel = format!("{{service=\"burst\",slo=\"{slo}\"}}");
            let expr = format!(
                "{by} (sum_over_time({bad}{sel}[{range}])) / ({by} (sum_over_time({total}{sel}[{range}])) > 0)"
            );
            group.rules.push(record(
                format!("reference:ratio_rate{window}"),
                expr,
                &[("service", "burst"), ("slo", slo)],
            ));
            let tiered = format!("slo:sli_error:ratio_rate{window}{sel}");
            let reference = format!("reference:ratio_rate{window}{sel}");
            group.rules.push(record(
                "reference:violation".into(),
                format!(
                    "(abs({tiered} - {reference}) > 0.001 * {reference}) or ({tiered} unless {reference}) \
                     or ({reference} unless {tiered})"
                ),
                &[("window", window)],
            ));
        }
    }
}

#[test]
fn tiered_windows_equal_the_base_recordings_summed_on_a_bursty_history() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "burst.slo.yaml", SPEC);
    let rules = dir.path().join("burst.rules.yml");
    let built = run(&mut sloc(&["build", &spec, "-o", rules.to_str().unwrap()]));
    assert_eq!(built.code, 0, "{}", built.transcript());
    let compiled = std::fs::read_to_string(&rules).unwrap();
    let windows = [("12h", 12 * 3600), ("1d", 86_400)];
    for (window, _) in windows {
        let rule = compiled.split("- record: ").find(|r| r.starts_with(&format!("slo:sli_error:ratio_rate{window}\n")));
        let rule = rule.unwrap_or_else(|| panic!("no {window} ratio in\n{compiled}"));
        assert!(rule.contains("running_sum") && !rule.contains("sum_over_time"), "{rule}");
    }
    // The same rules from the compiler, each group followed by its reference rules.
    let (model, _) = sloc_spec::parse_spec(SPEC);
    let mut model = sloc_compiler::compile(&sloc_plan::plan(&model.unwrap())).unwrap();
    with_reference_rules(&mut model, &windows);
    write(dir.path(), "compared.rules.yml", &model.to_yaml(""));
    let end = format!("{}m", MINUTES - 1);
    let test = format!(
        "rule_files: [compared.rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
{inputs}    promql_expr_test:
      # No evaluation of any window differs from the reference.
      - expr: count_over_time(reference:violation[2d])
        eval_time: {end}
        exp_samples: []
      # Not vacuous: both objectives' windows were compared at nearly every evaluation.
      - expr: count(count_over_time(reference:ratio_rate1d[2d]) > 2500)
        eval_time: {end}
        exp_samples: [{{labels: '{{}}', value: 3}}]
      - expr: count(count_over_time(slo:sli_error:ratio_rate12h[2d]) > 2500)
        eval_time: {end}
        exp_samples: [{{labels: '{{}}', value: 3}}]
",
        inputs = input_series()
    );
    let test_file = write(dir.path(), "burst.test.yml", &test);
    let out = promtool().args(["test", "rules", &test_file]).current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

const RESTART_SPEC: &str = "service: restart
interval: 1m
period: 1d
tiers:
  - {name: slow, severity: info, long: 1d, short: 12h, factor: 1}
slos:
  - name: requests
    objective: 99
    group_by: [region]
    sli:
      errors: restart_requests_total{status=\"error\"}
      total: restart_requests_total
    alerting: {for: {info: 1s}}
";

/// Requests (10 a second) and errors of `region` up to Unix time `t`: `eu` failed 3% of its
/// requests from `burn` until `down`, when Prometheus stopped, and 0.1% otherwise, like `us`.
fn restart_counters(region: &str, t: i64, start: i64, (burn, down): (i64, i64)) -> (f64, f64) {
    let total = 10.0 * (t - start) as f64;
    let burning = if region == "eu" { (t.min(down) - burn).max(0) as f64 } else { 0.0 };
    let errors = 0.001 * total + (0.3 - 0.01) * burning;
    (total - errors, errors)
}

/// An instant query at Unix time `at`: (labels, value).
fn query_at(port: u16, promql: &str, at: f64) -> Vec<(serde_json::Value, f64)> {
    common::prometheus::instant_query(port, promql, Some(at))
}

/// A Prometheus down for 70 minutes (no scrape, no evaluation) comes back: its running sums
/// continue from their last value, so its 12h and 1d windows are the base recordings summed
/// over the window, and the tier that reads only those windows fires for the region that
/// burned before the restart (and not for the other), where a running sum started afresh
/// would have forgotten the burn.
#[test]
fn a_prometheus_down_for_70_minutes_continues_its_running_sums() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    let start = now as i64 - 26 * 3600;
    let start = start - start.rem_euclid(60);
    let down = now as i64 - 70 * 60;
    let down = down - down.rem_euclid(60);
    let burn = (now as i64 - 20 * 3600, down);
    let mut raw = Vec::new();
    for region in ["eu", "us"] {
        for (status, index) in [("ok", 0), ("error", 1)] {
            // Every minute until Prometheus stopped; every 15 s since it came back 3 minutes ago.
            let times = (start..=down).step_by(60).chain((now as i64 - 180..now as i64 - 1).step_by(15));
            let samples = times
                .map(|t| {
                    let (ok, error) = restart_counters(region, t, start, burn);
                    (t, Some(if index == 0 { ok } else { error }))
                })
                .collect();
            raw.push(common::history::RawSeries {
                family: "restart_requests".into(),
                kind: "counter",
                series: format!("restart_requests_total{{region=\"{region}\",status=\"{status}\"}}"),
                samples,
            });
        }
    }
    // (Its only finding is a warning: a short window of half the long one is the point here.)
    let (spec, diagnostics) = sloc_spec::parse_spec(RESTART_SPEC);
    let spec = spec.unwrap_or_else(|| panic!("{diagnostics:?}"));
    let mut rules = sloc_compiler::compile(&sloc_plan::plan(&spec)).unwrap();
    let history = common::history::History::load(&raw, &rules, start, down);

    // Evaluated every second from now on, beside the shape the running sums replace.
    let group = &mut rules.groups[0];
    group.interval = Some(sloc_promql::Duration::from_secs(1));
    let sel = "{service=\"restart\",slo=\"requests\"}";
    for window in ["12h", "1d"] {
        group.rules.push(sloc_rulefile::Rule {
            kind: sloc_rulefile::RuleKind::Record(format!("reference:ratio_rate{window}")),
            expr: format!(
                "sum by (region) (sum_over_time(slo:sli_errors:rate5m{sel}[{window}])) \
                 / (sum by (region) (sum_over_time(slo:sli_total:rate5m{sel}[{window}])) > 0)"
            ),
            for_: None,
            labels: vec![("service".into(), "restart".into()), ("slo".into(), "requests".into())],
            annotations: Vec::new(),
        });
    }
    let served = history.dir.path().join("served.rules.yml");
    std::fs::write(&served, rules.to_yaml("")).unwrap();
    let prometheus = history.serve(&[served]);
    prometheus.wait_for_data("ALERTS{alertstate=\"firing\",region=\"eu\"}");
    std::thread::sleep(std::time::Duration::from_secs(2));
    // A second ago: every evaluation up to then has been written whole.
    let at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64() - 1.0;

    let starts = query_at(prometheus.port, "slo:running_sum:start_timestamp_seconds", at);
    assert_eq!(starts.len(), 2, "{starts:?}");
    for (labels, value) in &starts {
        assert_eq!(*value, start as f64, "{labels}: the run began when the history did, not at the restart");
    }
    for window in ["12h", "1d"] {
        let compared =
            query_at(prometheus.port, &format!("slo:sli_error:ratio_rate{window} / reference:ratio_rate{window}"), at);
        assert_eq!(compared.len(), 2, "{window}: {compared:?}");
        for (labels, quotient) in compared {
            assert!((quotient - 1.0).abs() < 0.001, "{window} {labels}: running sums / reference = {quotient}");
        }
        let eu = query_at(prometheus.port, &format!("slo:sli_error:ratio_rate{window}{{region=\"eu\"}}"), at);
        assert!(eu[0].1 > 0.01, "{window}: eu burned before the restart: {eu:?}");
    }
    let quiet = query_at(prometheus.port, "ALERTS{region=\"us\"}", at);
    assert!(quiet.is_empty(), "us never burned: {quiet:?}");
}
