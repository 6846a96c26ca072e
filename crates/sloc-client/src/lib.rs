//! The Prometheus HTTP API client: the only crate of sloc that touches the network.
//!
//! It speaks the read API that Prometheus serves, and that Mimir, Cortex and Thanos rulers
//! serve under a path prefix (`https://mimir.example.com/prometheus`) with a tenant header.
//! Requests are bounded in time, retried with back-off on 5xx and connection errors, and a
//! few run at once. Secrets never appear in errors or `Debug` output.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;
pub use sloc_rulefile::{LoadedGroup, LoadedRule};

/// A value that must never be printed: a token or a password.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How to reach and authenticate to the server.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL, with a path prefix when the API is served under one.
    pub url: String,
    /// Extra headers, such as `X-Scope-OrgID: team`. Values are treated as secrets.
    pub headers: Vec<(String, Secret)>,
    pub bearer_token: Option<Secret>,
    pub basic_auth: Option<(String, Secret)>,
    /// PEM certificates to trust, besides the system's.
    pub ca_certificate: Option<Vec<u8>>,
    /// Skip TLS certificate verification.
    pub insecure: bool,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries after a 5xx answer or a connection error.
    pub retries: u32,
    /// Requests in flight at once.
    pub concurrency: usize,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("url", &redact(&self.url))
            .field("headers", &self.headers.iter().map(|(name, _)| name).collect::<Vec<_>>())
            .field("bearer_token", &self.bearer_token)
            .field("basic_auth", &self.basic_auth.as_ref().map(|(user, _)| user))
            .field("insecure", &self.insecure)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            headers: Vec::new(),
            bearer_token: None,
            basic_auth: None,
            ca_certificate: None,
            insecure: false,
            timeout: Duration::from_secs(30),
            retries: 2,
            concurrency: 4,
        }
    }
}

/// Why a request failed. The messages name the URL (without credentials) and the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// Bad configuration (URL, header, certificate).
    Config(String),
    /// No answer: connection refused, DNS, timeout, TLS.
    Unreachable { url: String, cause: String },
    /// The server answered 401 or 403.
    Unauthorized { url: String, status: u16 },
    /// The endpoint does not exist here (404): some rulers serve only part of the API.
    NotFound { url: String },
    /// Any other HTTP or API error.
    Server { url: String, status: u16, message: String },
    /// An answer that is not the API's JSON.
    Decode { url: String, cause: String },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Config(m) => write!(f, "{m}"),
            ClientError::Unreachable { url, cause } => write!(f, "cannot reach {url}: {cause}"),
            ClientError::Unauthorized { url, status } => {
                write!(
                    f,
                    "{url} refused the credentials (HTTP {status}): check --bearer-token-file, --basic-auth or --header"
                )
            }
            ClientError::NotFound { url } => write!(f, "{url} does not exist on this server (HTTP 404)"),
            ClientError::Server { url, status, message } => write!(f, "{url} answered HTTP {status}: {message}"),
            ClientError::Decode { url, cause } => {
                write!(f, "{url} did not answer with the Prometheus API's JSON: {cause}")
            }
        }
    }
}

impl std::error::Error for ClientError {}

#[derive(Deserialize)]
struct Envelope<T> {
    status: String,
    data: Option<T>,
    #[serde(default)]
    error: String,
}

#[derive(Deserialize)]
struct RulesData {
    groups: Vec<LoadedGroup>,
}

#[derive(Deserialize)]
struct ConfigData {
    yaml: String,
}

#[derive(Deserialize)]
struct QueryData {
    result: serde_json::Value,
}

/// One sample of an instant vector: its labels and value.
pub type Sample = (BTreeMap<String, String>, f64);

