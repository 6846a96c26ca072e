//! The registry of every code sloc reports: `sloc explain`, SARIF rule lists, `docs/codes.md`
//! and configuration (`--disable`, `sloc.toml`) read it, and accept codes and names alike.

use sloc_diagnostics::Code;

/// Every code, in `sloc explain --all` order: input, spec, rule file, lint checks, the checks
/// against live servers, then the importer's notes.
pub fn all_codes() -> Vec<&'static Code> {
    let mut codes = sloc_lint::lint_codes();
    codes.extend(sloc_live::live_codes());
    for code in sloc_import::codes::IMPORT_CODES {
        if !codes.iter().any(|c| c.code == code.code) {
            codes.push(code);
        }
    }
    codes
}

/// A code by its code (`L001`, any case) or its name (`rate-non-counter`).
pub fn find_code(code: &str) -> Option<&'static Code> {
    all_codes().into_iter().find(|c| c.code.eq_ignore_ascii_case(code) || c.name == code)
}

/// [`find_code`] as configuration wants it: the code of a code or name.
pub fn resolve_code(code: &str) -> Option<&'static str> {
    find_code(code).map(|c| c.code)
}

/// When a code's findings are shown without configuration, for the code reference.
pub fn shown_by_default(code: &str) -> &'static str {
    sloc_lint::checks::set_of(code).map_or("always", sloc_lint::checks::CheckSet::name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique() {
        let codes = all_codes();
        for (i, c) in codes.iter().enumerate() {
            assert!(!codes[..i].iter().any(|d| d.code == c.code || d.name == c.name), "{} twice", c.code);
        }
        assert_eq!(resolve_code("rate-non-counter"), Some("L001"));
        assert_eq!(resolve_code("c001"), Some("C001"));
    }
}
