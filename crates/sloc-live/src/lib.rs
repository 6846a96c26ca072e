//! Checks of what live servers run (`sloc check`): a Prometheus or a ruler ([`prometheus`],
//! codes `C…`) and an Alertmanager's routes and inhibitions ([`alertmanager`], codes `A…`).
//! Like every check they do no IO: the caller fetches what they ask for with `sloc-client` (or
//! reads a file) and hands them the answers.

pub mod alertmanager;
pub mod prometheus;

/// Every code of the live checks.
pub fn live_codes() -> Vec<&'static sloc_diagnostics::Code> {
    prometheus::prometheus_codes().into_iter().chain(alertmanager::alertmanager_codes()).collect()
}

#[cfg(test)]
mod tests {
    /// Each check lives in `src/<family>/<name>.rs`, named after its kebab-case name, and
    /// declares its own code there: the table and the files cannot drift apart.
    #[test]
    fn every_check_is_a_file_named_after_it() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let families: [(&str, Vec<&sloc_diagnostics::Code>); 2] = [
            ("prometheus", crate::prometheus::PROMETHEUS_CHECKS.iter().map(|c| c.code).collect()),
            ("alertmanager", crate::alertmanager::ALERTMANAGER_CHECKS.iter().map(|c| c.code).collect()),
        ];
        for (family, codes) in families {
            for code in codes {
                let path = dir.join(family).join(format!("{}.rs", code.name.replace('-', "_")));
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|_| panic!("{} has no {}", code.code, path.display()));
                assert!(
                    text.contains(&format!("(\"{}\", \"{}\"", code.code, code.name)),
                    "{} does not declare {}",
                    path.display(),
                    code.code
                );
            }
        }
    }
}
