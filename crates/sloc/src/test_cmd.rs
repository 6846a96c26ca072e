//! `sloc test`: generated promtool unit tests for every objective and tier, run with promtool.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Args;
use sloc_diagnostics::Severity;

use crate::files::{read_spec, source_name, spec_stem, write_atomically};
use crate::{Format, Output, exit, report};

#[derive(Debug, Args)]
pub struct TestArgs {
    /// SLO specs.
    #[arg(required = true, value_name = "SPEC")]
    specs: Vec<PathBuf>,
    /// Write the compiled rules and the test files to this directory, to commit them and run
    /// them in your own CI (`promtool test rules DIR/*.test.yml`).
    #[arg(long, value_name = "DIR")]
    emit: Option<PathBuf>,
    /// How to print problems in the specs.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) error_format: Format,
}

pub fn run(args: &TestArgs, out: &mut Output) -> u8 {
    let promtool = promtool_on_path();
    if !promtool && args.emit.is_none() {
        out.error(
            "promtool is not on the PATH: install it (Debian package `prometheus`), or write the tests with --emit DIR",
        );
        return exit::USAGE;
    }
    let temporary;
    let dir: &Path = match &args.emit {
        Some(dir) => {
            if let Err(e) = std::fs::create_dir_all(dir) {
                out.error(format!("cannot create {}: {}", crate::shown(dir), crate::files::io_reason(&e)));
                return exit::USAGE;
            }
            dir
        }
        None => match tempfile::tempdir() {
            Ok(t) => {
                temporary = t;
                temporary.path()
            }
            Err(e) => {
                out.error(format!("cannot create a temporary directory: {e}"));
                return exit::USAGE;
            }
        },
    };
    let mut reports = Vec::new();
    let mut written: Vec<(String, String, PathBuf)> = Vec::new();
    for path in &args.specs {
        let spec = match read_spec(path, &mut reports) {
            Ok(Some(spec)) => spec,
            Ok(None) => continue,
            Err(message) => {
                out.error(message);
                return exit::USAGE;
            }
        };
        let (source, stem) = (source_name(path), spec_stem(path));
        let generated = match sloc_compiler::unit_tests::generate(&spec, &source) {
            Ok(g) => g,
            Err(e) => {
                out.error(e);
                return exit::USAGE;
            }
        };
        let spec_dir = dir.join(&stem);
        // One rule file per objective: each test loads its own objective's group only.
        let mut files: Vec<(PathBuf, String)> =
            generated.rule_files.iter().map(|(name, yaml)| (spec_dir.join(name), yaml.clone())).collect();
        files.extend(generated.tests.iter().map(|t| (spec_dir.join(&t.file_name), t.yaml.clone())));
        if let Err(e) = std::fs::create_dir_all(&spec_dir) {
            out.error(format!("cannot create {}: {}", crate::shown(&spec_dir), crate::files::io_reason(&e)));
            return exit::USAGE;
        }
        for (path, text) in &files {
            if let Err(message) = write_atomically(path, text) {
                out.error(message);
                return exit::USAGE;
            }
        }
        for (slo, why) in generated.skipped {
            out.stderr.push_str(&format!("skipped {source} {slo}: {why}\n"));
        }
        written.extend(
            generated
                .tests
                .into_iter()
                .map(|t| (source.clone(), format!("{} {}", t.slo, t.tier), spec_dir.join(t.file_name))),
        );
    }
    report::print(out, &reports, args.error_format, true);
    if report::fails(&reports, Severity::Error) {
        return exit::FINDINGS;
    }
    if !promtool {
        out.stderr.push_str(&format!(
            "wrote {} tests to {}; promtool is not on the PATH to run them\n",
            written.len(),
            crate::shown(dir)
        ));
        return exit::OK;
    }
    let (mut passed, mut failed) = (0, 0);
    let paths: Vec<PathBuf> = written.iter().map(|(_, _, path)| path.clone()).collect();
    let runs = run_promtool_tests(&paths);
    for ((source, name, path), run) in written.iter().zip(runs) {
        match run {
            Ok(o) if o.status.success() => {
                passed += 1;
                out.stdout.push_str(&format!("PASS {source} {name}\n"));
            }
            Ok(o) => {
                failed += 1;
                // promtool's own reason, indented; the files outlive the run only with --emit.
                let kept = match &args.emit {
                    Some(_) => format!(" ({})", crate::shown(path)),
                    None => " (--emit DIR keeps the test files)".to_string(),
                };
                let reason = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
                let reason: String =
                    reason.lines().filter(|l| !l.trim().is_empty()).map(|l| format!("    {l}\n")).collect();
                out.stdout.push_str(&format!("FAIL {source} {name}{kept}\n{reason}"));
            }
            Err(e) => {
                out.error(format!("cannot run promtool: {e}"));
                return exit::USAGE;
            }
        }
    }
    out.stdout.push_str(&format!("{passed} passed, {failed} failed\n"));
    if failed > 0 { exit::FINDINGS } else { exit::OK }
}

/// Whether `promtool --version` runs.
pub fn promtool_on_path() -> bool {
    Command::new("promtool").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// `promtool test rules FILE` for every test file, from the file's directory (its rule files
/// are named relative to it), on every core; the results in order.
pub fn run_promtool_tests(tests: &[PathBuf]) -> Vec<std::io::Result<std::process::Output>> {
    sloc_parallel::parallel_map(tests, |path| {
        Command::new("promtool")
            .arg("test")
            .arg("rules")
            .arg(path.file_name().unwrap_or_default())
            .current_dir(path.parent().unwrap_or(Path::new(".")))
            .output()
    })
}
