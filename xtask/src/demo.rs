//! `cargo xtask demo [--smoke]`: the OneFlow stack on loopback ports, with data.
//!
//! The synthetic OneFlow API (`examples/oneflow/exporter/oneflow_exporter.py`, Python's
//! standard library only) is scraped by Debian's Prometheus, which runs the rules `sloc build`
//! compiles from `rules/oneflow.slo.yaml` and sends alerts to Debian's Alertmanager, routed by
//! `examples/oneflow/alertmanager/alertmanager.yml` to the exporter's webhook receiver, which
//! prints every notification. Scrapes and evaluations run every 5 s (the example's 15 s and
//! 30 s, shortened so that a page comes within minutes); the rules are the committed ones.
//!
//! `--smoke` runs it unattended: healthy traffic, then an outage of every provider; it exits 0
//! once the availability page has reached the receiver and `sloc status` shows the burn, and
//! fails with the reason otherwise. Every process is stopped in both cases, and on Ctrl-C.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::root;

/// How long `--smoke` waits for the page after the outage starts. Expected: about 3 minutes
/// (the 5m base rate and the 1h window pass 14.4x the budget within a minute, `for: 2m`, then
/// the page route's `group_wait: 30s`).
const PAGE_DEADLINE: Duration = Duration::from_secs(6 * 60);

