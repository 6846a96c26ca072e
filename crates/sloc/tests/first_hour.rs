//! What a new user meets in the first hour, from the outside: messages that name the command to
//! run, outputs that say what was written, flags that are not silently ignored, progress as
//! promtool finishes, and documentation that names only what exists.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{root, run, sloc};

use common::build_fixture as fixture;

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

/// `sloc explain --all`: (code, name, summary) per line.
fn registry() -> Vec<(String, String, String)> {
    let listed = run(&mut sloc(&["explain", "--all"]));
    assert_eq!(listed.code, 0);
    listed
        .stdout
        .lines()
        .map(|line| {
            let mut words = line.split_whitespace();
            let (code, name, _severity) = (words.next().unwrap(), words.next().unwrap(), words.next().unwrap());
            (code.to_string(), name.to_string(), words.collect::<Vec<_>>().join(" "))
        })
        .collect()
}

#[test]
fn explain_all_aligns_its_columns() {
    let listed = run(&mut sloc(&["explain", "--all"]));
    let summary_column: std::collections::BTreeSet<usize> = listed
        .stdout
        .lines()
        .map(|line| {
            // The byte offset of the fourth word: where the summary starts.
            let starts: Vec<usize> = line
                .char_indices()
                .filter(|&(i, c)| c != ' ' && (i == 0 || line.as_bytes()[i - 1] == b' '))
                .map(|(i, _)| i)
                .collect();
            starts[3]
        })
        .collect();
    assert_eq!(summary_column.len(), 1, "every summary starts in one column:\n{}", listed.stdout);
}

/// Every code the documentation names exists, and a table row that describes a code talks
/// about what the registry says it is (a shared word of five letters or more).
#[test]
fn every_code_the_documentation_names_is_the_registry_s() {
    let registry = registry();
    let code_re = |text: &str| -> Vec<String> {
        let bytes = text.as_bytes();
        (0..bytes.len().saturating_sub(3))
            .filter(|&i| {
                bytes[i].is_ascii_uppercase()
                    && bytes[i + 1..i + 4].iter().all(u8::is_ascii_digit)
                    && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
                    && bytes.get(i + 4).is_none_or(|b| !b.is_ascii_alphanumeric())
            })
            .map(|i| text[i..i + 4].to_string())
            .collect()
    };
    let mut documents =
        vec![root().join("README.md"), root().join("ARCHITECTURE.md"), root().join("examples/oneflow/README.md")];
    documents.extend(
        std::fs::read_dir(root().join("docs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md")),
    );
    let mut checked_rows = 0;
    for document in documents {
        let text = std::fs::read_to_string(&document).unwrap();
        for code in code_re(&text) {
            // Codes of other tools' documentation that a document cites are written with a prefix
            // (`pint`'s, Prometheus' issue numbers); sloc's codes stand alone.
            assert!(
                registry.iter().any(|(c, _, _)| *c == code),
                "{} names {code}, which `sloc explain --all` does not list",
                document.display()
            );
        }
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("| ") else { continue };
            let Some((code, description)) = rest.split_once(" | ") else { continue };
            let Some((_, name, summary)) = registry.iter().find(|(c, _, _)| c == code.trim()) else { continue };
            let words = |t: &str| -> std::collections::BTreeSet<String> {
                t.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 5).map(str::to_lowercase).collect()
            };
            let registry_words: std::collections::BTreeSet<String> =
                words(summary).union(&words(name)).cloned().collect();
            assert!(
                !words(description).is_disjoint(&registry_words),
                "{}: the row for {code} ({description}) shares no word with the registry's `{name}`: {summary}",
                document.display()
            );
            checked_rows += 1;
        }
    }
    assert!(checked_rows >= 18, "the code tables were read: {checked_rows} rows");
}

