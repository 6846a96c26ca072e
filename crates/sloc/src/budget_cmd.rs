//! `sloc status` and `sloc report`: where the error budgets stand, from a live Prometheus.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use sloc_budget::render::Style;
use sloc_budget::status::FailOn;

use crate::connect::ConnectionArgs;
use crate::files::{read_spec, write_atomically};
use crate::{Format, Output, exit, report};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The Prometheus (or Mimir, Cortex, Thanos query API) that evaluates the specs' rules.
    #[arg(long, value_name = "URL")]
    prometheus: String,
    /// SLO specs.
    #[arg(required = true, value_name = "SPEC")]
    specs: Vec<PathBuf>,
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Exit 1 when this is true: `budget` (a budget overspent), `critical` (a critical alert
    /// firing), `warning` (a warning or critical alert firing).
    #[arg(long, value_enum, value_name = "WHAT")]
    fail_on: Option<StatusFailOn>,
    /// How to print the status.
    #[arg(long, value_enum, default_value_t = BudgetFormat::Human)]
    format: BudgetFormat,
    /// Print every request made (never credentials).
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The Prometheus (or Mimir, Cortex, Thanos query API) that holds the period.
    #[arg(long, value_name = "URL")]
    prometheus: String,
    /// SLO specs.
    #[arg(required = true, value_name = "SPEC")]
    specs: Vec<PathBuf>,
    /// The period's start: a date (`2026-10-01`, midnight UTC), an RFC 3339 time or Unix seconds.
    #[arg(long, value_name = "TIME", conflicts_with = "month")]
    from: Option<String>,
    /// The period's end (excluded), as `--from`, or `now` (the default).
    #[arg(long, value_name = "TIME", requires = "from")]
    to: Option<String>,
    /// A calendar month in UTC, `2026-10`: from its first day to the next month's (to now for
    /// the current month).
    #[arg(long, value_name = "YYYY-MM")]
    month: Option<String>,
    /// Also write the budget's burn-down over the period as an SVG chart.
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    #[command(flatten)]
    connection: ConnectionArgs,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = BudgetFormat::Human)]
    format: BudgetFormat,
    /// Print every request made (never credentials).
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BudgetFormat {
    /// A table for people, on stdout.
    Human,
    /// JSON for scripts, on stdout.
    Json,
    /// A Markdown document (`report` only).
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StatusFailOn {
    Budget,
    Critical,
    Warning,
}

/// Reads the specs; their problems are printed as `sloc build` prints them.
fn specs(paths: &[PathBuf], out: &mut Output) -> Result<Vec<sloc_spec::Spec>, u8> {
    let mut reports = Vec::new();
    let mut specs = Vec::new();
    for path in paths {
        match read_spec(path, &mut reports, &sloc_target::Target::everything()) {
            Ok(spec) => specs.extend(spec),
            Err(message) => {
                out.error(message);
                return Err(exit::USAGE);
            }
        }
    }
    report::print(out, &reports, Format::Human, true);
    if report::fails(&reports, sloc_diagnostics::Severity::Error) {
        return Err(exit::FINDINGS);
    }
    Ok(specs)
}

fn style() -> Style {
    let color = out_color();
    let width = terminal_size::terminal_size().map(|(w, _)| w.0 as usize).filter(|_| std::io::stdout().is_terminal());
    let width = width.or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()));
    Style { color, width, now: now() }
}

