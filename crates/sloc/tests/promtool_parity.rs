//! Differential test: on every file of `fixtures/parity/` (and the compiled example), sloc
//! rejects exactly what real `promtool check rules --lint-fatal` rejects.

mod common;

use common::{promtool, root, run, sloc};

#[test]
fn sloc_rejects_what_promtool_rejects() {
    let mut files: Vec<_> =
        std::fs::read_dir(root().join("fixtures/parity")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.push(root().join("rules/oneflow.rules.yml"));
    assert!(files.len() >= 25, "the corpus has good and bad files");
    let mut disagreements = Vec::new();
    for path in &files {
        let promtool_ok =
            promtool().args(["check", "rules", "--lint-fatal"]).arg(path).output().unwrap().status.success();
        let result = run(&mut sloc(&["lint", "--format", "json", path.to_str().unwrap()]));
        let findings: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
        // Only what Prometheus itself refuses counts: reader errors, not lint advice.
        let sloc_ok = !findings
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["severity"] == "error" && f["code"].as_str().unwrap().starts_with(['R', 'P', 'Y']));
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(
            name.starts_with("bad-"),
            !promtool_ok,
            "{name}: the corpus file's name says whether promtool rejects it"
        );
        if promtool_ok != sloc_ok {
            disagreements.push(format!("{name}: promtool {} but sloc {}", verdict(promtool_ok), verdict(sloc_ok)));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

fn verdict(ok: bool) -> &'static str {
    if ok { "accepts" } else { "rejects" }
}
