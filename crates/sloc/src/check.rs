//! `sloc check`: the files against a live Prometheus, or a Mimir, Cortex or Thanos ruler, and
//! the specs' alerts against an Alertmanager's routes and inhibitions (live or a file).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use sloc_client::{Client, ClientConfig, ClientError, Secret};
use sloc_diagnostics::{Diagnostic, FileReport, Severity};
use sloc_live::prometheus::{ExpectedGroup, LiveFile, Snapshot};

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
    let (files, mut reports) = match read_files(&args.files) {
        Ok(read) => read,
        Err(message) => {
            out.error(message);
            return exit::USAGE;
        }
    };
    let servers = [(&args.prometheus, Server::Prometheus), (&args.alertmanager, Server::Alertmanager)];
    for (url, server) in servers.into_iter().filter_map(|(url, s)| url.as_ref().map(|u| (u, s))) {
        let client = match client_config(args, url).and_then(|c| Client::new(c).map_err(|e| e.to_string())) {
            Ok(c) => c,
            Err(message) => {
                out.error(message);
                return exit::USAGE;
            }
        };
        let found = match server {
            Server::Prometheus => {
                fetch(&client, &files).map(|snapshot| sloc_live::prometheus::check(&files, &snapshot))
            }
            Server::Alertmanager => client.alertmanager_config().map(|text| {
                let name = format!("{} (running configuration)", client.url(""));
                vec![alertmanager_report(sloc_diagnostics::SourceFile::new(name, text), &files)]
            }),
        };
        if args.verbose {
            for line in client.log() {
                out.stderr.push_str(&format!("sloc: {line}\n"));
            }
        }
        match found {
            Ok(found) => reports.extend(found),
            Err(e) if args.allow_unreachable => {
                let code = &sloc_live::prometheus::unreachable::CODE;
                out.stderr
                    .push_str(&format!("warning[{}]: {e}; nothing was compared (--allow-unreachable)\n", code.code));
            }
            Err(e) => {
                out.error(e);
                return exit::USAGE;
            }
        }
    }
    if let Some(path) = &args.alertmanager_config {
        match read_or_report(path, &mut reports) {
            Ok(Some(file)) => reports.push(alertmanager_report(file, &files)),
            Ok(None) => {}
            Err(message) => {
                out.error(message);
                return exit::USAGE;
            }
        }
    }
    merge_by_file(&mut reports);
    report::print(out, &reports, args.format, false);
    if report::fails(&reports, args.fail_on.severity()) { exit::FINDINGS } else { exit::OK }
}

#[derive(Clone, Copy)]
enum Server {
    Prometheus,
    Alertmanager,
}

