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

mod range;
mod ruler;
pub use ruler::escape_path_segment;
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
    /// The bound of one call, retries and back-off included.
    pub timeout: Duration,
    /// Retries after a 5xx answer or a connection error, while time is left.
    pub retries: u32,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The largest response body read, counted after decompression.
    pub max_response_bytes: u64,
}

/// The default bound of a response body: far above any real `/api/v1/rules` (a 50,000-rule
/// server answers about 40 MB), far below what would exhaust a CI runner's memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;

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
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
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
    /// A response body over the bound.
    TooLarge { url: String, limit: u64 },
    /// A redirect to another origin, not followed with the configured credentials.
    Redirect { url: String, location: String },
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
            ClientError::TooLarge { url, limit } => write!(
                f,
                "{url} answered with more than {} MiB: refusing to read it (raise --max-response-size if this server is that large)",
                limit / (1024 * 1024)
            ),
            ClientError::Redirect { url, location } => write!(
                f,
                "{url} redirects to another origin ({location}); sloc does not send your credentials and headers there: use that URL with --prometheus if you trust it"
            ),
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
    /// `vector`, `matrix`, `scalar` or `string`.
    #[serde(rename = "resultType", default)]
    result_type: String,
    result: serde_json::Value,
}

impl QueryData {
    /// The result, when it is of the type asked for: any other is an unexpected answer, never
    /// read as no data.
    fn expect(self, url: &str, wanted: &str) -> Result<serde_json::Value, ClientError> {
        if self.result_type == wanted && self.result.is_array() {
            return Ok(self.result);
        }
        Err(unexpected(url, &self.result_type, wanted))
    }
}

/// An answer of another result type than the query asked for.
fn unexpected(url: &str, got: &str, wanted: &str) -> ClientError {
    let got = if got.is_empty() { "result without a type" } else { got };
    ClientError::Decode {
        url: url.to_string(),
        cause: format!("an unexpected answer: a {} where a {wanted} was asked for", sanitize(got, 40)),
    }
}

/// One sample of an instant vector: its labels and value.
pub type Sample = (BTreeMap<String, String>, f64);

/// One series of a range query: its labels and its (Unix seconds, value) points.
pub type Series = (BTreeMap<String, String>, Vec<(f64, f64)>);

/// An alert the server holds active.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveAlert {
    pub labels: BTreeMap<String, String>,
    /// `pending` or `firing`.
    pub state: String,
    /// RFC 3339, as the server wrote it.
    pub active_at: Option<String>,
}

/// A sample value as Prometheus writes it: a number, `NaN`, `+Inf` or `-Inf`.
fn parse_value(text: &str) -> f64 {
    match text {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        _ => text.parse().unwrap_or(f64::NAN),
    }
}

/// A blocking client for one server.
pub struct Client {
    http: reqwest::blocking::Client,
    base: String,
    config: ClientConfig,
    /// Every request made, as `GET url -> outcome`, and every redirect hop, for `--verbose`
    /// (credentials never appear: they travel in headers, and URLs are redacted).
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    /// Every configured secret, scrubbed from all text the client returns, whatever its
    /// source (a proxy may echo the request in an error body).
    secrets: Secrets,
    /// Set once a request has timed out: a server that does not answer within `timeout` is
    /// not asked again, so a command of many requests stays within about one timeout.
    timed_out: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// The secrets to scrub, longest first so that no part of one survives.
#[derive(Clone, Default)]
struct Secrets(Vec<String>);

impl Secrets {
    fn add(&mut self, secret: &str) {
        // Too short a "secret" would scrub ordinary words; such values protect nothing anyway.
        if secret.len() >= 3 && !self.0.iter().any(|s| s == secret) {
            self.0.push(secret.to_string());
            self.0.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    fn scrub(&self, text: &str) -> String {
        let mut out = scrub_authorization(&redact_urls(text));
        for secret in &self.0 {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "***");
            }
        }
        out
    }

