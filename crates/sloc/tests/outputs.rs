//! Nothing lost: what `sloc build` and `sloc test` write is valid, readable by another user,
//! never written over an input or over another spec's output.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{promtool, run, sloc, write};

const SPEC: &str = "service: api\nslos:\n  - name: availability\n    objective: 99.9\n    sli:\n      errors: http_requests_total{code=~\"5..\"}\n      total: http_requests_total\n";

/// A small deterministic generator (xorshift), so that a failure names a reproducible seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A valid spec drawn from what the spec allows: every SLI kind, labels and annotations that
/// collide with generated ones, quotes in values, group_by, disabled tiers, `for` overrides,
/// periods and objectives.
fn random_spec(seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let values = ["o'brien", "plain", "with \"quotes\"", "a: b", "#hash", "100", "yes", "", "ünï"];
    let mut spec = format!("service: svc{seed}\n");
    spec.push_str(&format!("period: {}\n", rng.pick(&["30d", "28d", "7d", "90d", "4w"])));
    if rng.chance(50) {
        spec.push_str(&format!("labels: {{team: {:?}}}\n", rng.pick(&values)));
    }
    spec.push_str("slos:\n");
    for i in 0..(1 + rng.next() % 3) {
        spec.push_str(&format!("  - name: slo-{i}\n    objective: {}\n", rng.pick(&["99.9", "99", "99.5", "99.95"])));
        if rng.chance(30) {
            spec.push_str("    group_by: [provider]\n");
        }
        let sli = match rng.next() % 5 {
            0 => format!(
                "      errors: requests_total{{status=\"error\", tenant={:?}}}\n      total: requests_total{{tenant={:?}}}\n",
                "it's", "it's"
            ),
            1 => "      good: requests_total{code!~\"5..\"}\n      total: requests_total\n".to_string(),
            2 => "      latency: {histogram: request_duration_seconds, threshold: 2s}\n".to_string(),
            3 => "      threshold:\n        value: sum(rate(cost_total[$window])) / sum(rate(requests_total[$window]))\n        below: 0.5\n".to_string(),
            _ => "      raw: sum(rate(errors_total[$window])) / sum(rate(requests_total[$window]))\n".to_string(),
        };
        spec.push_str(&format!("    sli:\n{sli}"));
        if rng.chance(70) {
            spec.push_str("    alerting:\n");
            spec.push_str(&format!(
                "      labels: {{team: {:?}, routing: {:?}}}\n",
                rng.pick(&values),
                rng.pick(&values)
            ));
            let key = rng.pick(&["description", "runbook_url", "message"]);
            spec.push_str(&format!(
                "      annotations: {{{key}: {:?}, summary: \"{{{{ $labels.provider }}}} burns {{{{ $value | humanizePercentage }}}}\"}}\n",
                rng.pick(&values)
            ));
            if rng.chance(40) {
                spec.push_str(&format!("      disable: [{}]\n", rng.pick(&["info", "warning"])));
            }
            if rng.chance(40) {
                spec.push_str(&format!("      for: {{critical: {}}}\n", rng.pick(&["1m", "5m", "30s"])));
            }
        }
    }
    spec
}

#[test]
fn every_generated_spec_compiles_to_rules_promtool_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for seed in 1..=120 {
        let spec = write(dir.path(), &format!("s{seed}.slo.yaml"), &random_spec(seed));
        let out = dir.path().join(format!("s{seed}.rules.yml"));
        let result = run(&mut sloc(&["build", &spec, "-o", out.to_str().unwrap()]));
        assert_eq!(result.code, 0, "seed {seed}:\n{}\n{}", random_spec(seed), result.stderr);
        outputs.push(out);
    }
    let checked = promtool().args(["check", "rules"]).args(&outputs).output().unwrap();
    assert!(
        checked.status.success(),
        "promtool refuses a compiled spec:\n{}",
        String::from_utf8_lossy(&checked.stdout)
            .lines()
            .filter(|l| !l.contains("SUCCESS") && !l.starts_with("Checking") && !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn user_annotations_replace_generated_ones_and_templates_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "a.slo.yaml",
        &format!(
            "{SPEC}    alerting:\n      annotations: {{summary: \"API burns\", runbook_url: \"https://r.example.com\"}}\n"
        ),
    );
    let out = dir.path().join("a.rules.yml");
    assert_eq!(run(&mut sloc(&["build", &spec, "-o", out.to_str().unwrap()])).code, 0);
    let rules = std::fs::read_to_string(&out).unwrap();
    assert_eq!(rules.matches("summary:").count(), 3, "one summary per tier:\n{rules}");
    assert!(rules.contains("summary: API burns") && !rules.contains("burns its error budget"), "{rules}");
    common::assert_promtool_accepts(&out);

    let bad = write(
        dir.path(),
        "b.slo.yaml",
        &format!("{SPEC}    alerting:\n      annotations: {{summary: \"{{{{ $label.job }}}}\"}}\n"),
    );
    let result = run(&mut sloc(&["build", &bad]));
    assert_eq!(result.code, 1);
    assert!(result.stderr.contains("R008(template)") && result.stderr.contains("undefined variable \"$label\""));
    assert!(result.stderr.contains("b.slo.yaml:9:"), "{}", result.stderr);
}