/// The specs' alerts through an Alertmanager configuration, located in its text.
fn alertmanager_report(file: sloc_diagnostics::SourceFile, files: &[LiveFile]) -> FileReport {
    let plans: Vec<sloc_plan::Plan<'_>> = files.iter().filter_map(|f| f.spec.as_ref()).map(sloc_plan::plan).collect();
    let diagnostics = match sloc_alertmanager::read_config(&file.text) {
        Ok(config) => sloc_live::alertmanager::check(&config, &plans),
        Err(problems) => problems,
    };
    FileReport::new(file, diagnostics)
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

/// Reads the files into what the live checks compare, and their own problems.
fn read_files(paths: &[PathBuf]) -> Result<(Vec<LiveFile>, Vec<FileReport>), String> {
    let mut files = Vec::new();
    let mut reports = Vec::new();
    for path in paths {
        let Some(file) = read_or_report(path, &mut reports)? else { continue };
        // The file's own problems, as `sloc lint` reports them (errors only: advice is lint's).
        let own = sloc_lint::lint(std::slice::from_ref(&file), &sloc_lint::Config::default()).reports.remove(0);
        let errors: Vec<Diagnostic> = own.diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect();
        let docs = sloc_yaml::parse_documents(&file.text).unwrap_or_default();
        let live = if docs.first().is_some_and(sloc_spec::is_spec) {
            let (spec, _) = sloc_spec::parse_spec(&file.text);
            let groups = match spec.as_ref().filter(|_| errors.is_empty()) {
                Some(spec) => sloc_plan::plan(spec)
                    .objectives
                    .iter()
                    .map(|o| {
                        sloc_compiler::compile_objective(o)
                            .map(|g| ExpectedGroup::from_generated(&g, o.slo.name.span.clone()))
                    })
                    .collect::<Result<_, _>>()
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            LiveFile { file: file.clone(), groups, spec }
        } else {
            let (groups, _) = sloc_rulefile::read_rule_documents(&file.text, &docs);
            LiveFile { file: file.clone(), groups: groups.iter().map(ExpectedGroup::from_parsed).collect(), spec: None }
        };
        reports.push(FileReport::new(file, errors));
        files.push(live);
    }
    Ok((files, reports))
}

/// Asks the server what the checks need. The rules are required; the status endpoints are
/// optional (Mimir and Cortex do not serve them).
fn fetch(client: &Client, files: &[LiveFile]) -> Result<Snapshot, ClientError> {
    let mut snapshot = Snapshot { groups: client.rules()?, ..Snapshot::default() };
    if let Some(flags) = optional(client.flags())? {
        snapshot.retention = retention(&flags);
    }
    if let Some(yaml) = optional(client.config_yaml())? {
        snapshot.scrape_interval = Some(scrape_interval(&yaml));
    }
    let plan = sloc_live::prometheus::requests(files);
    if plan.metadata
        && let Some(metadata) = optional(client.metadata())?
    {
        snapshot.metadata = metadata.into_iter().collect();
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let hour_ago = now - 3600;
    // Data endpoints are optional too: a ruler that does not serve them skips those checks.
    let counts =
        client.run_all(plan.selectors.clone(), |c, s| optional(c.series_count(&s, hour_ago, now)).map(|n| (s, n)));
    for result in counts {
        if let (selector, Some(n)) = result? {
            snapshot.series.insert(selector, n);
        }
    }
    let buckets = client.run_all(plan.bucket_selectors.clone(), |c, s| {
        optional(c.label_values("le", &s, hour_ago, now)).map(|v| (s, v))
    });
    for result in buckets {
        if let (selector, Some(values)) = result? {
            snapshot.buckets.insert(selector, values);
        }
    }
    let traffic = client.run_all(plan.traffic_queries.clone(), |c, q| optional(c.query(&q)).map(|r| (q, r)));
    for result in traffic {
        if let (query, Some(samples)) = result?
            && let Some((_, value)) = samples.first()
        {
            snapshot.traffic.insert(query, *value);
        }
    }
    Ok(snapshot)
}

/// An answer some servers do not give: a 404 means "skip the checks that need it".
fn optional<T>(result: Result<T, ClientError>) -> Result<Option<T>, ClientError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(ClientError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The retention from the flags; Prometheus keeps 15d when neither time nor size is set.
fn retention(flags: &std::collections::BTreeMap<String, String>) -> Option<sloc_promql::Duration> {
    let time = flags.get("storage.tsdb.retention.time").and_then(|t| sloc_promql::parse_duration(t).ok())?;
    if !time.is_zero() {
        return Some(time);
    }
    let size_set = flags.get("storage.tsdb.retention.size").is_some_and(|s| !s.is_empty() && s != "0B" && s != "0");
    (!size_set).then_some(sloc_promql::Duration::from_secs(15 * 86_400))
}

/// `global.scrape_interval` of the loaded configuration; Prometheus' default is 1m.
fn scrape_interval(yaml: &str) -> sloc_promql::Duration {
    sloc_yaml::parse_documents(yaml)
        .ok()
        .and_then(|docs| docs.into_iter().next())
        .and_then(|d| {
            d.get("global").and_then(|g| g.get("scrape_interval")).and_then(|s| s.as_scalar_text().map(str::to_string))
        })
        .and_then(|s| sloc_promql::parse_duration(&s).ok())
        .unwrap_or(sloc_promql::Duration::from_secs(60))
}

/// One report per file: the file's own problems and the server's findings together.
fn merge_by_file(reports: &mut Vec<FileReport>) {
    let mut merged: Vec<FileReport> = Vec::new();
    for report in reports.drain(..) {
        match merged.iter_mut().find(|r| r.file.name == report.file.name) {
            Some(existing) => {
                let mut all = std::mem::take(&mut existing.diagnostics);
                all.extend(report.diagnostics);
                *existing = FileReport::new(existing.file.clone(), all);
            }
            None => merged.push(report),
        }
    }
    *reports = merged;
}
