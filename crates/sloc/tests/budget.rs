//! The budget views on a real Prometheus that holds a history whose answer is known in
//! advance: `sloc status`, `sloc report` (with its chart) and the Grafana dashboard of
//! `sloc build --format grafana`.
//!
//! The history, minute by minute over the 8 days before now (period 7d, rules every 5m):
//! - `checkout` (99%): 600 requests a minute, 2 of them errors, but for a 2-hour outage three
//!   days ago at 180 errors a minute; and a 1-hour scrape gap five days ago.
//! - `search` (99.5%, by region): 1,000 requests a minute per region, 1 error a minute, but
//!   `eu` fails 20 a minute over the last 2 days (it overspends its budget, its critical tier
//!   burns); `eu`'s critical alert fired for 3 hours yesterday.
//! - `idle` (99%): no traffic at all.

mod common;

use common::history::{History, RawSeries, fast_alerts};
use common::prometheus::http_get;
use common::{run, sloc, write};
use serde_json::Value;

const MINUTE: i64 = 60;
const DAY: i64 = 86_400;

/// The README's example spec, whose `status` and `report` this history checks.
const SPEC: &str = include_str!("../../../examples/shop/shop.slo.yaml");

/// Requests and errors a minute, by series, at minute `t`.
struct Shop {
    now: i64,
}

impl Shop {
    /// 10:00 to 12:00 UTC of the day three days ago: inside one day whatever the time of the
    /// run, so that day is the report's worst.
    fn outage(&self) -> (i64, i64) {
        let day = self.now - 3 * DAY;
        let start = day - day.rem_euclid(DAY) + 10 * 3600;
        (start, start + 2 * 3600)
    }

    fn gap(&self) -> (i64, i64) {
        let start = self.now - 5 * DAY;
        (start, start + 3600)
    }

    fn fired(&self) -> (i64, i64) {
        let start = self.now - DAY - 3 * 3600;
        (start, start + 3 * 3600)
    }

    /// (errors, total) a minute for checkout at `t`.
    fn checkout(&self, t: i64) -> (f64, f64) {
        let (a, b) = self.outage();
        (if (a..b).contains(&t) { 180.0 } else { 2.0 }, 600.0)
    }

    fn search(&self, region: &str, t: i64) -> (f64, f64) {
        let burning = region == "eu" && t >= self.now - 2 * DAY;
        (if burning { 20.0 } else { 1.0 }, 1000.0)
    }

    /// Errors and requests over `(from, to]`, counting only minutes that were scraped.
    fn sums(&self, from: i64, to: i64, f: impl Fn(i64) -> (f64, f64), skip_gap: bool) -> (f64, f64) {
        let (g0, g1) = self.gap();
        let mut t = from - from.rem_euclid(MINUTE);
        let (mut errors, mut total) = (0.0, 0.0);
        while t < to {
            if !(skip_gap && (g0..g1).contains(&t)) {
                let (e, n) = f(t);
                errors += e;
                total += n;
            }
            t += MINUTE;
        }
        (errors, total)
    }

    fn raw(&self, start: i64) -> Vec<RawSeries> {
        let (g0, g1) = self.gap();
        let mut series = Vec::new();
        let mut counter = |family: &str, labels: &str, per_minute: &dyn Fn(i64) -> f64, gap: bool| {
            let mut value = 0.0;
            let mut samples = Vec::new();
            let mut t = start;
            while t <= self.now {
                let missing = gap && (g0..g1).contains(&t);
                samples.push((t, (!missing).then_some(value)));
                value += per_minute(t);
                t += MINUTE;
            }
            series.push(RawSeries {
                family: family.to_string(),
                kind: "counter",
                series: format!("{family}_total{{{labels}}}"),
                samples,
            });
        };
        counter("shop_requests", "route=\"checkout\",code=\"500\"", &|t| self.checkout(t).0, true);
        counter("shop_requests", "route=\"checkout\",code=\"200\"", &|t| self.checkout(t).1 - self.checkout(t).0, true);
        for region in ["eu", "us"] {
            let labels = format!("route=\"search\",region=\"{region}\"");
            counter("shop_requests", &format!("{labels},code=\"500\""), &|t| self.search(region, t).0, false);
            counter("shop_requests", &format!("{labels},code=\"200\""), &|t| 1000.0 - self.search(region, t).0, false);
        }
        counter("shop_idle", "code=\"500\"", &|_| 0.0, false);
        counter("shop_idle", "code=\"200\"", &|_| 0.0, false);
        // The critical alert as the rule evaluations wrote it, every 5 minutes.
        let (f0, f1) = self.fired();
        series.push(RawSeries {
            family: "ALERTS".into(),
            kind: "gauge",
            series: "ALERTS{alertname=\"ShopSearchErrorBudgetBurn\",alertstate=\"firing\",region=\"eu\",service=\"shop\",severity=\"critical\",slo=\"search\"}".into(),
            samples: (0..(f1 - f0) / 300).map(|k| (f0 + k * 300, Some(1.0))).collect(),
        });
        series
    }
}

