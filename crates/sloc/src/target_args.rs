//! `--target` and `--enable-feature`: the server the rules are judged and built for, over
//! `target` and `enable_features` in `sloc.toml`.

use clap::Args;
use sloc_lint::Config;
use sloc_target::Target;

#[derive(Debug, Clone, Default, Args)]
pub struct TargetArgs {
    /// The server the rules are for: KIND@VERSION, KIND one of prometheus, thanos, mimir,
    /// cortex (for the last three, VERSION is the Prometheus release they embed). Default:
    /// `target` in sloc.toml, else the newest Prometheus sloc knows. See docs/targets.md.
    #[arg(long, value_name = "KIND@VERSION")]
    pub target: Option<String>,
    /// A feature flag the server runs with, by Prometheus' name
    /// (`promql-experimental-functions`, ...). Repeatable; adds to `enable_features`.
    #[arg(long = "enable-feature", value_name = "NAME")]
    pub enable_feature: Vec<String>,
}

impl TargetArgs {
    /// Sets the flags over a configuration already read.
    pub fn apply(&self, config: &mut Config) -> Result<(), String> {
        if let Some(target) = &self.target {
            config.set_target(target).map_err(|e| format!("--target: {e}"))?;
        }
        config.enable_features(&self.enable_feature).map_err(|e| format!("--enable-feature: {e}"))
    }

    /// The target given on the command line or in the nearest `sloc.toml`, if any: commands
    /// that talk to a server default to what the server says it is.
    pub fn given(&self) -> Result<Option<Target>, String> {
        let mut config = crate::lint::nearest_config()?;
        self.apply(&mut config)?;
        Ok(config.target_set.then_some(config.target))
    }
}
