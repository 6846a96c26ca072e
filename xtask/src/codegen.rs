//! Generated files, committed and kept fresh: `cargo xtask codegen` writes them, `--check` (run by
//! CI and by a test) fails when one differs from what the code generates.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::root;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// Every generated file: its path from the root and its fresh contents.
pub fn generated() -> Result<Vec<(PathBuf, String)>> {
    Ok(vec![
        (PathBuf::from("sloc.schema.json"), schema()),
        (PathBuf::from("rules/oneflow.rules.yml"), compiled_example("rules/oneflow.slo.yaml")?),
    ])
}

pub fn run(mode: Mode) -> Result<()> {
    let mut stale = Vec::new();
    for (path, contents) in generated()? {
        let full = root().join(&path);
        let current = std::fs::read_to_string(&full).unwrap_or_default();
        if current == contents {
            continue;
        }
        match mode {
            Mode::Write => {
                std::fs::write(&full, contents).with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
            Mode::Check => stale.push(path.display().to_string()),
        }
    }
    if !stale.is_empty() {
        bail!("generated files are out of date: {}; run `cargo xtask codegen` and commit the result", stale.join(", "));
    }
    Ok(())
}

/// The spec's JSON Schema, from the model types.
fn schema() -> String {
    let schema = schemars::schema_for!(sloc_spec::Spec);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serialises");
    text.push('\n');
    text
}

/// What `sloc build` writes for the example spec.
fn compiled_example(spec_path: &str) -> Result<String> {
    let text = std::fs::read_to_string(root().join(spec_path)).with_context(|| format!("cannot read {spec_path}"))?;
    let (spec, diagnostics) = sloc_spec::parse_spec(&text);
    let Some(spec) = spec.filter(|_| diagnostics.is_empty()) else {
        bail!("{spec_path} has problems: run `sloc build {spec_path}` to see them");
    };
    let name = spec_path.rsplit('/').next().unwrap_or(spec_path);
    Ok(sloc_compiler::compile_to_yaml(&spec, name)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails when a committed generated file is stale.
    #[test]
    fn generated_files_are_fresh() {
        run(Mode::Check).unwrap();
    }
}
