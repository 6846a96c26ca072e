//! The server a rule file is for: a KIND (Prometheus, Thanos, Mimir, Cortex), the Prometheus
//! version whose PromQL and rule format it speaks, and the feature flags it runs with. Every
//! verdict that differs between servers (PromQL syntax, functions, rule-file fields) asks the
//! target through one table, [`FEATURES`], which also renders `docs/targets.md`.

use std::fmt;

mod features;

pub use features::{FEATURES, FUNCTIONS, Feature, Function, docs_table, feature, function};

/// The newest Prometheus release sloc's tables know. The default target.
pub const NEWEST: Version = Version::new(3, 14);
/// The oldest release sloc judges; the Debian 12 package, which the test suite runs.
pub const OLDEST: Version = Version::new(2, 42);

/// Which server reads the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Prometheus,
    Thanos,
    Mimir,
    Cortex,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Prometheus, Kind::Thanos, Kind::Mimir, Kind::Cortex];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Prometheus => "prometheus",
            Kind::Thanos => "thanos",
            Kind::Mimir => "mimir",
            Kind::Cortex => "cortex",
        }
    }
}

/// A Prometheus release, major and minor (patch releases never change syntax).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
}

impl Version {
    pub const fn new(major: u16, minor: u16) -> Self {
        Version { major, minor }
    }

    /// Reads `3.14`, `3.14.0`, `v2.42.1` or a build's version string (`3.14.0-rc.0`).
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim().trim_start_matches('v');
        let mut parts = text.split(['.', '-', '+']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(Version { major, minor })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The feature flags (`--enable-feature`) that change what Prometheus' parser accepts.
pub const EXPERIMENTAL_FUNCTIONS: &str = "promql-experimental-functions";
pub const EXTENDED_RANGE_SELECTORS: &str = "promql-extended-range-selectors";
pub const BINOP_FILL_MODIFIERS: &str = "promql-binop-fill-modifiers";
pub const DURATION_EXPR: &str = "promql-duration-expr";

/// Every feature flag name Prometheus (2.42 to 3.14) knows. Only the four above change syntax;
/// the others are accepted so that a server's own flag list reads without complaint.
pub const KNOWN_FLAGS: &[&str] = &[
    EXPERIMENTAL_FUNCTIONS,
    EXTENDED_RANGE_SELECTORS,
    BINOP_FILL_MODIFIERS,
    DURATION_EXPR,
    "promql-delayed-name-removal",
    "promql-per-step-stats",
    "promql-at-modifier",
    "promql-negative-offset",
    "native-histograms",
    "created-timestamp-zero-ingestion",
    "concurrent-rule-eval",
    "delayed-compaction",
    "exemplar-storage",
    "expand-external-labels",
    "extra-scrape-metrics",
    "memory-snapshot-on-shutdown",
    "metadata-wal-records",
    "new-service-discovery-manager",
    "no-default-scrape-port",
    "old-ui",
    "otlp-deltatocumulative",
    "otlp-native-delta-ingestion",
    "otlp-write-receiver",
    "remote-write-receiver",
    "search-api",
    "st-storage",
    "st-synthesis",
    "histograms-st-encoding",
    "type-and-unit-labels",
    "use-start-timestamps",
    "use-uncached-io",
    "utf8-names",
    "xor2-encoding",
    "agent",
    "auto-gomaxprocs",
    "auto-gomemlimit",
    "auto-reload-config",
];

/// The server the rules are for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    /// For Prometheus, its release; for Thanos, Mimir and Cortex, the Prometheus release whose
    /// PromQL engine and rule format the server embeds.
    pub version: Version,
    /// Enabled feature flags, by Prometheus' names, sorted.
    flags: Vec<String>,
    /// Accept every kind's fields (reading what a server already holds, whatever it is).
    any_kind: bool,
}

impl Default for Target {
    fn default() -> Self {
        Target { kind: Kind::Prometheus, version: NEWEST, flags: Vec::new(), any_kind: false }
    }
}

/// Why a target was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError {
    pub message: String,
    pub help: String,
}

