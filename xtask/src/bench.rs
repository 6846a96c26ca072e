//! Benchmarks. Each prints wall time (best of several runs) and, where a peer exists, the peer's
//! time on the same input in the same run.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub fn run(args: &[&str]) -> Result<()> {
    match args.first().copied() {
        None | Some("all") => {
            compile()?;
            lint()?;
            check()
        }
        Some("check") => check(),
        Some("compile") => compile(),
        Some("lint") => lint(),
        Some(other) => bail!("unknown benchmark `{other}`: expected compile, lint or check"),
    }
}

/// A spec with `n` objectives of every SLI kind, group_by on some.
pub fn big_spec(n: usize) -> String {
    let mut text = String::from("service: bench\nperiod: 28d\nslos:\n");
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
        text.push_str(&format!("  - name: slo-{i}\n    objective: 99.5\n{group_by}    sli:\n{sli}"));
    }
    text
}

fn best_of(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        f()?;
        best = best.min(start.elapsed());
    }
    Ok(best)
}

/// `sloc build` on 1,000 objectives, in release, through the CLI.
fn compile() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("bench.slo.yaml");
    std::fs::write(&spec, big_spec(1000))?;
    let sloc = crate::release_binary()?;
    let out = dir.path().join("bench.rules.yml");
    let time = best_of(5, || {
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
    println!("compile: 1000 SLOs -> {rules} rules: sloc build {:.3} s (best of 5; goal < 0.2 s)", time.as_secs_f64());
    if crate::have("promtool") {
        let check = best_of(3, || {
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

/// A rule file of `groups` groups of 20 rules: recording rules with regex matchers and alerts.
pub fn big_rule_file(groups: usize) -> String {
    let mut text = String::from("groups:\n");
    for g in 0..groups {
        text.push_str(&format!("  - name: group-{g}\n    interval: 30s\n    rules:\n"));
        for r in 0..20 {
            if r % 4 == 3 {
                text.push_str(&format!(
                    "      - alert: HighErrorRate{g}x{r}\n        expr: job:http_errors:ratio_rate5m{{job=~\"api-{g}|web-{g}\"}} > 0.05\n        for: 10m\n        labels:\n          severity: warning\n        annotations:\n          summary: \"{{{{ $labels.job }}}} errors at {{{{ $value | humanizePercentage }}}}\"\n"
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

/// Wall time (best of `runs`) and peak resident memory of a command, through GNU time.
fn measure(
    runs: usize,
    program: &std::path::Path,
    args: &[&std::ffi::OsStr],
    ok_codes: &[i32],
) -> Result<(Duration, u64)> {
    let mut peak_kb = 0;
    let time = best_of(runs, || {
        let out = std::process::Command::new("/usr/bin/time")
            .arg("-f")
            .arg("%M")
            .arg(program)
            .args(args)
            .output()
            .with_context(|| format!("cannot run {} under /usr/bin/time (Debian package `time`)", program.display()))?;
        let code = out.status.code().unwrap_or(-1);
        if !ok_codes.contains(&code) {
            bail!("{} exited with {code}: {}", program.display(), String::from_utf8_lossy(&out.stderr));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let kb: u64 = stderr.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
        peak_kb = peak_kb.max(kb);
        Ok(())
    })?;
    Ok((time, peak_kb))
}

/// `sloc lint` on 1k, 10k and 50k rules, and `promtool check rules` on the same files.
fn lint() -> Result<()> {
    let sloc = crate::release_binary()?;
    let dir = tempfile::tempdir()?;
    let promtool = crate::have("promtool").then(|| std::path::PathBuf::from("promtool"));
    let promtool = promtool.and_then(|_| which("promtool"));
    for groups in [50, 500, 2500] {
        let rules = groups * 20;
        let path = dir.path().join(format!("rules-{rules}.yml"));
        std::fs::write(&path, big_rule_file(groups))?;
        let file = path.as_os_str();
        // Exit code 1: the file has findings (L008 on the regex-free alert matchers is fine).
        let (sloc_time, sloc_kb) = measure(3, &sloc, &[std::ffi::OsStr::new("lint"), file], &[0, 1])?;
        print!("lint: {rules:>6} rules: sloc lint {:.3} s, {:.1} MB", sloc_time.as_secs_f64(), sloc_kb as f64 / 1024.0);
        match &promtool {
            Some(p) => {
                let (p_time, p_kb) =
                    measure(3, p, &[std::ffi::OsStr::new("check"), std::ffi::OsStr::new("rules"), file], &[0])?;
                println!(
                    "; promtool check rules {:.3} s, {:.1} MB; sloc is {:.1}x faster, {:.1}x less memory",
                    p_time.as_secs_f64(),
                    p_kb as f64 / 1024.0,
                    p_time.as_secs_f64() / sloc_time.as_secs_f64(),
                    p_kb as f64 / sloc_kb.max(1) as f64
                );
            }
            None => println!("; promtool not installed"),
        }
    }
    Ok(())
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(program)).find(|p| p.is_file()))
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
        let time = best_of(5, || {
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
            "check: OneFlow spec + rules (5 objectives, 75 rules) against a local Prometheus: {:.3} s (best of 5)",
            time.as_secs_f64()
        );
        Ok(())
    })();
    let _ = prometheus.kill();
    let _ = prometheus.wait();
    outcome
}