/// docker-compose cannot run here; what it reads can be checked: every file it mounts exists,
/// every variable it needs is in `.env.example`, and Prometheus scrapes the exporter's port.
#[test]
fn the_docker_compose_example_mounts_files_that_exist_and_documents_its_variables() {
    let example = root().join("examples/oneflow");
    let compose = std::fs::read_to_string(example.join("docker-compose.yml")).unwrap();
    let mut mounted = 0;
    for line in compose.lines() {
        let Some(source) = line
            .trim()
            .strip_prefix("- ./")
            .map(|s| format!("./{s}"))
            .or_else(|| line.trim().strip_prefix("- ../").map(|s| format!("../{s}")))
        else {
            continue;
        };
        let path = source.split(':').next().unwrap();
        assert!(example.join(path).exists(), "docker-compose.yml mounts {path}, which does not exist");
        mounted += 1;
    }
    assert!(mounted >= 6, "{mounted} mounts read");
    let env = std::fs::read_to_string(example.join(".env.example")).unwrap();
    for (i, _) in compose.match_indices("${") {
        let name: String = compose[i + 2..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        assert!(env.lines().any(|l| l.starts_with(&format!("{name}="))), ".env.example does not set {name}");
    }
    assert!(compose.contains("/exporter/oneflow_exporter.py, --port, \"8000\""), "{compose}");
    let prometheus = std::fs::read_to_string(example.join("prometheus/prometheus.yml")).unwrap();
    assert!(prometheus.contains("oneflow-api:8000"));
    let alertmanager = std::fs::read_to_string(example.join("alertmanager/alertmanager.yml")).unwrap();
    assert!(
        alertmanager.contains("http://oneflow-notifier:8080/pager") && compose.contains("aliases: [oneflow-notifier]")
    );
}

#[test]
fn check_names_what_it_checked_against_and_every_kind_of_server_it_can() {
    let config = "examples/oneflow/alertmanager/alertmanager.yml";
    let result = run(&mut sloc(&["check", "--alertmanager-config", config, "rules/oneflow.slo.yaml"]));
    assert_eq!((result.code, result.stderr.clone()), (0, format!("no problems in 1 file, checked against {config}\n")));
    let result = run(&mut sloc(&["check", "rules/oneflow.slo.yaml"]));
    assert_eq!(result.code, 2);
    for flag in ["--prometheus URL", "--alertmanager URL", "--alertmanager-config FILE"] {
        assert!(result.stderr.contains(flag), "{}", result.stderr);
    }
}

/// The period is read before any server is asked: these need none.
#[test]
fn report_says_how_to_give_a_period() {
    // A port just bound and released: nothing listens there.
    let unreachable = format!("http://127.0.0.1:{}", common::prometheus::free_port());
    let unreachable = unreachable.as_str();
    let none = run(&mut sloc(&["report", "--prometheus", unreachable, "rules/oneflow.slo.yaml"]));
    assert_eq!(none.code, 2);
    assert!(
        none.stderr.contains("--month YYYY-MM") && none.stderr.contains("--from TIME") && none.stderr.contains("now"),
        "{}",
        none.stderr
    );
    let future =
        run(&mut sloc(&["report", "--prometheus", unreachable, "rules/oneflow.slo.yaml", "--month", "9999-12"]));
    assert_eq!(future.code, 2);
    assert!(future.stderr.contains("--month 9999-12 has not begun"), "{}", future.stderr);
    // `--from` alone runs to now: the server is asked (and is not there).
    let from =
        run(&mut sloc(&["report", "--prometheus", unreachable, "rules/oneflow.slo.yaml", "--from", "2026-01-01"]));
    assert_eq!(from.code, 2);
    assert!(from.stderr.contains(&format!("cannot reach {unreachable}")), "{}", from.stderr);
}

/// The README's `$ sloc ...` samples run on files of the repository, and its `cargo xtask`
/// commands exist.
#[test]
fn the_readme_s_samples_name_files_of_the_repository() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut samples = 0;
    for line in readme.lines().filter(|l| l.starts_with("$ sloc ")) {
        for word in line.split_whitespace().filter(|w| w.ends_with(".yaml") || w.ends_with(".yml")) {
            assert!(root().join(word).is_file(), "README: `{line}` names {word}, which is not in the repository");
            samples += 1;
        }
    }
    assert!(samples >= 2, "{samples} sample files");
    let xtask = std::fs::read_to_string(root().join("xtask/src/main.rs")).unwrap();
    let usage = xtask.lines().find(|l| l.contains("\"usage: cargo xtask")).unwrap();
    for task in
        readme.match_indices("`cargo xtask ").map(|(i, _)| readme[i + 13..].split([' ', '`', '\n']).next().unwrap())
    {
        assert!(usage.contains(task), "README names `cargo xtask {task}`, which xtask's usage does not list");
    }
}

