//! `sloc check`: read the files, plan the specs, fetch what the checks ask for, check.

use sloc_client::{Client, ClientError};
use sloc_diagnostics::{Diagnostic, FileReport, Severity, SourceFile};
use sloc_live::prometheus::{ExpectedGroup, LiveFile, Snapshot};

/// What to compare the files with.
#[derive(Default)]
pub struct Servers<'a> {
    pub prometheus: Option<&'a Client>,
    pub alertmanager: Option<&'a Client>,
    /// An `alertmanager.yml` read from disk.
    pub alertmanager_config: Option<SourceFile>,
    /// The layer the Prometheus runs (`sloc build --layer`): only that layer's rules of a
    /// spec are expected there, and a global evaluator holds no raw series to look for.
    pub layer: Option<sloc_plan::Layer>,
    /// A Mimir, Cortex or Loki ruler's configuration API (the client and its `--prefix`): the
    /// groups it is configured with, as `sloc ruler` reads them, compared as loaded groups.
    pub ruler: Option<(&'a Client, &'a str)>,
    /// The server the rule files are judged for, when given (`--target`, `sloc.toml`);
    /// otherwise the Prometheus's own version and flags, as it reports them.
    pub target: Option<sloc_target::Target>,
}

/// The findings, one report per file, the servers that could not be asked, and notes on
/// what was judged against what (the target) and what was skipped.
pub struct Checked {
    pub reports: Vec<FileReport>,
    pub unreachable: Vec<ClientError>,
    pub notes: Vec<String>,
}

/// Compares `files` (specs and rule files) with the servers. `reports` holds what the caller
/// already found (unreadable inputs); every file's own errors are reported too.
pub fn run(files: Vec<SourceFile>, mut reports: Vec<FileReport>, servers: Servers<'_>) -> Checked {
    let mut unreachable = Vec::new();
    let mut notes = Vec::new();
    let status = servers.prometheus.map(ServerStatus::ask);
    let running = status.as_ref().and_then(ServerStatus::target);
    let target = match (servers.target, running) {
        (Some(given), Some(running)) => {
            let differ = verdicts_differ(&files, &given, &running);
            if differ > 0 {
                notes.push(format!(
                    "the rules are judged for {given}, but the server runs {running}, for which {differ} finding{} would differ: drop --target (or `target` in sloc.toml) to judge for the server",
                    if differ == 1 { "" } else { "s" },
                ));
            }
            given
        }
        (Some(given), None) => given,
        (None, Some(running)) => running,
        (None, None) => {
            if servers.prometheus.is_some() {
                notes.push(format!(
                    "the server does not report its version (/api/v1/status/buildinfo): the rules are judged for {}",
                    sloc_target::Target::default()
                ));
            }
            sloc_target::Target::default()
        }
    };
    let live = read(files, servers.layer, &target, &mut reports);
    if let (Some(client), Some(status)) = (servers.prometheus, status) {
        match fetch(client, status.flags, &live, servers.layer, &mut notes) {
            Ok(snapshot) => reports.extend(sloc_live::prometheus::check(&live, &snapshot)),
            Err(e) => unreachable.push(e),
        }
    }
    if let Some((client, prefix)) = servers.ruler {
        match ruler_snapshot(client, prefix) {
            Ok(snapshot) => reports.extend(sloc_live::prometheus::check(&live, &snapshot)),
            Err(e) => unreachable.push(e),
        }
    }
    if let Some(client) = servers.alertmanager {
        match client.alertmanager_config() {
            Ok(text) => {
                let name = format!("{} (running configuration)", client.url(""));
                reports.push(alertmanager_report(SourceFile::new(name, text), &live));
            }
            Err(e) => unreachable.push(e),
        }
    }
    if let Some(file) = servers.alertmanager_config {
        reports.push(alertmanager_report(file, &live));
    }
    Checked { reports: merge_by_file(reports), unreachable, notes }
}

