//! Every family of checks keeps one file per check, named after it: a test holds each table
//! of checks (lint, spec, live) against the files that declare them.

#[cfg(test)]
mod tests {
    use sloc_diagnostics::Code;

    /// `crate/src/dir/<name>.rs` declares `code` for every code of the table.
    fn problems(dir: &str, codes: impl Iterator<Item = &'static Code>) -> Vec<String> {
        let dir = crate::root().join(dir);
        codes
            .filter_map(|code| {
                let path = dir.join(format!("{}.rs", code.name.replace('-', "_")));
                let declared = std::fs::read_to_string(&path)
                    .is_ok_and(|text| text.contains(&format!("(\"{}\", \"{}\"", code.code, code.name)));
                (!declared).then(|| format!("{} is not declared in {}", code.code, path.display()))
            })
            .collect()
    }

    #[test]
    fn every_check_is_a_file_named_after_it() {
        let lint = sloc_lint::checks::RULE_CHECKS.iter().map(|c| c.code);
        let lint_specs = sloc_lint::checks::SPEC_CHECKS.iter().map(|c| c.code);
        let spec = sloc_spec::checks::SPEC_CHECKS.iter().map(|c| c.code);
        let prometheus = sloc_live::prometheus::PROMETHEUS_CHECKS.iter().map(|c| c.code);
        let alertmanager = sloc_live::alertmanager::ALERTMANAGER_CHECKS.iter().map(|c| c.code);
        let mut found = problems("crates/sloc-lint/src/checks", lint.chain(lint_specs));
        found.extend(problems("crates/sloc-spec/src/checks", spec));
        found.extend(problems("crates/sloc-live/src/prometheus", prometheus));
        found.extend(problems("crates/sloc-live/src/alertmanager", alertmanager));
        assert!(found.is_empty(), "{}", found.join("\n"));
        // And the test can fail: a code whose file is missing.
        let moved = problems(
            "crates/sloc-live/src/alertmanager",
            sloc_live::prometheus::PROMETHEUS_CHECKS.iter().map(|c| c.code),
        );
        assert_eq!(moved.len(), sloc_live::prometheus::PROMETHEUS_CHECKS.len());
    }
}
