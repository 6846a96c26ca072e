//! Benchmarks. Each prints wall time (the median of several runs) and, where a peer exists, the peer's
//! time on the same input in the same run.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub fn run(args: &[&str]) -> Result<()> {
    match args.first().copied() {
        None | Some("all") => {
            compile()?;
            lint()?;
            pathological()?;
            check()
        }
        Some("check") => check(),
        Some("cost") => crate::cost::run(&args[1..]),
        Some("compile") => compile(),
        Some("lint") => lint(),
        Some("pathological") => pathological(),
        Some("lint-real") if args.len() > 1 => {
            lint_real(&args[1..].iter().map(std::path::Path::new).collect::<Vec<_>>())
        }
        Some("lint-real") => {
            bail!("usage: cargo xtask bench lint-real DIR... (a directory of real rule files per project)")
        }
        Some(other) => {
            bail!(
                "unknown benchmark `{other}`: expected compile, lint, pathological, lint-real DIR, check or cost [--quick]"
            )
        }
    }
}

/// A spec with `n` objectives of every SLI kind, group_by, custom tiers, periods and labels on
/// some, names of several lengths.
pub fn big_spec(n: usize) -> String {
    let mut text = String::from(
        "service: bench\nperiod: 28d\ntiers:\n  - {name: page, severity: critical, long: 1h, short: 5m, factor: 14.4}\n  \
         - {name: page-slow, severity: critical, long: 6h, short: 30m, factor: 6}\n  \
         - {name: ticket, severity: warning, long: 1d, short: 2h, factor: 3}\n  \
         - {name: review, severity: info, long: 3d, short: 6h, factor: 1}\nslos:\n",
    );
    for i in 0..n {
        let sli = match i % 5 {
            0 => format!(
                "      errors: http_requests_total{{job=\"api{i}\",code=~\"5..\"}}\n      total: http_requests_total{{job=\"api{i}\"}}\n"
            ),
            1 => format!(
                "      good: http_requests_total{{job=\"api{i}\",code!~\"5..\"}}\n      total: http_requests_total{{job=\"api{i}\"}}\n"
            ),
            2 => format!(
                "      latency:\n        histogram: http_request_duration_seconds\n        threshold: 250ms\n        matchers: job=\"api{i}\"\n"
            ),
            3 => format!(
                "      threshold:\n        value: sum(rate(cost_total{{job=\"api{i}\"}}[$window])) / sum(rate(requests_total{{job=\"api{i}\"}}[$window]))\n        below: 0.5\n"
            ),
            _ => format!(
                "      raw: sum(rate(errors_total{{job=\"api{i}\"}}[$window])) / sum(rate(requests_total{{job=\"api{i}\"}}[$window]))\n"
            ),
        };
        let group_by = if i % 3 == 0 { "    group_by: [instance]\n" } else { "" };
        let own = match i % 7 {
            0 => {
                "    tiers:\n      - {severity: critical, long: 1h, budget: 2}\n      - {severity: warning, long: 12h, budget: 10, for: 1h}\n"
            }
            1 => "    period: 7d\n    labels: {team: payments}\n",
            2 => "    exact: true\n",
            _ => "",
        };
        let name = ["slo", "checkout", "search-latency", "api"][i % 4];
        text.push_str(&format!("  - name: {name}-{i}\n    objective: 99.5\n{group_by}{own}    sli:\n{sli}"));
    }
    text
}

/// The median wall time of `runs` runs.
fn median_of(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// `sloc build` on 1,000 objectives, in release, through the CLI.
fn compile() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("bench.slo.yaml");
    std::fs::write(&spec, big_spec(1000))?;
    let sloc = crate::release_binary()?;
    let out = dir.path().join("bench.rules.yml");
    let time = median_of(5, || {
        let status = std::process::Command::new(&sloc)
            .arg("build")
            .arg(&spec)
            .arg("-o")
            .arg(&out)
            .status()
            .context("cannot run sloc")?;
        if !status.success() {
            bail!("sloc build failed on the benchmark spec");
        }
        Ok(())
    })?;
    let rules = std::fs::read_to_string(&out)?.matches("\n      - ").count();
    println!("compile: 1000 SLOs -> {rules} rules: sloc build {:.3} s (median of 5; goal < 0.2 s)", time.as_secs_f64());
    if crate::have("promtool") {
        let check = median_of(3, || {
            let o = std::process::Command::new("promtool").arg("check").arg("rules").arg(&out).output()?;
            if !o.status.success() {
                bail!("promtool rejects the compiled benchmark rules:\n{}", String::from_utf8_lossy(&o.stdout));
            }
            Ok(())
        })?;
        println!("         promtool check rules on the output: {:.3} s (the output is valid)", check.as_secs_f64());
    }
    Ok(())
}

