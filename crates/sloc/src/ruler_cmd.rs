//! `sloc ruler list|diff|load|sync|delete`: the rule groups of a Mimir, Cortex or Loki ruler
//! kept in step with specs and rule files, with mimirtool's flags (`--address`, `--id`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use sloc_client::{Client, ClientError};
use sloc_pipeline::ruler::{Change, Step};
use sloc_rulefile::Group;

use crate::connect::ConnectionArgs;
use crate::files::{read_or_report, spec_stem};
use crate::{Format, Output, exit, report};

#[derive(Debug, Args)]
pub struct RulerArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// List the tenant's namespaces and rule groups.
    List {
        #[command(flatten)]
        ruler: RulerTarget,
        /// Only this namespace.
        #[arg(long)]
        namespace: Option<String>,
    },
    /// Show how the ruler differs from the inputs, group by group: exit 0 when it holds
    /// exactly the inputs' groups, 1 when it differs.
    Diff(Inputs),
    /// Create or replace the groups that differ (never deletes).
    Load(Inputs),
    /// Load, and delete the groups of the inputs' namespaces that the inputs no longer hold.
    Sync {
        #[command(flatten)]
        inputs: Inputs,
        /// Print what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete one group of a namespace, or the whole namespace.
    Delete {
        #[command(flatten)]
        ruler: RulerTarget,
        /// The namespace.
        #[arg(long, required = true)]
        namespace: String,
        /// The group to delete (default: every group of the namespace).
        group: Option<String>,
    },
}

#[derive(Debug, Args)]
struct RulerTarget {
    /// The ruler's URL (`http://mimir:8080`).
    #[arg(long, value_name = "URL")]
    address: String,
    /// The tenant, sent as `X-Scope-OrgID`.
    #[arg(long, value_name = "TENANT")]
    id: Option<String>,
    /// The path of the rules API: Mimir's `/prometheus` (the default), Cortex's
    /// `/api/v1/rules`, Loki's `/loki/api/v1/rules`; a prefix not ending in `/rules` gets
    /// `/config/v1/rules` appended.
    #[arg(long, default_value = "/prometheus")]
    prefix: String,
    #[command(flatten)]
    connection: ConnectionArgs,
}

#[derive(Debug, Args)]
struct Inputs {
    #[command(flatten)]
    ruler: RulerTarget,
    /// SLO specs (compiled on the fly) and rule files.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The namespace of every input (default: a spec's service; a rule file's name without
    /// its extension).
    #[arg(long)]
    namespace: Option<String>,
    /// Only this layer of each spec's rules (`sloc build --layer`): `global` for a ruler fed
    /// by every cluster's leaves.
    #[arg(long, value_enum)]
    layer: Option<RulerLayer>,
    /// The ruler's kind and version (default: `target` in sloc.toml, else `mimir`).
    #[command(flatten)]
    target: crate::target_args::TargetArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RulerLayer {
    Leaf,
    Global,
}

impl RulerTarget {
    fn client(&self) -> Result<Client, String> {
        let tenant = self.id.iter().map(|id| ("X-Scope-OrgID", id.clone())).collect::<Vec<_>>();
        self.connection.client_with_headers(&self.address, &tenant)
    }

