//! `cargo xtask bench cost`: what each shape of SLO rules costs a real Prometheus, side by side.
//!
//! A synthetic history (10 regions × 10 instances, steady traffic of 10 requests a second per
//! series, 0.1% errors, region r0 failing everything for 30 minutes two days ago), one sample a
//! minute over the longest period plus a day, is backfilled into a Prometheus. Then for each
//! shape, period and number of objectives (each objective `group_by: [region]`, 10 values):
//!
//! - **samples read per hour**: each rule's expression as an instant query at the end of the
//!   history with `stats=all` (`totalQueryableSamples`), times its group's evaluations per hour;
//! - **evaluation time per hour**: the rules loaded into that Prometheus, every group evaluated
//!   every 5 s, `prometheus_rule_group_last_duration_seconds` (median of 3 readings) times
//!   the group's evaluations per hour at its real interval;
//! - **series written**: the series each recording rule's name and labels select once every
//!   group has run.
//!
//! The shapes, for the same objectives (99.9%, the workbook's tiers):
//! - `sloc`: the compiled spec (what `sloc build` writes);
//! - `raw-window`: the workbook's rules as Sloth and Pyrra write them, each window a `rate` of
//!   the raw series (sloc's windows: 5m, 30m, 1h, 6h, 3d and the period);
//! - `sloth`: Sloth's generated shape (its `examples/_gen/*.yml`: raw windows 5m to 3d, the
//!   period as `sum_over_time / count_over_time` of the 5m ratio, 7 meta recordings, the page and
//!   ticket alerts), with `sum by (region)` in the SLI queries;
//! - `pyrra`: Pyrra's shape (`slo/rules_test.go`): `increase` of the raw series over the period
//!   in a group whose interval grows with it, burn rates of the raw series at its windows scaled
//!   from 28d, in a group evaluated every 30 s, four alerts.
//!
//! Every objective reads the same raw series (the peers' per-objective cost does not depend on
//! whether two objectives share series; it keeps the history small). The peers' shapes are run
//! at 10 objectives, where their history fits this machine; their figures at 100 and 1,000 are
//! the measured per-objective figures times the count (marked `×`), which is how their rules
//! grow (every objective's rules are the same). sloc's are measured at every size.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufWriter, Read as _, Write as _};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sloc_rulefile::{Group, Rule, RuleFile, RuleKind};

const MINUTE: i64 = 60;
const DAY: i64 = 86_400;
const REGIONS: usize = 10;
const INSTANCES: usize = 10;
const OBJECTIVE: &str = "99.9";
const BUDGET: f64 = 0.001;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    Sloc,
    RawWindow,
    Sloth,
    Pyrra,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Sloc => "sloc",
            Shape::RawWindow => "raw-window",
            Shape::Sloth => "sloth",
            Shape::Pyrra => "pyrra",
        }
    }
}

/// What one run measured.
#[derive(Debug, Clone, Copy)]
struct Cost {
    samples_per_hour: f64,
    eval_seconds_per_hour: f64,
    series: f64,
    /// Measured at this size, or the per-objective figures times the size.
    measured: bool,
}