/// A rule file of `groups` groups of 20 rules: every recording rule with regex matchers, every
/// alert with a templated annotation and an `and on (...)` clause (the shape issue #22 asks the
/// lint bench to hold).
pub fn big_rule_file(groups: usize) -> String {
    let mut text = String::from("groups:\n");
    for g in 0..groups {
        text.push_str(&format!("  - name: group-{g}\n    interval: 30s\n    rules:\n"));
        for r in 0..20 {
            if r % 4 == 3 {
                text.push_str(&format!(
                    "      - alert: HighErrorRate{g}x{r}\n        expr: job:http_errors:ratio_rate5m{{job=~\"api-{g}|web-{g}\"}} > 0.05 and on (job) up{{job=~\"api-{g}|web-{g}\"}} == 1\n        for: 10m\n        labels:\n          severity: warning\n        annotations:\n          summary: \"{{{{ $labels.job }}}} errors at {{{{ $value | humanizePercentage }}}}\"\n"
                ));
            } else {
                text.push_str(&format!(
                    "      - record: job:http_requests_{r}:rate5m\n        expr: sum by (job, code) (rate(http_requests_total{{job=~\"api-{g}.*\",code=~\"5..\",handler!~\"/health|/metrics\"}}[5m]))\n        labels:\n          group: g{g}\n"
                ));
            }
        }
    }
    text
}

/// A command to time: the program, its arguments, and the exit codes that mean it ran.
struct Command<'a> {
    program: &'a std::path::Path,
    args: &'a [&'a std::ffi::OsStr],
    ok_codes: &'a [i32],
}

impl Command<'_> {
    /// Wall time and peak resident memory (KiB) of one run, through GNU time.
    fn run_once(&self) -> Result<(Duration, u64)> {
        let start = Instant::now();
        let out = std::process::Command::new("/usr/bin/time")
            .arg("-f")
            .arg("%M")
            .arg(self.program)
            .args(self.args)
            .output()
            .with_context(|| {
                format!("cannot run {} under /usr/bin/time (Debian package `time`)", self.program.display())
            })?;
        let elapsed = start.elapsed();
        let code = out.status.code().unwrap_or(-1);
        if !self.ok_codes.contains(&code) {
            bail!("{} exited with {code}: {}", self.program.display(), String::from_utf8_lossy(&out.stderr));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let kb: u64 = stderr.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
        Ok((elapsed, kb))
    }
}

/// What [`side_by_side`] measured: medians of wall time, peak memory, and the median of each
/// round's time ratio (peer / sloc).
struct SideBySide {
    sloc: (Duration, u64),
    peer: Option<(Duration, u64, f64)>,
}

