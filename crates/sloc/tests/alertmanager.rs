//! Alertmanager: the fragment `sloc build --format alertmanager` writes, its checks on
//! misrouted configurations (files and a live Alertmanager), the OneFlow example stack, and an
//! end-to-end run of a real Prometheus and Alertmanager.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::alertmanager::{Alertmanager, Webhook};
use common::prometheus::{Prometheus, Setup};
use common::{root, run, sloc, write};

fn amtool(args: &[&str]) -> std::process::Output {
    common::alertmanager::binary();
    Command::new("amtool").args(args).output().expect("amtool runs")
}

/// The fragment placed as its header says: `route` first under the root's `routes:`, the
/// inhibit rules appended.
fn place(fragment: &str, receivers: &[&str]) -> String {
    let mut config = String::from("route:\n  receiver: fallback\n  routes:\n");
    let mut inhibit = String::new();
    let (mut section, mut first) = ("", true);
    for line in fragment.lines().filter(|l| !l.starts_with('#')) {
        match line {
            "route:" | "inhibit_rules:" => section = line,
            _ if section == "route:" => {
                config.push_str(if std::mem::take(&mut first) { "    - " } else { "      " });
                config.push_str(&line[2..]);
                config.push('\n');
            }
            _ => inhibit.push_str(&format!("{line}\n")),
        }
    }
    config.push_str("inhibit_rules:\n");
    config.push_str(&inhibit);
    config.push_str("receivers:\n  - name: fallback\n");
    for r in receivers {
        config.push_str(&format!("  - name: {r}\n    webhook_configs: [{{url: 'http://127.0.0.1:9/{r}'}}]\n"));
    }
    config
}

#[test]
fn the_fragment_placed_as_documented_passes_amtool_and_routes_each_tier() {
    let built = run(&mut sloc(&["build", "--format", "alertmanager", "rules/oneflow.slo.yaml"]));
    assert_eq!(built.code, 0, "{}", built.stderr);
    assert!(
        built
            .stdout
            .contains("Define these receivers in `receivers:`: oneflow-pager, oneflow-review, oneflow-tickets.")
    );
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "alertmanager.yml",
        &place(&built.stdout, &["oneflow-pager", "oneflow-tickets", "oneflow-review"]),
    );
    let checked = amtool(&["check-config", &config]);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stdout));
    assert!(String::from_utf8_lossy(&checked.stdout).contains("2 inhibit rules"));
    for (labels, receiver) in [
        (["severity=critical", "slo=availability"], "oneflow-pager"),
        (["severity=warning", "slo=provider-reliability"], "oneflow-tickets"),
        (["severity=info", "slo=latency"], "oneflow-review"),
        // Another service's alerts, or a non-SLO alert of this one, are not caught.
        (["severity=critical", "slo=checkout"], "fallback"),
    ] {
        let config_flag = format!("--config.file={config}");
        let mut args = vec!["config", "routes", "test", config_flag.as_str(), "service=oneflow"];
        args.extend(labels);
        let routed = amtool(&args);
        assert_eq!(String::from_utf8_lossy(&routed.stdout).trim(), receiver, "{labels:?}");
    }
    // And sloc's own evaluation of the placed fragment agrees: nothing to report.
    let checked = run(&mut sloc(&["check", "--alertmanager-config", &config, "rules/oneflow.slo.yaml"]));
    assert_eq!(checked.code, 0, "{}", checked.transcript());
}

#[test]
fn misrouted_configurations_are_found_at_their_line() {
    let dir = root().join("fixtures/alertmanager");
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    assert!(names.len() >= 7);
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = text.lines().next().and_then(|l| l.strip_prefix("# expect: ")).expect("a `# expect:` line");
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let relative = format!("fixtures/alertmanager/{name}");
        // The fixtures are configurations Alertmanager loads, but the unreadable one.
        let amtool_ok = amtool(&["check-config", path.to_str().unwrap()]).status.success();
        assert_eq!(amtool_ok, expected != "A006", "{name}: amtool's verdict");
        let json = run(&mut sloc(&[
            "check",
            "--alertmanager-config",
            &relative,
            "rules/oneflow.slo.yaml",
            "--format",
            "json",
            "--fail-on",
            "warning",
        ]));
        assert_eq!(json.code, 1, "{name}: {}", json.transcript());
        let found: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        let codes: Vec<&str> = found.as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
        assert!(!codes.is_empty() && codes.iter().all(|c| *c == expected), "{name}: {codes:?}");
        let human = run(&mut sloc(&["check", "--alertmanager-config", &relative, "rules/oneflow.slo.yaml"]));
        insta::assert_snapshot!(format!("alertmanager_{}", name.trim_end_matches(".yml")), human.transcript());
    }
}