fn close(actual: f64, expected: f64, what: &str) {
    let relative = ((actual - expected) / expected).abs();
    assert!(relative < 0.005, "{what}: {actual} is not within 0.5% of {expected} ({:.3}% off)", relative * 100.0);
}

/// An instant query's result, asked over plain HTTP.
fn instant(port: u16, query: &str) -> Vec<Value> {
    let encoded: String = query.bytes().map(|b| format!("%{b:02X}")).collect();
    let (status, body) = http_get(port, &format!("/api/v1/query?query={encoded}"), None).expect("prometheus answers");
    assert_eq!(status, 200, "{query}: {body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    body["data"]["result"].as_array().cloned().unwrap_or_default()
}

#[test]
fn status_report_and_dashboard_agree_with_a_known_history() {
    let now = {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        t - t.rem_euclid(300) - 300
    };
    let start = now - 8 * DAY;
    let shop = Shop { now };
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "shop.slo.yaml", SPEC);
    let rules = dir.path().join("shop.rules.yml");
    let built = run(&mut sloc(&["build", &spec, "-o", rules.to_str().unwrap()]));
    assert_eq!(built.code, 0, "{}", built.transcript());

    let (model, _) = sloc_spec::parse_spec(SPEC);
    let model = sloc_compiler::compile(&sloc_plan::plan(&model.unwrap())).unwrap();
    let history = History::load(&shop.raw(start), &model, start, now);
    let alerts = dir.path().join("fast-alerts.yml");
    std::fs::write(&alerts, fast_alerts(&model).to_yaml("")).unwrap();
    let prometheus = history.serve(&[rules.clone(), alerts]);
    prometheus.wait_for_data("ALERTS{slo=\"search\",region=\"eu\",severity=\"critical\"}");

    // ---- sloc status ----
    let status = run(&mut sloc(&["status", "--prometheus", &prometheus.url, &spec, "--format", "json"]));
    assert_eq!(status.code, 0, "{}", status.transcript());
    let rows: Vec<Value> = serde_json::from_str(&status.stdout).unwrap();
    let row = |slo: &str, region: Option<&str>| -> &Value {
        rows.iter()
            .find(|r| r["slo"] == slo && region.is_none_or(|g| r["labels"]["region"] == g))
            .unwrap_or_else(|| panic!("no row for {slo} {region:?}: {rows:#?}"))
    };
    let (errors, total) = shop.sums(now - 7 * DAY, now, |t| shop.checkout(t), true);
    let checkout = row("checkout", None);
    close(1.0 - checkout["sli"].as_f64().unwrap(), errors / total, "checkout's error ratio over 7d");
    close(checkout["events"].as_f64().unwrap(), total, "checkout's events over 7d");
    let remaining = 1.0 - errors / total / 0.01;
    close(checkout["budget_remaining"].as_f64().unwrap(), remaining, "checkout's budget left");
    assert_eq!(checkout["objective"], 0.99);
    let burn_1h = checkout["burn_rates"]["1h"].as_f64().unwrap();
    close(burn_1h, (2.0 / 600.0) / 0.01, "checkout's 1h burn rate");
    close(
        checkout["time_to_exhaustion"].as_f64().unwrap(),
        remaining * 7.0 * DAY as f64 / burn_1h,
        "time to exhaustion",
    );
    assert_eq!(checkout["alerts"]["critical"], "inactive");

    let (eu_errors, eu_total) = shop.sums(now - 7 * DAY, now, |t| shop.search("eu", t), false);
    let eu = row("search", Some("eu"));
    let eu_remaining = 1.0 - eu_errors / eu_total / 0.005;
    assert!(eu_remaining < 0.0, "the history overspends eu: {eu_remaining}");
    close(eu["budget_remaining"].as_f64().unwrap(), eu_remaining, "eu's (negative) budget left");
    assert_eq!(eu["time_to_exhaustion"], 0.0);
    assert!(["pending", "firing"].contains(&eu["alerts"]["critical"].as_str().unwrap()), "{eu:#}");
    let us = row("search", Some("us"));
    close(us["budget_remaining"].as_f64().unwrap(), 0.8, "us's budget left");
    assert!(us["alerts"].as_object().unwrap().values().all(|s| s == "inactive"), "{us:#}");

    let idle = row("idle", None);
    assert_eq!((idle["sli"].clone(), idle["budget_remaining"].clone()), (Value::Null, Value::Null), "{idle:#}");
    assert_eq!(idle["no_data"], true);

    let table = run(&mut sloc(&["status", "--prometheus", &prometheus.url, &spec]));
    assert_eq!(table.code, 0, "{}", table.transcript());
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].starts_with("OBJECTIVE") && lines[5].is_empty(), "{}", table.stdout);
    assert!(lines[6].starts_with("shop/idle: no data"), "the notes follow the table: {}", table.stdout);
    assert!(lines.iter().all(|l| l.chars().count() <= 100), "fits COLUMNS=100:\n{}", table.stdout);
    assert!(table.stdout.contains("shop/search region=eu") && table.stdout.contains("spent"), "{}", table.stdout);
    assert!(lines.iter().any(|l| l.starts_with("shop/idle") && l.contains("no data")), "{}", table.stdout);
    assert!(!table.stdout.contains('\x1b'), "no colour without a terminal");
    let budget = run(&mut sloc(&["status", "--prometheus", &prometheus.url, &spec, "--fail-on", "budget"]));
    assert_eq!(budget.code, 1, "eu is overspent: {}", budget.transcript());
    let quiet = write(dir.path(), "checkout.slo.yaml", &SPEC.replace("  - name: search", "  - name: unused-search"));
    let warned = run(&mut sloc(&["status", "--prometheus", &prometheus.url, &quiet, "--fail-on", "warning"]));
    assert_eq!(warned.code, 0, "{}", warned.transcript());
    assert!(warned.stderr.contains("has not loaded the rule group `sloc-shop-unused-search`"), "{}", warned.stderr);

    // ---- sloc report ----
    let (from, to) = (now - 7 * DAY, now);
    let chart = dir.path().join("budget.svg");
    let report = run(&mut sloc(&[
        "report",
        "--prometheus",
        &prometheus.url,
        &spec,
        "--from",
        &from.to_string(),
        "--to",
        &to.to_string(),
        "--format",
        "json",
        "--chart",
        chart.to_str().unwrap(),
    ]));
    assert_eq!(report.code, 0, "{}", report.transcript());
    let report: Value = serde_json::from_str(&report.stdout).unwrap();
    let objective = |slo: &str| report["objectives"].as_array().unwrap().iter().find(|o| o["slo"] == slo).unwrap();
    let checkout = objective("checkout");
    close(1.0 - checkout["sli"].as_f64().unwrap(), errors / total, "report: checkout's error ratio");
    close(checkout["events"].as_f64().unwrap(), total, "report: checkout's events");
    close(checkout["budget_consumed"].as_f64().unwrap(), errors / total / 0.01, "report: checkout's budget spent");
    let outage_day = shop.outage().0 - shop.outage().0.rem_euclid(DAY);
    assert_eq!(checkout["worst_day"]["date"], sloc_day(outage_day), "{checkout:#}");
    let gap = checkout["gap_minutes"].as_f64().unwrap();
    assert!((45.0..=75.0).contains(&gap), "the 1-hour scrape gap: {gap} minutes in {:#}", checkout["gaps"]);
    assert_eq!(checkout["firing_minutes"]["critical"], 0.0);
    let search = objective("search");
    let eu = search["groups"].as_array().unwrap().iter().find(|g| g["labels"]["region"] == "eu").unwrap();
    close(1.0 - eu["sli"].as_f64().unwrap(), eu_errors / eu_total, "report: eu's error ratio");
    assert!(eu["budget_consumed"].as_f64().unwrap() > 1.0, "eu overspent: {eu:#}");
    close(eu["firing_minutes"]["critical"].as_f64().unwrap(), 180.0, "eu's critical firing minutes");
    assert_eq!(search["gap_minutes"], 0.0, "{search:#}");
    assert_eq!(objective("idle")["sli"], Value::Null);
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert_eq!(svg.matches("class=\"series\"").count(), 3, "one series per objective");
    let parsed = std::process::Command::new("python3")
        .args(["-c", "import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); assert r.tag == '{http://www.w3.org/2000/svg}svg', r.tag"])
        .arg(&chart)
        .output()
        .unwrap();
    assert!(parsed.status.success(), "the chart is valid SVG: {}", String::from_utf8_lossy(&parsed.stderr));
    assert_chart_fits(&chart);
    // The 1-hour scrape gap breaks checkout's line: a second stroke starts after it.
    let checkout_path = svg.split("data-slo=\"shop/checkout\" d=\"").nth(1).unwrap().split('"').next().unwrap();
    assert!(checkout_path.matches('M').count() >= 2, "no break at the gap: {checkout_path}");
    // One day is titled with its date, once; long names stay inside the canvas.
    let day_start = now - now.rem_euclid(DAY) - DAY;
    let long = write(
        dir.path(),
        "long.slo.yaml",
        &SPEC.replace("service: shop", "service: a-service-with-a-rather-long-name-for-a-legend"),
    );
    let one_day = dir.path().join("one-day.svg");
    let day = run(&mut sloc(&[
        "report",
        "--prometheus",
        &prometheus.url,
        &spec,
        &long,
        "--from",
        &day_start.to_string(),
        "--to",
        &(day_start + DAY).to_string(),
        "--chart",
        one_day.to_str().unwrap(),
    ]));
    assert_eq!(day.code, 0, "{}", day.transcript());
    let one_day_svg = std::fs::read_to_string(&one_day).unwrap();
    assert!(one_day_svg.contains(&format!("Error budget remaining, {}</text>", sloc_day(day_start))), "{one_day_svg}");
    assert_chart_fits(&one_day);
    let markdown = run(&mut sloc(&[
        "report",
        "--prometheus",
        &prometheus.url,
        &spec,
        "--from",
        &sloc_day(from),
        "--to",
        "now",
        "--format",
        "markdown",
    ]));
    assert_eq!(markdown.code, 0, "{}", markdown.transcript());
    assert!(markdown.stdout.starts_with("# SLO report: ") && markdown.stdout.contains("| shop/checkout |"));
    let human =
        run(&mut sloc(&["report", "--prometheus", &prometheus.url, &spec, "--from", &from.to_string(), "--to", "now"]));
    assert_eq!(human.code, 0, "{}", human.transcript());
    let eu_line = human.stdout.lines().find(|l| l.starts_with("shop/search region=eu")).unwrap_or_default();
    assert!(eu_line.contains("critical 3h") && eu_line.contains("128."), "{}", human.stdout);
    assert!(human.stdout.contains(&format!("{} (97.", sloc_day(outage_day))), "{}", human.stdout);
    // A period shorter than an hour (a day that has only begun) still has a worst day.
    let short = (now - 2 * 3600, now - 2 * 3600 + 20 * 60);
    let brief = run(&mut sloc(&[
        "report",
        "--prometheus",
        &prometheus.url,
        &spec,
        "--from",
        &short.0.to_string(),
        "--to",
        &short.1.to_string(),
        "--format",
        "json",
    ]));
    assert_eq!(brief.code, 0, "{}", brief.transcript());
    let brief: Value = serde_json::from_str(&brief.stdout).unwrap();
    let checkout = brief["objectives"].as_array().unwrap().iter().find(|o| o["slo"] == "checkout").unwrap();
    assert_eq!(checkout["worst_day"]["date"], sloc_day(short.1 - 1), "{checkout:#}");
    // The current month runs to now (whatever the day: `date` names the month).
    let month = std::process::Command::new("date").args(["-u", "+%Y-%m"]).output().unwrap();
    let month = String::from_utf8(month.stdout).unwrap().trim().to_string();
    let current =
        run(&mut sloc(&["report", "--prometheus", &prometheus.url, &spec, "--month", &month, "--format", "json"]));
    assert_eq!(current.code, 0, "{}", current.transcript());
    let current: Value = serde_json::from_str(&current.stdout).unwrap();
    assert!(current["from"].as_str().unwrap().starts_with(&format!("{month}-01T00:00:00")), "{current:#}");
    // A period older than the server keeps is refused, not answered wrongly.
    let old = run(&mut sloc(&["report", "--prometheus", &prometheus.url, &spec, "--month", "2020-01"]));
    assert_eq!(old.code, 2, "{}", old.transcript());
    assert!(old.stderr.contains("the server keeps 60d"), "{}", old.stderr);

    // ---- the dashboard ----
    let dashboard = run(&mut sloc(&["build", "--format", "grafana", &spec]));
    assert_eq!(dashboard.code, 0, "{}", dashboard.transcript());
    let parsed: Value = serde_json::from_str(&dashboard.stdout).unwrap();
    let mut asked = 0;
    for panel in parsed["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap().replace("$region", ".*");
            let idle = expr.contains("slo=\"idle\"");
            let answer = instant(prometheus.port, &expr);
            // Without traffic there is no ratio: an idle objective's SLI and budget say so.
            let expected_empty = idle && (expr.contains("sli_error:ratio") || expr.contains("error_budget_remaining"));
            assert_eq!(answer.is_empty(), expected_empty, "panel `{}`: {expr}", panel["title"]);
            asked += 1;
        }
    }
    assert!(asked > 30, "{asked} queries");
}