    /// Basic auth as it travels: `user:password` in base64, which a server or proxy that
    /// echoes the request would show.
    fn add_basic(&mut self, user: &str, password: &str) {
        let encoded = base64(format!("{user}:{password}").as_bytes());
        self.add(&encoded);
        self.add(encoded.trim_end_matches('='));
    }
}

/// Standard base64 with padding (RFC 4648), as HTTP basic auth writes it.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The value of every `Authorization` or `Proxy-Authorization` header a text echoes, whatever
/// its scheme (`"authorization": "Basic …"`, `Authorization: Bearer …`), replaced by `***`.
fn scrub_authorization(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find("authorization") {
        let name_end = at + found + "authorization".len();
        // The separator: optional quote, `:` or `=`, spaces, optional quote.
        let rest = &text[name_end..];
        let separator = rest.len() - rest.trim_start_matches(['"', '\'', ' ']).len();
        let after_sep = &rest[separator..];
        let Some(after_colon) = after_sep.strip_prefix(':').or_else(|| after_sep.strip_prefix('=')) else {
            out.push_str(&text[at..name_end]);
            at = name_end;
            continue;
        };
        let value_start = text.len() - after_colon.trim_start_matches([' ', '"', '\'', '[']).len();
        let value_len =
            text[value_start..].find(['"', '\'', '\n', '\r', ',', ']', '}', '<']).unwrap_or(text.len() - value_start);
        out.push_str(&text[at..value_start]);
        if value_len > 0 {
            out.push_str("***");
        }
        at = value_start + value_len;
    }
    out.push_str(&text[at..]);
    out
}

impl Client {
    pub fn new(mut config: ClientConfig) -> Result<Client, ClientError> {
        let written = config.url.trim().to_string();
        if !written.contains("://") {
            return Err(ClientError::Config(format!(
                "invalid URL `{}`: write it as http://host:port or https://host/prefix",
                redact_userinfo(&written)
            )));
        }
        let mut parsed = reqwest::Url::parse(&written)
            .map_err(|e| ClientError::Config(format!("invalid URL `{}`: {e}", redact(&written))))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ClientError::Config(format!("invalid URL `{}`: use http:// or https://", redact(&written))));
        }
        // sloc appends the API's paths to the base URL: a query or fragment would end up before
        // them (`/prom?tenant=a/api/v1/rules`). A tenant goes in a header (`--header`).
        if parsed.query().is_some() || parsed.fragment().is_some() {
            let mut shown = parsed.clone();
            shown.set_query(None);
            shown.set_fragment(None);
            return Err(ClientError::Config(format!(
                "the URL `{}` has a query or fragment: give the base URL alone (a tenant goes in `--header X-Scope-OrgID:NAME`)",
                redact(shown.as_str())
            )));
        }
        let mut secrets = Secrets::default();
        // Credentials in the URL are basic auth, sent in a header and never shown.
        if !parsed.username().is_empty() || parsed.password().is_some() {
            let user = percent_decode(parsed.username());
            let password = percent_decode(parsed.password().unwrap_or_default());
            for raw in [parsed.password().unwrap_or_default(), password.as_str(), parsed.username(), user.as_str()] {
                secrets.add(raw);
            }
            secrets.add_basic(&user, &password);
            if config.basic_auth.is_none() {
                config.basic_auth = Some((user, Secret::new(password)));
            }
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
        }
        let base = parsed.as_str().trim_end_matches('/').to_string();
        if let Some(token) = &config.bearer_token {
            secrets.add(token.expose());
        }
        if let Some((user, password)) = &config.basic_auth {
            secrets.add(password.expose());
            secrets.add_basic(user, password.expose());
        }
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in &config.headers {
            secrets.add(value.expose());
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| ClientError::Config(format!("invalid header name `{}`", secrets.scrub(name))))?;
            let mut value = reqwest::header::HeaderValue::from_str(value.expose())
                .map_err(|_| ClientError::Config(format!("invalid value for header `{name}`")))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let hops = log.clone();
        let origin = parsed.origin();
        // Follow redirects within the server's origin only: configured headers and
        // credentials never reach another host or port.
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            let same = attempt.url().origin() == origin;
            let to = redact(attempt.url().as_str());
            if let Ok(mut log) = hops.lock() {
                log.push(format!("  redirected to {to}{}", if same { "" } else { " (another origin: not followed)" }));
            }
            if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirects")
            } else if same {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        // The process-wide crypto provider: ring (see the workspace's Cargo.toml). Installing
        // it twice is refused, harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::blocking::Client::builder()
            .user_agent(concat!("sloc/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .timeout(config.timeout)
            .redirect(redirects)
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
        Ok(Client { http, base, config, log, secrets, timed_out: Default::default() })
    }

    /// The requests made so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn record(&self, line: String) {
        if let Ok(mut log) = self.log.lock() {
            log.push(self.secrets.scrub(&line));
        }
    }

    /// The URL of an API path, for messages (never with credentials).
    pub fn url(&self, path: &str) -> String {
        redact(&format!("{}{path}", self.base))
    }

    fn get<T: for<'de> Deserialize<'de>>(&self, path: &str, query: &[(&str, String)]) -> Result<T, ClientError> {
        let (status, body) = self.fetch(path, query)?;
        decode(&self.url(path), status, &body, &self.secrets)
    }

    /// The status and body of a GET, after retries on 5xx within the deadline; 404 is
    /// [`ClientError::NotFound`].
    fn fetch(&self, path: &str, query: &[(&str, String)]) -> Result<(u16, String), ClientError> {
        match self.request(reqwest::Method::GET, path, query, None)? {
            (404, _) => Err(ClientError::NotFound { url: self.url(path) }),
            answer => Ok(answer),
        }
    }

    /// The status and body of a request, after retries on 429, 5xx and connection errors
    /// within the deadline (every method sloc sends is idempotent: GET, a ruler's POST of a
    /// whole group, DELETE). Redirects, 401 and 403 are errors; other statuses are answers.
    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<(&'static str, String)>,
    ) -> Result<(u16, String), ClientError> {
        let url = self.url(path);
        // `timeout` bounds the whole call: every attempt and back-off fits in it.
        let deadline = std::time::Instant::now() + self.config.timeout;
        let mut attempt = 0;
        let timed_out = || {
            self.timed_out.store(true, std::sync::atomic::Ordering::Relaxed);
            "the request timed out".to_string()
        };
        if self.timed_out.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(ClientError::Unreachable { url, cause: "an earlier request timed out: not asked".into() });
        }
        loop {
            let remaining = deadline.saturating_duration_since(std::time::Instant::now());
            if remaining.is_zero() {
                return Err(ClientError::Unreachable { url, cause: timed_out() });
            }
            let mut request =
                self.http.request(method.clone(), format!("{}{path}", self.base)).query(query).timeout(remaining);
            if let Some((content_type, text)) = &body {
                request = request.header(reqwest::header::CONTENT_TYPE, *content_type).body(text.clone());
            }
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
                Err(e) => self.describe(e),
            };
            self.record(format!("{method} {url} -> {outcome} ({} ms)", started.elapsed().as_millis()));
            let retry = match sent {
                Err(e) => {
                    if e.is_timeout() {
                        return Err(ClientError::Unreachable { url, cause: timed_out() });
                    }
                    if attempt >= self.config.retries {
                        return Err(ClientError::Unreachable { url, cause: self.describe(&e) });
                    }
                    true
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    match status {
                        300..=399 => {
                            let location = response
                                .headers()
                                .get(reqwest::header::LOCATION)
                                .and_then(|l| l.to_str().ok())
                                .map_or_else(|| "no Location".to_string(), |l| sanitize(&self.secrets.scrub(l), 200));
                            return Err(ClientError::Redirect { url, location });
                        }
                        401 | 403 => return Err(ClientError::Unauthorized { url, status }),
                        429 | 500..=599 if attempt < self.config.retries => true,
                        _ => return Ok((status, self.read_body(&url, response)?)),
                    }
                }
            };
            if retry {
                attempt += 1;
                let pause = Duration::from_millis(200 * 2u64.pow(attempt));
                std::thread::sleep(pause.min(deadline.saturating_duration_since(std::time::Instant::now())));
            }
        }
    }

    /// The body, decompressed, up to the bound: a larger answer is an error, never a memory
    /// exhaustion.
    fn read_body(&self, url: &str, response: reqwest::blocking::Response) -> Result<String, ClientError> {
        use std::io::Read;
        let limit = self.config.max_response_bytes;
        let mut body = Vec::new();
        response
            .take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|e| ClientError::Decode { url: url.to_string(), cause: self.secrets.scrub(&e.to_string()) })?;
        if body.len() as u64 > limit {
            return Err(ClientError::TooLarge { url: url.to_string(), limit });
        }
        String::from_utf8(body)
            .map_err(|_| ClientError::Decode { url: url.to_string(), cause: "the body is not UTF-8".into() })
    }

    /// A transport error's cause in words, without the URL (messages add it) or any secret.
    fn describe(&self, e: &reqwest::Error) -> String {
        sanitize(&self.secrets.scrub(&describe(e)), 300)
    }

    /// The loaded rule groups. Their texts come from the server and are printed: control
    /// characters are escaped and errors cut short (see [`sanitize`]).
    pub fn rules(&self) -> Result<Vec<LoadedGroup>, ClientError> {
        let mut groups = self.get::<RulesData>("/api/v1/rules", &[])?.groups;
        sanitize_groups(&mut groups, &self.secrets);
        Ok(groups)
    }

    /// Each metric's declared type (`/api/v1/metadata`): metric → `counter`, `gauge`, ...
    pub fn metadata(&self) -> Result<BTreeMap<String, String>, ClientError> {
        #[derive(Deserialize)]
        struct Entry {
            #[serde(rename = "type")]
            kind: String,
        }
        let data: BTreeMap<String, Vec<Entry>> = self.get("/api/v1/metadata", &[])?;
        Ok(data
            .into_iter()
            .filter_map(|(metric, entries)| entries.into_iter().next().map(|e| (metric, sanitize(&e.kind, 20))))
            .collect())
    }

    /// The command-line flags (`/api/v1/status/flags`).
    pub fn flags(&self) -> Result<BTreeMap<String, String>, ClientError> {
        self.get("/api/v1/status/flags", &[])
    }

    /// The server's version (`/api/v1/status/buildinfo`, `version`), as it says it.
    pub fn version(&self) -> Result<String, ClientError> {
        #[derive(Deserialize)]
        struct BuildInfo {
            version: String,
        }
        self.get::<BuildInfo>("/api/v1/status/buildinfo", &[]).map(|b| sanitize(&b.version, 40))
    }

    /// The loaded configuration, as YAML text.
    pub fn config_yaml(&self) -> Result<String, ClientError> {
        self.get::<ConfigData>("/api/v1/status/config", &[]).map(|d| d.yaml)
    }

    /// The configuration an Alertmanager runs, as it was written (`/api/v2/status`,
    /// `config.original`).
    pub fn alertmanager_config(&self) -> Result<String, ClientError> {
        #[derive(Deserialize)]
        struct Status {
            config: StatusConfig,
        }
        #[derive(Deserialize)]
        struct StatusConfig {
            original: String,
        }
        let path = "/api/v2/status";
        let url = self.url(path);
        let (status, body) = self.fetch(path, &[])?;
        if !(200..300).contains(&status) {
            let message = sanitize(&self.secrets.scrub(&body.chars().take(300).collect::<String>()), 300);
            return Err(ClientError::Server { url, status, message });
        }
        serde_json::from_str::<Status>(&body)
            .map(|s| self.secrets.scrub(&s.config.original))
            .map_err(|e| ClientError::Decode { url, cause: e.to_string() })
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
        self.query_at(promql, None)
    }

    /// An instant query at `time` (Unix seconds; the server's now when `None`). Label values
    /// come from the server and are printed: they are escaped and cut like its other texts.
    pub fn query_at(&self, promql: &str, time: Option<f64>) -> Result<Vec<Sample>, ClientError> {
        let mut query = vec![("query", promql.to_string())];
        query.extend(time.map(|t| ("time", format!("{t:.3}"))));
        let result = self.get::<QueryData>("/api/v1/query", &query)?.expect(&self.url("/api/v1/query"), "vector")?;
        let mut out = Vec::new();
        for sample in result.as_array().into_iter().flatten() {
            let value = sample["value"][1].as_str().map_or(f64::NAN, parse_value);
            out.push((self.labels(&sample["metric"]), value));
        }
        Ok(out)
    }

    /// A range query's matrix: each series' labels and its (time, value) points.
    pub fn query_range(&self, promql: &str, start: f64, end: f64, step: f64) -> Result<Vec<Series>, ClientError> {
        let query = [
            ("query", promql.to_string()),
            ("start", format!("{start:.3}")),
            ("end", format!("{end:.3}")),
            ("step", format!("{step:.3}")),
        ];
        let (status, body) = self.fetch("/api/v1/query_range", &query)?;
        let grid = range::Grid { start, end, step };
        decode_range_on(&self.url("/api/v1/query_range"), status, &body, &self.secrets, Some(grid))
    }

    /// The active alerts (`/api/v1/alerts`): pending and firing, with when each became active.
    pub fn alerts(&self) -> Result<Vec<ActiveAlert>, ClientError> {
        #[derive(Deserialize)]
        struct AlertsData {
            alerts: Vec<serde_json::Value>,
        }
        let data: AlertsData = self.get("/api/v1/alerts", &[])?;
        Ok(data
            .alerts
            .iter()
            .map(|a| ActiveAlert {
                labels: self.labels(&a["labels"]),
                state: sanitize(a["state"].as_str().unwrap_or_default(), 20),
                active_at: a["activeAt"].as_str().map(|t| sanitize(t, 40)),
            })
            .collect())
    }

    fn labels(&self, metric: &serde_json::Value) -> BTreeMap<String, String> {
        labels(metric, &self.secrets)
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

/// A series' labels from a server, made safe to print.
fn labels(metric: &serde_json::Value, secrets: &Secrets) -> BTreeMap<String, String> {
    safe_labels(serde_json::from_value(metric.clone()).unwrap_or_default(), secrets)
}

fn safe_labels(labels: BTreeMap<String, String>, secrets: &Secrets) -> BTreeMap<String, String> {
    labels.into_iter().map(|(k, v)| (sanitize(&k, 200), sanitize(&secrets.scrub(&v), 200))).collect()
}

/// A range answer, its result left unread until its type is known.
#[derive(Deserialize)]
struct RangeData<'a> {
    #[serde(rename = "resultType", default)]
    result_type: String,
    #[serde(borrow)]
    result: &'a serde_json::value::RawValue,
}

