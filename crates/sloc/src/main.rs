//! `sloc`: the command-line tool. The only crate that prints or exits.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod budget_cmd;
mod build;
mod check;
mod compare_cmd;
mod connect;
mod explain;
mod files;
mod fixes;
mod import_cmd;
mod interrupt;
mod lint;
mod progress;
mod report;
mod ruler_cmd;
mod target_args;
mod test_cmd;

/// Exit codes, documented in the README.
pub mod exit {
    /// Success: nothing to report at or above the failure threshold.
    pub const OK: u8 = 0;
    /// The input has errors (or findings at or above `--fail-on`), or `--check` found stale files.
    pub const FINDINGS: u8 = 1;
    /// Usage or IO problem: bad flags, unreadable or unwritable files, unreachable server.
    pub const USAGE: u8 = 2;
}

#[derive(Debug, Parser)]
#[command(name = "sloc", version, about = "SLO rule compiler and linter for Prometheus", max_term_width = 100)]
struct Cli {
    /// When to colour human output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// miette's graphical report with a summary line, on stderr.
    Human,
    /// A JSON array of findings with 1-based line and column, on stdout.
    Json,
    /// GitHub Actions workflow annotations, on stdout.
    Github,
    /// SARIF 2.1.0 for code scanning, on stdout.
    Sarif,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compile SLO specs into Prometheus recording rules and burn-rate alerts.
    Build(build::BuildArgs),
    /// Lint Prometheus rule files, PrometheusRule manifests and SLO specs.
    Lint(lint::LintArgs),
    /// Generate promtool unit tests for every objective and tier, and run them.
    Test(test_cmd::TestArgs),
    /// Compare specs and rule files with what a live Prometheus or ruler runs.
    Check(check::CheckArgs),
    /// Where each objective's error budget stands now, from a live Prometheus.
    Status(budget_cmd::StatusArgs),
    /// Compliance over a calendar period: SLI, budget spent, firing time, worst day, gaps.
    Report(budget_cmd::ReportArgs),
    /// Convert Sloth, Pyrra and OpenSLO specs into sloc specs, with a note for each lossy step.
    Import(import_cmd::ImportArgs),
    /// Keep a Mimir, Cortex or Loki ruler's rule groups in step with specs and rule files.
    Ruler(ruler_cmd::RulerArgs),
    /// Show the documentation of a diagnostic code.
    Explain(explain::ExplainArgs),
    /// Print shell completions: `sloc completions bash > /etc/bash_completion.d/sloc`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), for `man -l -` or to install as sloc.1.
    #[command(hide = true)]
    Manpage,
}

/// `--color always|never`, or `None` for auto (each stream decides by itself).
static COLOR_CHOICE: std::sync::OnceLock<Option<bool>> = std::sync::OnceLock::new();

pub fn color_choice() -> Option<bool> {
    COLOR_CHOICE.get().copied().flatten()
}

fn main() -> ExitCode {
    interrupt::install();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    let _ = COLOR_CHOICE.set(match cli.color {
        ColorChoice::Always => Some(true),
        ColorChoice::Never => Some(false),
        ColorChoice::Auto => None,
    });
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let format = match &cli.command {
        Command::Build(a) => a.error_format,
        Command::Test(a) => a.error_format,
        Command::Lint(a) => a.format,
        Command::Check(a) => a.format,
        Command::Import(a) => a.error_format,
        Command::Status(a) => a.error_format(),
        Command::Report(a) => a.error_format(),
        Command::Explain(_) | Command::Completions { .. } | Command::Manpage | Command::Ruler(_) => Format::Human,
    };
    let mut out = Output { color, format, stdout: String::new(), stderr: String::new(), fatal: Vec::new() };
    let code = match cli.command {
        Command::Build(args) => build::run(&args, &mut out),
        Command::Lint(args) => lint::run(&args, &mut out),
        Command::Check(args) => check::run(&args, &mut out),
        Command::Test(args) => test_cmd::run(&args, &mut out),
        Command::Status(args) => budget_cmd::status(&args, &mut out),
        Command::Report(args) => budget_cmd::report(&args, &mut out),
        Command::Import(args) => import_cmd::run(&args, &mut out),
        Command::Explain(args) => explain::run(&args, &mut out),
        Command::Ruler(args) => ruler_cmd::run(&args, &mut out),
        Command::Completions { shell } => {
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "sloc", &mut text);
            out.stdout.push_str(&String::from_utf8_lossy(&text));
            exit::OK
        }
        Command::Manpage => {
            let mut roff = Vec::new();
            match clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut roff) {
                Ok(()) => {
                    out.stdout.push_str(&String::from_utf8_lossy(&roff));
                    exit::OK
                }
                Err(e) => {
                    out.error(format!("cannot render the man page: {e}"));
                    exit::USAGE
                }
            }
        }
    };
    if code == exit::USAGE {
        out.fatal_document();
    }
    out.flush();
    ExitCode::from(code)
}

/// What a command prints, flushed once at the end.
pub struct Output {
    pub color: bool,
    /// The format findings are printed in.
    pub format: Format,
    pub stdout: String,
    pub stderr: String,
    /// The errors that stopped the command, for machine formats: the file each is about (when
    /// one is), and the message.
    fatal: Vec<(Option<String>, String)>,
}

impl Output {
    /// A one-line error on stderr: `error: …`.
    pub fn error(&mut self, message: impl std::fmt::Display) {
        let message = message.to_string();
        self.stderr.push_str(&format!("error: {message}\n"));
        self.fatal.push((None, message));
    }

    /// [`Output::error`] about one input: machine formats name it as the finding's file.
    pub fn error_about(&mut self, file: &std::path::Path, message: impl std::fmt::Display) {
        self.error(message);
        if let Some(last) = self.fatal.last_mut() {
            last.0 = Some(shown(file));
        }
    }

    /// With a machine format, a command that could not run (exit 2) still prints a valid
    /// document, holding the errors as `E001` findings, unless it printed one already.
    fn fatal_document(&mut self) {
        if self.format == Format::Human || self.fatal.is_empty() || !self.stdout.trim().is_empty() {
            return;
        }
        let reports: Vec<sloc_diagnostics::FileReport> = self
            .fatal
            .iter()
            .map(|(file, m)| {
                let file = sloc_diagnostics::SourceFile::new(file.as_deref().unwrap_or("sloc"), "");
                let d = sloc_diagnostics::Diagnostic::new(&sloc_diagnostics::CANNOT_RUN, 0..0, m.clone());
                sloc_diagnostics::FileReport::new(file, vec![d])
            })
            .collect();
        let (color, format) = (self.color, self.format);
        let mut document = Output { color, format, stdout: String::new(), stderr: String::new(), fatal: Vec::new() };
        report::print(&mut document, &reports, format, true);
        self.stdout = document.stdout;
    }

    /// Prints what is held so far, and empties it.
    fn flush(&mut self) {
        // A closed pipe (`sloc build | head`) is not an error worth reporting.
        let _ = std::io::stdout().lock().write_all(self.stdout.as_bytes());
        let _ = std::io::stderr().lock().write_all(self.stderr.as_bytes());
        let _ = std::io::stdout().lock().flush();
        self.stdout.clear();
        self.stderr.clear();
    }
}

/// A path as the user gave it, for messages.
pub fn shown(path: &std::path::Path) -> String {
    path.display().to_string()
}
