//! The release files that cannot run here (GitHub's runners, a Docker daemon), checked by
//! linters from PyPI in the tools' virtual environment: the workflows (the release and the CI
//! recipes a user copies) against the GitHub workflow schema (check-jsonschema's vendored copy)
//! and by zizmor's audits (offline, `.github/zizmor.yml`), the Dockerfile by hadolint.

use std::path::Path;

use anyhow::Result;

use crate::run;

pub const WORKFLOWS: &[&str] =
    &[".github/workflows/release.yml", "docs/ci/github-actions.yml", "docs/ci/fuzz-nightly.yml"];

pub fn lint(venv: &Path) -> Result<()> {
    let tool = |name: &str| venv.join("bin").join(name).display().to_string();
    let mut schema = vec!["--builtin-schema", "vendor.github-workflows"];
    schema.extend(WORKFLOWS);
    run(&tool("check-jsonschema"), &schema)?;
    let mut audit = vec!["--offline", "--quiet", "--config", ".github/zizmor.yml"];
    audit.extend(WORKFLOWS);
    run(&tool("zizmor"), &audit)?;
    run(&tool("hadolint"), &["Dockerfile"])
}
