//! `sloc test`: generated promtool unit tests for every objective and tier, run with promtool.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Args;
use sloc_diagnostics::Severity;

use sloc_pipeline::scenarios::SpecToTest;
use sloc_scenarios::{Promtool, PromtoolRun};

use crate::files::{read_spec, source_name, spec_stem, write_atomically};
use crate::{Format, Output, exit, report};

#[derive(Debug, Args)]
pub struct TestArgs {
    /// SLO specs.
    #[arg(required = true, value_name = "SPEC")]
    specs: Vec<PathBuf>,
    /// Write the compiled rules and the test files to this directory, to commit them and run
    /// them in your own CI (`promtool test rules DIR/*/*.test.yml`: one folder per spec).
    #[arg(long, value_name = "DIR")]
    emit: Option<PathBuf>,
    /// How to print problems in the specs.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) error_format: Format,
    /// The server the rules are for: the SLIs' PromQL must be valid for it.
    #[command(flatten)]
    target: crate::target_args::TargetArgs,
}

pub fn run(args: &TestArgs, out: &mut Output) -> u8 {
    let target = match args.target.given() {
        Ok(target) => target.unwrap_or_default(),
        Err(message) => {
            out.error(message);
            return exit::USAGE;
        }
    };
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
        None => match crate::files::private_tempdir() {
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
    let mut specs = Vec::new();
    for path in &args.specs {
        match read_spec(path, &mut reports, &target) {
            Ok(Some(spec)) => specs.push((source_name(path), spec_stem(path), spec)),
            Ok(None) => {}
            Err(message) => {
                out.error(message);
                return exit::USAGE;
            }
        }
    }
    let to_test: Vec<SpecToTest<'_>> = specs
        .iter()
        .map(|(source, stem, spec)| SpecToTest { source: source.clone(), stem: stem.clone(), spec })
        .collect();
    let generated = match sloc_pipeline::scenarios::generate_tests(&to_test) {
        Ok(g) => g,
        Err(e) => {
            out.error(e);
            return exit::USAGE;
        }
    };
    report::print(out, &reports, args.error_format, true);
    if report::fails(&reports, Severity::Error) {
        return exit::FINDINGS;
    }
    for (source, slo, why) in &generated.skipped {
        out.stdout.push_str(&format!("SKIP {source} {slo}: {why}\n"));
    }
    let skipped = generated.skipped.len();
    let progress = crate::progress::Progress::start("promtool tests", out);
    // A test's PASS or FAIL line, printed as soon as promtool is done with it.
    let line = |path: &Path, run: &PromtoolRun| {
        let Some((source, name, relative)) = generated.tests.iter().find(|(_, _, p)| dir.join(p) == path) else {
            return String::new();
        };
        if run.passed {
            return format!("PASS {source} {name}\n");
        }
        // promtool's own reason, indented; the files outlive the run only with --emit.
        let kept = match &args.emit {
            Some(_) => format!(" ({})", crate::shown(&dir.join(relative))),
            None => " (--emit DIR keeps the test files)".to_string(),
        };
        let reason: String =
            run.output.lines().filter(|l| !l.trim().is_empty()).map(|l| format!("    {l}\n")).collect();
        format!("FAIL {source} {name}{kept}\n{reason}")
    };
    let on_done = |path: &Path, run: &PromtoolRun| progress.done(Some(&line(path, run)));
    let runner = PromtoolIn { dir, progress: Some(&progress), on_done: Some(&on_done) };
    if !promtool {
        if let Err(message) = runner.write(&generated.files) {
            out.error(message);
            return exit::USAGE;
        }
        out.stderr.push_str(&format!(
            "wrote {} tests to {} ({skipped} skipped); promtool is not on the PATH to run them\n",
            generated.tests.len(),
            crate::shown(dir)
        ));
        return exit::OK;
    }
    let paths: Vec<String> = generated.tests.iter().map(|(_, _, path)| path.clone()).collect();
    let runs = match runner.test_rules(&generated.files, &paths) {
        Ok(runs) => runs,
        Err(message) => {
            out.error(message);
            return exit::USAGE;
        }
    };
    drop(progress);
    let passed = runs.iter().filter(|r| r.passed).count();
    let failed = runs.len() - passed;
    out.stdout.push_str(&format!("{passed} passed, {failed} failed, {skipped} skipped\n"));
    if failed > 0 { exit::FINDINGS } else { exit::OK }
}

/// A test's path and its run, as soon as promtool is done with it.
pub type OnDone<'a> = &'a (dyn Fn(&Path, &PromtoolRun) + Sync);

/// promtool run on files written in one directory: the binary's [`Promtool`].
pub struct PromtoolIn<'a> {
    pub dir: &'a Path,
    /// Counts the runs (a counter on a terminal).
    pub progress: Option<&'a crate::progress::Progress>,
    /// Called as each run finishes (else the progress only counts it).
    pub on_done: Option<OnDone<'a>>,
}

impl PromtoolIn<'_> {
    /// Writes every file (paths relative to the directory), each atomically.
    pub fn write(&self, files: &[(String, String)]) -> Result<(), String> {
        for (name, text) in files {
            let path = self.dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {}", crate::shown(parent), crate::files::io_reason(&e)))?;
            }
            write_atomically(&path, text)?;
        }
        Ok(())
    }
}

impl Promtool for PromtoolIn<'_> {
    fn test_rules(&self, files: &[(String, String)], tests: &[String]) -> Result<Vec<PromtoolRun>, String> {
        self.write(files)?;
        let paths: Vec<PathBuf> = tests.iter().map(|t| self.dir.join(t)).collect();
        if let Some(progress) = self.progress {
            progress.expect(paths.len());
        }
        sloc_parallel::parallel_map(&paths, |path| {
            let o = run_promtool_test(path).map_err(|e| format!("cannot run promtool: {e}"))?;
            let output = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
            let run = PromtoolRun { passed: o.status.success(), output };
            match (self.on_done, self.progress) {
                (Some(on_done), _) => on_done(path, &run),
                (None, Some(progress)) => progress.done(None),
                (None, None) => {}
            }
            Ok(run)
        })
        .into_iter()
        .collect()
    }
}

/// Whether `promtool --version` runs.
pub fn promtool_on_path() -> bool {
    Command::new("promtool").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// `promtool test rules FILE`, from the file's directory (its rule files are named relative
/// to it).
fn run_promtool_test(path: &Path) -> std::io::Result<std::process::Output> {
    {
        let child = Command::new("promtool")
            .arg("test")
            .arg("rules")
            // `./`: a file named `--help.critical.test.yml` (an objective may be named `--help`)
            // is a path, not a flag.
            .arg(Path::new(".").join(path.file_name().unwrap_or_default()))
            .current_dir(path.parent().unwrap_or(Path::new(".")))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        // Stopped by the interrupt handler if sloc is interrupted meanwhile.
        let pid = child.id();
        crate::interrupt::register_child(pid);
        let output = child.wait_with_output();
        crate::interrupt::forget_child(pid);
        output
    }
}
