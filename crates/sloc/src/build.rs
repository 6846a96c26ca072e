//! `sloc build`: specs in, rule files out.

use std::path::{Path, PathBuf};

use clap::Args;
use sloc_diagnostics::Severity;
use sloc_pipeline::build::Layer;
use sloc_pipeline::build::{Artifact, Compiled};

use crate::files::{read_spec, source_name, spec_stem, write_atomically};
use crate::{Format, Output, exit, report};

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// SLO spec files (`-` reads standard input).
    #[arg(required = true, value_name = "SPEC")]
    specs: Vec<PathBuf>,
    /// Write to this file or directory. A directory (an existing one, a path ending in `/`, or
    /// with several specs a name without `.yml`, `.yaml` or `.json`) gets every artifact of each
    /// spec (`<name>.rules.yml`, `<name>.alertmanager.yml`, `<name>.dashboard.json`), or only the
    /// one `--format` names. A file gets the rules (or the `--format`) of every spec, merged
    /// into one, as standard output does without -o.
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
    /// Which rules, when a Prometheus per cluster feeds a global evaluator: `leaf` the base
    /// recordings that read raw series (every cluster's Prometheus), `global` everything that
    /// reads them (windows, budgets, alerts: a global Prometheus or a Mimir, Cortex or Thanos
    /// ruler), `split` both into `-o DIR` as `<name>.leaf.rules.yml` and
    /// `<name>.global.rules.yml`, `all` one file with everything.
    #[arg(long, value_enum, default_value_t = LayerChoice::All)]
    layer: LayerChoice,
    /// How to print problems in the specs.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) error_format: Format,
    /// The server the rules are for: the SLIs' PromQL must be valid for it.
    #[command(flatten)]
    target: crate::target_args::TargetArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LayerChoice {
    All,
    Leaf,
    Global,
    Split,
}