/// The repository lints clean the way a user runs it: at its root (`sloc.toml` excludes the
/// fixtures, broken on purpose), and `rules` with `examples` (no copy of the rules by design).
#[test]
fn the_repository_lints_clean_at_its_root() {
    let root_lint = run(&mut sloc(&["lint", "--format", "json"]));
    assert_eq!((root_lint.code, root_lint.stdout.trim()), (0, "[]"), "{}", root_lint.stderr);
    let both = run(&mut sloc(&["lint", "--format", "json", "rules", "examples"]));
    assert_eq!((both.code, both.stdout.trim()), (0, "[]"), "{}", both.stderr);
    // Excluded below a path, never the path named: the fixtures still lint when asked for.
    let named = run(&mut sloc(&["lint", "--format", "json", "fixtures/lint/L011"]));
    assert!(named.stdout.contains("\"L011\""), "{}", named.stdout);
    // Patterns are relative to the sloc.toml, whatever the working directory.
    let from_below = run(sloc(&["lint", "--format", "json", ".."]).current_dir(root().join("crates")));
    assert_eq!((from_below.code, from_below.stdout.trim()), (0, "[]"), "{}", from_below.stderr);
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), a counter on stderr says how
/// far the promtool runs are, and is erased before each result line and at the end.
#[test]
fn a_terminal_sees_a_counter_while_promtool_runs() {
    let sloc = env!("CARGO_BIN_EXE_sloc");
    let transcript = std::process::Command::new("script")
        .args(["-qec", &format!("{sloc} test rules/oneflow.slo.yaml"), "/dev/null"])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("script runs (util-linux)");
    assert!(transcript.status.success(), "{}", String::from_utf8_lossy(&transcript.stdout));
    let text = String::from_utf8_lossy(&transcript.stdout);
    assert!(text.contains("[0/12] promtool tests"), "{text}");
    assert!(text.contains("[11/12] promtool tests"), "{text}");
    assert!(
        text.contains("\r\x1b[K12 passed, 0 failed, 1 skipped") || text.contains("12 passed, 0 failed, 1 skipped"),
        "{text}"
    );
    assert!(!text.contains("[12/12]"), "the counter stops once everything is done: {text}");
}

/// Where the first hour's set-up lives: the xtask alias shows cargo's progress (a fresh `cargo
/// xtask ci` compiles for a minute before printing anything of its own), and the source install
/// of the `-system` hooks is `--locked`.
#[test]
fn set_up_commands_show_progress_and_install_locked() {
    let alias = std::fs::read_to_string(root().join(".cargo/config.toml")).unwrap();
    let xtask = alias.lines().find(|l| l.starts_with("xtask")).unwrap();
    assert!(!xtask.contains("--quiet") && !xtask.contains(" -q"), "{xtask}");
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    for install in hooks.match_indices("cargo install").map(|(i, _)| &hooks[i..i + 40]) {
        assert!(install.starts_with("cargo install --locked"), "{install}");
    }
}

/// Completions for each shell name every subcommand, the bash script is valid bash, and the man
/// page is roff with the command's name.
#[test]
fn completions_and_the_man_page() {
    for (shell, marker) in [("bash", "_sloc()"), ("zsh", "#compdef sloc"), ("fish", "complete -c sloc")] {
        let script = run(&mut sloc(&["completions", shell]));
        assert_eq!(script.code, 0, "{}", script.transcript());
        assert!(script.stdout.contains(marker), "{shell}: {}", &script.stdout[..200.min(script.stdout.len())]);
        for subcommand in ["build", "lint", "check", "ruler", "report"] {
            assert!(script.stdout.contains(subcommand), "{shell} completes `{subcommand}`");
        }
        if shell == "bash" {
            let dir = tempfile::tempdir().unwrap();
            let path = common::write(dir.path(), "sloc.bash", &script.stdout);
            let syntax = std::process::Command::new("bash").args(["-n", &path]).output().unwrap();
            assert!(syntax.status.success(), "{}", String::from_utf8_lossy(&syntax.stderr));
        }
    }
    let unknown = run(&mut sloc(&["completions", "tcsh"]));
    assert_eq!(unknown.code, 2);
    let man = run(&mut sloc(&["manpage"]));
    assert_eq!(man.code, 0);
    assert!(man.stdout.contains(".TH sloc 1") && man.stdout.contains("SLO rule compiler"), "{}", man.stdout);
}