/// Periods in days and their names; objective counts.
struct Grid {
    periods: Vec<(i64, &'static str)>,
    sizes: Vec<usize>,
    /// The periods also run with custom tiers.
    custom_tiers: Vec<&'static str>,
}

pub fn run(args: &[&str]) -> Result<()> {
    // `--quick`: 7d at 10 and 100 objectives; `--period 7d|30d|12w` and `--sizes 10,100`
    // narrow the full grid.
    let quick = args.contains(&"--quick");
    let option = |name: &str| args.iter().position(|a| *a == name).and_then(|i| args.get(i + 1)).copied();
    let mut grid = if quick {
        Grid { periods: vec![(7, "7d")], sizes: vec![10, 100], custom_tiers: Vec::new() }
    } else {
        Grid {
            periods: vec![(7, "7d"), (30, "30d"), (84, "12w")],
            sizes: vec![10, 100, 1000],
            custom_tiers: vec!["30d"],
        }
    };
    if let Some(period) = option("--period") {
        grid.periods.retain(|p| p.1 == period);
    }
    if let Some(sizes) = option("--sizes") {
        grid.sizes = sizes.split(',').filter_map(|s| s.parse().ok()).collect();
    }
    if grid.periods.is_empty() || grid.sizes.is_empty() {
        bail!("usage: cargo xtask bench cost [--quick] [--period 7d|30d|12w] [--sizes 10,100,1000]");
    }
    let work = tempfile::tempdir()?;
    let longest = grid.periods.iter().map(|p| p.0).max().unwrap_or(7);
    // The history ends 20 minutes after now: rules evaluated while the bench runs read a
    // steady present.
    let now = unix_now() / MINUTE * MINUTE;
    let (start, end) = (now - (longest + 1) * DAY, now + 20 * MINUTE);
    let started = Instant::now();
    let raw = work.path().join("raw");
    backfill(work.path(), &raw, "raw", |out| raw_history(out, start, end, now))?;
    eprintln!("cost: raw history of {} days backfilled in {:.0?}", longest + 1, started.elapsed());

    let mut table: BTreeMap<(&str, usize, Shape, bool), Cost> = BTreeMap::new();
    for &(days, period) in &grid.periods {
        for custom in [false, true] {
            if custom && !grid.custom_tiers.contains(&period) {
                continue;
            }
            let mut per_objective: BTreeMap<Shape, Cost> = BTreeMap::new();
            for &size in &grid.sizes {
                for shape in [Shape::Sloc, Shape::RawWindow, Shape::Sloth, Shape::Pyrra] {
                    if custom && matches!(shape, Shape::Sloth | Shape::Pyrra) {
                        continue; // the peers have their own tiers; custom tiers compare sloc with raw windows
                    }
                    if shape != Shape::Sloc && size > grid.sizes[0] {
                        let one = per_objective[&shape];
                        let n = size as f64;
                        let cost = Cost {
                            samples_per_hour: one.samples_per_hour * n,
                            eval_seconds_per_hour: one.eval_seconds_per_hour * n,
                            series: one.series * n,
                            measured: false,
                        };
                        table.insert((period, size, shape, custom), cost);
                        continue;
                    }
                    let t = Instant::now();
                    let rules = rules_of(shape, size, days, period, custom)?;
                    let cost = measure(work.path(), &raw, &rules, shape, now, days, size)?;
                    eprintln!(
                        "cost: {period} {size:>5} {:<10}{}: {:.3e} samples/h, {:.2} s/h, {} series ({:.0?})",
                        shape.name(),
                        if custom { " custom" } else { "" },
                        cost.samples_per_hour,
                        cost.eval_seconds_per_hour,
                        cost.series,
                        t.elapsed()
                    );
                    if size == grid.sizes[0] {
                        let n = size as f64;
                        per_objective.insert(
                            shape,
                            Cost {
                                samples_per_hour: cost.samples_per_hour / n,
                                eval_seconds_per_hour: cost.eval_seconds_per_hour / n,
                                series: cost.series / n,
                                measured: true,
                            },
                        );
                    }
                    table.insert((period, size, shape, custom), cost);
                }
            }
        }
    }
    print_table(&grid, &table);
    Ok(())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn print_table(grid: &Grid, table: &BTreeMap<(&str, usize, Shape, bool), Cost>) {
    println!(
        "| period | tiers | objectives | shape | samples read / h | vs raw-window | eval time / h | vs sloth | series written |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for &(_, period) in &grid.periods {
        for custom in [false, true] {
            for &size in &grid.sizes {
                let raw = table.get(&(period, size, Shape::RawWindow, custom)).copied();
                let sloth = table.get(&(period, size, Shape::Sloth, false)).copied();
                for shape in [Shape::Sloc, Shape::RawWindow, Shape::Sloth, Shape::Pyrra] {
                    let Some(cost) = table.get(&(period, size, shape, custom)) else { continue };
                    let mark = if cost.measured { "" } else { "×" };
                    println!(
                        "| {period} | {} | {size} | {} | {mark}{} | {} | {mark}{:.2} s | {} | {mark}{} |",
                        if custom { "custom" } else { "workbook" },
                        shape.name(),
                        human(cost.samples_per_hour),
                        raw.map_or("".into(), |r| format!("{:.4}x", cost.samples_per_hour / r.samples_per_hour)),
                        cost.eval_seconds_per_hour,
                        sloth.map_or("".into(), |s| format!(
                            "{:.3}x",
                            cost.eval_seconds_per_hour / s.eval_seconds_per_hour
                        )),
                        cost.series
                    );
                }
            }
        }
    }
}

fn human(n: f64) -> String {
    match n {
        n if n >= 1e9 => format!("{:.2}G", n / 1e9),
        n if n >= 1e6 => format!("{:.2}M", n / 1e6),
        n if n >= 1e3 => format!("{:.1}k", n / 1e3),
        n => format!("{n:.0}"),
    }
}

/// The raw series: `bench_requests_total{region, instance, status}`, a sample a minute.
fn raw_history(out: &mut dyn std::io::Write, start: i64, end: i64, now: i64) -> Result<()> {
    writeln!(out, "# TYPE bench_requests counter")?;
    let outage = (now - 2 * DAY, now - 2 * DAY + 30 * MINUTE);
    for region in 0..REGIONS {
        for instance in 0..INSTANCES {
            let (mut ok, mut error) = (0.0f64, 0.0f64);
            let mut lines = String::new();
            for t in (start..=end).step_by(MINUTE as usize) {
                let failing = region == 0 && (outage.0..outage.1).contains(&t);
                let share = if failing { 1.0 } else { 0.001 };
                ok += 600.0 * (1.0 - share);
                error += 600.0 * share;
                writeln!(
                    lines,
                    "bench_requests_total{{region=\"r{region}\",instance=\"i{instance}\",status=\"ok\"}} {ok} {t}"
                )?;
                writeln!(
                    lines,
                    "bench_requests_total{{region=\"r{region}\",instance=\"i{instance}\",status=\"error\"}} {error} {t}"
                )?;
                if lines.len() > 1 << 20 {
                    out.write_all(lines.as_bytes())?;
                    lines.clear();
                }
            }
            out.write_all(lines.as_bytes())?;
        }
    }
    Ok(())
}

/// Writes OpenMetrics with `write` (families must not interleave) and backfills it into `data`.
fn backfill(
    dir: &Path,
    data: &Path,
    name: &str,
    write: impl FnOnce(&mut dyn std::io::Write) -> Result<()>,
) -> Result<()> {
    let path = dir.join(format!("{name}.om"));
    {
        let mut out = BufWriter::new(std::fs::File::create(&path)?);
        write(&mut out)?;
        writeln!(out, "# EOF")?;
        out.flush()?;
    }
    let out = std::process::Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=336h"])
        .arg(&path)
        .arg(data)
        .output()
        .context("cannot run promtool (Debian package `prometheus`)")?;
    std::fs::remove_file(&path)?;
    if !out.status.success() {
        bail!("promtool could not backfill {name}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// The spec of `n` objectives over the raw series.
fn spec(n: usize, period: &str, custom: bool) -> String {
    let mut text = format!("service: bench\nperiod: {period}\ninterval: 1m\n");
    if custom {
        text.push_str(
            "tiers:\n  - {name: page-fast, severity: critical, long: 1h, short: 5m, factor: 14.4}\n  \
             - {name: page-slow, severity: critical, long: 6h, short: 30m, factor: 6}\n  \
             - {name: ticket-fast, severity: warning, long: 1d, short: 2h, factor: 3}\n  \
             - {name: ticket-slow, severity: warning, long: 3d, short: 6h, factor: 1}\n",
        );
    }
    text.push_str("slos:\n");
    for i in 0..n {
        let _ = write!(
            text,
            "  - name: o{i}\n    objective: {OBJECTIVE}\n    group_by: [region]\n    sli:\n      \
             errors: bench_requests_total{{status=\"error\"}}\n      total: bench_requests_total\n"
        );
    }
    text
}

/// The rules of `shape` for `n` objectives.
fn rules_of(shape: Shape, n: usize, days: i64, period: &str, custom: bool) -> Result<RuleFile> {
    let spec_text = spec(n, period, custom);
    let (spec, diagnostics) = sloc_spec::parse_spec(&spec_text);
    let Some(spec) = spec else { bail!("the bench spec is invalid: {diagnostics:?}") };
    let plan = sloc_plan::plan(&spec);
    if shape == Shape::Sloc {
        return Ok(sloc_compiler::compile(&plan)?);
    }
    let windows: Vec<String> = plan.objectives[0].windows.iter().map(|w| sloc_plan::window_name(*w)).collect();
    let tiers: Vec<(String, String, f64)> = plan.objectives[0]
        .tiers
        .iter()
        .map(|t| (sloc_plan::window_name(t.long), sloc_plan::window_name(t.short), t.factor.to_f64()))
        .collect();
    let mut groups = Vec::new();
    for i in 0..n {
        let slo = format!("o{i}");
        groups.extend(match shape {
            Shape::Sloc => unreachable!(),
            Shape::RawWindow => raw_window(&slo, &windows, &tiers),
            Shape::Sloth => sloth(&slo, period),
            Shape::Pyrra => pyrra(&slo, days),
        });
    }
    Ok(RuleFile { groups })
}

const ERRORS: &str = "bench_requests_total{status=\"error\"}";
const TOTAL: &str = "bench_requests_total";

fn ratio(window: &str) -> String {
    format!("sum by (region) (rate({ERRORS}[{window}])) / sum by (region) (rate({TOTAL}[{window}]))")
}

fn record(name: &str, expr: String, labels: &[(&str, &str)]) -> Rule {
    Rule {
        kind: RuleKind::Record(name.into()),
        expr,
        for_: None,
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        annotations: Vec::new(),
    }
}

fn alert(name: &str, expr: String, labels: &[(&str, &str)]) -> Rule {
    Rule {
        kind: RuleKind::Alert(name.into()),
        for_: Some(sloc_promql::Duration::from_secs(120)),
        ..record(name, expr, labels)
    }
}

/// The workbook's rules on raw series: sloc's windows and tiers, each window a raw `rate`.
fn raw_window(slo: &str, windows: &[String], tiers: &[(String, String, f64)]) -> Vec<Group> {
    let labels = [("service", "bench"), ("slo", slo)];
    let mut rules: Vec<Rule> =
        windows.iter().map(|w| record(&format!("slo:sli_error:ratio_rate{w}"), ratio(w), &labels)).collect();
    for (long, short, factor) in tiers {
        let threshold = factor * BUDGET;
        let sel = format!("{{service=\"bench\",slo=\"{slo}\"}}");
        rules.push(alert(
            "BenchBurn",
            format!("slo:sli_error:ratio_rate{long}{sel} > {threshold} and slo:sli_error:ratio_rate{short}{sel} > {threshold}"),
            &labels,
        ));
    }
    vec![Group { name: format!("raw-window-{slo}"), interval: None, rules }]
}

/// Sloth's generated shape (three groups per objective).
fn sloth(slo: &str, period: &str) -> Vec<Group> {
    let id = format!("bench-{slo}");
    let labels = |window: Option<&str>| -> Vec<(String, String)> {
        let mut l = vec![
            ("sloth_id".to_string(), id.clone()),
            ("sloth_service".into(), "bench".into()),
            ("sloth_slo".into(), slo.to_string()),
        ];
        if let Some(w) = window {
            l.push(("sloth_window".into(), w.into()));
        }
        l
    };
    let sel = format!("{{sloth_id=\"{id}\", sloth_service=\"bench\", sloth_slo=\"{slo}\"}}");
    let with = |mut r: Rule, l: Vec<(String, String)>| {
        r.labels = l;
        r
    };
    let mut sli: Vec<Rule> = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
        .iter()
        .map(|w| with(record(&format!("slo:sli_error:ratio_rate{w}"), ratio(w), &[]), labels(Some(w))))
        .collect();
    sli.push(with(
        record(
            &format!("slo:sli_error:ratio_rate{period}"),
            format!(
                "sum_over_time(slo:sli_error:ratio_rate5m{sel}[{period}]) / ignoring (sloth_window) count_over_time(slo:sli_error:ratio_rate5m{sel}[{period}])"
            ),
            &[],
        ),
        labels(Some(period)),
    ));
    let days = &period[..period.len() - 1];
    let days =
        if period.ends_with('w') { (days.parse::<u32>().unwrap_or(0) * 7).to_string() } else { days.to_string() };
    let meta = vec![
        with(record("slo:objective:ratio", "vector(0.999)".into(), &[]), labels(None)),
        with(record("slo:error_budget:ratio", "vector(1-0.999)".into(), &[]), labels(None)),
        with(record("slo:time_period:days", format!("vector({days})"), &[]), labels(None)),
        with(
            record(
                "slo:current_burn_rate:ratio",
                format!(
                    "slo:sli_error:ratio_rate5m{sel} / on(sloth_id, sloth_slo, sloth_service) group_left slo:error_budget:ratio{sel}"
                ),
                &[],
            ),
            labels(None),
        ),
        with(
            record(
                "slo:period_burn_rate:ratio",
                format!(
                    "slo:sli_error:ratio_rate{period}{sel} / on(sloth_id, sloth_slo, sloth_service) group_left slo:error_budget:ratio{sel}"
                ),
                &[],
            ),
            labels(None),
        ),
        with(
            record("slo:period_error_budget_remaining:ratio", format!("1 - slo:period_burn_rate:ratio{sel}"), &[]),
            labels(None),
        ),
        with(record("sloth_slo_info", "vector(1)".into(), &[]), labels(None)),
    ];
    let pair = |short: &str, long: &str, factor: f64| {
        format!(
            "(max(slo:sli_error:ratio_rate{short}{sel} > ({factor} * {BUDGET})) without (sloth_window) and max(slo:sli_error:ratio_rate{long}{sel} > ({factor} * {BUDGET})) without (sloth_window))"
        )
    };
    let alerts = vec![
        alert(
            "BenchHighErrorRate",
            format!("{} or {}", pair("5m", "1h", 14.4), pair("30m", "6h", 6.0)),
            &[("sloth_severity", "page")],
        ),
        alert(
            "BenchHighErrorRate",
            format!("{} or {}", pair("2h", "1d", 3.0), pair("6h", "3d", 1.0)),
            &[("sloth_severity", "ticket")],
        ),
    ];
    vec![
        Group { name: format!("sloth-slo-sli-recordings-{id}"), interval: None, rules: sli },
        Group { name: format!("sloth-slo-meta-recordings-{id}"), interval: None, rules: meta },
        Group { name: format!("sloth-slo-alerts-{id}"), interval: None, rules: alerts },
    ]
}

/// Pyrra's windows for a period: its 28d tiers scaled to the period, to the minute.
fn pyrra_windows(days: i64) -> Vec<(i64, i64, f64)> {
    // (short, long) in minutes at 28d, and the factor.
    let base = [(5, 60, 14.0), (30, 360, 7.0), (120, 1440, 2.0), (360, 5760, 1.0)];
    let scale = |m: i64| ((m * days) as f64 / 28.0).round() as i64;
    base.iter().map(|&(s, l, f)| (scale(s).max(1), scale(l), f)).collect()
}

/// Pyrra's interval for the increase group: 30 s more per week of period, from 30 s.
fn pyrra_increase_interval(days: i64) -> u64 {
    (30 + 30 * (days / 7).clamp(0, 7)) as u64
}

fn minutes_name(m: i64) -> String {
    sloc_promql::format_duration(sloc_promql::Duration::from_secs((m * 60) as u64))
}

/// Pyrra's shape (an increase group and a burn-rate group per objective).
fn pyrra(slo: &str, days: i64) -> Vec<Group> {
    let labels = [("slo", slo)];
    let period = minutes_name(days * 24 * 60);
    let increase = vec![
        record(
            &format!("bench_requests:increase{period}"),
            format!("sum by (region, status) (increase({TOTAL}[{period}]))"),
            &labels,
        ),
        alert("SLOMetricAbsent", format!("absent({TOTAL}) == 1"), &[("slo", slo), ("severity", "critical")]),
    ];
    let tiers = pyrra_windows(days);
    let mut windows: Vec<i64> = tiers.iter().flat_map(|t| [t.0, t.1]).collect();
    windows.sort();
    windows.dedup();
    let mut burn: Vec<Rule> = windows
        .iter()
        .map(|&w| {
            let w = minutes_name(w);
            record(&format!("bench_requests:burnrate{w}"), ratio(&w), &labels)
        })
        .collect();
    for (short, long, factor) in tiers {
        let sel = format!("{{slo=\"{slo}\"}}");
        let threshold = format!("({factor} * (1-0.999))");
        burn.push(alert(
            "ErrorBudgetBurn",
            format!(
                "bench_requests:burnrate{}{sel} > {threshold} and bench_requests:burnrate{}{sel} > {threshold}",
                minutes_name(short),
                minutes_name(long)
            ),
            &labels,
        ));
    }
    vec![
        Group {
            name: format!("{slo}-increase"),
            interval: Some(sloc_promql::Duration::from_secs(pyrra_increase_interval(days))),
            rules: increase,
        },
        Group { name: slo.to_string(), interval: Some(sloc_promql::Duration::from_secs(30)), rules: burn },
    ]
}

/// The recorded history a shape's rules read, written as OpenMetrics: sloc's base recordings
/// over the last 6 hours and its running sums where they are read (now and each long window
/// ago); Sloth's 5m ratio over the period. Values are those of the steady traffic.
fn recorded_history(shape: Shape, out: &mut dyn std::io::Write, now: i64, days: i64, n: usize) -> Result<()> {
    let regions = |name: &str,
                   labels: &str,
                   times: &[(i64, i64)],
                   value: &dyn Fn(i64) -> f64,
                   out: &mut dyn std::io::Write|
     -> Result<()> {
        let mut text = String::new();
        for region in 0..REGIONS {
            for &(from, to) in times {
                for t in (from..=to).step_by(MINUTE as usize) {
                    writeln!(text, "{name}{{{labels},region=\"r{region}\"}} {} {t}", value(t))?;
                }
            }
            out.write_all(text.as_bytes())?;
            text.clear();
        }
        Ok(())
    };
    let rate = 10.0 * INSTANCES as f64;
    match shape {
        Shape::Sloc => {
            let base = [(now - 6 * 3600 - 10 * MINUTE, now + 20 * MINUTE)];
            let mut windows: Vec<(i64, i64)> = vec![(now - 2 * 3600 - 10 * MINUTE, now + 20 * MINUTE)];
            for w in [12 * 3600, DAY, 3 * DAY, days * DAY] {
                windows.push((now - w - 2 * 3600 - 10 * MINUTE, now - w + 20 * MINUTE));
            }
            // In time order, overlaps merged: OpenMetrics wants each series' samples in order.
            windows.sort();
            windows.dedup_by(|later, earlier| {
                let overlaps = later.0 <= earlier.1;
                if overlaps {
                    earlier.1 = earlier.1.max(later.1);
                }
                overlaps
            });
            let start = now - (days + 1) * DAY;
            // The series the plan names (what the compiled rules read).
            use sloc_plan::names;
            let suffix = sloc_plan::window_name(sloc_plan::BASE_WINDOW);
            let (errors, total) = (format!("{}{suffix}", names::ERRORS_RATE), format!("{}{suffix}", names::TOTAL_RATE));
            let kinds: [(&str, f64); 4] = [
                (&errors, rate * BUDGET),
                (&total, rate),
                (names::ERRORS_RUNNING_SUM, rate * BUDGET),
                (names::TOTAL_RUNNING_SUM, rate),
            ];
            let mut family = |name: &str, times: &[(i64, i64)], value: &dyn Fn(i64) -> f64| -> Result<()> {
                writeln!(out, "# TYPE {name} gauge")?;
                for i in 0..n {
                    regions(name, &format!("service=\"bench\",slo=\"o{i}\""), times, value, out)?;
                }
                Ok(())
            };
            for (name, per_minute) in kinds {
                if name.ends_with(":running_sum") {
                    family(name, &windows, &|t| per_minute * ((t - start) / MINUTE) as f64)?;
                } else {
                    family(name, &base, &|_| per_minute)?;
                }
            }
            family(names::RUNNING_SUM_START, &windows, &|_| start as f64)?;
        }
        Shape::Sloth => {
            let name = "slo:sli_error:ratio_rate5m";
            writeln!(out, "# TYPE {} gauge", name)?;
            for i in 0..n {
                let labels =
                    format!("sloth_id=\"bench-o{i}\",sloth_service=\"bench\",sloth_slo=\"o{i}\",sloth_window=\"5m\"");
                regions(name, &labels, &[(now - days * DAY - 10 * MINUTE, now + 20 * MINUTE)], &|_| BUDGET, out)?;
            }
        }
        Shape::RawWindow | Shape::Pyrra => {}
    }
    Ok(())
}

/// Backfills the shape's recorded history beside the raw one, starts a Prometheus with its
/// rules, and measures.
fn measure(dir: &Path, raw: &Path, rules: &RuleFile, shape: Shape, now: i64, days: i64, n: usize) -> Result<Cost> {
    let data = dir.join(format!("data-{}-{n}-{days}", shape.name()));
    copy_dir(raw, &data)?;
    if matches!(shape, Shape::Sloc | Shape::Sloth) {
        backfill(dir, &data, "recorded", |out| recorded_history(shape, out, now, days, n))?;
    }
    let rule_path = dir.join("measured.rules.yml");
    // Samples read: each rule at the history's end, once, on a server that runs no rules.
    std::fs::write(&rule_path, "groups: []\n")?;
    let server = Server::start(dir, &data, &rule_path)?;
    let mut samples_per_hour = 0.0;
    for group in &rules.groups {
        let per_hour = 3600.0 / group.interval.map_or(60.0, |d| d.millis() as f64 / 1000.0);
        for rule in &group.rules {
            samples_per_hour += server.samples(&rule.expr, now)? * per_hour;
        }
    }
    drop(server);
    // Evaluation time: every group runs every 5 s (every n/20 s for n objectives, so that the
    // groups do not queue for the two cores and time each other's waits).
    let interval = (n as u64 / 20).max(5);
    let timed = RuleFile {
        groups: rules
            .groups
            .iter()
            .map(|g| Group { interval: Some(sloc_promql::Duration::from_secs(interval)), ..g.clone() })
            .collect(),
    };
    std::fs::write(&rule_path, timed.to_yaml(""))?;
    let server = Server::start(dir, &data, &rule_path)?;
    let result = (|| {
        // Every group has run twice; the median of 3 readings of each group.
        let deadline = Instant::now() + Duration::from_secs(600);
        while server.metric_values("prometheus_rule_group_iterations_total")?.iter().any(|(_, v)| *v < 2.0)
            || server.metric_values("prometheus_rule_group_iterations_total")?.len() < rules.groups.len()
        {
            if Instant::now() > deadline {
                bail!("the rule groups did not run twice in 10 minutes");
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let mut readings: Vec<BTreeMap<String, f64>> = Vec::new();
        for _ in 0..3 {
            readings.push(server.metric_values("prometheus_rule_group_last_duration_seconds")?.into_iter().collect());
            std::thread::sleep(Duration::from_secs(interval.min(10)));
        }
        // Series written: what each recording rule's name and labels select now that every
        // group has run (the history's copies of the same series are the same series).
        let mut series = 0.0;
        for rule in rules.groups.iter().flat_map(|g| &g.rules) {
            let Some(name) = rule.record_name() else { continue };
            let labels: String = rule.labels.iter().map(|(k, v)| format!(",{k}={v:?}")).collect();
            let (_, body) = server
                .get(&format!("/api/v1/query?query={}", encode(&format!("count({{__name__={name:?}{labels}}})"))))?;
            let answer: serde_json::Value = serde_json::from_str(&body)?;
            series += answer["data"]["result"][0]["value"][1].as_str().and_then(|v| v.parse().ok()).unwrap_or(0.0);
        }
        if std::env::var_os("SLOC_COST_RULES").is_some() {
            let (_, body) = server.get("/api/v1/rules")?;
            let answer: serde_json::Value = serde_json::from_str(&body)?;
            let mut times: Vec<(f64, String)> = Vec::new();
            for g in answer["data"]["groups"].as_array().into_iter().flatten() {
                for r in g["rules"].as_array().into_iter().flatten() {
                    times.push((
                        r["evaluationTime"].as_f64().unwrap_or(0.0),
                        r["name"].as_str().unwrap_or("").to_string(),
                    ));
                }
            }
            times.sort_by(|a, b| b.0.total_cmp(&a.0));
            for (t, name) in times.iter().take(12) {
                eprintln!("  {:.2} ms {name}", t * 1000.0);
            }
        }
        let mut eval_seconds_per_hour = 0.0;
        for group in &rules.groups {
            let key = readings[0].keys().find(|k| k.contains(&format!(";{}\"", group.name))).cloned();
            let Some(key) = key else { bail!("no evaluation time for group {}", group.name) };
            let mut values: Vec<f64> = readings.iter().filter_map(|r| r.get(&key).copied()).collect();
            values.sort_by(f64::total_cmp);
            let per_hour = 3600.0 / group.interval.map_or(60.0, |d| d.millis() as f64 / 1000.0);
            eval_seconds_per_hour += values[values.len() / 2] * per_hour;
        }
        Ok(Cost { samples_per_hour, eval_seconds_per_hour, series, measured: true })
    })();
    drop(server);
    std::fs::remove_dir_all(&data)?;
    result
}

fn encode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// A Prometheus on a loopback port, stopped when dropped.
struct Server {
    child: std::process::Child,
    port: u16,
}

impl Server {
    fn start(dir: &Path, data: &Path, rules: &Path) -> Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let config = dir.join("prometheus.yml");
        // The history reaches 20 minutes ahead; what the rules write now lands inside its blocks.
        let storage = "storage:\n  tsdb:\n    out_of_order_time_window: 1h\n";
        std::fs::write(&config, format!("{storage}rule_files:\n  - {}\n", rules.display()))?;
        let child = std::process::Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--storage.tsdb.retention.time=200d")
            .arg("--query.max-samples=500000000")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("cannot start prometheus (Debian package `prometheus`)")?;
        let server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(120);
        while !server.get("/-/ready").is_ok_and(|(status, _)| status == 200) {
            if Instant::now() > deadline {
                bail!("prometheus did not become ready in 2 minutes");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(server)
    }

    fn get(&self, path: &str) -> Result<(u16, String)> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(600)))?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = response.split_once("\r\n\r\n").map_or(String::new(), |(_, b)| b.to_string());
        Ok((status, body))
    }

    /// `totalQueryableSamples` of `expr` as an instant query at `at`.
    fn samples(&self, expr: &str, at: i64) -> Result<f64> {
        let (status, body) = self.get(&format!("/api/v1/query?query={}&time={at}&stats=all", encode(expr)))?;
        if status != 200 {
            bail!("{expr}: {status} {body}");
        }
        let answer: serde_json::Value = serde_json::from_str(&body)?;
        answer["data"]["stats"]["samples"]["totalQueryableSamples"]
            .as_f64()
            .with_context(|| format!("no query stats in the answer to {expr}: {body}"))
    }

    /// The samples of a metric of the server's own `/metrics`: (labels, value).
    fn metric_values(&self, name: &str) -> Result<Vec<(String, f64)>> {
        let (_, body) = self.get("/metrics")?;
        Ok(body
            .lines()
            .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
            .filter_map(|l| {
                let (series, value) = l.rsplit_once(' ')?;
                Some((series[name.len()..].to_string(), value.parse().ok()?))
            })
            .collect())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyrra_windows_match_its_published_table() {
        // pyrra-openslo research, "1.4": 7d and 30d rows.
        let names = |days| -> Vec<String> {
            pyrra_windows(days).iter().map(|(s, l, _)| format!("{}/{}", minutes_name(*s), minutes_name(*l))).collect()
        };
        assert_eq!(names(7), ["1m/15m", "8m/1h30m", "30m/6h", "1h30m/1d"]);
        assert_eq!(names(30), ["5m/1h4m", "32m/6h26m", "2h9m/1d1h43m", "6h26m/4d6h51m"]);
        assert_eq!(pyrra_increase_interval(28), 150);
        assert_eq!(pyrra_increase_interval(14), 90);
    }
}
