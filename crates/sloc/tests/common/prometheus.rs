//! A real Prometheus for tests: Debian's `prometheus` on a free loopback port, with its own
//! data directory, stopped when dropped. And a small exporter serving the OneFlow metrics, so
//! that the SLIs have real series.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A minimal HTTP GET over a TCP stream: (status, body).
pub fn http_get(port: u16, path: &str, basic_auth: Option<&str>) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let auth = basic_auth.map_or(String::new(), |a| format!("Authorization: Basic {a}\r\n"));
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{auth}\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map_or(String::new(), |(_, b)| b.to_string());
    Some((status, body))
}

/// Serves OneFlow's metrics on a free port until dropped: 100,000 requests/s with 0.01% errors
/// (a few seconds of it are traffic enough for a 99.9% objective),
/// a latency histogram with Python-client bucket labels (`le="2.0"`), and costs.
pub struct Exporter {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl Exporter {
    pub fn start() -> Exporter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let started = Instant::now();
        std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        let mut buf = [0u8; 4096];
                        let _ = stream.read(&mut buf);
                        let body = metrics(started.elapsed().as_secs_f64());
                        let _ = write!(
                            stream,
                            "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Exporter { port, stop }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn metrics(t: f64) -> String {
    // Families grouped, each with its `# TYPE`, so that the server's metadata knows them.
    let mut families: Vec<(&str, &str, String)> = vec![
        ("oneflow_requests_total", "counter", String::new()),
        ("oneflow_request_duration_seconds", "histogram", String::new()),
        ("oneflow_total_cost_credits", "counter", String::new()),
        ("oneflow_provider_health_status", "gauge", String::new()),
    ];
    for (provider, share) in [("openai", 0.6), ("anthropic", 0.4)] {
        let total = (10_000.0 + 100_000.0 * t) * share;
        let errors = (total * 0.0001).floor();
        let out = &mut families[0].2;
        out.push_str(&format!(
            "oneflow_requests_total{{status=\"success\",provider=\"{provider}\",endpoint=\"/api/v1/completion\"}} {}\n",
            total - errors
        ));
        out.push_str(&format!(
            "oneflow_requests_total{{status=\"error\",provider=\"{provider}\",endpoint=\"/api/v1/completion\"}} {errors}\n"
        ));
        let out = &mut families[1].2;
        for (le, fraction) in
            [("0.1", 0.2), ("0.5", 0.6), ("1.0", 0.9), ("2.0", 0.99), ("5.0", 1.0), ("10.0", 1.0), ("+Inf", 1.0)]
        {
            out.push_str(&format!(
                "oneflow_request_duration_seconds_bucket{{provider=\"{provider}\",le=\"{le}\"}} {}\n",
                (total * fraction).floor()
            ));
        }
        out.push_str(&format!("oneflow_request_duration_seconds_count{{provider=\"{provider}\"}} {}\n", total.floor()));
        out.push_str(&format!("oneflow_request_duration_seconds_sum{{provider=\"{provider}\"}} {}\n", total * 0.4));
        families[2].2.push_str(&format!("oneflow_total_cost_credits{{provider=\"{provider}\"}} {}\n", total * 0.2));
        families[3].2.push_str(&format!("oneflow_provider_health_status{{provider=\"{provider}\"}} 1\n"));
    }
    families.iter().map(|(name, kind, samples)| format!("# TYPE {name} {kind}\n{samples}")).collect()
}

/// An instant query's samples, (labels, value), now or at Unix time `at`; none when the
/// server does not answer 200.
pub fn instant_query(port: u16, promql: &str, at: Option<f64>) -> Vec<(serde_json::Value, f64)> {
    let encoded: String = promql.bytes().map(|b| format!("%{b:02X}")).collect();
    let time = at.map_or(String::new(), |t| format!("&time={t:.3}"));
    let Some((200, body)) = http_get(port, &format!("/api/v1/query?query={encoded}{time}"), None) else {
        return Vec::new();
    };
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    answer["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["metric"].clone(), s["value"][1].as_str().unwrap().parse().unwrap()))
        .collect()
}

/// How to start a Prometheus.
#[derive(Default)]
pub struct Setup<'a> {
    pub rule_files: Vec<PathBuf>,
    pub scrape_interval: &'a str,
    pub retention: &'a str,
    pub route_prefix: Option<&'a str>,
    /// `(user, bcrypt hash)` required by `--web.config.file`.
    pub basic_auth: Option<(&'a str, &'a str)>,
    pub exporter_port: Option<u16>,
    /// Serve HTTPS with `fixtures/tls/localhost.{crt,key}`.
    pub tls: bool,
    /// A whole configuration, replacing the one built from the fields above.
    pub config: Option<String>,
    /// A data directory of the test's (backfilled blocks), instead of an empty one.
    pub data_dir: Option<PathBuf>,
    /// `--query.lookback-delta` (Prometheus' default: 5m).
    pub lookback: Option<&'a str>,
    /// More flags (`--web.enable-remote-write-receiver`).
    pub extra_args: Vec<String>,
}

pub struct Prometheus {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
    pub url: String,
}

impl Prometheus {
    pub fn start(setup: Setup) -> Prometheus {
        super::promtool(); // asserts the prometheus package is installed
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let rule_files: Vec<String> = setup.rule_files.iter().map(|p| format!("  - {}\n", p.display())).collect();
        let mut config = format!(
            "global:\n  scrape_interval: {}\n  evaluation_interval: 1s\nrule_files:\n{}",
            if setup.scrape_interval.is_empty() { "1s" } else { setup.scrape_interval },
            rule_files.concat()
        );
        if let Some(exporter) = setup.exporter_port {
            config.push_str(&format!("scrape_configs:\n  - job_name: oneflow\n    static_configs:\n      - targets: ['127.0.0.1:{exporter}']\n"));
        }
        let config_path = dir.path().join("prometheus.yml");
        std::fs::write(&config_path, setup.config.as_deref().unwrap_or(&config)).unwrap();
        let mut cmd = Command::new("prometheus");
        cmd.arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                setup.data_dir.clone().unwrap_or_else(|| dir.path().join("data")).display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg(format!(
                "--storage.tsdb.retention.time={}",
                if setup.retention.is_empty() { "60d" } else { setup.retention }
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(lookback) = setup.lookback {
            cmd.arg(format!("--query.lookback-delta={lookback}"));
        }
        cmd.args(&setup.extra_args);
        if let Some(prefix) = setup.route_prefix {
            cmd.arg(format!("--web.route-prefix={prefix}"))
                .arg(format!("--web.external-url=http://127.0.0.1:{port}{prefix}"));
        }
        let mut web_config = String::new();
        if let Some((user, hash)) = setup.basic_auth {
            web_config.push_str(&format!("basic_auth_users:\n  {user}: '{hash}'\n"));
        }
        if setup.tls {
            let tls = super::root().join("fixtures/tls");
            web_config.push_str(&format!(
                "tls_server_config:\n  cert_file: {}\n  key_file: {}\n",
                tls.join("localhost.crt").display(),
                tls.join("localhost.key").display()
            ));
        }
        if !web_config.is_empty() {
            let web = dir.path().join("web.yml");
            std::fs::write(&web, web_config).unwrap();
            cmd.arg(format!("--web.config.file={}", web.display()));
        }
        let child = cmd.spawn().expect("prometheus starts");
        let prefix = setup.route_prefix.unwrap_or("");
        let scheme = if setup.tls { "https" } else { "http" };
        let p = Prometheus { port, child, _dir: dir, url: format!("{scheme}://127.0.0.1:{port}{prefix}") };
        if setup.tls {
            p.wait_listening();
        } else {
            p.wait_ready(prefix, setup.basic_auth.map(|_| super::BASIC_AUTH_HEADER));
        }
        p
    }

    fn wait_ready(&self, prefix: &str, auth: Option<&str>) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some((200, _)) = http_get(self.port, &format!("{prefix}/-/ready"), auth) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("prometheus on port {} was not ready within 60 s", self.port);
    }

    /// For TLS servers, which the plain-HTTP probe cannot ask: the port accepts connections.
    fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "prometheus on port {} did not listen within 60 s", self.port);
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_secs(2));
    }

    /// Waits until `query` returns a sample (whether or not every rule has run).
    pub fn wait_for_data(&self, query: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let encoded: String = query.bytes().map(|b| format!("%{b:02X}")).collect();
        while !http_get(self.port, &format!("/api/v1/query?query={encoded}"), None)
            .is_some_and(|(s, body)| s == 200 && body.contains("\"value\""))
        {
            assert!(Instant::now() < deadline, "prometheus on port {} has no `{query}` after 30 s", self.port);
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits until every rule has been evaluated, and `query` returns a sample.
    pub fn wait_for(&self, prefix: &str, auth: Option<&str>, query: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let encoded: String = query.bytes().map(|b| format!("%{b:02X}")).collect();
        while Instant::now() < deadline {
            let rules_done = http_get(self.port, &format!("{prefix}/api/v1/rules"), auth)
                .is_some_and(|(s, body)| s == 200 && !body.contains("\"health\":\"unknown\""));
            let data = http_get(self.port, &format!("{prefix}/api/v1/query?query={encoded}"), auth)
                .is_some_and(|(s, body)| s == 200 && body.contains("\"value\""));
            if rules_done && data {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("prometheus on port {} did not evaluate its rules and have `{query}` within 60 s", self.port);
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}
