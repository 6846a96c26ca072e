//! The allowed dependency directions: the table in ARCHITECTURE.md ("Dependencies"), held
//! against what `cargo metadata` says each workspace crate depends on.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};

/// `crate → the workspace crates it may depend on` (`None`: any), from ARCHITECTURE.md.
pub fn allowed(architecture: &str) -> Result<BTreeMap<String, Option<BTreeSet<String>>>> {
    let begin = architecture.find("<!-- dependencies: begin -->").context("no dependencies table")?;
    let end = architecture.find("<!-- dependencies: end -->").context("no end of the dependencies table")?;
    let mut table = BTreeMap::new();
    for row in architecture[begin..end].lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let [name, allowed] = cells[..] else { bail!("a row of the dependencies table has not two cells: {row}") };
        let names = |cell: &str| -> BTreeSet<String> {
            cell.split(',').map(|c| c.trim().trim_matches('`').to_string()).filter(|c| !c.is_empty()).collect()
        };
        let set = if allowed == "any" { None } else { Some(names(allowed)) };
        table.insert(name.trim_matches('`').to_string(), set);
    }
    Ok(table)
}

/// Every workspace crate's dependencies on other workspace crates (not dev-dependencies).
pub fn actual() -> Result<BTreeMap<String, BTreeSet<String>>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(crate::root())
        .output()
        .context("cannot run cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let packages = metadata["packages"].as_array().context("no packages")?;
    let members: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    Ok(packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str())
                .filter(|d| members.contains(d))
                .map(str::to_string)
                .collect();
            (p["name"].as_str().unwrap_or_default().to_string(), deps)
        })
        .collect())
}

/// The arrows the table does not allow, and crates it does not list.
pub fn violations(
    allowed: &BTreeMap<String, Option<BTreeSet<String>>>,
    actual: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (krate, deps) in actual {
        match allowed.get(krate) {
            None => out.push(format!("{krate} is not in ARCHITECTURE.md's dependencies table")),
            Some(None) => {}
            Some(Some(ok)) => {
                out.extend(deps.difference(ok).map(|d| format!("{krate} -> {d} is not an allowed arrow")));
            }
        }
    }
    out
}

/// `cargo xtask deps`: fails on an arrow ARCHITECTURE.md does not allow.
pub fn check() -> Result<()> {
    let text = std::fs::read_to_string(crate::root().join("ARCHITECTURE.md"))?;
    let problems = violations(&allowed(&text)?, &actual()?);
    if !problems.is_empty() {
        bail!("dependencies that ARCHITECTURE.md does not allow:\n{}", problems.join("\n"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_follow_the_architecture() {
        let text = std::fs::read_to_string(crate::root().join("ARCHITECTURE.md")).unwrap();
        let allowed = allowed(&text).unwrap();
        let problems = violations(&allowed, &actual().unwrap());
        assert!(problems.is_empty(), "fix the dependency or the table:\n{}", problems.join("\n"));
    }

    #[test]
    fn a_wrong_way_arrow_is_caught() {
        let allowed = allowed(
            "<!-- dependencies: begin -->\n| `sloc-lint` | `sloc-spec` |\n| `sloc` | any |\n<!-- dependencies: end -->",
        )
        .unwrap();
        let actual: BTreeMap<String, BTreeSet<String>> = [
            ("sloc-lint".to_string(), ["sloc-spec".to_string(), "sloc-compiler".to_string()].into()),
            ("sloc".to_string(), ["sloc-lint".to_string()].into()),
            ("sloc-new".to_string(), BTreeSet::new()),
        ]
        .into();
        assert_eq!(
            violations(&allowed, &actual),
            [
                "sloc-lint -> sloc-compiler is not an allowed arrow",
                "sloc-new is not in ARCHITECTURE.md's dependencies table"
            ]
        );
    }
}