/// Runs sloc and the peer in alternation, `runs` rounds: a machine that slows down for a while
/// slows both, and the ratio of each round is compared within the round.
fn side_by_side(runs: usize, sloc: &Command, peer: Option<&Command>) -> Result<SideBySide> {
    let (mut sloc_times, mut peer_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let (mut sloc_kb, mut peer_kb) = (0, 0);
    for _ in 0..runs {
        let (time, kb) = sloc.run_once()?;
        sloc_times.push(time);
        sloc_kb = sloc_kb.max(kb);
        if let Some(peer) = peer {
            let (peer_time, kb) = peer.run_once()?;
            peer_times.push(peer_time);
            peer_kb = peer_kb.max(kb);
            ratios.push(peer_time.as_secs_f64() / time.as_secs_f64());
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    ratios.sort_by(f64::total_cmp);
    Ok(SideBySide {
        sloc: (median(&mut sloc_times), sloc_kb),
        peer: peer.map(|_| (median(&mut peer_times), peer_kb, ratios[ratios.len() / 2])),
    })
}

/// `sloc lint FILE` and `promtool check rules FILE` (when installed) side by side.
fn lint_side_by_side(
    runs: usize,
    sloc: &std::path::Path,
    file: &std::ffi::OsStr,
    ok_codes: (&[i32], &[i32]),
) -> Result<SideBySide> {
    let sloc_args = [std::ffi::OsStr::new("lint"), file];
    let peer_args = [std::ffi::OsStr::new("check"), std::ffi::OsStr::new("rules"), file];
    let promtool = crate::which("promtool");
    let sloc_command = Command { program: sloc, args: &sloc_args, ok_codes: ok_codes.0 };
    let peer_command = promtool.as_deref().map(|p| Command { program: p, args: &peer_args, ok_codes: ok_codes.1 });
    side_by_side(runs, &sloc_command, peer_command.as_ref())
}

/// `sloc lint` on 1k, 10k and 50k rules, and `promtool check rules` on the same files.
fn lint() -> Result<()> {
    let sloc = crate::release_binary()?;
    let dir = tempfile::tempdir()?;
    for groups in [50, 500, 2500] {
        let rules = groups * 20;
        let path = dir.path().join(format!("rules-{rules}.yml"));
        std::fs::write(&path, big_rule_file(groups))?;
        let file = path.as_os_str();
        // Exit code 1: the file has findings (L008 on the regex-free alert matchers is fine).
        let runs = if rules > 10_000 { 3 } else { 7 };
        let result = lint_side_by_side(runs, &sloc, file, (&[0, 1], &[0]))?;
        let (sloc_time, sloc_kb) = result.sloc;
        print!("lint: {rules:>6} rules: sloc lint {:.3} s, {:.1} MB", sloc_time.as_secs_f64(), sloc_kb as f64 / 1024.0);
        match result.peer {
            Some((p_time, p_kb, ratio)) => println!(
                "; promtool check rules {:.3} s, {:.1} MB; sloc is {ratio:.1}x faster (median of {runs} alternating rounds), {:.1}x less memory",
                p_time.as_secs_f64(),
                p_kb as f64 / 1024.0,
                p_kb as f64 / sloc_kb.max(1) as f64
            ),
            None => println!("; promtool not installed"),
        }
    }
    Ok(())
}

/// Prometheus' parser tests' pathological inputs: a 55,000-character expression and a
/// 25,000-deep nesting, each with an error, through `sloc lint` and `promtool check rules`.
fn pathological() -> Result<()> {
    let sloc = crate::release_binary()?;
    let dir = tempfile::tempdir()?;
    let rule =
        |expr: String| format!("groups:\n  - name: g\n    rules:\n      - record: x\n        expr: \"{expr}\"\n");
    let inputs = [
        ("55,000-character chain", rule(format!("({}){}", "-{}-1".repeat(10_000), "[1m:]".repeat(1000)))),
        ("25,000-deep nesting", rule(format!("{}a +{}", "(".repeat(25_000), ")".repeat(25_000)))),
    ];
    for (name, text) in inputs {
        let path = dir.path().join("p.yml");
        std::fs::write(&path, text)?;
        let file = path.as_os_str();
        let result = lint_side_by_side(5, &sloc, file, (&[1], &[1]))?;
        let sloc_time = result.sloc.0;
        print!("pathological: {name}: sloc lint {:.3} s", sloc_time.as_secs_f64());
        match result.peer {
            Some((p_time, _, ratio)) => println!(
                "; promtool check rules {:.3} s; sloc takes {:.2}x promtool's time",
                p_time.as_secs_f64(),
                1.0 / ratio
            ),
            None => println!("; promtool not installed"),
        }
    }
    Ok(())
}

/// `sloc lint` on a directory of real rule files (kept out of the repository): rules, findings
/// per code shown by default and with every style check, and promtool's verdict beside sloc's
/// for each file.
/// `sloc lint` on real rule files, one directory per project (files of one project are linted
/// together, as they are deployed; projects apart, so that two projects recording the same
/// series is not a finding): promtool's verdict beside sloc's per file, then findings per code.
fn lint_real(dirs: &[&std::path::Path]) -> Result<()> {
    let sloc = crate::release_binary()?;
    let (mut shown, mut all) = (Vec::new(), Vec::new());
    let (mut rules, mut disagreements, mut files_total) = (0, 0, 0);
    println!("| project | file | rules | promtool | sloc |\n|---|---|---|---|---|");
    for dir in dirs {
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
            .collect();
        files.sort();
        files_total += files.len();
        let findings = |extra: &[&str]| -> Result<Vec<serde_json::Value>> {
            let mut command = std::process::Command::new(&sloc);
            command.args(["lint", "--format", "json"]).args(extra).arg(dir);
            let out = command.output()?;
            serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).context("sloc lint --format json")
        };
        shown.extend(findings(&[])?);
        all.extend(findings(&["--enable", "style"])?);
        let project = dir.file_name().unwrap_or_default().to_string_lossy();
        for path in &files {
            let text = std::fs::read_to_string(path)?;
            // A rule is a list item whose first key is `alert`, `record` or `expr`, quoted or not
            // (compiled mixins quote every key).
            let is_rule = |item: &str| {
                let key = item.trim_start_matches('"');
                ["alert", "record", "expr"]
                    .iter()
                    .any(|k| key.strip_prefix(k).is_some_and(|rest| rest.trim_start_matches('"').starts_with(':')))
            };
            let n = text.lines().filter_map(|l| l.trim_start().strip_prefix("- ")).filter(|i| is_rule(i)).count();
            rules += n;
            let verdict = |ok: bool| if ok { "accepts" } else { "rejects" };
            let sloc_ok = std::process::Command::new(&sloc).arg("lint").arg(path).output()?.status.success();
            let promtool_ok = match crate::which("promtool") {
                // promtool reads plain rule files only; a PrometheusRule manifest is not one.
                Some(p) if !text.contains("kind: PrometheusRule") => {
                    Some(std::process::Command::new(p).args(["check", "rules"]).arg(path).output()?.status.success())
                }
                _ => None,
            };
            disagreements += usize::from(promtool_ok.is_some_and(|p| p != sloc_ok));
            println!(
                "| {project} | {} | {n} | {} | {} |",
                path.file_name().unwrap_or_default().to_string_lossy(),
                promtool_ok.map_or("n/a", verdict),
                verdict(sloc_ok)
            );
        }
    }
    let count = |list: &[serde_json::Value], code: &str| list.iter().filter(|f| f["code"] == code).count();
    let mut codes: Vec<String> = all.iter().filter_map(|f| f["code"].as_str().map(str::to_string)).collect();
    codes.sort();
    codes.dedup();
    println!("\n| code | name | severity | shown by default | with every style check |\n|---|---|---|---|---|");
    for code in &codes {
        let first = all.iter().find(|f| f["code"] == code.as_str()).expect("listed");
        println!(
            "| {code} | {} | {} | {} | {} |",
            first["name"].as_str().unwrap_or_default(),
            first["severity"].as_str().unwrap_or_default(),
            count(&shown, code),
            count(&all, code)
        );
    }
    let warnings = shown.iter().filter(|f| f["severity"] != "info").count();
    println!(
        "\n{files_total} files, {rules} rules: {} findings shown by default ({warnings} warnings or errors, {:.1} per 100 rules), {} with every style check; promtool and sloc disagree on {disagreements} files",
        shown.len(),
        100.0 * warnings as f64 / rules.max(1) as f64,
        all.len()
    );
    Ok(())
}

/// `sloc check` of the OneFlow spec and rules against a local Prometheus that runs them.
fn check() -> Result<()> {
    let sloc = crate::release_binary()?;
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let rules = crate::root().join("rules/oneflow.rules.yml");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, format!("global:\n  evaluation_interval: 1s\nrule_files:\n  - {}\n", rules.display()))?;
    let mut prometheus = std::process::Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--storage.tsdb.retention.time=60d")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("cannot start prometheus (Debian package `prometheus`)")?;
    let url = format!("http://127.0.0.1:{port}");
    let outcome = (|| {
        let ready = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if ready.elapsed() > Duration::from_secs(30) {
                bail!("prometheus did not start");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_secs(3));
        let args = ["check", "--prometheus", url.as_str(), "rules/oneflow.slo.yaml", "rules/oneflow.rules.yml"];
        let time = median_of(5, || {
            let status = std::process::Command::new(&sloc)
                .args(args)
                .current_dir(crate::root())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()?;
            // 1: no data behind the SLIs on this bare server; the check itself ran.
            if !matches!(status.code(), Some(0 | 1)) {
                bail!("sloc check failed ({status})");
            }
            Ok(())
        })?;
        println!(
            "check: OneFlow spec + rules (5 objectives, 75 rules) against a local Prometheus: {:.3} s (median of 5)",
            time.as_secs_f64()
        );
        Ok(())
    })();
    let _ = prometheus.kill();
    let _ = prometheus.wait();
    outcome
}