/// A range answer's series, only the points of `grid` kept (every point without one), labels
/// made safe to print.
fn decode_range_on(
    url: &str,
    status: u16,
    body: &str,
    secrets: &Secrets,
    grid: Option<range::Grid>,
) -> Result<Vec<Series>, ClientError> {
    use serde::de::DeserializeSeed;
    let data: RangeData<'_> = decode(url, status, body, secrets)?;
    if data.result_type != "matrix" {
        return Err(unexpected(url, &data.result_type, "matrix"));
    }
    let mut reader = serde_json::Deserializer::from_str(data.result.get());
    let series = range::SeriesList(grid)
        .deserialize(&mut reader)
        .map_err(|e| ClientError::Decode { url: url.to_string(), cause: e.to_string() })?;
    Ok(series.into_iter().map(|(names, points)| (safe_labels(names, secrets), points)).collect())
}

/// Decodes an answer of the range-query endpoint as [`Client::query_range`] does once it has
/// read it (without a grid: every point), for the fuzz target of untrusted responses.
pub fn decode_range(status: u16, body: &str) -> Result<Vec<Series>, ClientError> {
    decode_range_on("http://fuzz/api/v1/query_range", status, body, &Secrets::default(), None)
}

/// Decodes an answer of the rules endpoint as [`Client::rules`] does once it has read it, for
/// the fuzz target of untrusted responses.
pub fn decode_rules(status: u16, body: &str) -> Result<Vec<LoadedGroup>, ClientError> {
    let mut groups = decode::<RulesData>("http://fuzz/api/v1/rules", status, body, &Secrets::default())?.groups;
    sanitize_groups(&mut groups, &Secrets::default());
    Ok(groups)
}

