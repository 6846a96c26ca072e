//! `sloc check`: the files against a live Prometheus, or a Mimir, Cortex or Thanos ruler, and
//! the specs' alerts against an Alertmanager's routes and inhibitions (live or a file).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use sloc_client::{Client, ClientConfig, Secret};
use sloc_pipeline::check::Servers;

use crate::files::{io_reason, read_or_report};
use crate::{Format, Output, exit, report};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The server's URL, with the API's path prefix if any
    /// (`http://localhost:9090`, `https://mimir.example.com/prometheus`).
    #[arg(long, value_name = "URL", required_unless_present_any = ["alertmanager", "alertmanager_config"])]
    prometheus: Option<String>,
    /// An Alertmanager whose running configuration must route and inhibit the specs' alerts
    /// (read from `/api/v2/status`; the connection options apply to it too).
    #[arg(long, value_name = "URL")]
    alertmanager: Option<String>,
    /// An `alertmanager.yml` that must route and inhibit the specs' alerts.
    #[arg(long, value_name = "FILE")]
    alertmanager_config: Option<PathBuf>,
    /// SLO specs and rule files to compare with what the server runs.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// An HTTP header for every request, such as `X-Scope-OrgID: team` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// A file holding a bearer token.
    #[arg(long, value_name = "FILE", conflicts_with = "bearer_token_env")]
    bearer_token_file: Option<PathBuf>,
    /// An environment variable holding a bearer token.
    #[arg(long, value_name = "VAR")]
    bearer_token_env: Option<String>,
    /// Basic-auth user; the password comes from --password-file or $SLOC_PASSWORD.
    #[arg(long, value_name = "USER")]
    basic_auth: Option<String>,
    /// A file holding the basic-auth password.
    #[arg(long, value_name = "FILE", requires = "basic_auth")]
    password_file: Option<PathBuf>,
    /// PEM certificates of the CAs to trust, besides the system's.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Do not verify the server's TLS certificate.
    #[arg(long)]
    insecure: bool,
    /// The bound of each call to the server, retries included.
    #[arg(long, default_value = "30s", value_parser = parse_timeout)]
    timeout: Duration,
    /// The largest answer read from the server, in MiB, counted after decompression.
    #[arg(long, value_name = "MIB", default_value_t = sloc_client::DEFAULT_MAX_RESPONSE_BYTES / (1024 * 1024))]
    max_response_size: u64,
    /// Report an unreachable or refusing server as a warning and exit 0.
    #[arg(long)]
    allow_unreachable: bool,
    /// Print every request made (never credentials).
    #[arg(long, short)]
    verbose: bool,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = crate::lint::FailOn::Error)]
    fail_on: crate::lint::FailOn,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let d = sloc_promql::parse_duration(text)?;
    if d.is_zero() {
        return Err("the timeout must be longer than 0".into());
    }
    Ok(Duration::from_millis(d.millis()))
}

pub fn run(args: &CheckArgs, out: &mut Output) -> u8 {
    let mut reports = Vec::new();
    let mut files = Vec::new();
    for path in &args.files {
        match read_or_report(path, &mut reports) {
            Ok(file) => files.extend(file),
            Err(message) => {
                out.error(message);
                return exit::USAGE;
            }
        }
    }
    let alertmanager_config = match args.alertmanager_config.as_ref().map(|p| read_or_report(p, &mut reports)) {
        Some(Ok(file)) => file,
        None => None,
        Some(Err(message)) => {
            out.error(message);
            return exit::USAGE;
        }
    };
    let client = |url: &Option<String>| -> Result<Option<Client>, String> {
        url.as_ref().map(|u| client_config(args, u).and_then(|c| Client::new(c).map_err(|e| e.to_string()))).transpose()
    };
    let (prometheus, alertmanager) = match (client(&args.prometheus), client(&args.alertmanager)) {
        (Ok(p), Ok(a)) => (p, a),
        (Err(message), _) | (_, Err(message)) => {
            out.error(message);
            return exit::USAGE;
        }
    };
    let servers = Servers { prometheus: prometheus.as_ref(), alertmanager: alertmanager.as_ref(), alertmanager_config };
    let checked = sloc_pipeline::check::run(files, reports, servers);
    if args.verbose {
        for line in prometheus.iter().chain(&alertmanager).flat_map(Client::log) {
            out.stderr.push_str(&format!("sloc: {line}\n"));
        }
    }
    for e in &checked.unreachable {
        if !args.allow_unreachable {
            out.error(e);
            return exit::USAGE;
        }
        let code = &sloc_live::prometheus::unreachable::CODE;
        out.stderr.push_str(&format!("warning[{}]: {e}; nothing was compared (--allow-unreachable)\n", code.code));
    }
    report::print(out, &checked.reports, args.format, false);
    if report::fails(&checked.reports, args.fail_on.severity()) { exit::FINDINGS } else { exit::OK }
}

fn client_config(args: &CheckArgs, url: &str) -> Result<ClientConfig, String> {
    let mut config = ClientConfig::new(url.to_string());
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            // Never echo the argument: it may be a token written without its colon.
            return Err("--header: expected `Name: value`, with a colon after the name (the value is not shown)".into());
        };
        config.headers.push((name.trim().to_string(), Secret::new(value.trim())));
    }
    let read_secret = |path: &PathBuf, what: &str| -> Result<Secret, String> {
        std::fs::read_to_string(path)
            .map(|t| Secret::new(t.trim()))
            .map_err(|e| format!("cannot read the {what} file {}: {}", crate::shown(path), io_reason(&e)))
    };
    if let Some(path) = &args.bearer_token_file {
        config.bearer_token = Some(read_secret(path, "bearer token")?);
    }
    if let Some(var) = &args.bearer_token_env {
        let value = std::env::var(var).map_err(|_| format!("--bearer-token-env: ${var} is not set"))?;
        config.bearer_token = Some(Secret::new(value.trim()));
    }
    if let Some(user) = &args.basic_auth {
        let password = match &args.password_file {
            Some(path) => read_secret(path, "password")?,
            None => Secret::new(
                std::env::var("SLOC_PASSWORD")
                    .map_err(|_| "--basic-auth needs --password-file or $SLOC_PASSWORD".to_string())?,
            ),
        };
        config.basic_auth = Some((user.clone(), password));
    }
    if let Some(path) = &args.ca_file {
        config.ca_certificate =
            Some(std::fs::read(path).map_err(|e| format!("cannot read {}: {}", crate::shown(path), io_reason(&e)))?);
    }
    config.insecure = args.insecure;
    config.timeout = args.timeout;
    config.max_response_bytes = args.max_response_size.saturating_mul(1024 * 1024);
    Ok(config)
}