/// Reads the files into what the live checks compare. A file's own errors (as `sloc lint`
/// reports them; advice is lint's) go to `reports`.
fn read(
    files: Vec<SourceFile>,
    layer: Option<sloc_plan::Layer>,
    target: &sloc_target::Target,
    reports: &mut Vec<FileReport>,
) -> Vec<LiveFile> {
    let mut live = Vec::new();
    for file in files {
        let config = sloc_lint::Config { target: target.clone(), ..sloc_lint::Config::default() };
        let own = sloc_lint::lint(std::slice::from_ref(&file), &config).reports.remove(0);
        let errors: Vec<Diagnostic> = own.diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect();
        let docs = sloc_yaml::parse_documents(&file.text).unwrap_or_default();
        let entry = if docs.first().is_some_and(sloc_spec::is_spec) {
            // Each spec is planned once here; every check reads this plan.
            let plan = sloc_spec::parse_spec(&file.text).0.map(|spec| sloc_plan::plan(&spec));
            let groups = match plan.as_ref().filter(|_| errors.is_empty()) {
                Some(plan) => plan
                    .objectives
                    .iter()
                    .filter_map(|o| {
                        let group = sloc_compiler::compile_objective(o).map(|mut g| {
                            if let Some(layer) = layer {
                                crate::build::keep_layer(&mut g, o, layer);
                            }
                            g
                        });
                        match group {
                            Ok(g) if g.rules.is_empty() => None,
                            other => Some(other.map(|g| ExpectedGroup::from_generated(&g, o.name_span.clone()))),
                        }
                    })
                    .collect::<Result<_, _>>()
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            LiveFile { file: file.clone(), groups, plan }
        } else {
            let (groups, _) = sloc_rulefile::read_rule_documents(&file.text, docs, target);
            LiveFile { file: file.clone(), groups: groups.iter().map(ExpectedGroup::from_parsed).collect(), plan: None }
        };
        reports.push(FileReport::new(file, errors));
        live.push(entry);
    }
    live
}

/// The ruler's configured groups (every namespace of the tenant) in the shape of loaded
/// groups: the rule checks compare them as they compare `/api/v1/rules`; the checks that
/// need the server's data or flags have nothing to read and skip.
fn ruler_snapshot(client: &Client, prefix: &str) -> Result<Snapshot, ClientError> {
    let text = client.ruler(prefix).groups(None)?;
    let namespaces =
        crate::ruler::read_namespaces(&text).map_err(|cause| ClientError::Decode { url: client.url(prefix), cause })?;
    let groups = namespaces
        .into_iter()
        .flat_map(|(namespace, groups)| groups.into_iter().map(move |g| (namespace.clone(), g)))
        .map(|(namespace, group)| sloc_rulefile::LoadedGroup {
            name: group.name.clone(),
            file: namespace,
            interval: group.interval.map_or(0.0, |d| d.millis() as f64 / 1000.0),
            evaluation_time: 0.0,
            rules: group
                .rules
                .iter()
                .map(|rule| sloc_rulefile::LoadedRule {
                    name: rule.name().to_string(),
                    query: rule.expr.clone(),
                    kind: if rule.record_name().is_some() { "recording" } else { "alerting" }.to_string(),
                    duration: rule.for_.map_or(0.0, |d| d.millis() as f64 / 1000.0),
                    labels: rule.labels.iter().cloned().collect(),
                    annotations: rule.annotations.iter().cloned().collect(),
                    health: "ok".to_string(),
                    last_error: String::new(),
                })
                .collect(),
        })
        .collect();
    Ok(Snapshot { groups, ..Snapshot::default() })
}

/// How many errors of the files one target finds and the other does not.
fn verdicts_differ(files: &[SourceFile], a: &sloc_target::Target, b: &sloc_target::Target) -> usize {
    if a == b {
        return 0;
    }
    let errors = |target: &sloc_target::Target| {
        let config = sloc_lint::Config { target: target.clone(), ..sloc_lint::Config::default() };
        let result = sloc_lint::lint(files, &config);
        let mut found: Vec<(String, usize, &'static str)> = result
            .reports
            .iter()
            .flat_map(|r| r.diagnostics.iter().map(move |d| (r.file.name.clone(), d)))
            .filter(|(_, d)| d.severity == Severity::Error)
            .map(|(name, d)| (name, d.span.start, d.code.code))
            .collect();
        found.sort();
        found
    };
    let (left, right) = (errors(a), errors(b));
    left.iter().filter(|e| !right.contains(e)).count() + right.iter().filter(|e| !left.contains(e)).count()
}

/// What a Prometheus says of itself, asked once: its version (`buildinfo`) and its
/// command-line flags (neither is served by Mimir or Cortex).
struct ServerStatus {
    version: Option<String>,
    /// `Ok(None)`: not served (404); an error stops the comparison, as the rules' request would.
    flags: Result<Option<std::collections::BTreeMap<String, String>>, ClientError>,
}

impl ServerStatus {
    fn ask(client: &Client) -> ServerStatus {
        // A server that cannot say its version is still compared: the rules' request, which
        // must succeed, reports why it cannot be asked.
        ServerStatus { version: client.version().ok(), flags: optional(client.flags()) }
    }

    /// The server as a target: its version and enabled features; `None` when it does not
    /// say, or names no version sloc reads.
    fn target(&self) -> Option<sloc_target::Target> {
        let mut target = sloc_target::Target::parse(&format!("prometheus@{}", self.version.as_ref()?)).ok()?;
        if let Ok(Some(flags)) = &self.flags {
            let enabled = flags.get("enable-feature").map(String::as_str).unwrap_or_default();
            for flag in enabled.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                // A flag sloc does not know changes no syntax sloc judges.
                let _ = target.enable(flag);
            }
        }
        Some(target)
    }
}

/// Asks the server what the checks need. The rules are required; the status endpoints are
/// optional (Mimir and Cortex do not serve them).
fn fetch(
    client: &Client,
    flags: Result<Option<std::collections::BTreeMap<String, String>>, ClientError>,
    files: &[LiveFile],
    layer: Option<sloc_plan::Layer>,
    notes: &mut Vec<String>,
) -> Result<Snapshot, ClientError> {
    let mut snapshot = Snapshot { groups: client.rules()?, ..Snapshot::default() };
    // Mimir and Cortex serve neither status endpoint (pint issues 755 and 1126): the checks
    // that need them say so rather than fail.
    match flags? {
        Some(flags) => snapshot.retention = sloc_live::prometheus::retention(&flags),
        None => notes.push(format!(
            "{} is not served (Mimir and Cortex do not serve it): retention-shorter-than-period (C006) and range-beyond-retention (C012) were skipped",
            client.url("/api/v1/status/flags")
        )),
    }
    match optional(client.config_yaml())? {
        Some(yaml) => snapshot.scrape_interval = Some(sloc_live::prometheus::scrape_interval(&yaml)),
        None => notes.push(format!(
            "{} is not served: scrape-interval-too-long (C007) was skipped",
            client.url("/api/v1/status/config")
        )),
    }
    let mut requests = sloc_live::prometheus::requests(files);
    if layer == Some(sloc_plan::Layer::Global) {
        // The raw series live on the leaves: the checks that look for them skip.
        requests.selectors.clear();
        requests.bucket_selectors.clear();
    }
    if requests.metadata
        && let Some(metadata) = optional(client.metadata())?
    {
        snapshot.metadata = metadata.into_iter().collect();
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let hour_ago = now - 3600;
    // Data endpoints are optional too: a ruler that does not serve them skips those checks.
    let counts =
        client.run_all(requests.selectors.clone(), |c, s| optional(c.series_count(&s, hour_ago, now)).map(|n| (s, n)));
    for result in counts {
        if let (selector, Some(n)) = result? {
            snapshot.series.insert(selector, n);
        }
    }
    let buckets = client.run_all(requests.bucket_selectors.clone(), |c, s| {
        optional(c.label_values("le", &s, hour_ago, now)).map(|v| (s, v))
    });
    for result in buckets {
        if let (selector, Some(values)) = result? {
            snapshot.buckets.insert(selector, values);
        }
    }
    let traffic = client.run_all(requests.traffic_queries.clone(), |c, q| optional(c.query(&q)).map(|r| (q, r)));
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
pub fn optional<T>(result: Result<T, ClientError>) -> Result<Option<T>, ClientError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(ClientError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The specs' alerts through an Alertmanager configuration, located in its text.
fn alertmanager_report(file: SourceFile, files: &[LiveFile]) -> FileReport {
    let plans: Vec<&sloc_plan::Plan> = files.iter().filter_map(|f| f.plan.as_ref()).collect();
    let diagnostics = match sloc_alertmanager::read_config(&file.text) {
        Ok(config) => sloc_live::alertmanager::check(&config, &plans),
        Err(problems) => problems,
    };
    FileReport::new(file, diagnostics)
}

/// One report per file: the file's own problems and the servers' findings together.
fn merge_by_file(reports: Vec<FileReport>) -> Vec<FileReport> {
    let mut merged: Vec<FileReport> = Vec::new();
    for report in reports {
        match merged.iter_mut().find(|r| r.file.name == report.file.name) {
            Some(existing) => {
                let mut all = std::mem::take(&mut existing.diagnostics);
                all.extend(report.diagnostics);
                *existing = FileReport::new(existing.file.clone(), all);
            }
            None => merged.push(report),
        }
    }
    merged
}