#[test]
fn the_oneflow_example_stack_is_valid_and_clean() {
    let example = root().join("examples/oneflow");
    // Laid out as docker-compose mounts it: the compiled rules beside the configuration.
    let etc = tempfile::tempdir().unwrap();
    for (from, to) in [
        (example.join("prometheus/prometheus.yml"), "prometheus.yml"),
        (example.join("prometheus/operational_alerts.yml"), "operational_alerts.yml"),
        (root().join("rules/oneflow.rules.yml"), "slo_alerts.yml"),
    ] {
        std::fs::copy(from, etc.path().join(to)).unwrap();
    }
    let compose = std::fs::read_to_string(example.join("docker-compose.yml")).unwrap();
    assert!(compose.contains("../../rules/oneflow.rules.yml:/etc/prometheus/slo_alerts.yml:ro"), "{compose}");
    let prometheus =
        common::promtool().args(["check", "config"]).arg(etc.path().join("prometheus.yml")).output().unwrap();
    assert!(prometheus.status.success(), "{}", String::from_utf8_lossy(&prometheus.stdout));
    let am = amtool(&["check-config", example.join("alertmanager/alertmanager.yml").to_str().unwrap()]);
    assert!(am.status.success(), "{}", String::from_utf8_lossy(&am.stdout));
    let lint = run(&mut sloc(&["lint", "--enable", "style", "examples/oneflow/prometheus/operational_alerts.yml"]));
    assert_eq!((lint.code, lint.stdout.as_str()), (0, ""), "{}", lint.transcript());
    let checked = run(&mut sloc(&[
        "check",
        "--alertmanager-config",
        "examples/oneflow/alertmanager/alertmanager.yml",
        "rules/oneflow.slo.yaml",
    ]));
    assert_eq!(checked.code, 0, "{}", checked.transcript());
}

#[test]
fn a_live_alertmanager_s_running_configuration_is_checked() {
    let misrouted =
        Alertmanager::start(&std::fs::read_to_string(root().join("fixtures/alertmanager/misrouted.yml")).unwrap());
    let found = run(&mut sloc(&["check", "--alertmanager", &misrouted.url, "rules/oneflow.slo.yaml"]));
    assert_eq!(found.code, 1, "{}", found.transcript());
    assert!(
        found.stderr.contains("A002") && found.stderr.contains("(running configuration)"),
        "{}",
        found.transcript()
    );
    let example = std::fs::read_to_string(root().join("examples/oneflow/alertmanager/alertmanager.yml")).unwrap();
    let good = Alertmanager::start(&example);
    let clean = run(&mut sloc(&["check", "--alertmanager", &good.url, "rules/oneflow.slo.yaml"]));
    assert_eq!(clean.code, 0, "{}", clean.transcript());
    drop(good);
    // Nothing listening: exit 2, as for Prometheus.
    let gone = run(&mut sloc(&[
        "check",
        "--alertmanager",
        &misrouted.url.replace(&misrouted.port.to_string(), &common::prometheus::free_port().to_string()),
        "rules/oneflow.slo.yaml",
        "--timeout",
        "2s",
    ]));
    assert_eq!(gone.code, 2, "{}", gone.transcript());
}