/// Processes stopped when dropped: on success, failure or Ctrl-C.
struct Stack {
    children: Vec<(&'static str, Child)>,
}

impl Drop for Stack {
    fn drop(&mut self) {
        for (name, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("stopped {name}");
        }
    }
}

struct Ports {
    exporter: u16,
    webhook: u16,
    prometheus: u16,
    alertmanager: u16,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub fn run(args: &[&str]) -> Result<()> {
    let smoke = args.contains(&"--smoke");
    for program in ["prometheus", "prometheus-alertmanager", "python3"] {
        if crate::which(program).is_none() {
            bail!(
                "{program} is not on the PATH: apt-get install prometheus prometheus-alertmanager python3 (see the README's set-up)"
            );
        }
    }
    let sloc = crate::debug_binary()?;
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)).context("cannot handle Ctrl-C")?;
    }

    let dir = tempfile::Builder::new().prefix("sloc-demo").tempdir()?;
    let ports =
        Ports { exporter: free_port()?, webhook: free_port()?, prometheus: free_port()?, alertmanager: free_port()? };
    // Declared after `dir`, so dropped (the processes stopped) before the directory goes.
    let mut stack = Stack { children: Vec::new() };
    write_configs(dir.path(), &sloc, &ports)?;

    let mut exporter = Command::new("python3")
        .arg(root().join("examples/oneflow/exporter/oneflow_exporter.py"))
        .args(["--host", "127.0.0.1", "--port", &ports.exporter.to_string()])
        .args(["--webhook-port", &ports.webhook.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start the exporter")?;
    let lines = exporter.stdout.take().context("the exporter's output")?;
    stack.children.push(("the OneFlow exporter", exporter));
    // The receiver's notifications, as they come.
    std::thread::spawn(move || {
        for line in BufReader::new(lines).lines().map_while(Result::ok) {
            println!("  exporter: {line}");
        }
    });
    let alertmanager = Command::new("prometheus-alertmanager")
        .arg(format!("--config.file={}", dir.path().join("alertmanager.yml").display()))
        .arg(format!("--storage.path={}", dir.path().join("alertmanager-data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{}", ports.alertmanager))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start prometheus-alertmanager")?;
    stack.children.push(("Alertmanager", alertmanager));
    let prometheus = Command::new("prometheus")
        .arg(format!("--config.file={}", dir.path().join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.path().join("prometheus-data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{}", ports.prometheus))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start prometheus")?;
    stack.children.push(("Prometheus", prometheus));
    for (name, port, path) in [
        ("the exporter", ports.exporter, "/metrics"),
        ("Alertmanager", ports.alertmanager, "/-/ready"),
        ("Prometheus", ports.prometheus, "/-/ready"),
    ] {
        wait_until(Duration::from_secs(30), &interrupted, || http("GET", port, path).is_ok_and(|(s, _)| s == 200))
            .with_context(|| format!("{name} on port {port} did not answer {path} within 30 s"))?;
    }

    let prometheus_url = format!("http://127.0.0.1:{}", ports.prometheus);
    println!(
        "The OneFlow demo is running:\n\
         \x20 Prometheus    {prometheus_url}  (rules: rules/oneflow.rules.yml)\n\
         \x20 Alertmanager  http://127.0.0.1:{am}\n\
         \x20 exporter      http://127.0.0.1:{ex}/metrics  (notifications printed below)\n\n\
         Try:\n\
         \x20 {sloc} status --prometheus {prometheus_url} rules/oneflow.slo.yaml\n\
         \x20 {sloc} check --prometheus {prometheus_url} rules/oneflow.slo.yaml\n\
         \x20 {sloc} report --prometheus {prometheus_url} rules/oneflow.slo.yaml --from $(date -u +%F)\n\
         \x20 curl -X POST 'http://127.0.0.1:{ex}/inject?fault=outage&provider=openai'   (or latency, cost; clear)\n",
        am = ports.alertmanager,
        ex = ports.exporter,
        sloc = sloc.display(),
    );
    if !smoke {
        println!("Ctrl-C stops everything.");
        while !interrupted.load(Ordering::SeqCst) {
            if let Some((name, status)) = exited(&mut stack) {
                bail!("{name} stopped ({status})");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        return Ok(());
    }
    smoke_run(&sloc, &ports, &prometheus_url, &interrupted, &mut stack)
}

/// `--smoke`: an outage, the page at the receiver, the burn in `sloc status`.
fn smoke_run(
    sloc: &Path,
    ports: &Ports,
    prometheus_url: &str,
    interrupted: &AtomicBool,
    stack: &mut Stack,
) -> Result<()> {
    let started = Instant::now();
    // A few scrapes of healthy traffic first: the base rates need two samples.
    wait_until(Duration::from_secs(20), interrupted, || false).ok();
    let (status, body) = http("POST", ports.exporter, "/inject?fault=outage&provider=all")?;
    if status != 200 {
        bail!("the exporter refused the outage: {status} {body}");
    }
    println!(
        "smoke: every provider fails from now; waiting for the availability page (expected within about 3 minutes)"
    );
    let outage = Instant::now();
    wait_until(PAGE_DEADLINE, interrupted, || {
        if let Some((name, status)) = exited(stack) {
            eprintln!("{name} stopped ({status})");
            return true;
        }
        http("GET", ports.webhook, "/notifications").is_ok_and(|(_, body)| paged(&body))
    })
    .with_context(|| {
        let alerts = http("GET", ports.prometheus, "/api/v1/alerts").map(|(_, b)| b).unwrap_or_default();
        format!("no availability page reached the receiver within {PAGE_DEADLINE:?} of the outage; Prometheus' alerts: {alerts}")
    })?;
    if let Some((name, status)) = exited(stack) {
        bail!("{name} stopped ({status})");
    }
    println!("smoke: the page reached the receiver {}s after the outage began", outage.elapsed().as_secs());

    let status = Command::new(sloc)
        .args(["status", "--prometheus", prometheus_url, "rules/oneflow.slo.yaml", "--format", "json"])
        .current_dir(root())
        .output()
        .context("cannot run sloc status")?;
    let text = String::from_utf8_lossy(&status.stdout);
    let objectives: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("sloc status did not print JSON: {text}"))?;
    let availability = objectives
        .as_array()
        .and_then(|all| all.iter().find(|o| o["slo"] == "availability"))
        .with_context(|| format!("sloc status has no availability objective: {text}"))?;
    let burn = availability["burn_rates"]["1h"].as_f64().unwrap_or(0.0);
    let critical = availability["alerts"]["critical"].as_str().unwrap_or("");
    if burn <= 14.4 || critical != "firing" {
        bail!("sloc status does not show the burn: 1h burn rate {burn}, critical alert {critical:?}: {text}");
    }
    let table = Command::new(sloc)
        .args(["status", "--prometheus", prometheus_url, "rules/oneflow.slo.yaml"])
        .current_dir(root())
        .output()?;
    println!("{}", String::from_utf8_lossy(&table.stdout));
    println!(
        "smoke: passed in {}s: the critical page was delivered and sloc status shows a 1h burn rate of {burn:.1}",
        started.elapsed().as_secs()
    );
    Ok(())
}

/// Whether the receiver got a firing critical notification of the availability objective.
fn paged(notifications: &str) -> bool {
    let Ok(serde_json::Value::Array(received)) = serde_json::from_str(notifications) else { return false };
    received.iter().flat_map(|n| n["alerts"].as_array().into_iter().flatten()).any(|a| {
        a["status"] == "firing" && a["labels"]["severity"] == "critical" && a["labels"]["slo"] == "availability"
    })
}

/// The configurations: the example's, pointed at loopback ports, with 5 s intervals.
fn write_configs(dir: &Path, sloc: &Path, ports: &Ports) -> Result<()> {
    let rules = dir.join("slo_alerts.yml");
    let built = Command::new(sloc)
        .args(["build", "rules/oneflow.slo.yaml", "-o"])
        .arg(&rules)
        .current_dir(root())
        .output()
        .context("cannot run sloc build")?;
    if !built.status.success() {
        bail!("sloc build failed: {}", String::from_utf8_lossy(&built.stderr));
    }
    let example = root().join("examples/oneflow");
    let alertmanager = std::fs::read_to_string(example.join("alertmanager/alertmanager.yml"))?
        .replace("http://oneflow-notifier:8080", &format!("http://127.0.0.1:{}", ports.webhook));
    std::fs::write(dir.join("alertmanager.yml"), alertmanager)?;
    let prometheus = format!(
        "global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n  external_labels: {{cluster: oneflow-demo}}\n\
         rule_files: [{rules}]\n\
         alerting:\n  alertmanagers:\n    - static_configs: [{{targets: ['127.0.0.1:{am}']}}]\n\
         scrape_configs:\n\
         \x20 - {{job_name: oneflow-api, static_configs: [{{targets: ['127.0.0.1:{ex}']}}]}}\n\
         \x20 - {{job_name: prometheus, static_configs: [{{targets: ['127.0.0.1:{prom}']}}]}}\n\
         \x20 - {{job_name: alertmanager, static_configs: [{{targets: ['127.0.0.1:{am}']}}]}}\n",
        rules = rules.display(),
        am = ports.alertmanager,
        ex = ports.exporter,
        prom = ports.prometheus,
    );
    std::fs::write(dir.join("prometheus.yml"), prometheus)?;
    Ok(())
}

/// The first child that has exited, with its status.
fn exited(stack: &mut Stack) -> Option<(&'static str, std::process::ExitStatus)> {
    stack.children.iter_mut().find_map(|(name, child)| child.try_wait().ok().flatten().map(|s| (*name, s)))
}

/// Polls `done` every second until it holds (Ok) or `limit` passes or Ctrl-C (Err).
fn wait_until(limit: Duration, interrupted: &AtomicBool, mut done: impl FnMut() -> bool) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        if done() {
            return Ok(());
        }
        if interrupted.load(Ordering::SeqCst) {
            bail!("interrupted");
        }
        if Instant::now() >= deadline {
            bail!("gave up after {limit:?}");
        }
        std::thread::sleep(Duration::from_secs(1).min(deadline.saturating_duration_since(Instant::now())));
    }
}

/// A minimal HTTP/1.0 request to 127.0.0.1:port: (status, body).
fn http(method: &str, port: u16, path: &str) -> Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).context("no HTTP status")?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}
