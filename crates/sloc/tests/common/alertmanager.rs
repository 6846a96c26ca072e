//! A real Alertmanager for tests (Debian's `prometheus-alertmanager`) on a free loopback port,
//! gossip off, its own storage, stopped when dropped; and a webhook receiver that records what
//! reaches it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::prometheus::{free_port, http_get};

pub struct Alertmanager {
    pub port: u16,
    pub url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

/// The binary, asserting the package is installed (tests fail, never skip, without it).
pub fn binary() -> &'static str {
    let found = Command::new("prometheus-alertmanager").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        found,
        "prometheus-alertmanager is not on the PATH: install Debian's `prometheus-alertmanager` (cargo xtask ci does)"
    );
    "prometheus-alertmanager"
}

impl Alertmanager {
    pub fn start(config: &str) -> Alertmanager {
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("alertmanager.yml");
        std::fs::write(&config_path, config).unwrap();
        let port = free_port();
        let child = Command::new(binary())
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!("--storage.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // Empty: no gossip port, nothing bound beyond loopback.
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("alertmanager starts");
        let am = Alertmanager { port, url: format!("http://127.0.0.1:{port}"), child, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !matches!(http_get(port, "/-/ready", None), Some((200, _))) {
            assert!(Instant::now() < deadline, "alertmanager on port {port} was not ready within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        am
    }

    /// The alerts it holds, as JSON (`/api/v2/alerts`, inhibited and silenced ones included).
    pub fn alerts(&self) -> serde_json::Value {
        let (status, body) = http_get(self.port, "/api/v2/alerts", None).expect("alertmanager answers");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("alerts are JSON")
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Records every POST it receives: (path, body).
pub struct Webhook {
    pub port: u16,
    pub received: Arc<Mutex<Vec<(String, String)>>>,
    stop: Arc<AtomicBool>,
}

impl Webhook {
    pub fn start() -> Webhook {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, stopped) = (received.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line);
                let path = request_line.split_whitespace().nth(1).unwrap_or_default().to_string();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                log.lock().unwrap().push((path, String::from_utf8_lossy(&body).into_owned()));
                let _ =
                    reader.get_mut().write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        });
        Webhook { port, received, stop }
    }

    pub fn received(&self) -> Vec<(String, String)> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
