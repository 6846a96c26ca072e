//! Inputs that are not plain files, and the smaller promises of issue #10: streams and
//! symlinks are read (through the size cap), old Mac line endings are located, YAML errors are
//! said in full, and machine formats stay valid documents when sloc cannot run.

mod common;

use std::path::Path;
use std::process::Command;

use common::{run, sloc, write};

const BAD: &str = "groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum(up\n";
const SPEC: &str = "service: api\nslos:\n  - name: availability\n    objective: 99.9\n    sli:\n      errors: http_requests_total{code=~\"5..\"}\n      total: http_requests_total\n";

fn sh(script: &str, dir: &Path) -> common::Run {
    let sloc_bin = env!("CARGO_BIN_EXE_sloc");
    run(Command::new("bash").arg("-c").arg(script.replace("SLOC", sloc_bin)).current_dir(dir).env("NO_COLOR", "1"))
}

#[test]
fn streams_are_read_through_the_size_cap() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.yml"), BAD).unwrap();
    std::fs::write(dir.path().join("api.slo.yaml"), SPEC).unwrap();
    let substituted = sh("SLOC lint <(cat bad.yml)", dir.path());
    assert_eq!(substituted.code, 1, "{}", substituted.stderr);
    assert!(substituted.stderr.contains("P001(promql-syntax)"), "{}", substituted.stderr);
    let built = sh("SLOC build <(cat api.slo.yaml)", dir.path());
    assert_eq!(built.code, 0, "{}", built.stderr);
    assert!(built.stdout.contains("alert: ApiAvailabilityErrorBudgetBurn"));
    let fifo = sh("mkfifo pipe.yml && (cat bad.yml > pipe.yml &) && SLOC lint pipe.yml", dir.path());
    assert_eq!(fifo.code, 1, "{}", fifo.stderr);
    assert!(fifo.stderr.contains("pipe.yml:5:"), "{}", fifo.stderr);
    for script in ["SLOC build /dev/zero", "yes | SLOC lint -"] {
        let endless = sh(script, dir.path());
        assert_eq!(endless.code, 1, "{script}: {}", endless.stderr);
        assert!(endless.stderr.contains("larger than the 64 MiB sloc reads"), "{script}: {}", endless.stderr);
    }
}

#[test]
fn a_configmap_mount_of_symlinks_is_linted() {
    // Kubernetes mounts a ConfigMap as symlinks into a hidden, timestamped directory.
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("rules");
    std::fs::create_dir_all(mount.join("..2026_11_25_10_00_00.1")).unwrap();
    std::fs::write(mount.join("..2026_11_25_10_00_00.1/alerts.yml"), BAD).unwrap();
    std::os::unix::fs::symlink("..2026_11_25_10_00_00.1", mount.join("..data")).unwrap();
    std::os::unix::fs::symlink("..data/alerts.yml", mount.join("alerts.yml")).unwrap();
    let result = run(&mut sloc(&["lint", "--format", "json", mount.to_str().unwrap()]));
    assert_eq!(result.code, 1, "{}", result.stderr);
    let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let files: Vec<&str> = findings.as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 1, "found once, through the visible symlink: {files:?}");
    assert!(files[0].ends_with("rules/alerts.yml"), "{files:?}");
}

#[test]
fn carriage_returns_alone_end_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mac.yml");
    std::fs::write(&path, BAD.replace('\n', "\r")).unwrap();
    let result = run(&mut sloc(&["lint", "--format", "json", path.to_str().unwrap()]));
    let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(
        (findings[0]["line"].as_u64(), findings[0]["column"].as_u64()),
        (Some(5), Some(18)),
        "{}",
        result.stdout
    );
    let human = run(&mut sloc(&["lint", path.to_str().unwrap()]));
    assert!(
        human.stderr.contains("mac.yml:5:18]") && human.stderr.contains(" 5 │         expr: sum(up"),
        "{}",
        human.stderr
    );
}