fn decode<'a, T: Deserialize<'a>>(url: &str, status: u16, body: &'a str, secrets: &Secrets) -> Result<T, ClientError> {
    // Scrub a bounded prefix (a body may be huge), long enough that no secret is cut in two.
    let shown = |text: &str| {
        let longest = secrets.0.first().map_or(0, String::len);
        let prefix: String = text.chars().take(300 + longest).collect();
        let cut = if prefix.len() < text.len() { "…" } else { "" };
        sanitize(&format!("{}{cut}", secrets.scrub(&prefix)), 300)
    };
    let envelope: Envelope<T> = serde_json::from_str(body).map_err(|e| {
        if (200..300).contains(&status) {
            ClientError::Decode { url: url.to_string(), cause: e.to_string() }
        } else {
            ClientError::Server { url: url.to_string(), status, message: shown(body) }
        }
    })?;
    match (envelope.status.as_str(), envelope.data) {
        ("success", Some(data)) => Ok(data),
        _ => Err(ClientError::Server { url: url.to_string(), status, message: shown(&envelope.error) }),
    }
}

fn sanitize_groups(groups: &mut [LoadedGroup], secrets: &Secrets) {
    for g in groups {
        g.name = sanitize(&g.name, 500);
        g.file = sanitize(&g.file, 500);
        for r in &mut g.rules {
            r.name = sanitize(&r.name, 500);
            r.last_error = sanitize(&secrets.scrub(&r.last_error), 500);
            r.health = sanitize(&r.health, 20);
            r.query = sanitize_multiline(&r.query);
            for map in [&mut r.labels, &mut r.annotations] {
                *map =
                    std::mem::take(map).into_iter().map(|(k, v)| (sanitize(&k, 200), sanitize_multiline(&v))).collect();
            }
        }
    }
}

