//! Development tasks, run as `cargo xtask <task>` (see https://github.com/matklad/cargo-xtask).
//!
//! - `codegen [--check]`: regenerate the committed generated files (the spec's JSON Schema, the
//!   compiled OneFlow example, the code reference); `--check` fails when one is stale.
//! - `deps`: fails on a dependency between workspace crates that ARCHITECTURE.md's table does
//!   not allow.
//! - `ci`: everything CI runs: formatting, clippy, the generated-file and dependency checks,
//!   the release-file linters, `dist`, every test and the demo's smoke run, after installing
//!   what they need when missing (Debian packages; PyPI packages into `target/venv`).
//! - `bench`: timings, side by side with promtool where there is a peer.
//! - `dist`: the release artifacts in `target/dist/` (binary, wheel, completions, man page).
//! - `demo [--smoke]`: the OneFlow stack on loopback ports with a synthetic exporter.
//! - `parity PROMETHEUS_DIR [--promtool]`: sloc's PromQL verdicts against a Prometheus
//!   checkout's own parser and engine tests (and Debian's promtool).
//! - `fuzz [SECONDS]`: each cargo-fuzz target for SECONDS (default 60), seeded with the fixtures.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod bench;
mod check_files;
mod codegen;
mod cost;
mod demo;
mod deps;
mod dist;
mod parity;
mod python;
mod release;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => {
            codegen::run(if rest.contains(&"--check") { codegen::Mode::Check } else { codegen::Mode::Write })
        }
        Some("ci") => ci(),
        Some("deps") => deps::check(),
        Some("bench") => bench::run(&rest),
        Some("demo") => demo::run(&rest),
        Some("dist") => dist::run_dist(),
        Some("parity") => parity::run(&rest),
        Some("fuzz") => fuzz(rest.first().and_then(|s| s.parse().ok()).unwrap_or(60)),
        _ => {
            eprintln!(
                "usage: cargo xtask <codegen [--check] | deps | ci | dist | demo [--smoke] | bench [compile | lint | pathological | check | lint-real DIR...] | parity PROMETHEUS_DIR [--promtool] | fuzz [SECONDS]>"
            );
            std::process::exit(2)
        }
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn run(program: &str, args: &[&str]) -> Result<()> {
    run_with(program, args, &[])
}

fn run_with(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    let shown_env: String = env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
    eprintln!("$ {shown_env}{program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .with_context(|| format!("cannot run {program}"))?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// The program's path on the PATH, if it is there.
fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| p.is_file())
}

fn have(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// The servers and tools the tests run, from Debian: promtool and prometheus (`prometheus`),
/// amtool and the Alertmanager (`prometheus-alertmanager`), and librsvg's renderer (the report
/// chart's test looks at the chart as a picture).
const DEBIAN_PACKAGES: &[(&str, &[&str])] = &[
    ("prometheus", &["promtool", "prometheus"]),
    ("prometheus-alertmanager", &["amtool", "prometheus-alertmanager"]),
    ("librsvg2-bin", &["rsvg-convert"]),
];

fn ensure_debian_packages() -> Result<()> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(_, programs)| !programs.iter().all(|p| have(p)))
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !have("apt-get") || !python::is_root() {
        bail!("the tests need Debian's {}: apt-get install {}", missing.join(" and "), missing.join(" "));
    }
    run("apt-get", &["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(&missing);
    run("apt-get", &args)?;
    // The packages start services on :9090 and :9093 where an init system runs; tests use their
    // own ports.
    for (package, programs) in DEBIAN_PACKAGES {
        if let Some(p) = programs.iter().find(|p| !have(p)) {
            bail!("apt-get installed `{package}` but {p} is still not on the PATH");
        }
    }
    Ok(())
}

fn ci() -> Result<()> {
    ensure_debian_packages()?;
    let venv = python::venv()?;
    run("cargo", &["fmt", "--all", "--", "--check"])?;
    run("cargo", &["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])?;
    codegen::run(codegen::Mode::Check)?;
    deps::check()?;
    release::lint(&venv)?;
    run(
        "cargo",
        &["package", "--workspace", "--exclude", "xtask", "--locked", "--no-verify", "--allow-dirty", "--quiet"],
    )?;
    // The wheel the pre-commit test installs, and the release binary.
    dist::run_dist()?;
    // Snapshots never update in CI: a mismatch fails the test. The Python tools come from the
    // virtual environment.
    let path = python::path_with(&venv);
    let env = [("INSTA_UPDATE", "no"), ("NO_COLOR", "1"), ("PATH", path.as_str())];
    let nextest = Command::new("cargo").args(["nextest", "--version"]).output().is_ok_and(|o| o.status.success());
    if nextest {
        run_with("cargo", &["nextest", "run", "--workspace", "--locked", "--no-fail-fast"], &env)?;
    } else {
        run_with("cargo", &["test", "--workspace", "--locked", "--no-fail-fast"], &env)?;
    }
    // The demo, end to end: an outage pages through Alertmanager (about 3 minutes).
    demo::run(&["--smoke"])
}

/// Builds `sloc` (debug) and returns its path.
fn debug_binary() -> Result<PathBuf> {
    run("cargo", &["build", "--quiet", "--package", dist::PACKAGE])?;
    Ok(root().join("target/debug/sloc"))
}

/// Builds `sloc` in release and returns its path.
fn release_binary() -> Result<PathBuf> {
    run("cargo", &["build", "--release", "--quiet", "--package", dist::PACKAGE])?;
    Ok(root().join("target/release/sloc"))
}

/// Runs each fuzz target, seeded with the fixtures. Needs `cargo install cargo-fuzz`; the stable
/// toolchain builds the sanitizer runtime with RUSTC_BOOTSTRAP=1.
fn fuzz(seconds: u64) -> Result<()> {
    let targets: [(&str, &[&str]); 6] = [
        ("rulefile", &["../fixtures/parity", "../fixtures/lint", "../rules"]),
        ("spec", &["../fixtures/build", "../fixtures/build-errors", "../rules"]),
        ("promql", &["../fixtures/promql"]),
        ("response", &[]),
        ("import", &["../fixtures/import"]),
        ("range", &[]),
    ];
    for (target, seeds) in targets {
        let corpus = format!("corpus/{target}");
        std::fs::create_dir_all(root().join("fuzz").join(&corpus))?;
        let mut args = vec!["fuzz", "run", "-O", target, corpus.as_str()];
        args.extend(seeds);
        let time = format!("-max_total_time={seconds}");
        args.extend(["--", time.as_str(), "-max_len=8192", "-print_final_stats=1"]);
        eprintln!("$ cargo {}", args.join(" "));
        let status = Command::new("cargo")
            .args(&args)
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir(root().join("fuzz"))
            .status()
            .context("cannot run cargo fuzz (cargo install cargo-fuzz)")?;
        if !status.success() {
            bail!("fuzz target {target} failed: see fuzz/artifacts/{target}/");
        }
    }
    Ok(())
}