impl LayerChoice {
    fn layers(self) -> Vec<Option<Layer>> {
        match self {
            LayerChoice::All => vec![None],
            LayerChoice::Leaf => vec![Some(Layer::Leaf)],
            LayerChoice::Global => vec![Some(Layer::Global)],
            LayerChoice::Split => vec![Some(Layer::Leaf), Some(Layer::Global)],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutputFormat {
    /// A Prometheus rule file (`groups:`).
    Prometheus,
    /// A `monitoring.coreos.com/v1` `PrometheusRule` manifest.
    PrometheusOperator,
    /// An Alertmanager fragment: a route per tier to its receiver, and inhibit rules.
    Alertmanager,
    /// A Grafana dashboard (JSON) for file provisioning.
    Grafana,
}

impl OutputFormat {
    fn artifact(self) -> Artifact {
        match self {
            OutputFormat::Prometheus => Artifact::Rules,
            OutputFormat::PrometheusOperator => Artifact::PrometheusRule,
            OutputFormat::Alertmanager => Artifact::Alertmanager,
            OutputFormat::Grafana => Artifact::Grafana,
        }
    }
}

pub fn run(args: &BuildArgs, out: &mut Output) -> u8 {
    let into_dir = args.output.as_deref().is_some_and(|o| is_dir_target(o, args.specs.len()));
    if args.layer == LayerChoice::Split && !into_dir {
        out.error("--layer split writes two files per spec (leaf and global): give -o DIR");
        return exit::USAGE;
    }
    let artifacts = match args.format {
        Some(format) => vec![format.artifact()],
        None if into_dir => Artifact::EVERY.to_vec(),
        None => vec![Artifact::Rules],
    };
    if args.format != Some(OutputFormat::PrometheusOperator) {
        let manifest_only = [
            ("--label", !args.labels.is_empty()),
            ("--name", args.name.is_some()),
            ("--namespace", args.namespace.is_some()),
        ];
        if let Some((flag, _)) = manifest_only.iter().find(|(_, given)| *given) {
            out.error(format!(
                "{flag} sets the PrometheusRule manifest's metadata: add `--format prometheus-operator`, or leave {flag} out"
            ));
            return exit::USAGE;
        }
    }
    let mut labels = Vec::new();
    for label in &args.labels {
        let Some((k, v)) = label.split_once('=') else {
            out.error(format!("--label `{label}` is not `key=value`"));
            return exit::USAGE;
        };
        labels.push((k.to_string(), v.to_string()));
    }
    let target = match args.target.given() {
        Ok(target) => target.unwrap_or_default(),
        Err(message) => {
            out.error(message);
            return exit::USAGE;
        }
    };
    let mut reports = Vec::new();
    let mut compiled = Vec::new();
    let mut spec_paths = Vec::new();
    for path in &args.specs {
        let spec = match read_spec(path, &mut reports, &target) {
            Ok(spec) => spec,
            Err(message) => {
                out.error(message);
                return exit::USAGE;
            }
        };
        let Some(spec) = spec else { continue };
        let manifest = (args.format == Some(OutputFormat::PrometheusOperator)).then(|| {
            sloc_pipeline::build::manifest_metadata(&spec, args.name.as_deref(), args.namespace.as_deref(), &labels)
        });
        // Planned and compiled once; each layer keeps its part of a copy.
        let c = match Compiled::new(source_name(path), spec, manifest) {
            Ok(c) => c,
            Err(e) => {
                out.error(e);
                return exit::USAGE;
            }
        };
        let stem = spec_stem(path);
        let layers = args.layer.layers();
        let mut copies = std::iter::repeat_n(c, layers.len());
        for (layer, copy) in layers.into_iter().zip(&mut copies) {
            match layer {
                Some(layer) => {
                    compiled.push(copy.into_layer(layer));
                    spec_paths.push((path.clone(), format!("{stem}.{}", layer.name()), Some(layer)));
                }
                None => {
                    compiled.push(copy);
                    spec_paths.push((path.clone(), stem.clone(), None));
                }
            }
        }
    }
    report::print(out, &reports, args.error_format, true);
    if report::fails(&reports, Severity::Error) {
        return exit::FINDINGS;
    }
    // Clashes within a layer: a spec's leaf and global groups share names by design.
    for layer in args.layer.layers() {
        let of_layer: Vec<&Compiled> =
            compiled.iter().zip(&spec_paths).filter(|(_, (_, _, l))| *l == layer).map(|(c, _)| c).collect();
        if let Some(message) = sloc_pipeline::build::clashing_groups(&of_layer) {
            out.error(message);
            return exit::FINDINGS;
        }
    }
    // Each artifact of each spec (and layer), with the spec's path and the file name's stem.
    // The leaf layer has rules only: alerts, routes and dashboards are the global evaluator's.
    let each = || {
        compiled.iter().zip(&spec_paths).flat_map(|(c, (path, stem, layer))| {
            artifacts
                .iter()
                .filter(move |a| *layer != Some(Layer::Leaf) || matches!(a, Artifact::Rules | Artifact::PrometheusRule))
                .map(move |a| (c, path, stem, *a))
        })
    };
    match &args.output {
        None if args.check => {
            let beside: Vec<(PathBuf, String)> =
                each().map(|(c, path, stem, a)| (path.with_file_name(a.file_name(stem)), c.render(a))).collect();
            let commands = beside
                .iter()
                .zip(each())
                .map(|((target, _), (_, spec, _, _))| rebuild_command(args, std::slice::from_ref(spec), target))
                .collect::<Vec<_>>();
            check(&beside, &commands, out)
        }
        None => {
            out.stdout.push_str(&sloc_pipeline::build::render(&compiled, artifacts[0]));
            exit::OK
        }
        Some(target) => {
            let targets: Vec<(PathBuf, String, &Path)> = if into_dir {
                if !args.check
                    && let Err(e) = std::fs::create_dir_all(target)
                {
                    out.error(format!("cannot create {}: {}", crate::shown(target), crate::files::io_reason(&e)));
                    return exit::USAGE;
                }
                each().map(|(c, path, stem, a)| (target.join(a.file_name(stem)), c.render(a), path.as_path())).collect()
            } else {
                // One file: every spec merged into it, as without -o.
                let merged = sloc_pipeline::build::render(&compiled, artifacts[0]);
                spec_paths.first().map(|(p, _, _)| (target.to_path_buf(), merged, p.as_path())).into_iter().collect()
            };
            let targets = match guard_targets(targets, &args.specs) {
                Ok(t) => t,
                Err(message) => {
                    out.error(message);
                    return exit::USAGE;
                }
            };
            if args.check {
                let command = rebuild_command(args, &args.specs, target);
                check(&targets, &vec![command; targets.len()], out)
            } else {
                write(&targets, out)
            }
        }
    }
}

/// Whether `-o` names a directory: an existing one, a path ending in `/`, a path that does not
/// exist yet and has no extension (`-o monitoring`), or, for several specs, any path that does
/// not name a file (`.yml`, `.yaml`, `.json`: the specs merged into it).
fn is_dir_target(target: &Path, specs: usize) -> bool {
    let names_a_file = target.extension().is_some_and(|e| matches!(e.to_str(), Some("yml" | "yaml" | "json")));
    target.is_dir()
        || (specs > 1 && !names_a_file)
        || (!target.exists() && target.extension().is_none())
        || target.as_os_str().to_string_lossy().ends_with('/')
}

/// The `sloc build` command that rewrites `target` from `specs`: what `--check` tells a user
/// (or a pre-commit hook's log) to run.
fn rebuild_command(args: &BuildArgs, specs: &[PathBuf], target: &Path) -> String {
    let mut words = vec!["sloc".to_string(), "build".to_string()];
    words.extend(specs.iter().map(|s| crate::shown(s)));
    if let Some(format) = args.format {
        let name = clap::ValueEnum::to_possible_value(&format).map(|v| v.get_name().to_string()).unwrap_or_default();
        words.push(format!("--format {name}"));
    }
    for (flag, value) in [("--name", &args.name), ("--namespace", &args.namespace)] {
        if let Some(value) = value {
            words.push(format!("{flag} {value}"));
        }
    }
    words.extend(args.labels.iter().map(|l| format!("--label {l}")));
    if args.layer != LayerChoice::All {
        let name =
            clap::ValueEnum::to_possible_value(&args.layer).map(|v| v.get_name().to_string()).unwrap_or_default();
        words.push(format!("--layer {name}"));
    }
    words.push(format!("-o {}", crate::shown(target)));
    words.join(" ")
}

/// Refuses outputs that would lose data: two specs written to one file (one team's rules would
/// vanish), or an output that is one of the inputs (the spec would be overwritten).
fn guard_targets(targets: Vec<(PathBuf, String, &Path)>, inputs: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, String> {
    let mut seen: Vec<(PathBuf, &Path)> = Vec::new();
    for (target, _, spec_path) in &targets {
        let id = crate::files::identity(target);
        if let Some(input) = crate::files::input_at(target, inputs) {
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
        out.stderr.push_str(&format!("wrote {}\n", crate::shown(path)));
    }
    exit::OK
}

/// `--check`: compare with what is on disk, print unified diffs, write nothing. `commands[i]`
/// rewrites `targets[i]`.
fn check(targets: &[(PathBuf, String)], commands: &[String], out: &mut Output) -> u8 {
    let mut stale = 0;
    let mut fixes: Vec<&str> = Vec::new();
    for ((path, yaml), command) in targets.iter().zip(commands) {
        let name = crate::shown(path);
        let current = std::fs::read_to_string(path).unwrap_or_default();
        if current == *yaml {
            continue;
        }
        stale += 1;
        if !fixes.contains(&command.as_str()) {
            fixes.push(command);
        }
        out.stdout.push_str(&crate::report::unified_diff(
            &current,
            yaml,
            &format!("{name} (on disk)"),
            &format!("{name} (from spec)"),
        ));
    }
    if stale > 0 {
        out.stderr.push_str(&format!(
            "{stale} generated file{} out of date; to regenerate, run:\n{}",
            if stale == 1 { " is" } else { "s are" },
            fixes.iter().map(|c| format!("  {c}\n")).collect::<String>()
        ));
        exit::FINDINGS
    } else {
        exit::OK
    }
}