/// Server text made safe to print: control characters (ANSI escapes, newlines that would
/// start a `::error` line in a CI log) escaped, and cut to `max` characters.
pub fn sanitize(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max) + 16);
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push_str(&format!("… ({} more characters)", text.chars().count() - max));
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Like [`sanitize`] for multi-line texts (expressions, annotations): newlines and tabs kept,
/// no cut.
fn sanitize_multiline(text: &str) -> String {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return text.to_string();
    }
    text.chars()
        .map(|c| if c.is_control() && c != '\n' && c != '\t' { c.escape_default().to_string() } else { c.to_string() })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b)))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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

/// Removes the credentials (`user:password@`) from a URL, however it is written: parsed as a
/// URL where it is one, else everything between the scheme and the last `@` before the path.
pub fn redact(url: &str) -> String {
    if let Ok(mut parsed) = reqwest::Url::parse(url)
        && (!parsed.username().is_empty() || parsed.password().is_some())
    {
        let _ = parsed.set_username("***");
        let _ = parsed.set_password(None);
        return parsed.to_string().trim_end_matches('/').to_string() + if url.ends_with('/') { "/" } else { "" };
    }
    redact_urls(url)
}

/// A URL written without `://`, where the credentials cannot be told apart from the rest:
/// everything before its last `@` hidden.
fn redact_userinfo(written: &str) -> String {
    match written.rfind('@') {
        Some(at) => format!("***{}", &written[at..]),
        None => written.to_string(),
    }
}

