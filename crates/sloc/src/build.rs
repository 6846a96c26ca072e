//! `sloc build`: specs in, rule files out.

use std::path::{Path, PathBuf};

use clap::Args;
use sloc_diagnostics::Severity;
use sloc_rulefile::{ManifestMetadata, RuleFile};

use crate::files::{read_spec, source_name, spec_stem, write_atomically};
use crate::{Format, Output, exit, report};

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// SLO spec files (`-` reads standard input).
    #[arg(required = true, value_name = "SPEC")]
    specs: Vec<PathBuf>,
    /// Write to this file (one spec) or directory (`<name>.rules.yml` per spec). Without it, the
    /// rules go to standard output as one file.
    #[arg(short, long, value_name = "FILE|DIR")]
    output: Option<PathBuf>,
    /// Compare with the files already written instead of writing; print a diff and exit 1 when
    /// they differ. Without -o, each spec `x.slo.yaml` is compared with `x.rules.yml` beside it.
    #[arg(long)]
    check: bool,
    /// What to write: Prometheus rule files, or prometheus-operator `PrometheusRule` manifests.
    #[arg(long, value_enum, default_value_t = OutputFormat::Prometheus)]
    format: OutputFormat,
    /// The manifest's name (default: the spec's `kubernetes.name`, else `<service>-slos`).
    #[arg(long)]
    name: Option<String>,
    /// The manifest's namespace (default: the spec's `kubernetes.namespace`).
    #[arg(long)]
    namespace: Option<String>,
    /// A manifest label, `key=value` (repeatable; added to the spec's `kubernetes.labels`).
    #[arg(long = "label", value_name = "KEY=VALUE")]
    labels: Vec<String>,
    /// How to print problems in the specs.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) error_format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutputFormat {
    /// A Prometheus rule file (`groups:`).
    Prometheus,
    /// A `monitoring.coreos.com/v1` `PrometheusRule` manifest.
    PrometheusOperator,
}

struct Compiled {
    spec_path: PathBuf,
    rules: RuleFile,
    /// Set for `--format prometheus-operator`.
    manifest: Option<ManifestMetadata>,
}

impl Compiled {
    /// The file written for this spec.
    fn render(&self) -> String {
        let header = sloc_compiler::header(&source_name(&self.spec_path));
        match &self.manifest {
            None => self.rules.to_yaml(&header),
            Some(metadata) => self.rules.to_prometheus_rule(&header, metadata),
        }
    }
}

pub fn run(args: &BuildArgs, out: &mut Output) -> u8 {
    let mut reports = Vec::new();
    let mut compiled = Vec::new();
    for path in &args.specs {
        let spec = match read_spec(path, &mut reports) {
            Ok(spec) => spec,
            Err(message) => {
                out.error(message);
                return exit::USAGE;
            }
        };
        if let Some(spec) = spec {
            let manifest = match args.format {
                OutputFormat::Prometheus => None,
                OutputFormat::PrometheusOperator => match manifest_metadata(args, &spec) {
                    Ok(metadata) => Some(metadata),
                    Err(message) => {
                        out.error(message);
                        return exit::USAGE;
                    }
                },
            };
            match sloc_compiler::compile(&spec) {
                Ok(rules) => compiled.push(Compiled { spec_path: path.clone(), rules, manifest }),
                Err(e) => {
                    out.error(e);
                    return exit::USAGE;
                }
            }
        }
    }
    report::print(out, &reports, args.error_format, true);
    if report::fails(&reports, Severity::Error) {
        return exit::FINDINGS;
    }
    if let Some(code) = clashing_groups(&compiled, out) {
        return code;
    }
    match &args.output {
        None if args.check => {
            let beside = compiled
                .iter()
                .map(|c| (c.spec_path.with_file_name(format!("{}.rules.yml", spec_stem(&c.spec_path))), c.render()))
                .collect::<Vec<_>>();
            check(&beside, out)
        }
        None => {
            out.stdout.push_str(&to_stdout(&compiled));
            exit::OK
        }
        Some(target) => {
            let targets = match targets(target, &compiled).and_then(|t| guard_targets(&compiled, t, &args.specs)) {
                Ok(t) => t,
                Err(message) => {
                    out.error(message);
                    return exit::USAGE;
                }
            };
            if args.check { check(&targets, out) } else { write(&targets, out) }
        }
    }
}

/// The manifest's metadata: flags, then the spec's `kubernetes:` section, then defaults.
fn manifest_metadata(args: &BuildArgs, spec: &sloc_spec::Spec) -> Result<ManifestMetadata, String> {
    let k8s = spec.kubernetes.clone().unwrap_or_default();
    let name = args
        .name
        .clone()
        .or_else(|| k8s.name.map(|n| n.value))
        .unwrap_or_else(|| format!("{}-slos", spec.service.value.to_lowercase().replace('_', "-")));
    let namespace = args.namespace.clone().or_else(|| k8s.namespace.map(|n| n.value));
    let mut labels: Vec<(String, String)> = k8s.labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    for label in &args.labels {
        let Some((k, v)) = label.split_once('=') else {
            return Err(format!("--label `{label}` is not `key=value`"));
        };
        labels.retain(|(existing, _)| existing != k);
        labels.push((k.to_string(), v.to_string()));
    }
    if !labels.iter().any(|(k, _)| k == "app.kubernetes.io/managed-by") {
        labels.push(("app.kubernetes.io/managed-by".to_string(), "sloc".to_string()));
    }
    Ok(ManifestMetadata { name, namespace, labels })
}

