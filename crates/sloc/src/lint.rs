//! `sloc lint`: rule files, PrometheusRule manifests and SLO specs.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use sloc_diagnostics::{Applicability, Severity, SourceFile};
use sloc_lint::Config;

use crate::files::{io_reason, read_or_report};
use crate::{Format, Output, exit, report};

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories (searched for *.yml and *.yaml, honouring .gitignore); `-` reads
    /// standard input. Default: the current directory.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    /// The configuration file. Default: the nearest `sloc.toml` in this directory or above.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Show a style check's findings (a code or a name; `style` for all), which are otherwise
    /// only counted. Repeatable; adds to `enable` in `sloc.toml`.
    #[arg(long, value_name = "CODE")]
    enable: Vec<String>,
    /// Never report a code (a code or a name). Repeatable; adds to `disable` in `sloc.toml`.
    #[arg(long, value_name = "CODE")]
    disable: Vec<String>,
    /// Duplicate rules (R009) are errors, as with `promtool check rules --lint-fatal`.
    #[arg(long)]
    lint_fatal: bool,
    /// Apply the findings' safe fixes to the files (atomically; every other byte is kept),
    /// then report what is left.
    #[arg(long)]
    fix: bool,
    /// Print the fixes as a unified diff, and change nothing. Exit 1 when there is one.
    #[arg(long, conflicts_with = "fix")]
    diff: bool,
    /// With --fix or --diff, apply the fixes that change meaning too.
    #[arg(long)]
    unsafe_fixes: bool,
    #[command(flatten)]
    target: crate::target_args::TargetArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Warning,
    Error,
}

pub fn run(args: &LintArgs, out: &mut Output) -> u8 {
    let (config, config_dir) = match load_config(args) {
        Ok(c) => c,
        Err(message) => {
            out.error(message);
            return exit::USAGE;
        }
    };
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let excluded = match exclusions(&config.exclude, config_dir.as_deref()) {
        Ok(e) => e,
        Err(message) => {
            out.error(message);
            return exit::USAGE;
        }
    };
    let files = match collect(&paths, &excluded) {
        Ok(f) => f,
        Err((path, message)) => {
            out.error_about(&path, message);
            return exit::USAGE;
        }
    };
    if files.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| crate::shown(p)).collect();
        out.stderr.push_str(&format!(
            "nothing to lint: no YAML file under {} (or every one is excluded by sloc.toml or .gitignore)\n",
            shown.join(", ")
        ));
    }
    let mut sources = Vec::new();
    let mut unreadable = Vec::new();
    if (args.fix || args.diff) && files.iter().any(|p| p.as_os_str() == "-") {
        out.error("--fix and --diff change files: name them rather than read standard input");
        return exit::USAGE;
    }
    for path in &files {
        match read_or_report(path, &mut unreadable) {
            Ok(Some(file)) => sources.push((path.clone(), file)),
            Ok(None) => {}
            Err(message) => {
                out.error(message);
                return exit::USAGE;
            }
        }
    }
    if args.fix || args.diff {
        let at_least = if args.unsafe_fixes { Applicability::Unsafe } else { Applicability::Safe };
        let fixed = crate::fixes::fix_files(&sources, &config, at_least);
        if args.diff {
            for f in &fixed {
                out.stdout.push_str(&crate::fixes::unified_diff(f));
            }
            let total: usize = fixed.iter().map(|f| f.applied).sum();
            out.stderr.push_str(&format!(
                "{total} finding{} fixable in {} file(s) (--diff: nothing written)\n",
                crate::report::plural(total),
                fixed.len()
            ));
            return if fixed.is_empty() { exit::OK } else { exit::FINDINGS };
        }
        for f in &fixed {
            if let Err(message) = crate::files::write_atomically(&f.path, &f.after) {
                out.error(message);
                return exit::USAGE;
            }
            if let Some((_, source)) = sources.iter_mut().find(|(p, _)| *p == f.path) {
                *source = SourceFile::new(source.name.clone(), f.after.as_str());
            }
        }
        let total: usize = fixed.iter().map(|f| f.applied).sum();
        out.stderr.push_str(&format!(
            "fixed {total} finding{} in {} file(s)\n",
            crate::report::plural(total),
            fixed.len()
        ));
    }
    let sources: Vec<SourceFile> = sources.into_iter().map(|(_, file)| file).collect();
    let result = sloc_lint::lint(&sources, &config);
    let mut reports = result.reports;
    reports.extend(unreadable);
    reports.sort_by(|a, b| a.file.name.cmp(&b.file.name));
    report::print(out, &reports, args.format, true);
    if args.format == Format::Human && !result.hidden.is_empty() {
        let total: usize = result.hidden.values().sum();
        let by_code: Vec<String> = result.hidden.iter().map(|(code, n)| format!("{code} ×{n}")).collect();
        out.stderr.push_str(&format!(
            "{total} style finding{} not shown ({}): `--enable style` shows them\n",
            crate::report::plural(total),
            by_code.join(", ")
        ));
    }
    if args.format == Format::Human {
        let fixable = |a: Applicability| {
            reports
                .iter()
                .flat_map(|r| &r.diagnostics)
                .filter(|d| d.fix.as_ref().is_some_and(|f| f.applicability == a))
                .count()
        };
        let (safe, unsafe_) = (fixable(Applicability::Safe), fixable(Applicability::Unsafe));
        if safe > 0 {
            out.stderr
                .push_str(&format!("{safe} finding{} fixable with `sloc lint --fix`\n", crate::report::plural(safe)));
        }
        if unsafe_ > 0 {
            out.stderr.push_str(&format!(
                "{unsafe_} more fixable with `--fix --unsafe-fixes` (they change what the rules mean: read the diff first, `--diff --unsafe-fixes`)\n"
            ));
        }
    }
    if report::fails(&reports, args.fail_on.severity()) { exit::FINDINGS } else { exit::OK }
}