/// The OneFlow stack for real: Prometheus with the example's configuration evaluates the rules
/// of a spec whose availability burns fast, Alertmanager with the example's configuration routes
/// them. The page arrives at the pager's webhook; the warning of the same objective is
/// inhibited and never arrives; the objective that does not burn sends nothing.
#[test]
fn a_burning_objective_pages_and_its_lower_tiers_are_inhibited() {
    let dir = tempfile::tempdir().unwrap();
    // Short `for`s keep the test short; their order is the real tiers' (the page first).
    let spec = write(
        dir.path(),
        "oneflow.slo.yaml",
        "service: oneflow\ninterval: 1s\nalerting:\n  receivers: {critical: oneflow-pager, warning: oneflow-tickets, info: oneflow-review}\n\
         slos:\n  - name: availability\n    objective: 99.9\n    sli: {errors: 'e2e_requests_total{status=\"error\"}', total: e2e_requests_total}\n\
         \x20   alerting: {for: {critical: 1s, warning: 5s, info: 5s}}\n  - name: latency\n    objective: 99.9\n\
         \x20   sli: {errors: 'e2e_requests_total{status=\"slow\"}', total: e2e_requests_total}\n\
         \x20   alerting: {for: {critical: 1s, warning: 5s, info: 5s}}\n",
    );
    let rules = dir.path().join("slo_alerts.yml");
    let built = run(&mut sloc(&["build", &spec, "-o", rules.to_str().unwrap()]));
    assert_eq!(built.code, 0, "{}", built.transcript());

    let webhook = Webhook::start();
    let example = root().join("examples/oneflow");
    let mut am_config = std::fs::read_to_string(example.join("alertmanager/alertmanager.yml"))
        .unwrap()
        .replace("http://oneflow-notifier:8080", &format!("http://127.0.0.1:{}", webhook.port));
    // The page's group_wait shortened (30s in the example); the lower tiers keep theirs.
    let sloc_block = am_config.find("# BEGIN sloc").unwrap();
    let page_wait = sloc_block + am_config[sloc_block..].find("group_wait: 30s").unwrap();
    am_config.replace_range(page_wait..page_wait + "group_wait: 30s".len(), "group_wait: 2s");
    let alertmanager = Alertmanager::start(&am_config);

    let exporter = BurningExporter::start();
    let prometheus_config = std::fs::read_to_string(example.join("prometheus/prometheus.yml"))
        .unwrap()
        .replace("scrape_interval: 15s", "scrape_interval: 1s")
        .replace("evaluation_interval: 30s", "evaluation_interval: 1s")
        .replace("  - slo_alerts.yml\n", &format!("  - {}\n", rules.display()))
        .replace(
            "  - operational_alerts.yml\n",
            &format!("  - {}\n", example.join("prometheus/operational_alerts.yml").display()),
        )
        .replace("oneflow-api:8000", &format!("127.0.0.1:{}", exporter.port))
        .replace("alertmanager:9093", &format!("127.0.0.1:{}", alertmanager.port));
    let _prometheus = Prometheus::start(Setup { config: Some(prometheus_config), ..Setup::default() });

    let deadline = Instant::now() + Duration::from_secs(45);
    let paged = loop {
        let received = webhook.received();
        if let Some((_, body)) = received.iter().find(|(path, _)| path == "/pager") {
            break body.clone();
        }
        assert!(Instant::now() < deadline, "no page within 45 s; received: {received:?}");
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(paged.contains("\"slo\":\"availability\"") && paged.contains("\"severity\":\"critical\""), "{paged}");
    // Alertmanager holds the warning and info of availability, muted by the page.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let alerts = alertmanager.alerts();
        let lower: Vec<&serde_json::Value> = alerts
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["labels"]["slo"] == "availability" && a["labels"]["severity"] != "critical")
            .collect();
        let inhibited = lower.iter().filter(|a| !a["status"]["inhibitedBy"].as_array().unwrap().is_empty()).count();
        if lower.len() == 2 && inhibited == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "warning and info not both inhibited: {alerts:#}");
        std::thread::sleep(Duration::from_millis(250));
    }
    let received = webhook.received();
    assert!(received.iter().all(|(path, _)| path == "/pager"), "only the pager hears of it: {received:?}");
    assert!(received.iter().all(|(_, body)| !body.contains("\"slo\":\"latency\"")), "latency does not burn");
    let alerts = alertmanager.alerts();
    assert!(alerts.as_array().unwrap().iter().all(|a| a["labels"]["slo"] != "latency"), "{alerts:#}");
}

/// Serves `e2e_requests_total`: half of the requests fail from the start.
struct BurningExporter {
    port: u16,
}

impl BurningExporter {
    fn start() -> BurningExporter {
        let started = Instant::now();
        let server = common::fake_server::FakeServer::start(move |_request| {
            let n = (started.elapsed().as_secs_f64() * 1000.0).floor();
            let body = format!(
                "# TYPE e2e_requests_total counter\ne2e_requests_total{{status=\"ok\"}} {n}\ne2e_requests_total{{status=\"error\"}} {n}\n"
            );
            common::fake_server::answer("200 OK", "Content-Type: text/plain; version=0.0.4\r\n", body.as_bytes())
        });
        BurningExporter { port: server.url.rsplit(':').next().unwrap().parse().unwrap() }
    }
}
