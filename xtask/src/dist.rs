//! `cargo xtask dist`: what a release ships, in `target/dist/`: the `sloc` binary, a Python
//! wheel that carries it (maturin, `bindings = "bin"`, as ruff ships), shell completions, the
//! man page and SHA256SUMS. The wheel is then installed into a fresh virtual environment and
//! run, so that a broken wheel fails here and not on a user's machine.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{root, run};

/// The package name on crates.io, PyPI and npm (`sloc` there is an unrelated line counter);
/// the binary is `sloc`.
pub const PACKAGE: &str = "sloc-cli";

pub fn run_dist() -> Result<()> {
    let venv = crate::python::venv()?;
    let dist = root().join("target/dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).context("cannot empty target/dist")?;
    }
    std::fs::create_dir_all(&dist)?;
    // maturin builds the release binary (cargo's target/release) and wraps it in the wheel.
    let maturin = venv.join("bin/maturin").display().to_string();
    run(
        &maturin,
        &["build", "--release", "--locked", "--manifest-path", "crates/sloc/Cargo.toml", "--out", "target/dist"],
    )?;
    let binary = root().join("target/release/sloc");
    std::fs::copy(&binary, dist.join("sloc")).context("cannot copy the release binary")?;

    let sloc = dist.join("sloc");
    std::fs::create_dir_all(dist.join("completions"))?;
    for (shell, file) in [("bash", "sloc.bash"), ("zsh", "_sloc"), ("fish", "sloc.fish")] {
        let text = output(&sloc, &["completions", shell])?;
        std::fs::write(dist.join("completions").join(file), text)?;
    }
    std::fs::create_dir_all(dist.join("man"))?;
    std::fs::write(dist.join("man/sloc.1"), output(&sloc, &["manpage"])?)?;

    let wheel = wheel(&dist)?;
    check_wheel(&wheel)?;
    checksums(&dist)?;
    eprintln!("dist: {}", dist.display());
    for entry in walk(&dist)? {
        let size = std::fs::metadata(&entry)?.len();
        eprintln!("  {:>10}  {}", size, entry.strip_prefix(&dist).unwrap_or(&entry).display());
    }
    Ok(())
}

/// The one wheel maturin wrote.
pub fn wheel(dist: &Path) -> Result<PathBuf> {
    let wheels: Vec<PathBuf> = std::fs::read_dir(dist)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    match &wheels[..] {
        [one] => Ok(one.clone()),
        _ => bail!("expected one wheel in {}, found {wheels:?}", dist.display()),
    }
}

/// Installs the wheel into a fresh virtual environment and runs the `sloc` it puts on the
/// environment's PATH.
fn check_wheel(wheel: &Path) -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let venv = scratch.path().join("venv");
    run("python3", &["-m", "venv", &venv.display().to_string()])?;
    let pip = venv.join("bin/pip").display().to_string();
    run(&pip, &["install", "--quiet", "--disable-pip-version-check", "--no-index", &wheel.display().to_string()])?;
    let version = output(&venv.join("bin/sloc"), &["--version"])?;
    let expected = format!("sloc {}", env!("CARGO_PKG_VERSION"));
    if version.trim() != expected {
        bail!("the wheel's sloc says {version:?}, expected {expected:?}");
    }
    let built =
        output(&venv.join("bin/sloc"), &["build", &root().join("rules/oneflow.slo.yaml").display().to_string()])?;
    let committed = std::fs::read_to_string(root().join("rules/oneflow.rules.yml"))?;
    if built != committed {
        bail!("the wheel's sloc compiles rules/oneflow.slo.yaml differently from the committed rules");
    }
    eprintln!("dist: {} installs into a fresh virtual environment and runs ({})", wheel.display(), version.trim());
    Ok(())
}

fn checksums(dist: &Path) -> Result<()> {
    let files: Vec<String> = walk(dist)?
        .iter()
        .map(|p| p.strip_prefix(dist).unwrap_or(p).display().to_string())
        .filter(|p| p != "SHA256SUMS")
        .collect();
    let mut args = vec!["--"];
    args.extend(files.iter().map(String::as_str));
    let out = Command::new("sha256sum").args(&args).current_dir(dist).output().context("cannot run sha256sum")?;
    if !out.status.success() {
        bail!("sha256sum failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    std::fs::write(dist.join("SHA256SUMS"), out.stdout)?;
    Ok(())
}

/// Every file under `dir`, sorted.
fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() { pending.push(path) } else { files.push(path) }
        }
    }
    files.sort();
    Ok(files)
}

fn output(program: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(program).args(args).output().with_context(|| format!("cannot run {}", program.display()))?;
    if !out.status.success() {
        bail!("`{} {}` failed: {}", program.display(), args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?)
}
