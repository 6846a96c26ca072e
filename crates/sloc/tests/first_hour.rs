//! What a new user meets in the first hour, from the outside: messages that name the command to
//! run, outputs that say what was written, flags that are not silently ignored, progress as
//! promtool finishes, and documentation that names only what exists.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{root, run, sloc};

fn fixture(name: &str) -> String {
    root().join("fixtures/build").join(name).to_str().unwrap().to_string()
}

#[test]
fn a_stale_check_names_the_command_that_regenerates_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("raw.slo.yaml");
    std::fs::copy(fixture("raw.slo.yaml"), &spec).unwrap();
    let spec = spec.to_str().unwrap();
    // Beside the spec: the `-o` command, which writes the file `--check` compared with.
    let result = run(&mut sloc(&["build", "--check", spec]));
    assert_eq!(result.code, 1);
    let command = format!("sloc build {spec} -o {}/raw.rules.yml", dir.path().display());
    assert!(result.stderr.contains(&format!("to regenerate, run:\n  {command}\n")), "{}", result.stderr);
    // Running it makes the check pass: the command is right, not only well formed.
    let words: Vec<&str> = command.split(' ').skip(1).collect();
    assert_eq!(run(&mut sloc(&words)).code, 0);
    assert_eq!(run(&mut sloc(&["build", "--check", spec])).code, 0);

    // With -o and a format: the same flags, without --check.
    let manifest = dir.path().join("raw.yaml");
    let manifest = manifest.to_str().unwrap();
    let args = ["build", spec, "--format", "prometheus-operator", "--label", "team=a", "-o", manifest, "--check"];
    let result = run(&mut sloc(&args));
    assert_eq!(result.code, 1);
    let command = format!("sloc build {spec} --format prometheus-operator --label team=a -o {manifest}");
    assert!(result.stderr.contains(&command), "{}", result.stderr);
}

#[test]
fn build_says_what_it_wrote_and_a_new_name_without_extension_is_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("mon2");
    let result = run(&mut sloc(&["build", &fixture("raw.slo.yaml"), "-o", target.to_str().unwrap()]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(target.is_dir(), "`-o mon2` (no such path, no extension) is a folder");
    for name in ["raw.rules.yml", "raw.alertmanager.yml", "raw.dashboard.json"] {
        assert!(target.join(name).is_file());
        assert!(result.stderr.contains(&format!("wrote {}\n", target.join(name).display())), "{}", result.stderr);
    }
    // A file name with an extension is still one file.
    let file = dir.path().join("all.yml");
    let result = run(&mut sloc(&["build", &fixture("raw.slo.yaml"), "-o", file.to_str().unwrap()]));
    assert_eq!(result.code, 0);
    assert!(file.is_file());
    assert_eq!(result.stderr, format!("wrote {}\n", file.display()));
}

#[test]
fn manifest_flags_without_the_manifest_format_are_refused() {
    for flags in [&["--label", "team=a"][..], &["--name", "x"], &["--namespace", "monitoring"]] {
        let mut args = vec!["build", "rules/oneflow.slo.yaml"];
        args.extend(flags);
        let result = run(&mut sloc(&args));
        assert_eq!(result.code, 2, "{flags:?}");
        assert!(result.stdout.is_empty());
        assert!(
            result.stderr.contains(&format!("{} sets the PrometheusRule manifest's metadata", flags[0]))
                && result.stderr.contains("--format prometheus-operator"),
            "{}",
            result.stderr
        );
    }
}

#[test]
fn test_help_names_the_layout_emit_writes() {
    let help = run(&mut sloc(&["test", "--help"]));
    assert!(help.stdout.contains("DIR/*/*.test.yml"), "{}", help.stdout);
    let dir = tempfile::tempdir().unwrap();
    let emitted = run(&mut sloc(&["test", "rules/oneflow.slo.yaml", "--emit", dir.path().to_str().unwrap()]));
    assert_eq!(emitted.code, 0, "{}", emitted.stderr);
    let nested = std::fs::read_dir(dir.path().join("oneflow"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".test.yml"))
        .count();
    assert_eq!(nested, 12, "the glob in --help finds the 12 tests");
}

#[test]
fn test_prints_each_result_as_it_finishes_and_counts_the_skipped() {
    // A spec with skipped objectives first, then ones that run.
    let mut child = sloc(&["test", &fixture("raw.slo.yaml"), "rules/oneflow.slo.yaml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let skip = lines.next().unwrap().unwrap();
    assert!(skip.starts_with("SKIP raw.slo.yaml durability: "), "the skips come first: {skip}");
    let skip = lines.next().unwrap().unwrap();
    assert!(skip.starts_with("SKIP oneflow.slo.yaml cost-efficiency: time-slice SLIs"), "{skip}");
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("PASS oneflow.slo.yaml "), "{first}");
    // 12 tests run about a second each on two cores: the first result arrives while the rest
    // still run.
    assert!(child.try_wait().unwrap().is_none(), "the first PASS line came only when everything had finished");
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(child.wait().unwrap().success());
    assert_eq!(rest.iter().filter(|l| l.starts_with("PASS ")).count(), 11);
    assert_eq!(rest.last().unwrap(), "12 passed, 0 failed, 2 skipped");
}