#[test]
fn yaml_problems_are_said_in_full_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let message = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let result = run(&mut sloc(&["lint", "--format", "json", path.to_str().unwrap()]));
        let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
        (findings[0]["message"].as_str().unwrap().to_string(), findings[0]["line"].as_u64().unwrap())
    };
    let mut bomb = String::from("a: &a [1,1,1,1,1,1,1,1,1,1]\n");
    for (i, name) in ["b", "c", "d", "e", "f", "g"].iter().enumerate() {
        let prev = ["a", "b", "c", "d", "e", "f"][i];
        bomb.push_str(&format!("{name}: &{name} [{}]\n", vec![format!("*{prev}"); 10].join(",")));
    }
    let (text, _) = message("bomb.yml", bomb.as_bytes());
    assert!(text.starts_with("the document is too large once its aliases") && text.ends_with(" values"), "{text}");
    assert_eq!(message("dup.yml", b"a: 1\na: 2\n"), ("duplicate key `a` in a mapping".to_string(), 2));
    let (text, _) = message("latin1.yml", b"groups:\n  - name: caf\xe9\n");
    assert_eq!(text, "the file is not UTF-8 text (an invalid byte at line 2, column 14)");
}

#[test]
fn machine_formats_stay_valid_when_sloc_cannot_run() {
    let json = run(&mut sloc(&["lint", "--format", "json", "no/such/file.yml"]));
    assert_eq!(json.code, 2);
    let findings: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!((findings[0]["code"].as_str(), findings[0]["severity"].as_str()), (Some("E001"), Some("error")));
    assert!(findings[0]["message"].as_str().unwrap().contains("cannot read no/such/file.yml"));
    let sarif = run(&mut sloc(&[
        "check",
        "--prometheus",
        "http://127.0.0.1:1",
        "--format",
        "sarif",
        "rules/oneflow.rules.yml",
    ]));
    assert_eq!(sarif.code, 2);
    let document: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(document["runs"][0]["results"][0]["ruleId"], "E001");
    let github = run(&mut sloc(&["build", "--error-format", "github", "missing.slo.yaml"]));
    assert_eq!(github.code, 2);
    assert!(github.stdout.starts_with("::error file=sloc,line=1,col=1,"), "{}", github.stdout);
    // Human output is unchanged: one line on stderr, nothing on stdout.
    let human = run(&mut sloc(&["lint", "no/such/file.yml"]));
    assert_eq!(
        (human.stdout.as_str(), human.stderr.as_str()),
        ("", "error: cannot read no/such/file.yml: no such file or directory\n")
    );
}

/// Deep nesting that real files have is read: an Alertmanager routing tree 32 routes deep
/// (amtool accepts it). Deeper than sloc reads is said as such, not as an alias problem.
#[test]
fn deep_documents_are_read_and_too_deep_ones_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from("route:\n  receiver: r\n");
    let mut indent = "  ".to_string();
    for _ in 0..32 {
        config.push_str(&format!("{indent}routes:\n{indent}  - receiver: r\n"));
        indent.push_str("    ");
    }
    config.push_str("receivers:\n  - name: r\n");
    let path = write(dir.path(), "deep.yml", &config);
    let checked =
        run(&mut sloc(&["check", "--alertmanager-config", &path, "--format", "json", "rules/oneflow.slo.yaml"]));
    assert!(!checked.stdout.contains("A006"), "{}", checked.stdout);
    let too_deep = write(dir.path(), "too-deep.yml", &format!("a: {}x{}\n", "[".repeat(120), "]".repeat(120)));
    let linted = run(&mut sloc(&["lint", &too_deep]));
    assert_eq!(linted.code, 1, "{}", linted.transcript());
    assert!(linted.stderr.contains("nests deeper than 96 levels"), "{}", linted.stderr);
    assert!(!linted.stderr.contains("aliases"), "{}", linted.stderr);
}
