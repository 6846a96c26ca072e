//! `sloc check`: the files against a live Prometheus, or a Mimir, Cortex or Thanos ruler, and
//! the specs' alerts against an Alertmanager's routes and inhibitions (live or a file).

use std::path::PathBuf;

use clap::Args;
use sloc_client::Client;
use sloc_pipeline::check::Servers;

use crate::connect::ConnectionArgs;
use crate::files::read_or_report;
use crate::{Format, Output, exit, report};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The server's URL, with the API's path prefix if any
    /// (`http://localhost:9090`, `https://mimir.example.com/prometheus`).
    #[arg(long, value_name = "URL")]
    prometheus: Option<String>,
    /// An Alertmanager whose running configuration must route and inhibit the specs' alerts
    /// (read from `/api/v2/status`; the connection options apply to it too).
    #[arg(long, value_name = "URL")]
    alertmanager: Option<String>,
    /// An `alertmanager.yml` that must route and inhibit the specs' alerts.
    #[arg(long, value_name = "FILE")]
    alertmanager_config: Option<PathBuf>,
    /// A Mimir, Cortex or Loki ruler whose configured rule groups (its configuration API, as
    /// `sloc ruler` reads them) must be the files'.
    #[arg(long, value_name = "URL")]
    ruler: Option<String>,
    /// The ruler's API path (`sloc ruler --prefix`).
    #[arg(long, value_name = "PATH", default_value = "/prometheus", requires = "ruler")]
    ruler_prefix: String,
    /// The tenant, sent as `X-Scope-OrgID` to every server.
    #[arg(long, value_name = "TENANT")]
    id: Option<String>,
    /// SLO specs and rule files to compare with what the server runs.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Report an unreachable or refusing server as a warning and exit 0.
    #[arg(long)]
    allow_unreachable: bool,
    /// Print every request made (never credentials).
    #[arg(long, short)]
    verbose: bool,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = crate::lint::FailOn::Error)]
    fail_on: crate::lint::FailOn,
    /// The layer the Prometheus runs (`sloc build --layer`): a cluster's leaf holds only the
    /// base recordings, the global evaluator the rest and no raw series.
    #[arg(long, value_enum, default_value_t = CheckLayer::All)]
    layer: CheckLayer,
    #[command(flatten)]
    target: crate::target_args::TargetArgs,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CheckLayer {
    All,
    Leaf,
    Global,
}

pub fn run(args: &CheckArgs, out: &mut Output) -> u8 {
    let against: Vec<String> = [&args.prometheus, &args.alertmanager, &args.ruler]
        .into_iter()
        .flatten()
        .map(|url| sloc_client::redact(url))
        .chain(args.alertmanager_config.as_deref().map(crate::shown))
        .collect();
    if against.is_empty() {
        out.error(
            "nothing to check against: give --prometheus URL (a Prometheus, or a Mimir, Cortex or Thanos ruler), \
             --ruler URL (a ruler's configuration API), --alertmanager URL, or --alertmanager-config FILE",
        );
        return exit::USAGE;
    }
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
    let tenant: Vec<(&str, String)> = args.id.iter().map(|id| ("X-Scope-OrgID", id.clone())).collect();
    let client = |url: &Option<String>| -> Result<Option<Client>, String> {
        url.as_ref().map(|u| args.connection.client_with_headers(u, &tenant)).transpose()
    };
    let (prometheus, alertmanager, ruler) =
        match (client(&args.prometheus), client(&args.alertmanager), client(&args.ruler)) {
            (Ok(p), Ok(a), Ok(r)) => (p, a, r),
            (Err(message), _, _) | (_, Err(message), _) | (_, _, Err(message)) => {
                out.error(message);
                return exit::USAGE;
            }
        };
    let target = match args.target.given() {
        Ok(t) => t,
        Err(message) => {
            out.error(message);
            return exit::USAGE;
        }
    };
    let layer = match args.layer {
        CheckLayer::All => None,
        CheckLayer::Leaf => Some(sloc_pipeline::build::Layer::Leaf),
        CheckLayer::Global => Some(sloc_pipeline::build::Layer::Global),
    };
    let servers = Servers {
        prometheus: prometheus.as_ref(),
        alertmanager: alertmanager.as_ref(),
        alertmanager_config,
        layer,
        ruler: ruler.as_ref().map(|c| (c, args.ruler_prefix.as_str())),
        target,
    };
    let checked = sloc_pipeline::check::run(files, reports, servers);
    if args.verbose {
        for line in prometheus.iter().chain(&alertmanager).chain(&ruler).flat_map(Client::log) {
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
    for note in &checked.notes {
        out.stderr.push_str(&format!("note: {note}\n"));
    }
    let clean = checked.reports.iter().all(|r| r.diagnostics.is_empty());
    if clean && args.format == Format::Human {
        // The inputs named, not every file read: an Alertmanager configuration is what the
        // inputs are checked against.
        let n = args.files.len();
        out.stderr.push_str(&format!(
            "no problems in {n} file{}, checked against {}\n",
            crate::report::plural(n),
            against.join(" and ")
        ));
    } else {
        report::print(out, &checked.reports, args.format, false);
    }
    if report::fails(&checked.reports, args.fail_on.severity()) { exit::FINDINGS } else { exit::OK }
}