    /// A failure in words that say what to do.
    fn explain(&self, e: &ClientError) -> String {
        match e {
            ClientError::Unauthorized { .. } if self.id.is_none() => {
                format!("{e}; a multi-tenant ruler needs a tenant: pass --id TENANT (sent as X-Scope-OrgID)")
            }
            ClientError::NotFound { url } => format!(
                "{url} has no ruler API (HTTP 404): is the ruler's API enabled (Mimir: -ruler.enable-api), and is --prefix right (Mimir /prometheus, Cortex /api/v1/rules, Loki /loki/api/v1/rules)?"
            ),
            _ => e.to_string(),
        }
    }
}

pub fn run(args: &RulerArgs, out: &mut Output) -> u8 {
    let result = match &args.action {
        Action::List { ruler, namespace } => list(ruler, namespace.as_deref(), out),
        Action::Diff(inputs) => apply(inputs, Mode::Diff, out),
        Action::Load(inputs) => apply(inputs, Mode::Load, out),
        Action::Sync { inputs, dry_run } => apply(inputs, if *dry_run { Mode::DryRun } else { Mode::Sync }, out),
        Action::Delete { ruler, namespace, group } => delete(ruler, namespace, group.as_deref(), out),
    };
    result.unwrap_or_else(|message| {
        out.error(message);
        exit::USAGE
    })
}

fn list(target: &RulerTarget, namespace: Option<&str>, out: &mut Output) -> Result<u8, String> {
    let client = target.client()?;
    let text = client.ruler(&target.prefix).groups(namespace).map_err(|e| target.explain(&e))?;
    let namespaces = sloc_pipeline::ruler::read_namespaces(&text).map_err(|e| format!("{}: {e}", target.address))?;
    if namespaces.is_empty() {
        out.stderr.push_str("no rule groups\n");
    }
    for (ns, groups) in namespaces {
        for group in groups {
            let n = group.rules.len();
            out.stdout.push_str(&format!("{ns}\t{}\t{n} rule{}\n", group.name, crate::report::plural(n)));
        }
    }
    Ok(exit::OK)
}

fn delete(target: &RulerTarget, namespace: &str, group: Option<&str>, out: &mut Output) -> Result<u8, String> {
    let client = target.client()?;
    let ruler = client.ruler(&target.prefix);
    match group {
        Some(group) => ruler.delete_group(namespace, group).map_err(|e| target.explain(&e))?,
        None => ruler.delete_namespace(namespace).map_err(|e| target.explain(&e))?,
    }
    out.stderr.push_str(&format!("deleted {namespace}{}\n", group.map(|g| format!("/{g}")).unwrap_or_default()));
    Ok(exit::OK)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Diff,
    Load,
    Sync,
    DryRun,
}

fn apply(inputs: &Inputs, mode: Mode, out: &mut Output) -> Result<u8, String> {
    // Inputs with errors are exit 2: 1 means the ruler differs.
    let Some(local) = local_groups(inputs, out)? else { return Ok(exit::USAGE) };
    let target = &inputs.ruler;
    let client = target.client()?;
    let ruler = client.ruler(&target.prefix);
    let (mut changed, mut unchanged) = (0, 0);
    for (namespace, groups) in &local {
        let text = ruler.groups(Some(namespace)).map_err(|e| target.explain(&e))?;
        let remote = sloc_pipeline::ruler::read_namespaces(&text)
            .map_err(|e| format!("{}: {e}", target.address))?
            .into_iter()
            .find(|(ns, _)| ns == namespace)
            .map(|(_, groups)| groups)
            .unwrap_or_default();
        for step in sloc_pipeline::ruler::compare(groups, &remote) {
            let deleting = matches!(step.change, Change::Delete { .. });
            if step.change == Change::Unchanged {
                unchanged += 1;
                continue;
            }
            changed += 1;
            match mode {
                Mode::Diff | Mode::DryRun => out.stdout.push_str(&describe(namespace, &step)),
                Mode::Load if deleting => out
                    .stderr
                    .push_str(&format!("kept {namespace}/{}: on the ruler only (sync deletes it)\n", step.group)),
                Mode::Load | Mode::Sync => {
                    let done = if deleting {
                        ruler.delete_group(namespace, &step.group).map(|()| "deleted")
                    } else {
                        let verb = if step.change == Change::Create { "created" } else { "updated" };
                        ruler.set_group(namespace, &step.document).map(|()| verb)
                    };
                    let verb = done.map_err(|e| target.explain(&e))?;
                    out.stderr.push_str(&format!("{verb} {namespace}/{}\n", step.group));
                }
            }
        }
    }
    let summary = format!("{changed} group{} to change, {unchanged} unchanged\n", crate::report::plural(changed));
    match mode {
        Mode::Diff => {
            out.stderr.push_str(&summary);
            Ok(if changed > 0 { exit::FINDINGS } else { exit::OK })
        }
        Mode::DryRun => {
            out.stderr.push_str(&format!("dry run: {summary}"));
            Ok(exit::OK)
        }
        Mode::Load | Mode::Sync => Ok(exit::OK),
    }
}

/// One step as `diff` prints it: a unified diff of the group's YAML.
fn describe(namespace: &str, step: &Step) -> String {
    let name = format!("{namespace}/{}", step.group);
    let (before, after, what) = match &step.change {
        Change::Create => ("", step.document.as_str(), "not on the ruler"),
        Change::Update { current } => (current.as_str(), step.document.as_str(), "differs"),
        Change::Delete { current } => (current.as_str(), "", "on the ruler only: sync deletes it"),
        Change::Unchanged => return String::new(),
    };
    let diff = crate::report::unified_diff(before, after, &format!("{name} (ruler)"), &format!("{name} (inputs)"));
    format!("# {name}: {what}\n{diff}")
}

/// The inputs' groups by namespace, in the inputs' order; `None` when an input has errors
/// (printed).
fn local_groups(inputs: &Inputs, out: &mut Output) -> Result<Option<BTreeMap<String, Vec<Group>>>, String> {
    let mut reports = Vec::new();
    let mut by_namespace: BTreeMap<String, Vec<Group>> = BTreeMap::new();
    let mut problems = Vec::new();
    let target = inputs
        .target
        .given()?
        .unwrap_or_else(|| sloc_target::Target::new(sloc_target::Kind::Mimir, sloc_target::NEWEST));
    for path in &inputs.files {
        let Some(file) = read_or_report(path, &mut reports)? else { continue };
        let docs = sloc_yaml::parse_documents(&file.text).unwrap_or_default();
        let (namespace, groups) = if docs.first().is_some_and(sloc_spec::is_spec) {
            let (spec, diagnostics) = sloc_spec::parse_spec(&file.text);
            let errors = diagnostics.iter().any(|d| d.severity == sloc_diagnostics::Severity::Error);
            reports.push(sloc_diagnostics::FileReport::new(file.clone(), diagnostics));
            let Some(spec) = spec.filter(|_| !errors) else { continue };
            let service = spec.service.value.clone();
            let mut compiled = sloc_pipeline::build::Compiled::new(file.name.clone(), spec, None)?;
            if let Some(layer) = inputs.layer {
                compiled = compiled.into_layer(match layer {
                    RulerLayer::Leaf => sloc_pipeline::build::Layer::Leaf,
                    RulerLayer::Global => sloc_pipeline::build::Layer::Global,
                });
            }
            (service, compiled.rules.groups)
        } else {
            match sloc_pipeline::ruler::rule_file_groups(&file.text, &target) {
                Ok(groups) => (spec_stem(path), groups),
                Err(diagnostics) => {
                    reports.push(sloc_diagnostics::FileReport::new(file.clone(), diagnostics));
                    continue;
                }
            }
        };
        let namespace = inputs.namespace.clone().unwrap_or(namespace);
        let held = by_namespace.entry(namespace.clone()).or_default();
        for group in groups {
            if held.iter().any(|g| g.name == group.name) {
                problems.push(format!("two inputs hold the group `{}` of namespace `{namespace}`", group.name));
            }
            held.push(group);
        }
    }
    report::print(out, &reports, Format::Human, true);
    if !problems.is_empty() {
        for p in problems {
            out.error(p);
        }
        return Ok(None);
    }
    if report::fails(&reports, sloc_diagnostics::Severity::Error) {
        return Ok(None);
    }
    Ok(Some(by_namespace))
}