/// `2026-10-01` of a Unix time, from `date` rather than the code under test.
fn sloc_day(t: i64) -> String {
    let out = std::process::Command::new("date").args(["-u", "-d", &format!("@{t}"), "+%F"]).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The chart as a person sees it: rendered by librsvg (`rsvg-convert`) at its declared size,
/// and again on a canvas with a wide margin, where nothing may be drawn outside the original:
/// no text or line leaves the picture.
fn assert_chart_fits(svg_path: &std::path::Path) {
    let svg = std::fs::read_to_string(svg_path).unwrap();
    let attribute = |name: &str| -> f64 {
        let start = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        svg[start..].split('"').next().unwrap().parse().unwrap()
    };
    let (w, h) = (attribute("width"), attribute("height"));
    let render = |text: &str, name: &str| -> png::Reader<std::io::BufReader<std::fs::File>> {
        let input = svg_path.with_file_name(format!("{name}.svg"));
        let output = svg_path.with_file_name(format!("{name}.png"));
        std::fs::write(&input, text).unwrap();
        let done = std::process::Command::new("rsvg-convert").arg("-o").arg(&output).arg(&input).output();
        let done = done.expect("rsvg-convert runs: apt-get install librsvg2-bin (cargo xtask ci does)");
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
        png::Decoder::new(std::io::BufReader::new(std::fs::File::open(output).unwrap())).read_info().unwrap()
    };
    let plain = render(&svg, "plain");
    assert_eq!((plain.info().width as f64, plain.info().height as f64), (w, h), "the PNG has the declared size");
    let m = 200.0;
    let widened = svg.replacen(
        &format!("width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\""),
        &format!(
            "width=\"{}\" height=\"{}\" viewBox=\"{} {} {} {}\"",
            w + 2.0 * m,
            h + 2.0 * m,
            -m,
            -m,
            w + 2.0 * m,
            h + 2.0 * m
        ),
        1,
    );
    assert_ne!(widened, svg, "the root element's size was found");
    let mut reader = render(&widened, "widened");
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Rgba, "rsvg-convert writes RGBA");
    let width = frame.width as usize;
    let outside: Vec<(usize, usize)> = (0..frame.height as usize)
        .flat_map(|row| (0..width).map(move |col| (col, row)))
        .filter(|&(col, row)| {
            let inside = (m as usize..(m + w) as usize).contains(&col) && (m as usize..(m + h) as usize).contains(&row);
            !inside && pixels[(row * width + col) * 4 + 3] > 0
        })
        .collect();
    assert!(
        outside.is_empty(),
        "{} pixels drawn outside the canvas, the first at {:?}",
        outside.len(),
        outside.first()
    );
}