/// A blocking client for one server.
pub struct Client {
    http: reqwest::blocking::Client,
    base: String,
    config: ClientConfig,
    /// Every request made, as `GET url -> outcome`, for `--verbose` (credentials never
    /// appear: they travel in headers, and URLs are redacted).
    log: std::sync::Mutex<Vec<String>>,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        let base = config.url.trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| ClientError::Config(format!("invalid URL `{}`: {e}", redact(&base))))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ClientError::Config(format!("invalid URL `{}`: use http:// or https://", redact(&base))));
        }
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in &config.headers {
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| ClientError::Config(format!("invalid header name `{name}`")))?;
            let mut value = reqwest::header::HeaderValue::from_str(value.expose())
                .map_err(|_| ClientError::Config(format!("invalid value for header `{name}`")))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let mut builder = reqwest::blocking::Client::builder()
            .user_agent(concat!("sloc/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .timeout(config.timeout)
            .default_headers(headers)
            .danger_accept_invalid_certs(config.insecure);
        if let Some(pem) = &config.ca_certificate {
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::Config(format!("invalid CA certificate: {e}")))?;
            for c in certificates {
                builder = builder.add_root_certificate(c);
            }
        }
        let http = builder.build().map_err(|e| ClientError::Config(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Client { http, base, config, log: std::sync::Mutex::new(Vec::new()) })
    }

    /// The requests made so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn record(&self, line: String) {
        if let Ok(mut log) = self.log.lock() {
            log.push(line);
        }
    }

    /// The URL of an API path, for messages (never with credentials).
    pub fn url(&self, path: &str) -> String {
        redact(&format!("{}{path}", self.base))
    }

    fn get<T: for<'de> Deserialize<'de>>(&self, path: &str, query: &[(&str, String)]) -> Result<T, ClientError> {
        let url = self.url(path);
        let mut attempt = 0;
        loop {
            let mut request = self.http.get(format!("{}{path}", self.base)).query(query);
            if let Some(token) = &self.config.bearer_token {
                request = request.bearer_auth(token.expose());
            }
            if let Some((user, password)) = &self.config.basic_auth {
                request = request.basic_auth(user, Some(password.expose()));
            }
            let started = std::time::Instant::now();
            let sent = request.send();
            let outcome = match &sent {
                Ok(r) => format!("HTTP {}", r.status().as_u16()),
                Err(e) => describe(e),
            };
            self.record(format!("GET {url} -> {outcome} ({} ms)", started.elapsed().as_millis()));
            let retry = match sent {
                Err(e) => {
                    let cause = describe(&e);
                    if attempt >= self.config.retries {
                        return Err(ClientError::Unreachable { url, cause });
                    }
                    true
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    match status {
                        401 | 403 => return Err(ClientError::Unauthorized { url, status }),
                        404 => return Err(ClientError::NotFound { url }),
                        500..=599 if attempt < self.config.retries => true,
                        _ => {
                            let body = response
                                .text()
                                .map_err(|e| ClientError::Decode { url: url.clone(), cause: describe(&e) })?;
                            return decode(&url, status, &body);
                        }
                    }
                }
            };
            if retry {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(200 * 2u64.pow(attempt)));
            }
        }
    }

    /// The loaded rule groups.
    pub fn rules(&self) -> Result<Vec<LoadedGroup>, ClientError> {
        self.get::<RulesData>("/api/v1/rules", &[]).map(|d| d.groups)
    }

    /// The command-line flags (`/api/v1/status/flags`).
    pub fn flags(&self) -> Result<BTreeMap<String, String>, ClientError> {
        self.get("/api/v1/status/flags", &[])
    }

    /// The loaded configuration, as YAML text.
    pub fn config_yaml(&self) -> Result<String, ClientError> {
        self.get::<ConfigData>("/api/v1/status/config", &[]).map(|d| d.yaml)
    }

    /// How many series match `selector` between `start` and `end` (Unix seconds).
    pub fn series_count(&self, selector: &str, start: i64, end: i64) -> Result<usize, ClientError> {
        let query = [("match[]", selector.to_string()), ("start", start.to_string()), ("end", end.to_string())];
        self.get::<Vec<serde_json::Value>>("/api/v1/series", &query).map(|s| s.len())
    }

    /// The values of `label` on series matching `selector`.
    pub fn label_values(&self, label: &str, selector: &str, start: i64, end: i64) -> Result<Vec<String>, ClientError> {
        let query = [("match[]", selector.to_string()), ("start", start.to_string()), ("end", end.to_string())];
        self.get(&format!("/api/v1/label/{label}/values"), &query)
    }

    /// An instant query's vector result as (labels, value).
    pub fn query(&self, promql: &str) -> Result<Vec<Sample>, ClientError> {
        let data: QueryData = self.get("/api/v1/query", &[("query", promql.to_string())])?;
        let mut out = Vec::new();
        for sample in data.result.as_array().into_iter().flatten() {
            let labels: BTreeMap<String, String> = serde_json::from_value(sample["metric"].clone()).unwrap_or_default();
            let value = sample["value"][1].as_str().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
            out.push((labels, value));
        }
        Ok(out)
    }

    /// Runs `requests` with at most `concurrency` in flight, keeping the order.
    pub fn run_all<T: Send, R: Send>(&self, requests: Vec<T>, f: impl Fn(&Client, T) -> R + Sync) -> Vec<R> {
        let workers = self.config.concurrency.max(1);
        let queue = std::sync::Mutex::new(requests.into_iter().enumerate().collect::<Vec<_>>().into_iter());
        let results = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                        let Some((i, request)) = next else { break };
                        let result = f(self, request);
                        if let Ok(mut r) = results.lock() {
                            r.push((i, result));
                        }
                    }
                });
            }
        });
        let mut results = results.into_inner().unwrap_or_default();
        results.sort_by_key(|(i, _)| *i);
        results.into_iter().map(|(_, r)| r).collect()
    }
}