#[test]
fn written_files_keep_their_mode_or_get_the_usual_one() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "a.slo.yaml", SPEC);
    let out = dir.path().join("a.rules.yml");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // A new file: 0666 under the umask, as any program creates files.
    let sloc_bin = env!("CARGO_BIN_EXE_sloc");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("umask 022 && '{sloc_bin}' build '{spec}' -o '{}'", out.display()))
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(mode(&out), 0o644, "readable by a Prometheus running as another user");
    // An existing file keeps its mode.
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::fs::write(&out, "stale").unwrap();
    assert_eq!(run(&mut sloc(&["build", &spec, "-o", out.to_str().unwrap()])).code, 0);
    assert_eq!(mode(&out), 0o640);
    assert!(std::fs::read_to_string(&out).unwrap().contains("groups:"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn two_specs_never_write_one_file_and_an_input_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "teamA/slo.yaml", SPEC);
    let b = write(dir.path(), "teamB/slo.yaml", &SPEC.replace("service: api", "service: web"));
    let out = dir.path().join("out");
    let result = run(&mut sloc(&["build", &a, &b, "-o", &format!("{}/", out.display())]));
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result.stderr.contains("teamA/slo.yaml and ")
            && result.stderr.contains("teamB/slo.yaml would both be written to"),
        "{}",
        result.stderr
    );
    assert!(!out.join("slo.rules.yml").exists(), "nothing is written");
    let check = run(&mut sloc(&["build", "--check", &a, &b, "-o", &format!("{}/", out.display())]));
    assert_eq!(check.code, 2, "{}", check.stderr);

    let spec = write(dir.path(), "x.slo.yaml", SPEC);
    let result = run(&mut sloc(&["build", &spec, "-o", &spec]));
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("is the input"), "{}", result.stderr);
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), SPEC, "the spec is untouched");
    // The same file by another path.
    let other = dir.path().join(".").join("x.slo.yaml");
    assert_eq!(run(&mut sloc(&["build", &spec, "-o", other.to_str().unwrap()])).code, 2);
}

#[test]
fn generated_tests_survive_quotes_and_failures_show_promtool_s_reason() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "q.slo.yaml",
        "service: api\nlabels: {team: \"o'brien\"}\nslos:\n  - name: availability\n    objective: 99\n    sli:\n      errors: http_requests_total{code=~\"5..\", handler=\"it's\"}\n      total: http_requests_total{handler=\"it's\"}\n    alerting:\n      labels: {owner: \"d'arcy\"}\n      disable: [info, warning]\n",
    );
    let result = run(&mut sloc(&["test", &spec]));
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    assert!(result.stdout.contains("1 passed, 0 failed"), "{}", result.stdout);

    // A failing test shows promtool's own words, from stdout and stderr.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("promtool");
    std::fs::write(&fake, "#!/bin/sh\n[ \"$1\" = --version ] && exit 0\necho 'Unit Testing: x.test.yml'\necho 'FAILED: expr: ALERTS, time: 62m, exp: [], got: [1]' >&2\nexit 1\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let result = run(sloc(&["test", &spec]).env("PATH", path));
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(
        result.stdout.contains("FAIL q.slo.yaml availability critical (--emit DIR keeps the test files)"),
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains("    FAILED: expr: ALERTS, time: 62m, exp: [], got: [1]"), "{}", result.stdout);
}