impl Target {
    pub fn new(kind: Kind, version: Version) -> Self {
        Target { kind, version, flags: Vec::new(), any_kind: false }
    }

    /// The newest Prometheus with every syntax flag on and every kind's fields: the most sloc
    /// accepts, for reading what a server already holds.
    pub fn everything() -> Self {
        let mut target = Target { any_kind: true, ..Target::default() };
        for flag in [EXPERIMENTAL_FUNCTIONS, EXTENDED_RANGE_SELECTORS, BINOP_FILL_MODIFIERS, DURATION_EXPR] {
            target.flags.push(flag.to_string());
        }
        target.flags.sort();
        target
    }

    /// Reads `KIND@VERSION` or `KIND` (the newest version).
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let (kind_text, version_text) = match text.split_once('@') {
            Some((k, v)) => (k, Some(v)),
            None => (text, None),
        };
        let kinds = Kind::ALL.map(Kind::name);
        let Some(kind) = Kind::ALL.into_iter().find(|k| k.name().eq_ignore_ascii_case(kind_text.trim())) else {
            return Err(TargetError {
                message: format!("unknown target kind `{kind_text}`"),
                help: format!("write KIND@VERSION, KIND one of {}, e.g. prometheus@{NEWEST}", kinds.join(", ")),
            });
        };
        let version = match version_text {
            None => NEWEST,
            Some(v) => Version::parse(v).ok_or_else(|| TargetError {
                message: format!("`{v}` is not a version"),
                help: format!("write MAJOR.MINOR, e.g. {}@{NEWEST} or {}@{OLDEST}", kind.name(), kind.name()),
            })?,
        };
        if version < OLDEST {
            return Err(TargetError {
                message: format!("sloc judges Prometheus {OLDEST} and later, not {version}"),
                help: format!("target {}@{OLDEST} is the closest sloc knows", kind.name()),
            });
        }
        Ok(Target::new(kind, version))
    }

    /// Turns a feature flag on. Unknown names are refused (the caller may suggest one of
    /// [`KNOWN_FLAGS`]).
    pub fn enable(&mut self, flag: &str) -> Result<(), TargetError> {
        let flag = flag.trim();
        if !KNOWN_FLAGS.contains(&flag) {
            return Err(TargetError {
                message: format!("unknown feature flag `{flag}`"),
                help: "sloc takes Prometheus' own --enable-feature names (docs/targets.md)".into(),
            });
        }
        if !self.has_flag(flag) {
            self.flags.push(flag.to_string());
            self.flags.sort();
        }
        Ok(())
    }

    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    pub fn flags(&self) -> &[String] {
        &self.flags
    }

    /// Does the target accept the feature? `Err` says why not and what would.
    pub fn allows(&self, feature: &Feature) -> Result<(), Refusal> {
        let refuse = |message: String, help: String| Err(Refusal { message, help, feature: feature.id });
        if !self.any_kind && !feature.kinds.is_empty() && !feature.kinds.contains(&self.kind) {
            let kinds: Vec<&str> = feature.kinds.iter().map(|k| k.name()).collect();
            return refuse(
                format!("{} is not accepted by {}", feature.what, self.kind.name()),
                format!("only {} read it; remove it for {}", kinds.join(" and "), self.kind.name()),
            );
        }
        if let Some(removed) = feature.removed
            && self.version >= removed
        {
            let instead = feature.instead.map(|i| format!("; use {i}")).unwrap_or_default();
            return refuse(
                format!("{} was removed in Prometheus {removed}{instead}", feature.what),
                format!("this target is {self}"),
            );
        }
        if self.version < feature.since {
            let flag = match (feature.flag, feature.flag_until) {
                (Some(flag), Some(until)) => format!(" (before {until}, with --enable-feature={flag})"),
                (Some(flag), None) => format!(" with --enable-feature={flag}"),
                _ => String::new(),
            };
            return refuse(
                format!("{} needs Prometheus {} or later{flag}", feature.what, feature.since),
                format!("this target is {self}; use --target {}@{} or later", self.kind.name(), feature.since),
            );
        }
        if let Some(flag) = feature.flag
            && feature.flag_until.is_none_or(|until| self.version < until)
            && !self.has_flag(flag)
        {
            return refuse(
                format!("{} needs --enable-feature={flag}", feature.what),
                format!("start {} with --enable-feature={flag} and pass the same to sloc", self.kind.name()),
            );
        }
        Ok(())
    }
}

