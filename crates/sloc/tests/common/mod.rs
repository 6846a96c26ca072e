//! Helpers for running the `sloc` binary and the real promtool from tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// A spec of `fixtures/build/`, as a path.
pub fn build_fixture(name: &str) -> String {
    root().join("fixtures/build").join(name).to_str().unwrap().to_string()
}

/// `sloc` with a fixed environment: no colour, fixed width, run from the workspace root.
pub fn sloc(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sloc"));
    cmd.args(args).current_dir(root()).env("NO_COLOR", "1").env("COLUMNS", "100").env_remove("CLICOLOR_FORCE");
    cmd
}

/// Writes `text` to `dir/name` (creating directories) and returns the path as text.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Run {
    let Output { status, stdout, stderr } = cmd.output().expect("sloc runs");
    Run {
        code: status.code().expect("sloc exits with a code, not a signal"),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

impl Run {
    /// The whole run as one text, for snapshots.
    pub fn transcript(&self) -> String {
        format!("exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}", self.code, self.stdout, self.stderr)
    }
}

/// The real promtool; tests that need it fail (never skip) without it: `cargo xtask ci`
/// installs it.
pub fn promtool() -> Command {
    let found = Command::new("promtool").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(found, "promtool is not on the PATH: install Debian's `prometheus` package (cargo xtask ci does)");
    Command::new("promtool")
}

/// `promtool check rules FILE`, asserting success.
pub fn assert_promtool_accepts(path: &Path) {
    let out = promtool().args(["check", "rules"]).arg(path).output().expect("promtool runs");
    assert!(
        out.status.success(),
        "promtool check rules rejects {}:\n{}{}",
        path.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub mod alertmanager;
pub mod fake_server;
pub mod history;
pub mod prometheus;

/// The test-only basic-auth user of `check` tests: password `sloc-test-password`, its bcrypt
/// hash (as `--web.config.file` wants it), and the `Authorization` header value.
pub const BASIC_AUTH_USER: &str = "admin";
pub const BASIC_AUTH_PASSWORD: &str = "sloc-test-password";
pub const BASIC_AUTH_HASH: &str = "$2b$04$znCASLwT.zLW/Yo6TXncj.AqGouqd65U/NNbG9hJT4OAoFLDFW2TC";
pub const BASIC_AUTH_HEADER: &str = "YWRtaW46c2xvYy10ZXN0LXBhc3N3b3Jk";