/// `exclude` of `sloc.toml`, as a matcher rooted at the file's directory.
fn exclusions(patterns: &[String], root: Option<&Path>) -> Result<ignore::gitignore::Gitignore, String> {
    let mut builder = ignore::gitignore::GitignoreBuilder::new(root.unwrap_or(Path::new(".")));
    for pattern in patterns {
        builder
            .add_line(None, pattern)
            .map_err(|e| format!("invalid exclude pattern `{pattern}` in sloc.toml: {e}"))?;
    }
    builder.build().map_err(|e| format!("invalid exclude patterns in sloc.toml: {e}"))
}

/// The files to lint: named files as given, directories searched for YAML (skipping what
/// `excluded` matches). An error names the path it is about.
fn collect(paths: &[PathBuf], excluded: &ignore::gitignore::Gitignore) -> Result<Vec<PathBuf>, (PathBuf, String)> {
    let mut files = Vec::new();
    for path in paths {
        if !path.exists() && path.as_os_str() != "-" {
            return Err((path.clone(), format!("cannot read {}: no such file or directory", crate::shown(path))));
        }
        // Anything named that is not a directory is read: files, FIFOs, `<(cat x)`, `-`.
        if path.as_os_str() == "-" || !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        // Symlinks are followed (a Kubernetes ConfigMap mount is a directory of symlinks);
        // the walker stops at loops.
        let excluded = excluded.clone();
        let walker = ignore::WalkBuilder::new(path)
            .require_git(false)
            .follow_links(true)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(move |entry| {
                // A path named on the command line is linted even when excluded (as ruff does);
                // below it, an excluded entry is skipped with everything under it. Matched as an
                // absolute path, so that `sloc lint sub/` from anywhere skips what the patterns
                // (relative to the sloc.toml) name.
                if entry.depth() == 0 {
                    return true;
                }
                let absolute = std::path::absolute(entry.path()).unwrap_or_else(|_| entry.path().to_path_buf());
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                // The matcher answers only for paths under its root (it panics otherwise).
                !absolute.starts_with(excluded.path()) || !excluded.matched(&absolute, is_dir).is_ignore()
            })
            .build();
        for entry in walker {
            let entry = entry.map_err(|e| (path.clone(), format!("cannot read {}: {e}", crate::shown(path))))?;
            let p = entry.path();
            let yaml = p.extension().is_some_and(|e| e == "yml" || e == "yaml");
            // Hidden entries (`..data`, `..2026_11_25...` of a ConfigMap) are skipped by the
            // walker; what they link to is reached through the visible symlinks.
            if yaml && p.is_file() {
                files.push(p.to_path_buf());
            }
        }
    }
    Ok(files)
}

/// `sloc.toml` (given, or the nearest), then the flags over it; and the directory the file's
/// paths are relative to.
fn load_config(args: &LintArgs) -> Result<(Config, Option<PathBuf>), String> {
    let path = config_path(args.config.as_deref());
    let dir =
        path.as_deref().and_then(Path::parent).map(|d| std::path::absolute(d).unwrap_or_else(|_| d.to_path_buf()));
    let mut config = read_config(path.as_deref())?;
    config.enable(&args.enable, &sloc_codes::resolve_code).map_err(|e| format!("--enable: {e}"))?;
    config.disable(&args.disable, &sloc_codes::resolve_code).map_err(|e| format!("--disable: {e}"))?;
    config.lint_fatal |= args.lint_fatal;
    args.target.apply(&mut config)?;
    Ok((config, dir))
}

/// The nearest `sloc.toml` (in this directory or above), or the defaults.
pub(crate) fn nearest_config() -> Result<Config, String> {
    read_config(config_path(None).as_deref())
}

fn read_config(path: Option<&Path>) -> Result<Config, String> {
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {}", crate::shown(path), io_reason(&e)))?;
            Config::parse(&text, &sloc_codes::resolve_code).map_err(|e| format!("invalid {}: {e}", crate::shown(path)))
        }
        None => Ok(Config::default()),
    }
}

fn config_path(explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => {
            let cwd = std::env::current_dir().ok()?;
            cwd.ancestors().map(|d| d.join("sloc.toml")).find(|p| p.is_file())
        }
    }
}

impl FailOn {
    pub fn severity(self) -> Severity {
        match self {
            FailOn::Info => Severity::Info,
            FailOn::Warning => Severity::Warning,
            FailOn::Error => Severity::Error,
        }
    }
}
