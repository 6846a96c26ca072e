//! Benchmarks. Each prints wall time (best of several runs) and, where a peer exists, the peer's
//! time on the same input in the same run.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub fn run(args: &[&str]) -> Result<()> {
    match args.first().copied() {
        None | Some("all") => compile(),
        Some("compile") => compile(),
        Some(other) => bail!("unknown benchmark `{other}`: expected compile"),
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
