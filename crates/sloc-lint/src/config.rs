//! Lint configuration, read from `sloc.toml`; codes may be written as codes or names:
//!
//! ```toml
//! scrape_interval = "30s"      # enables range-too-short (L002) with this interval
//! disable = ["L012"]           # codes never reported
//! enable = ["style"]           # show style checks (all, or by code or name)
//! lint_fatal = true            # duplicate rules (R009) are errors, as `promtool --lint-fatal`
//! exclude = ["fixtures/"]      # paths a directory walk skips (.gitignore syntax)
//! target = "prometheus@2.53"   # the server the rules are for (docs/targets.md)
//! enable_features = ["promql-experimental-functions"]   # its --enable-feature flags
//! [severity]                   # per-code severity overrides
//! rate-non-counter = "error"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use sloc_diagnostics::Severity;
use sloc_promql::{Duration, parse_duration};

use crate::checks::{CheckSet, set_of};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// The scrape interval of the targets; range-too-short runs only when it is known.
    pub scrape_interval: Option<Duration>,
    /// Codes never reported.
    pub disabled: Vec<&'static str>,
    /// Style codes shown rather than counted.
    pub enabled: Vec<&'static str>,
    /// Every style check shown.
    pub enable_style: bool,
    /// promtool's `--lint-fatal`: its lint findings (duplicate rules) are errors.
    pub lint_fatal: bool,
    pub severity: BTreeMap<&'static str, Severity>,
    /// Paths that a directory walk skips, in .gitignore syntax, relative to the directory of
    /// the `sloc.toml` (a file named on the command line is still read).
    pub exclude: Vec<String>,
    /// The server the rules are judged for.
    pub target: sloc_target::Target,
    /// Was the target set (in `sloc.toml` or by a flag), rather than the default?
    pub target_set: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    scrape_interval: Option<String>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    enable: Vec<String>,
    #[serde(default)]
    lint_fatal: bool,
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    exclude: Vec<String>,
    target: Option<String>,
    #[serde(default)]
    enable_features: Vec<String>,
}

/// Turns a code or a name into the code (`rate-non-counter` → `L001`); `None` when unknown.
pub type Resolve<'a> = &'a dyn Fn(&str) -> Option<&'static str>;