/// A feature the target does not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub help: String,
    /// The feature's row in `docs/targets.md`.
    pub feature: &'static str,
}

impl Refusal {
    /// Where the feature is documented.
    pub fn link(&self) -> String {
        format!("docs/targets.md#{}", self.feature)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.kind.name(), self.version)?;
        for flag in &self.flags {
            write!(f, " +{flag}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_kind_and_version() {
        assert_eq!(Target::parse("prometheus@2.42").unwrap(), Target::new(Kind::Prometheus, Version::new(2, 42)));
        assert_eq!(Target::parse("Mimir").unwrap(), Target::new(Kind::Mimir, NEWEST));
        assert_eq!(Target::parse("thanos@v3.5.1").unwrap().version, Version::new(3, 5));
        assert!(Target::parse("victoria@1.0").unwrap_err().help.contains("prometheus, thanos, mimir, cortex"));
        assert!(Target::parse("prometheus@2.30").unwrap_err().message.contains("2.42 and later"));
        assert!(Target::parse("prometheus@three").is_err());
    }

    #[test]
    fn flags_are_prometheus_names() {
        let mut target = Target::default();
        target.enable(EXPERIMENTAL_FUNCTIONS).unwrap();
        assert!(target.has_flag(EXPERIMENTAL_FUNCTIONS));
        let e = target.enable("promql-experimental-function").unwrap_err();
        assert_eq!(e.message, "unknown feature flag `promql-experimental-function`");
    }

    #[test]
    fn functions_are_sorted_and_found() {
        assert!(FUNCTIONS.windows(2).all(|w| w[0].name < w[1].name), "FUNCTIONS is sorted by name");
        assert!(FUNCTIONS.iter().all(|f| function(f.name).is_some_and(|g| g.name == f.name)));
        assert!(function("Rate").is_none() && function("xrate").is_none());
    }

    #[test]
    fn refusals_name_the_version_flag_or_kind() {
        let old = Target::parse("prometheus@2.42").unwrap();
        let trims = feature("trim-operators").unwrap();
        assert!(old.allows(trims).unwrap_err().message.contains("3.11 or later"));
        assert!(Target::default().allows(trims).is_ok());
        let fill = feature("fill-modifiers").unwrap();
        let refusal = Target::default().allows(fill).unwrap_err();
        assert!(refusal.message.contains("--enable-feature=promql-binop-fill-modifiers"), "{refusal:?}");
        assert!(Target::everything().allows(fill).is_ok());
        // Duration expressions need the flag until 3.14, which turned them on by default.
        let durations = feature("duration-expressions").unwrap();
        assert!(Target::parse("prometheus@3.13").unwrap().allows(durations).is_err());
        assert!(Target::parse("prometheus@3.14").unwrap().allows(durations).is_ok());
        let holt = function("holt_winters").unwrap();
        assert!(old.allows(&holt.feature).is_ok());
        let removed = Target::default().allows(&holt.feature).unwrap_err();
        assert!(removed.message.contains("removed in Prometheus 3.0; use double_exponential_smoothing"), "{removed:?}");
        let tenants = feature("source-tenants").unwrap();
        assert!(Target::parse("mimir").unwrap().allows(tenants).is_ok());
        assert!(Target::default().allows(tenants).unwrap_err().message.contains("not accepted by prometheus"));
    }
}