/// Two specs generating the same group would overwrite each other's rules in Prometheus.
fn clashing_groups(compiled: &[Compiled], out: &mut Output) -> Option<u8> {
    for (i, a) in compiled.iter().enumerate() {
        for b in &compiled[..i] {
            let clash = a.rules.groups.iter().find(|g| b.rules.groups.iter().any(|h| h.name == g.name));
            if let Some(g) = clash.map(|g| &g.name) {
                out.error(format!(
                    "{} and {} both generate the rule group `{g}`: give them different services or objective names",
                    crate::shown(&b.spec_path),
                    crate::shown(&a.spec_path)
                ));
                return Some(exit::FINDINGS);
            }
        }
    }
    None
}

/// Several specs on standard output: one rule file with every group, or one manifest per
/// spec in a multi-document stream.
fn to_stdout(compiled: &[Compiled]) -> String {
    match compiled {
        [one] => one.render(),
        many if many.iter().any(|c| c.manifest.is_some()) => {
            many.iter().map(Compiled::render).collect::<Vec<_>>().join("---\n")
        }
        many => {
            let sources: Vec<String> = many.iter().map(|c| source_name(&c.spec_path)).collect();
            let groups = many.iter().flat_map(|c| c.rules.groups.iter().cloned()).collect();
            RuleFile { groups }.to_yaml(&sloc_compiler::header(&sources.join(", ")))
        }
    }
}

fn targets(target: &Path, compiled: &[Compiled]) -> Result<Vec<(PathBuf, String)>, String> {
    let is_dir = target.is_dir() || compiled.len() > 1 || target.as_os_str().to_string_lossy().ends_with('/');
    if !is_dir {
        return Ok(compiled.iter().map(|c| (target.to_path_buf(), c.render())).collect());
    }
    if !target.exists() {
        std::fs::create_dir_all(target)
            .map_err(|e| format!("cannot create {}: {}", crate::shown(target), crate::files::io_reason(&e)))?;
    }
    Ok(compiled.iter().map(|c| (target.join(format!("{}.rules.yml", spec_stem(&c.spec_path))), c.render())).collect())
}

/// Refuses outputs that would lose data: two specs written to one file (one team's rules would
/// vanish), or an output that is one of the inputs (the spec would be overwritten).
fn guard_targets(
    compiled: &[Compiled],
    targets: Vec<(PathBuf, String)>,
    inputs: &[PathBuf],
) -> Result<Vec<(PathBuf, String)>, String> {
    let identity = |p: &Path| -> PathBuf {
        // A file that does not exist yet: its directory's canonical path and its name.
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
            dir.join(p.file_name().unwrap_or_default())
        })
    };
    let inputs: Vec<(PathBuf, &PathBuf)> =
        inputs.iter().filter(|p| p.as_os_str() != "-").map(|p| (identity(p), p)).collect();
    let mut seen: Vec<(PathBuf, &Path)> = Vec::new();
    for ((target, _), c) in targets.iter().zip(compiled) {
        let id = identity(target);
        if let Some((_, input)) = inputs.iter().find(|(i, _)| *i == id) {
            return Err(format!(
                "the output {} is the input {}: refusing to overwrite it (write the rules to `-o x.rules.yml`)",
                crate::shown(target),
                crate::shown(input)
            ));
        }
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == id) {
            return Err(format!(
                "{} and {} would both be written to {}: give the specs different file names or build them into different directories",
                crate::shown(first),
                crate::shown(&c.spec_path),
                crate::shown(target)
            ));
        }
        seen.push((id, &c.spec_path));
    }
    Ok(targets)
}

fn write(targets: &[(PathBuf, String)], out: &mut Output) -> u8 {
    for (path, yaml) in targets {
        if let Err(message) = write_atomically(path, yaml) {
            out.error(message);
            return exit::USAGE;
        }
    }
    exit::OK
}

/// `--check`: compare with what is on disk, print unified diffs, write nothing.
fn check(targets: &[(PathBuf, String)], out: &mut Output) -> u8 {
    let mut stale = 0;
    for (path, yaml) in targets {
        let name = crate::shown(path);
        let current = std::fs::read_to_string(path).unwrap_or_default();
        if current == *yaml {
            continue;
        }
        stale += 1;
        let diff = similar::TextDiff::from_lines(current.as_str(), yaml.as_str());
        out.stdout.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("{name} (on disk)"), &format!("{name} (from spec)"))
                .to_string(),
        );
    }
    if stale > 0 {
        out.stderr.push_str(&format!(
            "{stale} generated file{} out of date: run the same `sloc build` without --check\n",
            if stale == 1 { " is" } else { "s are" }
        ));
        exit::FINDINGS
    } else {
        exit::OK
    }
}