/// No command writes over one of its inputs: `report --chart` naming the spec, `import -o`
/// into the directory of an input named `<service>.slo.yaml` (even with `--force`); and a
/// link at an import target, dangling or not, counts as a file that exists.
#[test]
fn no_command_overwrites_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "s.slo.yaml",
        "service: api\nslos:\n  - name: a\n    objective: 99\n    sli:\n      errors: x_total{code=\"5\"}\n      total: x_total\n",
    );
    let before = std::fs::read_to_string(&spec).unwrap();
    let args = [
        "report",
        &spec,
        "--prometheus",
        "http://127.0.0.1:9",
        "--from",
        "2020-01-01",
        "--to",
        "2020-01-02",
        "--chart",
        &spec,
    ];
    let report = run(&mut sloc(&args));
    assert_eq!(report.code, 2, "{}", report.transcript());
    assert!(report.stderr.contains("is the input"), "{}", report.stderr);
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), before, "the spec is untouched");

    let sloth = "version: \"prometheus/v1\"\nservice: shop\nslos:\n  - name: requests\n    objective: 99.9\n    sli:\n      events:\n        error_query: sum(rate(x_total{code=\"5\"}[{{.window}}]))\n        total_query: sum(rate(x_total[{{.window}}]))\n    alerting:\n      page_alert:\n        disable: true\n      ticket_alert:\n        disable: true\n";
    let input = write(dir.path(), "in/shop.slo.yaml", sloth);
    let into = dir.path().join("in");
    let imported = run(&mut sloc(&["import", &input, "-o", into.to_str().unwrap(), "--force"]));
    assert_eq!(imported.code, 2, "{}", imported.transcript());
    assert!(imported.stderr.contains("is the input"), "{}", imported.stderr);
    assert_eq!(std::fs::read_to_string(&input).unwrap(), sloth, "the input is untouched");

    let elsewhere = dir.path().join("out");
    std::fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(dir.path().join("nowhere"), elsewhere.join("shop.slo.yaml")).unwrap();
    let dangling = run(&mut sloc(&["import", &input, "-o", elsewhere.to_str().unwrap()]));
    assert_eq!(dangling.code, 2, "{}", dangling.transcript());
    assert!(dangling.stderr.contains("already exists: --force replaces it"), "{}", dangling.stderr);
    let forced = run(&mut sloc(&["import", &input, "-o", elsewhere.to_str().unwrap(), "--force"]));
    assert_eq!(forced.code, 0, "{}", forced.transcript());
}

/// Several specs and a target that names a file: one merged file, never a directory of that
/// name.
#[test]
fn several_specs_into_a_file_are_merged_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let spec = |service: &str| {
        format!(
            "service: {service}\nslos:\n  - name: a\n    objective: 99\n    sli:\n      errors: x_total{{code=\"5\"}}\n      total: x_total\n"
        )
    };
    let a = write(dir.path(), "a.slo.yaml", &spec("a"));
    let b = write(dir.path(), "b.slo.yaml", &spec("b"));
    let target = dir.path().join("all.rules.yml");
    let built = run(&mut sloc(&["build", &a, &b, "-o", target.to_str().unwrap()]));
    assert_eq!(built.code, 0, "{}", built.transcript());
    assert!(target.is_file(), "a file, not a directory");
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("name: sloc-a-a") && text.contains("name: sloc-b-a"), "{text}");
    let check = promtool().args(["check", "rules", target.to_str().unwrap()]).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let stale = run(&mut sloc(&["build", "--check", &a, &b, "-o", target.to_str().unwrap()]));
    assert_eq!(stale.code, 0, "fresh: {}", stale.transcript());
}

/// Interrupted by Ctrl-C (SIGINT to sloc alone, as a supervisor sends it) while promtool runs
/// the generated tests: the temporary directory (created 0700) is removed, no promtool child
/// is left running, and the exit code is 130.
#[test]
fn an_interrupted_test_run_leaves_nothing_behind() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let mut child = sloc(&["test", "rules/oneflow.slo.yaml"])
        .env("TMPDIR", tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the generated files exist and promtool runs on them.
    let started = std::time::Instant::now();
    let made = loop {
        let dirs: Vec<std::path::PathBuf> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().path()).collect();
        let running = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|p| std::fs::read_link(p.path().join("cwd")).is_ok_and(|cwd| cwd.starts_with(tmp.path())));
        if running && !dirs.is_empty() {
            break dirs;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "promtool never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(std::fs::metadata(&made[0]).unwrap().mode() & 0o777, 0o700, "{made:?}");
    let killed = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    // The handler stopped the children before exiting; give them a moment to go.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let orphans: Vec<_> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|p| std::fs::read_link(p.path().join("cwd")).is_ok_and(|cwd| cwd.starts_with(tmp.path())))
        .collect();
    assert!(orphans.is_empty(), "promtool left running: {:?}", orphans.iter().map(|p| p.path()).collect::<Vec<_>>());
}