/// [`redact`] for every URL-like word of a text.
fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme) = rest.find(":/") {
        let after = scheme + rest[scheme..].find(|c: char| c != ':' && c != '/').unwrap_or(rest.len() - scheme);
        let end = rest[after..].find(char::is_whitespace).map_or(rest.len(), |i| after + i);
        out.push_str(&rest[..after]);
        // The authority ends at the first `/` after the last `@`; credentials may hold `/`.
        match rest[after..end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&rest[after + at..end]);
            }
            None => out.push_str(&rest[after..end]),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_is_encoded_as_http_sends_it_and_authorization_values_are_scrubbed() {
        assert_eq!(base64(b"admin:password"), "YWRtaW46cGFzc3dvcmQ=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(
            scrub_authorization(r#"{"authorization": "Basic YWRt", "x": 1}"#),
            r#"{"authorization": "***", "x": 1}"#
        );
        assert_eq!(
            scrub_authorization("Proxy-Authorization: Bearer abc\nHost: h"),
            "Proxy-Authorization: ***\nHost: h"
        );
        assert_eq!(scrub_authorization("no authorization here"), "no authorization here");
        assert_eq!(redact_userinfo("admin:pw@host:9090/x"), "***@host:9090/x");
        assert_eq!(redact_userinfo("host:9090"), "host:9090");
    }

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
        assert_eq!(client.url("/api/v1/rules"), "http://localhost:1/api/v1/rules", "credentials leave the URL");
        assert_eq!(client.secrets.scrub("echo: Bearer token-value, tenant-value"), "echo: Bearer ***, ***");
    }

    #[test]
    fn every_way_of_writing_credentials_is_redacted() {
        for (url, secret) in [
            ("http://u:pa@ss-SECRET@host:9090/x", "ss-SECRET"),
            ("http://admin:ab/cd+SECRET@host", "SECRET"),
            ("http:/user:SECRET@host", "SECRET"),
            ("https://user:SECRET@mimir.example.com/prometheus", "SECRET"),
        ] {
            let shown = redact(url);
            assert!(!shown.contains(secret), "{url} -> {shown}");
            let in_text = redact_urls(&format!("cannot reach {url}: refused"));
            assert!(!in_text.contains(secret), "{url} -> {in_text}");
        }
        // A URL without `//` is refused, and the refusal does not show the password.
        let e = Client::new(ClientConfig::new("http:/user:SECRET@host")).err().unwrap().to_string();
        assert!(e.contains("write it as http://") && !e.contains("SECRET"), "{e}");
        // Credentials in a URL become basic auth.
        let client = Client::new(ClientConfig::new("http://u:p%40ss-SECRET@host:9090")).unwrap();
        assert_eq!(
            client.config.basic_auth.as_ref().map(|(u, p)| (u.as_str(), p.expose())),
            Some(("u", "p@ss-SECRET"))
        );
        assert_eq!(client.base, "http://host:9090");
    }

    #[test]
    fn server_text_is_made_safe_to_print() {
        assert_eq!(sanitize("a\u{1b}[31mred\n::error file=x::boom", 100), "a\\u{1b}[31mred\\n::error file=x::boom");
        assert_eq!(sanitize(&"x".repeat(10), 4), "xxxx… (6 more characters)");
        assert_eq!(sanitize_multiline("sum(x)\n  / 2\u{7}"), "sum(x)\n  / 2\\u{7}");
    }

    #[test]
    fn refuses_bad_urls() {
        assert!(matches!(Client::new(ClientConfig::new("ftp://x")), Err(ClientError::Config(_))));
        assert!(matches!(Client::new(ClientConfig::new("not a url")), Err(ClientError::Config(_))));
    }
}