fn decode<T: for<'de> Deserialize<'de>>(url: &str, status: u16, body: &str) -> Result<T, ClientError> {
    let envelope: Envelope<T> = serde_json::from_str(body).map_err(|e| {
        if (200..300).contains(&status) {
            ClientError::Decode { url: url.to_string(), cause: e.to_string() }
        } else {
            ClientError::Server { url: url.to_string(), status, message: body.chars().take(200).collect() }
        }
    })?;
    match (envelope.status.as_str(), envelope.data) {
        ("success", Some(data)) => Ok(data),
        _ => Err(ClientError::Server { url: url.to_string(), status, message: envelope.error }),
    }
}

/// The cause of a transport error in words, without the URL (messages add it).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "the request timed out".to_string();
    }
    let mut cause = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() { e.to_string() } else { cause }
}

/// Removes `user:password@` from a URL.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme && !url[scheme + 3..at].contains('/') => {
            format!("{}***@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_hidden() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
        assert_eq!(
            redact("https://user:pass@mimir.example.com/prometheus"),
            "https://***@mimir.example.com/prometheus"
        );
        assert_eq!(redact("http://localhost:9090"), "http://localhost:9090");
        let mut config = ClientConfig::new("http://user:url-password@localhost:1");
        config.bearer_token = Some(Secret::new("token-value"));
        config.basic_auth = Some(("user".into(), Secret::new("basic-password")));
        config.headers.push(("X-Scope-OrgID".into(), Secret::new("tenant-value")));
        let shown = format!("{config:?}");
        for secret in ["url-password", "token-value", "basic-password", "tenant-value"] {
            assert!(!shown.contains(secret), "{secret} leaks in {shown}");
        }
        let client = Client::new(config).unwrap();
        assert_eq!(client.url("/api/v1/rules"), "http://***@localhost:1/api/v1/rules");
    }

    #[test]
    fn refuses_bad_urls() {
        assert!(matches!(Client::new(ClientConfig::new("ftp://x")), Err(ClientError::Config(_))));
        assert!(matches!(Client::new(ClientConfig::new("not a url")), Err(ClientError::Config(_))));
    }
}
