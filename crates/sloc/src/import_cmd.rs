//! `sloc import`: Sloth, Pyrra and OpenSLO specs in, sloc specs out.

use std::path::PathBuf;

use clap::Args;
use sloc_diagnostics::Severity;

use crate::files::{read_or_report, write_atomically};
use crate::{Format, Output, exit, report};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Sloth, Pyrra or OpenSLO files (`-` reads standard input). OpenSLO references are
    /// resolved across all of them.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Write one spec per service, `DIR/<service>.slo.yaml`. Without it, the specs go to
    /// standard output, separated by `---`.
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Replace spec files that already exist in the output directory.
    #[arg(long, requires = "output")]
    force: bool,
    /// The period of Sloth SLOs, which Sloth takes from its command line (`--default-slo-period`).
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    period: String,
    /// The service of Pyrra objectives (default: their namespace, else their name).
    #[arg(long)]
    service: Option<String>,
    /// Compare the alerts of an old rule file (the peer's generated rules) with those sloc
    /// compiles from the imported specs, through the same synthetic burns in promtool.
    #[arg(long, value_name = "OLD_RULES")]
    compare: Option<PathBuf>,
    /// How to print the notes on the inputs.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) error_format: Format,
}

pub fn run(args: &ImportArgs, out: &mut Output) -> u8 {
    if sloc_promql::parse_duration(&args.period).is_err() {
        out.error(format!("--period `{}` is not a duration (for example 30d, 4w)", args.period));
        return exit::USAGE;
    }
    let mut reports = Vec::new();
    let mut files = Vec::new();
    for path in &args.files {
        match read_or_report(path, &mut reports) {
            Ok(Some(file)) => files.push(file),
            Ok(None) => {}
            Err(message) => {
                out.error(message);
                return exit::USAGE;
            }
        }
    }
    let options = sloc_import::Options { period: Some(args.period.clone()), service: args.service.clone() };
    let imported = sloc_import::import(&files, &options);
    reports.extend(imported.reports);
    report::print(out, &reports, args.error_format, true);
    let failed = report::fails(&reports, Severity::Error);
    if imported.specs.is_empty() {
        if !failed {
            out.error("the inputs hold no objective to import");
        }
        return if failed { exit::FINDINGS } else { exit::USAGE };
    }
    match &args.output {
        None => {
            let texts: Vec<&str> = imported.specs.iter().map(|s| s.yaml.as_str()).collect();
            let joined = texts.join("---\n");
            // A machine format, or the comparison's table, owns standard output.
            if args.compare.is_some() {
                out.stderr.push_str("the specs are not printed with --compare: write them with -o DIR\n");
            } else if args.error_format == Format::Human {
                out.stdout.push_str(&joined);
            } else {
                out.stderr
                    .push_str("the specs are not printed with a machine --error-format: write them with -o DIR\n");
            }
        }
        Some(dir) => {
            if let Err(e) = std::fs::create_dir_all(dir) {
                out.error(format!("cannot create {}: {}", crate::shown(dir), crate::files::io_reason(&e)));
                return exit::USAGE;
            }
            let targets: Vec<PathBuf> =
                imported.specs.iter().map(|s| dir.join(format!("{}.slo.yaml", s.service))).collect();
            // Never an input, even with --force; a link (dangling or not) is something that exists.
            if let Some((target, input)) =
                targets.iter().find_map(|t| crate::files::input_at(t, &args.files).map(|i| (t, i)))
            {
                out.error(format!(
                    "{} is the input {}: refusing to overwrite it (import into another directory)",
                    crate::shown(target),
                    crate::shown(input)
                ));
                return exit::USAGE;
            }
            if !args.force {
                let existing: Vec<String> =
                    targets.iter().filter(|t| t.symlink_metadata().is_ok()).map(|t| crate::shown(t)).collect();
                if !existing.is_empty() {
                    out.error(format!(
                        "{} already exist{}: --force replaces {}",
                        existing.join(", "),
                        if existing.len() == 1 { "s" } else { "" },
                        if existing.len() == 1 { "it" } else { "them" }
                    ));
                    return exit::USAGE;
                }
            }
            for (spec, target) in imported.specs.iter().zip(&targets) {
                if let Err(message) = write_atomically(target, &spec.yaml) {
                    out.error(message);
                    return exit::USAGE;
                }
                if args.error_format == Format::Human {
                    out.stderr.push_str(&format!(
                        "wrote {} ({} from {})\n",
                        crate::shown(target),
                        count(&spec.yaml),
                        spec.sources.join(", ")
                    ));
                }
            }
        }
    }
    let compared = match &args.compare {
        Some(old_rules) => {
            let specs: Vec<(String, Vec<String>)> =
                imported.specs.iter().map(|s| (s.yaml.clone(), s.sources.clone())).collect();
            crate::compare_cmd::run(old_rules, &specs, args.error_format, out)
        }
        None => exit::OK,
    };
    if compared != exit::OK {
        compared
    } else if failed {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

/// `3 objectives`, counted in the spec written.
fn count(yaml: &str) -> String {
    let n = sloc_spec::parse_spec(yaml).0.map_or(0, |s| s.slos.len());
    format!("{n} objective{}", crate::report::plural(n))
}
