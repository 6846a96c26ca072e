//! Differential test: on every file of `fixtures/parity/` (and the compiled example), `sloc
//! lint` exits as real `promtool check rules` does (0 or 1), with default flags and with
//! `--lint-fatal`. The file's name says what promtool does: `good-` passes, `bad-` fails,
//! `lint-` passes with a lint warning and fails with `--lint-fatal`.

mod common;

use std::path::Path;

use common::{promtool, root, run, sloc};

#[test]
fn sloc_exits_as_promtool_does() {
    let mut files: Vec<_> =
        std::fs::read_dir(root().join("fixtures/parity")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.push(root().join("rules/oneflow.rules.yml"));
    assert!(files.len() >= 25, "the corpus has good and bad files");
    let mut disagreements = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for strict in [false, true] {
            let promtool_ok = promtool_accepts(path, strict);
            let expected = !(name.starts_with("bad-") || (strict && name.starts_with("lint-")));
            assert_eq!(promtool_ok, expected, "{name}: the corpus file's name says what promtool does");
            // Debian's promtool is 2.42: judge for it.
            let mut args = vec!["lint", "--target", "prometheus@2.42", path.to_str().unwrap()];
            if strict {
                args.push("--lint-fatal");
            }
            let result = run(&mut sloc(&args));
            assert!(result.code <= 1, "{name}: {}", result.stderr);
            let sloc_ok = result.code == 0;
            if promtool_ok != sloc_ok {
                let flags = if strict { " with --lint-fatal" } else { "" };
                disagreements.push(format!(
                    "{name}{flags}: promtool {} but sloc {}\n{}",
                    verdict(promtool_ok),
                    verdict(sloc_ok),
                    result.stderr
                ));
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

fn promtool_accepts(path: &Path, strict: bool) -> bool {
    let mut command = promtool();
    command.args(["check", "rules"]);
    if strict {
        command.arg("--lint-fatal");
    }
    command.arg(path).output().unwrap().status.success()
}

fn verdict(ok: bool) -> &'static str {
    if ok { "accepts" } else { "rejects" }
}
