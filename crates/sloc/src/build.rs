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
    /// Write to this file (one spec) or directory. A directory gets every artifact of each spec
    /// (`<name>.rules.yml` and `<name>.alertmanager.yml`), or only the one `--format` names.
    /// Without it, the output goes to standard output as one file.
    #[arg(short, long, value_name = "FILE|DIR")]
    output: Option<PathBuf>,
    /// Compare with the files already written instead of writing; print a diff and exit 1 when
    /// they differ. Without -o, each spec `x.slo.yaml` is compared with `x.rules.yml` beside it.
    #[arg(long)]
    check: bool,
    /// What to write (default: rule files; with `-o DIR`, every artifact).
    #[arg(long, value_enum)]
    format: Option<OutputFormat>,
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
    /// An Alertmanager fragment: a route per tier to its receiver, and inhibit rules.
    Alertmanager,
}

impl OutputFormat {
    /// The file this format writes for a spec `<stem>.slo.yaml`.
    fn file_name(self, stem: &str) -> String {
        match self {
            OutputFormat::Prometheus | OutputFormat::PrometheusOperator => format!("{stem}.rules.yml"),
            OutputFormat::Alertmanager => format!("{stem}.alertmanager.yml"),
        }
    }
}

struct Compiled {
    spec_path: PathBuf,
    spec: sloc_spec::Spec,
    rules: RuleFile,
    /// Set for `--format prometheus-operator`.
    manifest: Option<ManifestMetadata>,
}

impl Compiled {
    /// The file of `format` for this spec.
    fn render(&self, format: OutputFormat) -> String {
        let source = source_name(&self.spec_path);
        match (format, &self.manifest) {
            (OutputFormat::Alertmanager, _) => {
                sloc_alertmanager::fragment(&[sloc_plan::plan(&self.spec)], &sloc_compiler::generated_notice(&source))
            }
            (OutputFormat::PrometheusOperator, Some(metadata)) => {
                self.rules.to_prometheus_rule(&sloc_compiler::header(&source), metadata)
            }
            _ => self.rules.to_yaml(&sloc_compiler::header(&source)),
        }
    }
}

pub fn run(args: &BuildArgs, out: &mut Output) -> u8 {
    let into_dir = args.output.as_deref().is_some_and(|o| is_dir_target(o, args.specs.len()));
    let formats = match args.format {
        Some(format) => vec![format],
        None if into_dir => vec![OutputFormat::Prometheus, OutputFormat::Alertmanager],
        None => vec![OutputFormat::Prometheus],
    };
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
                Some(OutputFormat::PrometheusOperator) => match manifest_metadata(args, &spec) {
                    Ok(metadata) => Some(metadata),
                    Err(message) => {
                        out.error(message);
                        return exit::USAGE;
                    }
                },
                _ => None,
            };
            match sloc_compiler::compile(&spec) {
                Ok(rules) => compiled.push(Compiled { spec_path: path.clone(), spec, rules, manifest }),
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
                .flat_map(|c| {
                    formats
                        .iter()
                        .map(|f| (c.spec_path.with_file_name(f.file_name(&spec_stem(&c.spec_path))), c.render(*f)))
                })
                .collect::<Vec<_>>();
            check(&beside, out)
        }
        None => {
            out.stdout.push_str(&to_stdout(&compiled, formats[0]));
            exit::OK
        }
        Some(target) => {
            let targets = targets(target, into_dir, &compiled, &formats);
            let targets = match targets.and_then(|t| guard_targets(t, &args.specs)) {
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

/// Several specs on standard output: one rule file with every group, one manifest per spec in
/// a multi-document stream, or one Alertmanager fragment for every spec.
fn to_stdout(compiled: &[Compiled], format: OutputFormat) -> String {
    let sources: Vec<String> = compiled.iter().map(|c| source_name(&c.spec_path)).collect();
    match (compiled, format) {
        ([one], _) => one.render(format),
        (many, OutputFormat::PrometheusOperator) => {
            many.iter().map(|c| c.render(format)).collect::<Vec<_>>().join("---\n")
        }
        (many, OutputFormat::Alertmanager) => {
            let plans: Vec<sloc_plan::Plan<'_>> = many.iter().map(|c| sloc_plan::plan(&c.spec)).collect();
            sloc_alertmanager::fragment(&plans, &sloc_compiler::generated_notice(&sources.join(", ")))
        }
        (many, OutputFormat::Prometheus) => {
            let groups = many.iter().flat_map(|c| c.rules.groups.iter().cloned()).collect();
            RuleFile { groups }.to_yaml(&sloc_compiler::header(&sources.join(", ")))
        }
    }
}

/// Whether `-o` names a directory: an existing one, a path ending in `/`, or several specs.
fn is_dir_target(target: &Path, specs: usize) -> bool {
    target.is_dir() || specs > 1 || target.as_os_str().to_string_lossy().ends_with('/')
}

/// Every file to write, with the spec it comes from.
fn targets<'c>(
    target: &Path,
    into_dir: bool,
    compiled: &'c [Compiled],
    formats: &[OutputFormat],
) -> Result<Vec<(PathBuf, String, &'c Path)>, String> {
    if !into_dir {
        return Ok(compiled
            .iter()
            .map(|c| (target.to_path_buf(), c.render(formats[0]), c.spec_path.as_path()))
            .collect());
    }
    if !target.exists() {
        std::fs::create_dir_all(target)
            .map_err(|e| format!("cannot create {}: {}", crate::shown(target), crate::files::io_reason(&e)))?;
    }
    Ok(compiled
        .iter()
        .flat_map(|c| {
            formats
                .iter()
                .map(|f| (target.join(f.file_name(&spec_stem(&c.spec_path))), c.render(*f), c.spec_path.as_path()))
        })
        .collect())
}

/// Refuses outputs that would lose data: two specs written to one file (one team's rules would
/// vanish), or an output that is one of the inputs (the spec would be overwritten).
fn guard_targets(targets: Vec<(PathBuf, String, &Path)>, inputs: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, String> {
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
    for (target, _, spec_path) in &targets {
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
                crate::shown(spec_path),
                crate::shown(target)
            ));
        }
        seen.push((id, spec_path));
    }
    Ok(targets.into_iter().map(|(path, text, _)| (path, text)).collect())
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