/// Colour on standard output: a terminal, and `NO_COLOR` unset (`--color` decides first).
fn out_color() -> bool {
    match crate::color_choice() {
        Some(choice) => choice,
        None => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl StatusArgs {
    /// The format a failure is reported in: with `--format json`, a JSON document of `E001`s.
    pub fn error_format(&self) -> crate::Format {
        error_format(self.format)
    }
}

impl ReportArgs {
    /// The format a failure is reported in: with `--format json`, a JSON document of `E001`s.
    pub fn error_format(&self) -> crate::Format {
        error_format(self.format)
    }
}

fn error_format(format: BudgetFormat) -> crate::Format {
    if format == BudgetFormat::Json { crate::Format::Json } else { crate::Format::Human }
}

fn log(client: &sloc_client::Client, verbose: bool, out: &mut Output) {
    if verbose {
        for line in client.log() {
            out.stderr.push_str(&format!("sloc: {line}\n"));
        }
    }
}

pub fn status(args: &StatusArgs, out: &mut Output) -> u8 {
    if args.format == BudgetFormat::Markdown {
        out.error("--format markdown is for `sloc report`; `sloc status` prints human or json");
        return exit::USAGE;
    }
    let specs = match specs(&args.specs, out) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let client = match args.connection.client(&args.prometheus) {
        Ok(c) => c,
        Err(message) => {
            out.error(message);
            return exit::USAGE;
        }
    };
    let rows = sloc_pipeline::budget::status(&specs, &client);
    log(&client, args.verbose, out);
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            out.error(e);
            return exit::USAGE;
        }
    };
    match args.format {
        BudgetFormat::Json => {
            out.stdout.push_str(&serde_json::to_string_pretty(&rows).unwrap_or_default());
            out.stdout.push('\n');
        }
        _ => out.stdout.push_str(&sloc_budget::render::status_table(&rows, style())),
    }
    for missing in rows.iter().filter_map(|r| r.missing_rules.as_ref()).collect::<std::collections::BTreeSet<_>>() {
        out.stderr.push_str(&format!("warning: {missing}\n"));
    }
    let fail_on = args.fail_on.map(|f| match f {
        StatusFailOn::Budget => FailOn::Budget,
        StatusFailOn::Critical => FailOn::Critical,
        StatusFailOn::Warning => FailOn::Warning,
    });
    if fail_on.is_some_and(|f| sloc_budget::status::fails(&rows, f)) { exit::FINDINGS } else { exit::OK }
}

/// The period of the flags: `--month` (up to now for the current month), or `--from` and `--to`
/// (default: now).
fn period(args: &ReportArgs, now: i64) -> Result<(i64, i64), String> {
    if let Some(month) = &args.month {
        let (from, to) = sloc_budget::time::parse_month(month).map_err(|e| format!("--month: {e}"))?;
        if from >= now {
            return Err(format!("--month {month} has not begun: report a month up to the current one"));
        }
        return Ok((from, to.min(now)));
    }
    let Some(from) = args.from.as_deref() else {
        return Err("which period? give --month YYYY-MM (a calendar month in UTC; the current one up to now), \
                    or --from TIME [--to TIME] (--to defaults to now)"
            .to_string());
    };
    let from = sloc_budget::time::parse_time(from).map_err(|e| format!("--from: {e}"))?;
    let to = match args.to.as_deref() {
        None | Some("now") => now,
        Some(to) => sloc_budget::time::parse_time(to).map_err(|e| format!("--to: {e}"))?,
    };
    Ok((from, to))
}

pub fn report(args: &ReportArgs, out: &mut Output) -> u8 {
    let now = now();
    let (from, to) = match period(args, now) {
        Ok(p) => p,
        Err(message) => {
            out.error(message);
            return exit::USAGE;
        }
    };
    if let Some(input) = args.chart.as_deref().and_then(|chart| crate::files::input_at(chart, &args.specs)) {
        out.error(format!(
            "--chart {} is the input {}: refusing to overwrite it (name the chart `burn-down.svg`)",
            crate::shown(args.chart.as_deref().unwrap_or(input)),
            crate::shown(input)
        ));
        return exit::USAGE;
    }
    let specs = match specs(&args.specs, out) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let client = match args.connection.client(&args.prometheus) {
        Ok(c) => c,
        Err(message) => {
            out.error(message);
            return exit::USAGE;
        }
    };
    let report = sloc_pipeline::budget::report(&specs, &client, from, to, now);
    log(&client, args.verbose, out);
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            out.error(e);
            return exit::USAGE;
        }
    };
    if let Some(path) = &args.chart
        && let Err(message) = write_atomically(path, &sloc_budget::render::burn_down_svg(&report))
    {
        out.error(message);
        return exit::USAGE;
    }
    match args.format {
        BudgetFormat::Json => {
            out.stdout.push_str(&serde_json::to_string_pretty(&report).unwrap_or_default());
            out.stdout.push('\n');
        }
        BudgetFormat::Markdown => out.stdout.push_str(&sloc_budget::render::report_markdown(&report)),
        BudgetFormat::Human => out.stdout.push_str(&sloc_budget::render::report_table(&report, style())),
    }
    exit::OK
}
