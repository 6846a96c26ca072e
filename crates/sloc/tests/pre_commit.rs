//! The hooks of `.pre-commit-hooks.yaml`, run by the real `pre-commit` framework (PyPI) in a
//! temporary git repository: a broken spec or a stale rule file is refused with its located
//! diagnostic, a good commit passes. Both kinds: the default hooks install the `sloc-cli` wheel
//! (`cargo xtask dist` builds it into `target/dist/`; pip finds it there as it would on PyPI),
//! the `-system` ones run the `sloc` on the PATH.

mod common;

use std::path::Path;
use std::process::Command;

use common::root;

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git").args(args).current_dir(dir).output().expect("git runs")
}

#[test]
fn the_hooks_from_the_wheel_refuse_broken_specs_and_stale_rules() {
    let dist = root().join("target/dist");
    let wheel = std::fs::read_dir(&dist)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "whl"));
    let wheel =
        wheel.unwrap_or_else(|| panic!("no wheel in {}: run `cargo xtask dist` (cargo xtask ci does)", dist.display()));
    // The good commit's rules come from the wheel's own sloc, so that a wheel built from an
    // older tree cannot fail this test for the wrong reason.
    let scratch = tempfile::tempdir().unwrap();
    let venv = scratch.path().join("venv");
    let made = Command::new("python3").arg("-m").arg("venv").arg(&venv).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let pip =
        Command::new(venv.join("bin/pip")).args(["install", "--quiet", "--no-index"]).arg(&wheel).output().unwrap();
    assert!(pip.status.success(), "{}", String::from_utf8_lossy(&pip.stderr));
    // No `sloc` on the PATH: the hooks can only run the wheel's.
    let path = std::env::var("PATH").unwrap_or_default();
    let path: Vec<&str> = path.split(':').filter(|d| !Path::new(d).join("sloc").exists()).collect();
    refuses_broken_specs_and_stale_rules(
        &["sloc-lint", "sloc-build-check"],
        &path.join(":"),
        &[("PIP_FIND_LINKS", dist.to_str().unwrap())],
        &venv.join("bin/sloc"),
    );
}

#[test]
fn the_system_hooks_run_the_sloc_on_the_path() {
    let sloc_dir = Path::new(env!("CARGO_BIN_EXE_sloc")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", sloc_dir.display(), std::env::var("PATH").unwrap_or_default());
    let sloc = Path::new(env!("CARGO_BIN_EXE_sloc"));
    refuses_broken_specs_and_stale_rules(&["sloc-lint-system", "sloc-build-check-system"], &path, &[], sloc);
}

/// `builder` is the `sloc` that writes the good commit's rules: the one the hooks run.
fn refuses_broken_specs_and_stale_rules(hooks: &[&str], path: &str, env: &[(&str, &str)], builder: &Path) {
    let found = Command::new("pre-commit").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(found, "pre-commit is not on the PATH: `pip install pre-commit` (cargo xtask ci does)");
    let head = git(&root(), &["rev-parse", "HEAD"]);
    assert!(head.status.success(), "the sloc checkout is a git repository");
    let rev = String::from_utf8(head.stdout).unwrap().trim().to_string();

    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    for args in [
        &["init", "-q"][..],
        &["config", "user.email", "ci@example.com"],
        &["config", "user.name", "CI"],
        &["config", "commit.gpgsign", "false"],
    ] {
        assert!(git(&repo, args).status.success());
    }
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: {}\n      - id: {}\n",
            root().display(),
            hooks[0],
            hooks[1]
        ),
    )
    .unwrap();
    let commit = |message: &str| {
        let add = git(&repo, &["add", "-A"]);
        assert!(add.status.success());
        Command::new("git")
            .args(["commit", "-q", "-m", message])
            .current_dir(&repo)
            .env("PATH", path)
            .envs(env.iter().copied())
            .env("PRE_COMMIT_HOME", dir.path().join("cache"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let install = Command::new("pre-commit")
        .arg("install")
        .current_dir(&repo)
        .env("PRE_COMMIT_HOME", dir.path().join("cache"))
        .output()
        .unwrap();
    assert!(install.status.success(), "{}", String::from_utf8_lossy(&install.stderr));

    // A broken spec: refused, with the located diagnostic.
    std::fs::write(repo.join("api.slo.yaml"), "service: api\nslos:\n  - name: availability\n    objectve: 99.9\n")
        .unwrap();
    let refused = commit("broken spec");
    let output = format!("{}{}", String::from_utf8_lossy(&refused.stdout), String::from_utf8_lossy(&refused.stderr));
    assert!(!refused.status.success(), "{output}");
    assert!(output.contains("api.slo.yaml:4:5"), "the diagnostic is located: {output}");
    assert!(output.contains("did you mean `objective`?"), "{output}");

    // A good spec whose rule file is missing: refused by the stale-output hook, with a diff.
    let spec = "service: api\nslos:\n  - name: availability\n    objective: 99.9\n    sli:\n      errors: http_requests_total{job=\"api\",code=~\"5..\"}\n      total: http_requests_total{job=\"api\"}\n";
    std::fs::write(repo.join("api.slo.yaml"), spec).unwrap();
    let stale = commit("no rules yet");
    let output = format!("{}{}", String::from_utf8_lossy(&stale.stdout), String::from_utf8_lossy(&stale.stderr));
    assert!(!stale.status.success(), "{output}");
    assert!(output.contains("api.rules.yml (from spec)") && output.contains("out of date"), "{output}");
    assert!(output.contains("to regenerate, run:\n  sloc build api.slo.yaml -o api.rules.yml\n"), "{output}");

    // With the generated rules beside it: the commit passes.
    let built = Command::new(builder)
        .args(["build", "api.slo.yaml", "-o", "api.rules.yml"])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(built.status.success());
    let passed = commit("spec and rules");
    let output = format!("{}{}", String::from_utf8_lossy(&passed.stdout), String::from_utf8_lossy(&passed.stderr));
    assert!(passed.status.success(), "{output}");
    assert!(output.contains("sloc lint") && output.contains("Passed"), "{output}");
}
