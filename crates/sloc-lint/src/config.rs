//! Lint configuration, read from `sloc.toml`:
//!
//! ```toml
//! scrape_interval = "30s"      # for range-too-short (default 1m, Prometheus' default)
//! disable = ["L012"]           # codes never reported
//! [severity]                   # per-code severity overrides
//! L001 = "error"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use sloc_diagnostics::Severity;
use sloc_promql::{Duration, parse_duration};

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub scrape_interval: Duration,
    pub disabled: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
}

impl Default for Config {
    fn default() -> Self {
        Self { scrape_interval: Duration::from_secs(60), disabled: Vec::new(), severity: BTreeMap::new() }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    scrape_interval: Option<String>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
}

impl Config {
    /// Parses `sloc.toml` text. `known` tells valid codes; errors name the key and the reason.
    pub fn parse(text: &str, known: impl Fn(&str) -> bool) -> Result<Config, String> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
        let mut config = Config::default();
        if let Some(interval) = file.scrape_interval {
            config.scrape_interval = match parse_duration(&interval) {
                Ok(d) if !d.is_zero() => d,
                Ok(_) => return Err("scrape_interval must be longer than 0".into()),
                Err(e) => return Err(format!("scrape_interval: {e}")),
            };
        }
        for code in &file.disable {
            if !known(code) {
                return Err(format!("disable: unknown code `{code}` (`sloc explain --all` lists them)"));
            }
        }
        config.disabled = file.disable;
        for (code, severity) in file.severity {
            if !known(&code) {
                return Err(format!("severity: unknown code `{code}` (`sloc explain --all` lists them)"));
            }
            let Some(s) = Severity::parse(&severity) else {
                return Err(format!("severity.{code}: `{severity}` is not one of info, warning, error"));
            };
            config.severity.insert(code, s);
        }
        Ok(config)
    }

    pub fn is_disabled(&self, code: &str) -> bool {
        self.disabled.iter().any(|c| c == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_validates() {
        let known = |c: &str| c.starts_with('L');
        let c = Config::parse("scrape_interval = \"30s\"\ndisable = [\"L012\"]\n[severity]\nL001 = \"error\"\n", known)
            .unwrap();
        assert_eq!(c.scrape_interval, Duration::from_secs(30));
        assert!(c.is_disabled("L012"));
        assert_eq!(c.severity["L001"], Severity::Error);
        assert!(Config::parse("disable = [\"Z9\"]", known).unwrap_err().contains("unknown code `Z9`"));
        assert!(Config::parse("scrape = 1", known).unwrap_err().contains("unknown field"));
        assert!(Config::parse("[severity]\nL001 = \"fatal\"", known).unwrap_err().contains("not one of"));
    }
}
