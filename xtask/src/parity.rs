//! `cargo xtask parity PROMETHEUS_DIR [--promtool]`: sloc's PromQL verdicts against Prometheus'
//! own parser tests, read from a Prometheus checkout (never committed here):
//! - `promql/parser/parse_test.go`: every `testExpr` input and whether it must fail, judged
//!   with the flags that test enables (experimental functions, duration expressions, extended
//!   range selectors) for `prometheus@3.14`;
//! - `promql/promqltest/testdata/*.test`: every `eval` expression, which must parse (with the
//!   four syntax flags the engine tests enable), except where the next line expects a parse
//!   error.
//!
//! With `--promtool`, the parse_test inputs also go through the `promtool check rules` on PATH
//! (Debian's 2.42) and `sloc` for `prometheus@2.42`: both verdicts are compared where promtool
//! 2.42 and the upstream test agree.

use std::path::Path;

use anyhow::{Context, Result, bail};
use sloc_promql::{Target, parse_lean_for};
use sloc_target::{BINOP_FILL_MODIFIERS, DURATION_EXPR, EXPERIMENTAL_FUNCTIONS, EXTENDED_RANGE_SELECTORS};

/// One expression and whether Prometheus accepts it.
struct Case {
    source: String,
    expression: String,
    accepted: bool,
}

pub fn run(args: &[&str]) -> Result<()> {
    let Some(dir) = args.iter().find(|a| !a.starts_with("--")) else {
        bail!("usage: cargo xtask parity PROMETHEUS_DIR [--promtool]");
    };
    let dir = Path::new(dir);
    let (parse_cases, skipped) = parse_test_cases(&dir.join("promql/parser/parse_test.go"))?;
    let engine_cases = promqltest_cases(&dir.join("promql/promqltest/testdata"))?;
    let mut parser_target = Target::parse("prometheus@3.14").expect("a valid target");
    for flag in [EXPERIMENTAL_FUNCTIONS, DURATION_EXPR, EXTENDED_RANGE_SELECTORS] {
        parser_target.enable(flag).expect("a known flag");
    }
    let mut engine_target = parser_target.clone();
    engine_target.enable(BINOP_FILL_MODIFIERS).expect("a known flag");
    println!("skipped {skipped} parse_test.go inputs built at run time or not UTF-8");
    report("parse_test.go", &parse_cases, &parser_target);
    report("promqltest/testdata", &engine_cases, &engine_target);
    if args.contains(&"--promtool") {
        promtool_parity(&parse_cases)?;
    }
    Ok(())
}

fn report(name: &str, cases: &[Case], target: &Target) {
    let differ: Vec<(&Case, String)> = cases
        .iter()
        .filter_map(|c| {
            let verdict = parse_lean_for(&c.expression, target);
            (verdict.is_ok() != c.accepted).then(|| (c, verdict.err().map(|e| e.message).unwrap_or_default()))
        })
        .collect();
    let agree = cases.len() - differ.len();
    println!(
        "{name} for {target}: {agree} of {} agree ({:.2}%); sloc refuses {} Prometheus accepts, accepts {} it refuses",
        cases.len(),
        100.0 * agree as f64 / cases.len().max(1) as f64,
        differ.iter().filter(|(c, _)| c.accepted).count(),
        differ.iter().filter(|(c, _)| !c.accepted).count(),
    );
    for (case, message) in differ {
        let verdict = if case.accepted { "refused" } else { "accepted" };
        println!("  {verdict} {} ({}) {message}", case.expression, case.source);
    }
}

/// The inputs of `testExpr` with their `fail` flags; and how many were skipped.
fn parse_test_cases(path: &Path) -> Result<(Vec<Case>, usize)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let start = text.find("var testExpr = ").context("no testExpr table")?;
    let end = text[start..].find("\nfunc ").map_or(text.len(), |e| start + e);
    let table = &text[start..end];
    let first_line = text[..start].lines().count();
    let mut cases: Vec<Case> = Vec::new();
    let mut skipped = 0;
    let mut pending: Option<(usize, Option<String>)> = None;
    for (i, line) in table.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(value) = trimmed.strip_prefix("input:") {
            if let Some((at, expression)) = pending.take() {
                push(&mut cases, &mut skipped, at, expression, true);
            }
            pending = Some((first_line + i, go_string(value.trim().trim_end_matches(','))));
        } else if trimmed.starts_with("fail:")
            && trimmed.contains("true")
            && let Some((at, expression)) = pending.take()
        {
            push(&mut cases, &mut skipped, at, expression, false);
        }
    }
    if let Some((at, expression)) = pending {
        push(&mut cases, &mut skipped, at, expression, true);
    }
    Ok((cases, skipped))
}

fn push(cases: &mut Vec<Case>, skipped: &mut usize, line: usize, expression: Option<String>, accepted: bool) {
    match expression {
        Some(expression) => {
            cases.push(Case { source: format!("parse_test.go testExpr line {}", line + 1), expression, accepted })
        }
        None => *skipped += 1,
    }
}