impl Config {
    /// Parses `sloc.toml` text. Errors name the key and the reason.
    pub fn parse(text: &str, resolve: Resolve) -> Result<Config, String> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
        let mut config = Config { lint_fatal: file.lint_fatal, exclude: file.exclude, ..Config::default() };
        if let Some(interval) = file.scrape_interval {
            config.scrape_interval = Some(match parse_duration(&interval) {
                Ok(d) if !d.is_zero() => d,
                Ok(_) => return Err("scrape_interval must be longer than 0".into()),
                Err(e) => return Err(format!("scrape_interval: {e}")),
            });
        }
        if let Some(target) = &file.target {
            config.set_target(target).map_err(|e| format!("target: {e}"))?;
        }
        config.enable_features(&file.enable_features).map_err(|e| format!("enable_features: {e}"))?;
        config.disable(&file.disable, resolve).map_err(|e| format!("disable: {e}"))?;
        config.enable(&file.enable, resolve).map_err(|e| format!("enable: {e}"))?;
        for (code, severity) in file.severity {
            let found = resolve(&code).ok_or_else(|| format!("severity: {}", unknown(&code)))?;
            let Some(s) = Severity::parse(&severity) else {
                return Err(format!("severity.{code}: `{severity}` is not one of info, warning, error"));
            };
            config.severity.insert(found, s);
        }
        Ok(config)
    }

    /// Sets the target (`KIND@VERSION`), keeping the flags already enabled.
    pub fn set_target(&mut self, text: &str) -> Result<(), String> {
        let mut target = sloc_target::Target::parse(text).map_err(|e| format!("{}; {}", e.message, e.help))?;
        for flag in self.target.flags() {
            target.enable(flag).map_err(|e| e.message)?;
        }
        self.target = target;
        self.target_set = true;
        Ok(())
    }

    /// Turns feature flags on, by Prometheus' names.
    pub fn enable_features(&mut self, flags: &[String]) -> Result<(), String> {
        for flag in flags {
            self.target.enable(flag).map_err(|e| match sloc_yaml::did_you_mean(flag, sloc_target::KNOWN_FLAGS) {
                Some(nearest) => format!("{}; did you mean `{nearest}`? {}", e.message, e.help),
                None => format!("{}; {}", e.message, e.help),
            })?;
            self.target_set = true;
        }
        Ok(())
    }

    /// Adds codes (or names) never to report.
    pub fn disable(&mut self, codes: &[String], resolve: Resolve) -> Result<(), String> {
        for code in codes {
            self.disabled.push(resolve(code).ok_or_else(|| unknown(code))?);
        }
        Ok(())
    }

    /// Shows style checks: `style` (or `all`) for every one, or codes and names.
    pub fn enable(&mut self, codes: &[String], resolve: Resolve) -> Result<(), String> {
        for code in codes {
            if code == "style" || code == "all" {
                self.enable_style = true;
            } else {
                self.enabled.push(resolve(code).ok_or_else(|| unknown(code))?);
            }
        }
        Ok(())
    }

    pub fn is_disabled(&self, code: &str) -> bool {
        self.disabled.contains(&code)
    }

    /// Is a finding of this code shown (rather than counted as a hidden style finding)?
    pub fn shows(&self, code: &str) -> bool {
        match set_of(code) {
            Some(CheckSet::Style) => self.enable_style || self.enabled.contains(&code),
            _ => true,
        }
    }

    /// The severity of a code's findings under this configuration.
    pub fn severity_of(&self, code: &sloc_diagnostics::Code) -> Severity {
        if let Some(s) = self.severity.get(code.code) {
            return *s;
        }
        if self.lint_fatal && code.code == sloc_rulefile::codes::DUPLICATE_RULE.code {
            return Severity::Error;
        }
        code.severity
    }
}

fn unknown(code: &str) -> String {
    format!("unknown code `{code}` (`sloc explain --all` lists codes and names)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(code: &str) -> Option<&'static str> {
        crate::find_lint_code(code).map(|c| c.code)
    }

    #[test]
    fn reads_and_validates() {
        let c = Config::parse(
            "scrape_interval = \"30s\"\ndisable = [\"L012\", \"rate-non-counter\"]\nenable = [\"redundant-for-zero\"]\n[severity]\nrange-too-short = \"error\"\n",
            &resolve,
        )
        .unwrap();
        assert_eq!(c.scrape_interval, Some(Duration::from_secs(30)));
        assert!(c.is_disabled("L012") && c.is_disabled("L001"));
        assert!(c.shows("L010") && !c.shows("L012"));
        assert_eq!(c.severity["L002"], Severity::Error);
        assert!(Config::parse("disable = [\"Z9\"]", &resolve).unwrap_err().contains("unknown code `Z9`"));
        assert!(Config::parse("scrape = 1", &resolve).unwrap_err().contains("unknown field"));
        assert!(Config::parse("[severity]\nL001 = \"fatal\"", &resolve).unwrap_err().contains("not one of"));
        let targeted =
            Config::parse("target = \"mimir@3.5\"\nenable_features = [\"promql-experimental-functions\"]", &resolve)
                .unwrap();
        assert_eq!(targeted.target.to_string(), "mimir@3.5 +promql-experimental-functions");
        assert!(Config::parse("target = \"prom@3\"", &resolve).unwrap_err().starts_with("target: unknown target kind"));
        assert!(Config::parse("enable_features = [\"x\"]", &resolve).unwrap_err().contains("unknown feature flag"));
        let fatal = Config::parse("lint_fatal = true", &resolve).unwrap();
        assert_eq!(fatal.severity_of(&sloc_rulefile::codes::DUPLICATE_RULE), Severity::Error);
        assert_eq!(Config::default().severity_of(&sloc_rulefile::codes::DUPLICATE_RULE), Severity::Warning);
    }
}