/// A Go string literal, or literals joined by `+`; `None` for anything computed.
fn go_string(text: &str) -> Option<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        match bytes.get(i)? {
            b'`' => {
                let close = text[i + 1..].find('`')? + i + 1;
                out.extend_from_slice(&bytes[i + 1..close]);
                i = close + 1;
            }
            b'"' => {
                i += 1;
                loop {
                    match *bytes.get(i)? {
                        b'"' => break,
                        b'\\' => {
                            i += 1;
                            let (decoded, used) = go_escape(&text[i..])?;
                            out.extend_from_slice(&decoded);
                            i += used;
                        }
                        b => {
                            out.push(b);
                            i += 1;
                        }
                    }
                }
                i += 1;
            }
            _ => return None,
        }
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        match bytes.get(i) {
            None => return String::from_utf8(out).ok(),
            Some(b'+') => i += 1,
            Some(_) => return None,
        }
    }
}

/// One escape after `\`: its bytes and how much text it took.
fn go_escape(text: &str) -> Option<(Vec<u8>, usize)> {
    let c = *text.as_bytes().first()?;
    let simple = |b: u8| Some((vec![b], 1));
    let hex = |n: usize| u32::from_str_radix(text.get(1..1 + n)?, 16).ok();
    match c {
        b'n' => simple(b'\n'),
        b't' => simple(b'\t'),
        b'r' => simple(b'\r'),
        b'a' => simple(7),
        b'b' => simple(8),
        b'f' => simple(12),
        b'v' => simple(11),
        b'\\' | b'"' | b'\'' => simple(c),
        b'x' => Some((vec![hex(2)? as u8], 3)),
        b'u' => Some((char::from_u32(hex(4)?)?.to_string().into_bytes(), 5)),
        b'U' => Some((char::from_u32(hex(8)?)?.to_string().into_bytes(), 9)),
        b'0'..=b'7' => Some((vec![u8::from_str_radix(text.get(0..3)?, 8).ok()?], 3)),
        _ => None,
    }
}

/// Every `eval` expression of the engine's test files; each must parse unless the line after
/// expects a parse error.
fn promqltest_cases(dir: &Path) -> Result<Vec<Case>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "test"))
        .collect();
    paths.sort();
    let mut cases = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path)?;
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(rest) = line.strip_prefix("eval").filter(|r| r.starts_with([' ', '_'])) else { continue };
            // `eval[_fail|_warn|_info|_ordered] instant at T EXPR` or `... range from A to B step S EXPR`.
            let rest = if rest.starts_with('_') { rest.find(' ').map_or("", |at| &rest[at..]) } else { rest };
            let skip = match rest.split_whitespace().next() {
                Some("instant") => 3,
                Some("range") => 7,
                _ => continue,
            };
            let expression = after_words(rest, skip).trim().to_string();
            if expression.is_empty() {
                continue;
            }
            let next = lines.get(i + 1).map_or("", |l| l.trim());
            let parse_error = next.starts_with("expect fail") && next.contains("parse error");
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            cases.push(Case { source: format!("{name}:{}", i + 1), expression, accepted: !parse_error });
        }
    }
    Ok(cases)
}

/// `text` after its first `n` words.
fn after_words(text: &str, n: usize) -> &str {
    let mut rest = text;
    for _ in 0..n {
        rest = rest.trim_start();
        rest = rest.find(char::is_whitespace).map_or("", |at| &rest[at..]);
    }
    rest
}

/// parse_test.go's inputs through Debian's promtool 2.42 and through sloc for 2.42.
fn promtool_parity(cases: &[Case]) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("rules.yml");
    // Expressions promtool cannot hold in YAML (NUL, invalid text) are left out.
    let kept: Vec<&Case> = cases.iter().filter(|c| !c.expression.contains('\0')).collect();
    let mut yaml = String::from("groups:\n  - name: parity\n    rules:\n");
    for (i, case) in kept.iter().enumerate() {
        yaml.push_str(&format!("      - record: r{i}\n        expr: {}\n", serde_json::to_string(&case.expression)?));
    }
    std::fs::write(&file, &yaml)?;
    let out = std::process::Command::new("promtool").args(["check", "rules"]).arg(&file).output()?;
    let report = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let target = Target::parse("prometheus@2.42").expect("a valid target");
    let (mut same_upstream, mut agree) = (0, 0);
    let mut differ = Vec::new();
    for (i, case) in kept.iter().enumerate() {
        let promtool_ok = !report.contains(&format!("\"r{i}\": could not parse"));
        if promtool_ok != case.accepted {
            continue;
        }
        same_upstream += 1;
        let sloc_ok = parse_lean_for(&case.expression, &target).is_ok();
        if sloc_ok == promtool_ok {
            agree += 1;
        } else {
            differ.push((case, promtool_ok));
        }
    }
    println!(
        "promtool 2.42 on parse_test.go: agrees with upstream on {same_upstream} of {}; sloc for prometheus@2.42 agrees with promtool on {agree} of those ({:.2}%)",
        kept.len(),
        100.0 * agree as f64 / same_upstream.max(1) as f64
    );
    for (case, promtool_ok) in differ {
        println!(
            "  promtool {} {} ({})",
            if promtool_ok { "accepts" } else { "refuses" },
            case.expression,
            case.source
        );
    }
    Ok(())
}
